"""`vsi100k.metrics` adapted to TRL's reward-function signature.

TRL calls ``reward(prompts=..., completions=..., completion_ids=..., **dataset_columns)`` once per
generation batch and logs each function under ``rewards/<__name__>/mean``. Completions arrive as
conversations (``[{"role": "assistant", "content": text}]``) or plain strings; the dataset columns
``target`` and ``target_kind`` come from `vsi100k.train.data`.

Consistency with the evaluator: the accuracy reward is `vsi100k.metrics.accuracy_reward`, which reads
numbers and letters with the same scoring rule (`vsi100k.metrics.SCORING_RULES`, "lmms-eval" by
default) and the same functions `vsi100k.evaluate.scoring` scores with. Deliberate differences, all opt-in: the open question
form judges choice answers by the whole word (VSI-Bench asks for letters), ``numeric="linear"`` gives
a smoother number reward than mean relative accuracy, and think/observe modes add a format reward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from vsi100k.metrics import DEFAULT_SCORING, accuracy_reward, format_reward, number_of


def completion_text(completion: Any) -> str:
    """The generated text of one completion: the last assistant message's content, or the string itself."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        content = completion[-1].get("content", "")
        if isinstance(content, list):  # structured blocks: join the text parts
            return "".join(part.get("text", "") for part in content if part.get("type") == "text")
        return content or ""
    return ""


def make_accuracy_reward(
    mode: str, numeric: str = "mra", scoring: str = DEFAULT_SCORING
) -> Callable[..., list[float]]:
    """TRL reward: `vsi100k.metrics.accuracy_reward` of each completion against its row's target.

    Uses the evaluator's rule for the prompt mode and the ``scoring`` rule, so with ``numeric="mra"``
    and the vsibench question form a rollout earns exactly the score `vsi100k eval --scoring <rule>`
    would give the same text.
    """
    number_of("", scoring)  # an unknown rule fails when the trainer starts, not in the first batch

    def accuracy(
        completions: Sequence[Any], target: Sequence[str], target_kind: Sequence[str], **_: Any
    ) -> list[float]:
        return [
            accuracy_reward(completion_text(c), t, k, mode, numeric, scoring)
            for c, t, k in zip(completions, target, target_kind, strict=True)
        ]

    return accuracy


def make_format_reward(mode: str) -> Callable[..., list[float]]:
    """TRL reward: `vsi100k.metrics.format_reward` for the think or observe prompt mode."""
    format_reward("", mode)  # validate the mode now (vanilla has no format reward)

    def format(completions: Sequence[Any], **_: Any) -> list[float]:  # noqa: A001 - logged as rewards/format
        return [format_reward(completion_text(c), mode) for c in completions]

    return format


def reward_functions(
    mode: str, numeric: str = "mra", format_weight: float = 1.0, scoring: str = DEFAULT_SCORING
) -> tuple[list, list[float]]:
    """(reward functions, weights) for a prompt mode: accuracy (numbers read by ``scoring``), plus
    format in think/observe modes."""
    funcs = [make_accuracy_reward(mode, numeric, scoring)]
    weights = [1.0]
    if mode != "vanilla" and format_weight > 0:
        funcs.append(make_format_reward(mode))
        weights.append(format_weight)
    return funcs, weights
