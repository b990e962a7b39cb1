"""GRPO on TRL's `GRPOTrainer` with the paper's settings (arXiv 2504.00883).

`grpo_args(cfg)` is the single place where a `TrainConfig` becomes a `trl.GRPOConfig`: every field
that changes the algorithm is set explicitly (TRL 1.16 defaults: beta 0, 8 generations, lr 1e-6,
"dapo" loss, bias-corrected KL), so a TRL upgrade cannot silently change the recipe. Multi-GPU runs
go through `accelerate launch` exactly as TRL supports; nothing here is process-specific except
that only the main process writes files.
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
from vsi100k.train.rewards import reward_functions


def grpo_args(cfg: TrainConfig, num_processes: int = 1):
    """The `trl.GRPOConfig` of a run (paper values from ``cfg``, TRL defaults that matter pinned)."""
    from trl import GRPOConfig

    if (cfg.per_device_batch_size * cfg.gradient_accumulation_steps * num_processes) % cfg.num_generations:
        raise ConfigError(
            f"{cfg.per_device_batch_size} per device x {cfg.gradient_accumulation_steps} accumulation x "
            f"{num_processes} process(es) is not a multiple of num_generations={cfg.num_generations}: each "
            "optimiser step must hold whole groups of rollouts; e.g. 2 x 7 on one GPU for 14 generations"
        )
    _, weights = reward_functions(cfg.prompt_mode, cfg.numeric_reward, cfg.format_weight, cfg.scoring)
    return GRPOConfig(
        output_dir=str(cfg.output_dir),
        # the paper's values
        beta=cfg.beta,
        num_generations=cfg.num_generations,
        temperature=cfg.temperature,
        learning_rate=cfg.learning_rate,
        # the algorithm, pinned (original GRPO as the paper ran it)
        loss_type=cfg.loss_type,
        scale_rewards=cfg.scale_rewards,
        epsilon=cfg.epsilon,
        epsilon_high=None,
        delta=None,
        num_iterations=cfg.num_iterations,
        importance_sampling_level="token",
        use_bias_correction_kl=False,
        multi_objective_aggregation="sum_then_normalize",
        reward_weights=weights,
        mask_truncated_completions=False,
        top_entropy_quantile=1.0,
        entropy_coef=0.0,
        sync_ref_model=False,
        disable_dropout=False,
        # sampling, pinned
        max_completion_length=cfg.max_completion_length,
        top_p=1.0,
        top_k=0,
        min_p=None,
        repetition_penalty=1.0,
        generation_batch_size=cfg.generation_batch_size,
        steps_per_generation=None,
        cache_implementation=cfg.cache_implementation,
        shuffle_dataset=True,
        # generation backend
        **vllm_settings(cfg),
        # data: keep target/target_kind/images for the rewards and the processor
        remove_unused_columns=False,
        **optimisation_args(cfg),
        log_completions=False,
        dataloader_num_workers=0,
        **cfg.extra,
    )


def vllm_settings(cfg: TrainConfig) -> dict:
    """The GRPOConfig fields of the vLLM rollout path (``use_vllm`` and the vllm_* settings)."""
    return {
        "use_vllm": cfg.use_vllm,
        "vllm_mode": cfg.vllm_mode,
        "vllm_gpu_memory_utilization": cfg.vllm_gpu_memory_utilization,
        "vllm_max_model_length": cfg.vllm_max_model_length,
    }


def train_grpo(cfg: TrainConfig, callbacks: Sequence = (), profiler=None) -> dict:
    """Run GRPO for ``cfg``; returns the run summary (global step, log history, trainable parameters).

    ``profiler``: a `vsi100k.train.profile.StepProfiler` to attach to the trainer (per-step timings).

    Writes to ``cfg.output_dir``: checkpoints every ``save_steps``, metrics.jsonl (one line per log:
    loss, reward, rewards/<name>/mean, kl, completion lengths), the final model or LoRA adapters, the
    processor, train_config.json and train_summary.json.
    """
    if cfg.method != "grpo":
        raise ConfigError(f"train_grpo got method={cfg.method!r}; call train_sft for the SFT baseline")
    from accelerate import PartialState

    from vsi100k.train.rollouts import grpo_trainer_class

    Path(cfg.output_dir).mkdir(parents=True, exist_ok=True)
    args = grpo_args(cfg, num_processes=PartialState().num_processes)
    dataset = training_dataset(cfg)
    processor = load_processor(cfg.model, cfg.frame_max_pixels)
    funcs, _ = reward_functions(cfg.prompt_mode, cfg.numeric_reward, cfg.format_weight, cfg.scoring)
    trainer_class = grpo_trainer_class(cfg.lora and cfg.merge_lora_for_rollouts)
    trainer = trainer_class(
        model=cfg.model,
        reward_funcs=funcs,
        args=args,
        train_dataset=dataset,
        processing_class=processor,
        peft_config=lora_config(cfg),
        callbacks=[metrics_logger(cfg.output_dir), *callbacks],
    )
    if profiler is not None:
        profiler.attach(trainer)
    return train_and_finish(trainer, processor, cfg, train_questions=len(dataset))
