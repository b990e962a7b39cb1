"""Faster transformers rollouts for LoRA runs: generate with the adapters merged into the weights.

With LoRA every decoding step of a rollout runs each adapted projection twice (base weight, then the
low-rank pair): for 256-token rollouts that is thousands of extra small kernels per completion, which
is why LoRA GRPO ran slower than full fine-tuning. `merged_lora(model)` folds each active adapter into
its base weight for the duration of a ``with`` block (so generation runs plain linear layers) and puts
the original weight tensors back afterwards. It swaps tensors instead of adding and subtracting the
delta in place, so the base weights come back bit-identical even in bfloat16 (in-place merge/unmerge,
as PEFT's ``merge_adapter``/``unmerge_adapter`` do, drifts by rounding at every step). Cost: one
extra copy of the adapted weights while generating.

`grpo_trainer_class()` is TRL's `GRPOTrainer` with rollouts generated under `merged_lora` when the
model is a PEFT model and vLLM is off (TRL's vLLM path already merges for its weight sync).
"""

from __future__ import annotations

from contextlib import contextmanager


def lora_layers(model) -> list:
    """The PEFT LoRA layers of ``model`` that have an active, unmerged adapter ([] for a plain model)."""
    try:
        from peft.tuners.lora import LoraLayer
    except ImportError:
        return []
    found = []
    for module in model.modules():
        if isinstance(module, LoraLayer) and not module.merged and not module.disable_adapters:
            if any(name in module.lora_A for name in module.active_adapters):
                found.append(module)
    return found


@contextmanager
def merged_lora(model):
    """Within the block, every active LoRA adapter of ``model`` is part of its base weight (and skipped
    by the layer's forward); on exit the original weight tensors are restored exactly."""
    import torch

    saved = []
    try:
        with torch.no_grad():
            for layer in lora_layers(model):
                active = [name for name in layer.active_adapters if name in layer.lora_A]
                base = layer.get_base_layer()
                original = base.weight.data
                merged = original.clone()
                for name in active:
                    merged += layer.get_delta_weight(name).to(merged.dtype)
                base.weight.data = merged
                layer.merged_adapters.extend(active)
                saved.append((layer, base, original, active))
        yield model
    finally:
        for layer, base, original, active in saved:
            base.weight.data = original
            for name in active:
                layer.merged_adapters.remove(name)


def grpo_trainer_class(merge_lora_for_rollouts: bool = True):
    """`trl.GRPOTrainer`, or a subclass generating transformers rollouts under `merged_lora`."""
    from trl import GRPOTrainer

    if not merge_lora_for_rollouts:
        return GRPOTrainer

    class MergedRolloutGRPOTrainer(GRPOTrainer):
        """GRPOTrainer whose transformers rollouts run with the LoRA adapters merged."""

        def _generate_single_turn(self, *args, **kwargs):
            if self.use_vllm:
                return super()._generate_single_turn(*args, **kwargs)
            with merged_lora(self.accelerator.unwrap_model(self.model)):
                return super()._generate_single_turn(*args, **kwargs)

    return MergedRolloutGRPOTrainer
