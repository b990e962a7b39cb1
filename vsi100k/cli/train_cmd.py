"""`vsi100k train`: GRPO (or the SFT baseline) of a Qwen2-VL-class model on a vsi100k dataset."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from vsi100k.cli.options import choices, command_errors, out_option
from vsi100k.metrics import DEFAULT_SCORING, NUMERIC_REWARDS, PROMPT_MODES, SCORING_RULES
from vsi100k.prompts import QUESTION_FORMS
from vsi100k.train.config import ATTN_IMPLEMENTATIONS, CACHE_IMPLEMENTATIONS, DTYPES, METHODS

Method = choices("Method", METHODS)
PromptMode = choices("PromptMode", PROMPT_MODES)
QuestionForm = choices("QuestionForm", QUESTION_FORMS)
Dtype = choices("Dtype", DTYPES)
NumericReward = choices("NumericReward", NUMERIC_REWARDS)
Scoring = choices("Scoring", SCORING_RULES)
AttnImplementation = choices("AttnImplementation", ATTN_IMPLEMENTATIONS)
CacheImplementation = choices("CacheImplementation", CACHE_IMPLEMENTATIONS)


def train(
    data: Annotated[str, typer.Option(help="Local build folder (from `vsi100k build`) or Hub dataset id.")],
    model: Annotated[str, typer.Option(help="Model path or Hub id (Qwen2-VL / Qwen2.5-VL).")],
    output_dir: out_option("checkpoints, metrics.jsonl and the final model"),
    method: Annotated[Method, typer.Option(help="grpo, or sft for the paper's supervised baseline.")] = Method("grpo"),
    prompt_mode: Annotated[
        Optional[PromptMode],
        typer.Option(help="vanilla | think | observe (the paper's prompts). Default: think for grpo, vanilla for sft."),
    ] = None,
    question_form: Annotated[
        QuestionForm, typer.Option(help="vsibench (options, letter answers) | open (paper's option-free form).")
    ] = QuestionForm("vsibench"),
    config: Annotated[str, typer.Option(help="Question config: a question type or 'all'.")] = "all",
    split: Annotated[str, typer.Option(help="Split to train on.")] = "train",
    num_frames: Annotated[int, typer.Option("--frames", help="Frames per question, uniformly from the scene's frames.")] = 16,
    frame_max_pixels: Annotated[
        int, typer.Option(help="Pixel cap per frame in the image processor (0 = processor default).")
    ] = 128 * 28 * 28,
    max_questions: Annotated[int, typer.Option(help="Train on the first N questions only (0 = all).")] = 0,
    beta: Annotated[float, typer.Option(help="KL coefficient (paper: 1e-4; 0 collapsed).")] = 1e-4,
    num_generations: Annotated[int, typer.Option(help="Rollouts per question (paper: 14).")] = 14,
    temperature: Annotated[float, typer.Option(help="Sampling temperature (paper: 1.0).")] = 1.0,
    learning_rate: Annotated[float, typer.Option(help="Learning rate (paper: 1e-5).")] = 1e-5,
    max_completion_length: Annotated[int, typer.Option(help="Max tokens per rollout.")] = 512,
    numeric_reward: Annotated[
        NumericReward, typer.Option(help="Reward of numeric answers: mra (mean relative accuracy) | linear.")
    ] = NumericReward("mra"),
    scoring: Annotated[
        Scoring,
        typer.Option(help="How numbers are read from an answer, as vsi100k eval --scoring: lmms-eval | thinking-in-space."),
    ] = Scoring(DEFAULT_SCORING),
    per_device_batch_size: Annotated[int, typer.Option(help="Completions per device per micro-step.")] = 2,
    gradient_accumulation_steps: Annotated[int, typer.Option(help="Micro-steps per optimiser step.")] = 7,
    num_train_epochs: Annotated[float, typer.Option(help="Epochs over the questions.")] = 1.0,
    max_steps: Annotated[int, typer.Option(help="Stop after this many optimiser steps (-1 = epochs decide).")] = -1,
    save_steps: Annotated[int, typer.Option(help="Checkpoint every N steps.")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of data order, sampling and LoRA init.")] = 42,
    lora: Annotated[bool, typer.Option("--lora/--no-lora", help="Train LoRA adapters on the language model.")] = False,
    lora_r: Annotated[int, typer.Option(help="LoRA rank.")] = 64,
    lora_alpha: Annotated[int, typer.Option(help="LoRA alpha.")] = 128,
    freeze_vision: Annotated[
        bool, typer.Option("--freeze-vision/--train-vision", help="Keep the vision tower fixed.")
    ] = False,
    dtype: Annotated[Dtype, typer.Option(help="Weights dtype (--cpu trains in float32).")] = Dtype("bfloat16"),
    gradient_checkpointing: Annotated[
        bool, typer.Option("--gradient-checkpointing/--no-gradient-checkpointing",
                           help="Recompute activations in the backward pass: less GPU memory, about a third "
                                "more compute per step.")
    ] = True,
    use_vllm: Annotated[
        bool, typer.Option("--vllm", "--use-vllm", help="Generate rollouts with vLLM colocated (needs the vllm extra: pip install 'vsi100k[vllm]').")
    ] = False,
    vllm_gpu_memory_utilization: Annotated[
        float, typer.Option(help="GPU memory share vLLM may take when colocated.")
    ] = 0.3,
    vllm_max_model_length: Annotated[
        int, typer.Option(help="vLLM context per sequence: prompt + completion tokens (0 = the model's).")
    ] = 0,
    attn_implementation: Annotated[
        AttnImplementation, typer.Option(help="auto (flash_attention_2 when installed, else sdpa) | sdpa | "
                                              "flash_attention_2 | eager.")
    ] = AttnImplementation("auto"),
    cache_implementation: Annotated[
        CacheImplementation, typer.Option(help="KV cache of transformers rollouts: dynamic | static.")
    ] = CacheImplementation("dynamic"),
    generation_batch_size: Annotated[
        int, typer.Option(help="Completions per generate call, a multiple of --num-generations (0 = one step's).")
    ] = 0,
    merge_lora_for_rollouts: Annotated[
        bool,
        typer.Option(
            "--merge-lora-for-rollouts/--no-merge-lora-for-rollouts",
            help="With --lora, generate transformers rollouts with the adapters merged (faster).",
        ),
    ] = True,
    report_to: Annotated[
        list[str], typer.Option(help="Trackers for TRL (wandb, tensorboard, ...); repeatable.")
    ] = [],  # noqa: B006
    cpu: Annotated[bool, typer.Option("--cpu", help="Train on CPU (float32; for tiny models and tests).")] = False,
) -> None:
    """Train a Qwen2-VL-class model on vsi100k questions with TRL (GRPO by default).

    Examples:

      vsi100k train --data ./vsi100k-build --model Qwen/Qwen2-VL-2B-Instruct -o runs/grpo --lora

      vsi100k train --data user/vsi100k --model Qwen/Qwen2-VL-2B-Instruct -o runs/sft --method sft

      vsi100k train --data ./vsi100k-build --model /models/Qwen2-VL-2B-Instruct -o runs/grpo --vllm

      accelerate launch --num_processes 4 -m vsi100k train --data ./build --model ... -o runs/grpo
    """
    from vsi100k.train.config import TrainConfig
    from vsi100k.train.preflight import check_model_run

    method, question_form, numeric_reward, scoring = method.value, question_form.value, numeric_reward.value, scoring.value
    dtype, attn_implementation = dtype.value, attn_implementation.value
    cache_implementation = cache_implementation.value
    prompt_mode = prompt_mode.value if prompt_mode is not None else None
    with command_errors(lambda: f"training stopped; the checkpoints saved so far (every --save-steps steps) are in "
                                f"{output_dir}; a rerun starts from --model again"):
        cfg = TrainConfig(
            model=model,
            data=data,
            output_dir=output_dir,
            method=method,
            config=config,
            split=split,
            prompt_mode=prompt_mode or ("vanilla" if method == "sft" else "think"),
            question_form=question_form,
            num_frames=num_frames,
            frame_max_pixels=frame_max_pixels or None,
            max_questions=max_questions or None,
            beta=beta,
            num_generations=num_generations,
            temperature=temperature,
            learning_rate=learning_rate,
            max_completion_length=max_completion_length,
            numeric_reward=numeric_reward,
            scoring=scoring,
            per_device_batch_size=per_device_batch_size,
            gradient_accumulation_steps=gradient_accumulation_steps,
            num_train_epochs=num_train_epochs,
            max_steps=max_steps,
            save_steps=save_steps,
            seed=seed,
            lora=lora,
            lora_r=lora_r,
            lora_alpha=lora_alpha,
            freeze_vision=freeze_vision,
            dtype="float32" if cpu else dtype,
            gradient_checkpointing=gradient_checkpointing,
            use_vllm=use_vllm,
            vllm_gpu_memory_utilization=vllm_gpu_memory_utilization,
            vllm_max_model_length=vllm_max_model_length or None,
            attn_implementation=attn_implementation,
            cache_implementation=None if cache_implementation == "dynamic" else cache_implementation,
            generation_batch_size=generation_batch_size or None,
            merge_lora_for_rollouts=merge_lora_for_rollouts,
            report_to=tuple(report_to),
            use_cpu=cpu,
        )
        # before any heavy import or data work: the extra, the model folder, the GPU
        check_model_run(model, cpu=cpu, extra="train", backend="vllm" if use_vllm else "transformers")
        if cfg.method == "sft":
            from vsi100k.train.sft import train_sft

            summary = train_sft(cfg)
        else:
            from vsi100k.train.grpo import train_grpo

            summary = train_grpo(cfg)
    typer.echo(f"{cfg.method}: {summary['global_step']} steps; model and metrics.jsonl in {cfg.output_dir}")
