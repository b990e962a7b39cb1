"""Per-step time breakdown of a GRPO run: where an optimiser step's wall time goes.

`StepProfiler.attach(trainer)` wraps methods of one `trl.GRPOTrainer` instance (never the class) and
registers itself as a callback. Phases, in seconds per optimiser step:

- ``rollout_generation``: ``_generate_single_turn`` (transformers ``generate`` or vLLM);
- ``reference_and_old_policy_forward``: ``_get_per_token_logps_and_entropies`` outside the loss
  (the KL reference model's and, with num_iterations > 1, the old policy's log-probabilities);
- ``rewards``: ``_calculate_rewards``;
- ``policy_forward``: ``compute_loss`` (the policy's forward pass and the loss);
- ``backward``: ``accelerator.backward``;
- ``optimizer``: between the ``on_pre_optimizer_step`` and ``on_optimizer_step`` callbacks;
- ``other``: the rest of the step (prompt tokenisation, image processing, padding, logging).

``step`` runs from ``on_step_begin`` to ``on_step_end`` (the data loader's fetch of the step's batch
happens before it and is not counted). With a GPU every boundary synchronises CUDA so kernels are
charged to the phase that launched them; that costs a little throughput, so profile in benchmarks,
not in production runs. Relies on TRL 1.16's method names; a missing one is an error naming it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

PHASES = (
    "rollout_generation",
    "reference_and_old_policy_forward",
    "rewards",
    "policy_forward",
    "backward",
    "optimizer",
    "other",
)
TRAINER_METHODS = {
    "_generate_single_turn": "rollout_generation",
    "_calculate_rewards": "rewards",
    "compute_loss": "policy_forward",
    "_get_per_token_logps_and_entropies": "reference_and_old_policy_forward",
}


def _cuda_sync() -> None:
    import torch

    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


class StepProfiler:
    """Collects one dict of phase -> seconds per optimiser step in ``steps`` (plus ``step``: the total)."""

    def __init__(self, sync: Callable[[], None] | None = _cuda_sync, clock: Callable[[], float] = time.perf_counter):
        self.sync = sync or (lambda: None)
        self.clock = clock
        self.steps: list[dict[str, float]] = []
        self._current: dict[str, float] = {}
        self._step_start: float | None = None
        self._optimizer_start = 0.0
        self._depth = 0  # > 0 inside a timed phase: nested calls are charged to the outer one

    def _timed(self, phase: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if self._depth:
                return function(*args, **kwargs)
            self.sync()
            start = self.clock()
            self._depth += 1
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                self.sync()
                self._current[phase] = self._current.get(phase, 0.0) + self.clock() - start

        return wrapper

    def attach(self, trainer) -> "StepProfiler":
        """Wrap ``trainer``'s phase methods and add the step/optimiser callback; returns self."""
        from transformers import TrainerCallback

        for name, phase in TRAINER_METHODS.items():
            method = getattr(trainer, name, None)
            if method is None:
                raise AttributeError(
                    f"{type(trainer).__name__} has no method {name!r}; the step profiler follows TRL 1.16's GRPOTrainer"
                )
            setattr(trainer, name, self._timed(phase, method))
        trainer.accelerator.backward = self._timed("backward", trainer.accelerator.backward)
        profiler = self

        class _Boundaries(TrainerCallback):
            def on_step_begin(self, args, state, control, **kwargs):
                profiler.sync()
                profiler._current = {}
                profiler._step_start = profiler.clock()

            def on_pre_optimizer_step(self, args, state, control, **kwargs):
                profiler.sync()
                profiler._optimizer_start = profiler.clock()

            def on_optimizer_step(self, args, state, control, **kwargs):
                profiler.sync()
                profiler._current["optimizer"] = profiler.clock() - profiler._optimizer_start

            def on_step_end(self, args, state, control, **kwargs):
                profiler.sync()
                if profiler._step_start is None:
                    return
                profiler.steps.append(profiler.close_step(profiler.clock() - profiler._step_start))
                profiler._step_start = None

        trainer.add_callback(_Boundaries())
        return self

    def close_step(self, total: float) -> dict[str, float]:
        """The finished step's record: every phase (0 when absent), ``other`` = total - phases, ``step``."""
        record = {phase: self._current.get(phase, 0.0) for phase in PHASES if phase != "other"}
        record["other"] = max(0.0, total - sum(record.values()))
        record["step"] = total
        self._current = {}
        return record

    def mean(self, skip_first: int = 0) -> dict[str, float]:
        """Mean seconds per phase over the recorded steps after the first ``skip_first`` (warm-up)."""
        steps = self.steps[skip_first:] or self.steps
        if not steps:
            raise ValueError("no optimiser step was recorded; did training run?")
        return {key: sum(s[key] for s in steps) / len(steps) for key in (*PHASES, "step")}


def format_breakdown(mean: dict[str, float]) -> str:
    """One line per phase: seconds and share of the step, e.g. ``rollout_generation  12.31 s  71.6%``."""
    total = mean["step"] or 1.0
    lines = [f"{phase:<34} {mean[phase]:8.3f} s {100 * mean[phase] / total:6.1f}%" for phase in PHASES]
    lines.append(f"{'step':<34} {mean['step']:8.3f} s")
    return "\n".join(lines)
