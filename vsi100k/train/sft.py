"""The paper's supervised baseline: TRL's `SFTTrainer` on the same questions and frames as GRPO.

Each example is the vanilla prompt (frames + question) and the bare answer as the assistant turn;
the loss covers only the answer tokens (prompt-completion data, ``completion_only_loss=True``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from vsi100k.errors import ConfigError
from vsi100k.train.common import (
    load_processor, lora_config, metrics_logger, optimisation_args, train_and_finish,
)
from vsi100k.train.config import TrainConfig
from vsi100k.train.data import training_dataset


def sft_args(cfg: TrainConfig):
    """The `trl.SFTConfig` of a run; TRL defaults that matter for vision data are pinned."""
    from trl import SFTConfig

    return SFTConfig(
        output_dir=str(cfg.output_dir),
        learning_rate=cfg.learning_rate,
        # vision data is tokenised on the fly by the collator; truncation could cut image tokens
        max_length=None,
        completion_only_loss=True,
        assistant_only_loss=False,
        packing=False,
        padding_free=False,
        loss_type="nll",
        shuffle_dataset=True,
        remove_unused_columns=False,
        dataset_kwargs={"skip_prepare_dataset": True},
        **optimisation_args(cfg),
        dataloader_num_workers=0,
        **cfg.extra,
    )


def train_sft(cfg: TrainConfig, callbacks: Sequence = ()) -> dict:
    """Run the SFT baseline for ``cfg`` (method "sft", vanilla prompts); returns the run summary.

    Writes the same files as `vsi100k.train.grpo.train_grpo` (checkpoints, metrics.jsonl with loss and
    token accuracy, final model or adapters, processor, train_config.json, train_summary.json).
    """
    if cfg.method != "sft":
        raise ConfigError(f"train_sft got method={cfg.method!r}; call train_grpo for GRPO")
    from trl import SFTTrainer

    Path(cfg.output_dir).mkdir(parents=True, exist_ok=True)
    args = sft_args(cfg)
    dataset = training_dataset(cfg)
    processor = load_processor(cfg.model, cfg.frame_max_pixels)
    trainer = SFTTrainer(
        model=cfg.model,
        args=args,
        train_dataset=dataset,
        processing_class=processor,
        peft_config=lora_config(cfg),
        callbacks=[metrics_logger(cfg.output_dir), *callbacks],
    )
    return train_and_finish(trainer, processor, cfg, train_questions=len(dataset))
