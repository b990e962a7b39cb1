"""Pieces shared by the GRPO and SFT runs: processor, LoRA, frozen vision tower, metric logging, run files.

Heavy imports (torch, transformers, peft) happen inside the functions.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from vsi100k.train.config import TrainConfig

METRICS_FILE = "metrics.jsonl"
CONFIG_FILE = "train_config.json"
SUMMARY_FILE = "train_summary.json"


def load_processor(model: str, frame_max_pixels: int | None):
    """The model's processor, left-padded, with each frame capped at ``frame_max_pixels`` pixels.

    Qwen2-VL's image processor resizes every image to between min and max pixels (multiples of
    patch x merge size); capping the maximum bounds the visual tokens per frame (e.g. 128 x 28 x 28
    pixels -> at most 128 tokens per frame for Qwen2-VL).
    """
    from transformers import AutoProcessor

    processor = AutoProcessor.from_pretrained(model, padding_side="left", truncation_side="left")
    image_processor = getattr(processor, "image_processor", None)
    if image_processor is None:
        raise ValueError(
            f"{model}: the processor has no image processor; train a vision-language model (Qwen2-VL / Qwen2.5-VL)"
        )
    if frame_max_pixels is not None:
        size = dict(image_processor.size)
        size["longest_edge"] = int(frame_max_pixels)
        size["shortest_edge"] = min(int(size.get("shortest_edge", frame_max_pixels)), int(frame_max_pixels))
        image_processor.size = size
    return processor


def language_model_lora_pattern(targets: tuple[str, ...]) -> str:
    """A PEFT ``target_modules`` regex selecting the named projections outside the vision tower.

    Qwen2.5-VL's vision blocks reuse the names gate_proj/up_proj/down_proj, so plain names would also
    adapt the vision tower; the pattern excludes every module path containing "visual".
    """
    names = "|".join(re.escape(t) for t in targets)
    return rf"^(?!.*\bvisual\b).*\.({names})$"


def lora_config(cfg: TrainConfig):
    """A `peft.LoraConfig` for the language model of a Qwen2-VL-class model, or None without --lora."""
    if not cfg.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=cfg.lora_r,
        lora_alpha=cfg.lora_alpha,
        lora_dropout=cfg.lora_dropout,
        target_modules=language_model_lora_pattern(cfg.lora_target_modules),
        task_type="CAUSAL_LM",
        bias="none",
    )


def freeze_vision_tower(model) -> int:
    """Stop gradients to every parameter of the vision tower; returns how many tensors were frozen."""
    frozen = 0
    for name, param in model.named_parameters():
        if re.search(r"\bvisual\b", name) and param.requires_grad:
            param.requires_grad_(False)
            frozen += 1
    if frozen == 0:
        raise ValueError("freeze_vision: found no parameters under a 'visual' module; is this a Qwen2-VL-class model?")
    return frozen


def metrics_logger(output_dir: Path):
    """A `TrainerCallback` appending every log dict (step, loss, rewards, KL, ...) to metrics.jsonl."""
    from transformers import TrainerCallback

    path = Path(output_dir) / METRICS_FILE

    class JsonlMetrics(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {"step": state.global_step, **{k: _jsonable(v) for k, v in logs.items()}}
            with path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    return JsonlMetrics()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def report_to(cfg: TrainConfig) -> list[str] | str:
    return list(cfg.report_to) if cfg.report_to else "none"


def finish_run(trainer, processor, cfg: TrainConfig, extra: dict | None = None) -> dict:
    """Save the final model (or adapters) + processor + config + summary in ``cfg.output_dir``; returns the summary."""
    output_dir = Path(cfg.output_dir)
    trainer.save_model(str(output_dir))
    summary = {
        "method": cfg.method,
        "global_step": int(trainer.state.global_step),
        "log_history": [{k: _jsonable(v) for k, v in entry.items()} for entry in trainer.state.log_history],
        **(extra or {}),
    }
    if trainer.is_world_process_zero():
        processor.save_pretrained(str(output_dir))
        (output_dir / CONFIG_FILE).write_text(json.dumps(cfg.to_dict(), indent=2) + "\n", encoding="utf-8")
        (output_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def resolve_attn_implementation(cfg: TrainConfig) -> str:
    """The attention kernel to load the model with: ``cfg.attn_implementation``, with "auto" ->
    flash_attention_2 when the flash-attn package imports and a GPU is used, else sdpa."""
    if cfg.attn_implementation != "auto":
        return cfg.attn_implementation
    if cfg.use_cpu:
        return "sdpa"
    import importlib.util

    import torch

    if importlib.util.find_spec("flash_attn") is not None and torch.cuda.is_available():
        return "flash_attention_2"
    return "sdpa"


def optimisation_args(cfg: TrainConfig) -> dict[str, Any]:
    """Trainer arguments GRPO and SFT share: optimiser, schedule, precision, logging and
    checkpoints, every TRL/transformers default that matters pinned."""
    use_bf16 = cfg.dtype == "bfloat16" and not cfg.use_cpu
    return dict(
        per_device_train_batch_size=cfg.per_device_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation_steps,
        num_train_epochs=cfg.num_train_epochs,
        max_steps=cfg.max_steps,
        lr_scheduler_type=cfg.lr_scheduler_type,
        warmup_steps=cfg.warmup_ratio,
        weight_decay=cfg.weight_decay,
        max_grad_norm=cfg.max_grad_norm,
        optim="adamw_torch",
        seed=cfg.seed,
        data_seed=cfg.seed,
        gradient_checkpointing=cfg.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if cfg.gradient_checkpointing else None,
        bf16=use_bf16,
        fp16=False,
        use_cpu=cfg.use_cpu,
        model_init_kwargs={"dtype": cfg.dtype, "attn_implementation": resolve_attn_implementation(cfg)},
        logging_steps=cfg.logging_steps,
        save_strategy="steps",
        save_steps=cfg.save_steps,
        save_total_limit=cfg.save_total_limit,
        report_to=report_to(cfg),
    )


def train_and_finish(trainer, processor, cfg: TrainConfig, *, train_questions: int) -> dict:
    """Freeze the vision tower when asked (full fine-tuning only), train, save, and summarise."""
    if cfg.freeze_vision and not cfg.lora:
        freeze_vision_tower(trainer.model)
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    trainer.train()
    return finish_run(trainer, processor, cfg, {"trainable_parameters": int(trainable), "train_questions": train_questions})
