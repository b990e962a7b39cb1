"""GRPO throughput and memory of the real Qwen2-VL-2B architecture (random weights), 16 frames per question.

Self-contained and offline: the architecture comes from Qwen2-VL-2B-Instruct's published config values
written below (no download); the tokenizer is a local word-level vocabulary of the same size whose
special tokens sit at Qwen2-VL's ids; the dataset is a small vsi100k build of random 640x480 JPEG
frames written with the project's own writer. The run goes through `vsi100k.train.grpo.train_grpo`,
so it measures the trainer users get (paper defaults: beta 1e-4, temperature 1.0, lr 1e-5), with
`vsi100k.train.profile.StepProfiler` attached: besides s/step and completions/s it prints where a step's
time goes (rollout generation, reference/old-policy forward, rewards, policy forward, backward,
optimiser, other).

Random weights never emit end-of-sequence, so every rollout runs to --max-completion-length tokens:
the figures are a worst case per token budget. The first optimiser step (compilation, allocator
warm-up) is excluded from the timings.

Usage (GPU machine):
    python bench/grpo_gpu.py --steps 4 --frames 16 --generations 14
    python bench/grpo_gpu.py --steps 4 --frames 16 --generations 14 --lora
    python bench/grpo_gpu.py --steps 4 --lora --no-merge-lora          # LoRA without merged rollouts (before)
    python bench/grpo_gpu.py --steps 4 --cache-implementation static --generation-batch-size 28
    python bench/grpo_gpu.py --steps 4 --frames 16 --generations 14 --use-vllm
    python bench/grpo_gpu.py --arch tiny --cpu --steps 2 --frames 2 --generations 2   # smoke test on CPU
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
from pathlib import Path

# Qwen/Qwen2-VL-2B-Instruct config.json (published values).
QWEN2_VL_2B = {
    "text": {
        "vocab_size": 151936,
        "hidden_size": 1536,
        "intermediate_size": 8960,
        "num_hidden_layers": 28,
        "num_attention_heads": 12,
        "num_key_value_heads": 2,
        "hidden_act": "silu",
        "max_position_embeddings": 32768,
        "max_window_layers": 28,
        "rms_norm_eps": 1e-6,
        "use_sliding_window": False,
        "sliding_window": 32768,
        "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [16, 24, 24]},
        "bos_token_id": 151643,
        "eos_token_id": 151645,
    },
    "vision": {
        "depth": 32,
        "embed_dim": 1280,
        "hidden_size": 1536,
        "mlp_ratio": 4,
        "num_heads": 16,
        "in_channels": 3,
        "patch_size": 14,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    },
    "tie_word_embeddings": True,
    "special_ids": {
        "<|endoftext|>": 151643,
        "<|im_start|>": 151644,
        "<|im_end|>": 151645,
        "<|vision_start|>": 151652,
        "<|vision_end|>": 151653,
        "<|vision_pad|>": 151654,
        "<|image_pad|>": 151655,
        "<|video_pad|>": 151656,
    },
    "patch_size": 14,
}

# For a CPU smoke test of this script only.
TINY = {
    "text": {
        **QWEN2_VL_2B["text"],
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]},
    },
    "vision": {**QWEN2_VL_2B["vision"], "depth": 1, "embed_dim": 32, "hidden_size": 64, "num_heads": 2},
    "tie_word_embeddings": True,
    "special_ids": QWEN2_VL_2B["special_ids"],
    "patch_size": 14,
}

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

QUESTIONS = [
    ("object_counting", "How many chair(s) are in this room?", ("A. 2", "B. 3", "C. 4", "D. 5"), "3", "3", "number"),
    (
        "object_rel_distance",
        "Measuring from the closest point of each object, which of these objects (chair, table, sofa, lamp) "
        "is the closest to the bed?",
        ("A. chair", "B. table", "C. sofa", "D. lamp"),
        "C",
        "sofa",
        "choice",
    ),
    (
        "room_size_estimation",
        "What is the size of this room (in square meters)? "
        "If multiple rooms are shown, estimate the size of the combined space.",
        ("A. 12.5", "B. 20.1", "C. 28.0", "D. 35.2"),
        "20.1",
        "20.1",
        "number",
    ),
]


def build_tokenizer(vocab_size: int, special_ids: dict[str, int]):
    """A word-level tokenizer of exactly ``vocab_size`` ids, special tokens at Qwen2-VL's ids."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words: list[str] = ["[UNK]"]
    corpus = " ".join(q for _, q, *_ in QUESTIONS) + " These are frames of a video. Options: Answer with the option's "
    corpus += "letter from the given choices directly. Please answer question using single word or phrase. "
    corpus += "First think it through step by step inside <think> </think> tags, then give final <answer> </answer> "
    corpus += "The is only number. user assistant system A B C D 0 1 2 3 4 5 6 7 8 9 . , ? ( ) : '"
    for word in pre_tokenizers.WhitespaceSplit().pre_tokenize_str(corpus):
        if word[0] not in words:
            words.append(word[0])
    vocab: dict[str, int] = {}
    free = iter(i for i in range(vocab_size) if i not in set(special_ids.values()))
    for word in words:
        vocab[word] = next(free)
    for index in free:
        vocab[f"w{index}"] = index
    for token, index in special_ids.items():
        vocab[token] = index
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    backend.decoder = decoders.WordPiece(prefix="##")  # joins words with spaces
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=[t for t in special_ids if t not in ("<|im_end|>", "<|endoftext|>")],
        padding_side="left",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    return tokenizer


def save_random_model(arch: dict, folder: Path, frame_max_pixels: int, dtype: str) -> Path:
    """Random-init Qwen2-VL of ``arch`` + processor saved to ``folder``; returns the folder."""
    import torch
    from transformers import (
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    ids = arch["special_ids"]
    tokenizer = build_tokenizer(arch["text"]["vocab_size"], ids)
    patch = arch["patch_size"]
    image_processor = Qwen2VLImageProcessor(min_pixels=56 * 56, max_pixels=frame_max_pixels, patch_size=patch)
    video_processor = Qwen2VLVideoProcessor(patch_size=patch)
    processor = Qwen2VLProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=CHAT_TEMPLATE,
    )
    config = Qwen2VLConfig(
        text_config={**arch["text"], "pad_token_id": ids["<|endoftext|>"]},
        vision_config=arch["vision"],
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=arch["tie_word_embeddings"],
    )
    torch.manual_seed(0)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = Qwen2VLForConditionalGeneration(config).to(getattr(torch, dtype))
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    del model
    return folder


def write_build(folder: Path, n_scenes: int, frames_per_scene: int, questions_per_scene: int = len(QUESTIONS)) -> Path:
    """A vsi100k build (train split) of ``n_scenes`` scenes with random 640x480 JPEG frames and
    ``questions_per_scene`` questions each (the three templates below, repeated)."""
    import numpy as np
    import yaml
    from PIL import Image

    from vsi100k.card import dataset_configs
    from vsi100k.dataset.rows import frame_row, question_rows
    from vsi100k.dataset.write import write_dataset
    from vsi100k.tasks.base import Question

    rng = np.random.default_rng(0)
    rows_of_scene, frame_rows = [], []
    for s in range(n_scenes):
        scene = f"scene{s:04d}_00"
        scene_questions = []
        for k in range(questions_per_scene):
            question_type, text, options, truth, answer, kind = QUESTIONS[k % len(QUESTIONS)]
            letter = next(o[0] for o in options if o[3:] == answer) if kind == "choice" else "B"
            scene_questions.append(Question(scene, question_type, text, options, truth, answer, kind, letter))
        rows_of_scene.extend(question_rows(scene_questions))
        jpegs = []
        for _ in range(frames_per_scene):
            buffer = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)).save(buffer, format="JPEG", quality=90)
            jpegs.append(buffer.getvalue())
        frame_rows.append(
            frame_row(
                scene,
                frame_indices=list(range(frames_per_scene)),
                timestamps_s=[i / 24 for i in range(frames_per_scene)],
                jpegs=jpegs,
                width=640,
                height=480,
                source="sens",
            )
        )
    written = write_dataset(folder, {"train": rows_of_scene}, {"train": frame_rows})
    front = {"configs": dataset_configs(written.question_counts, written.frame_counts)}
    (folder / "README.md").write_text("---\n" + yaml.safe_dump(front, sort_keys=False) + "---\n\n# bench data\n")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=4, help="timed optimiser steps (one more runs as warm-up)")
    parser.add_argument("--frames", type=int, default=16, help="frames per question")
    parser.add_argument("--generations", type=int, default=14, help="rollouts per question (paper: 14)")
    parser.add_argument("--use-vllm", action="store_true", help="generate rollouts with colocated vLLM")
    parser.add_argument("--max-completion-length", type=int, default=256, help="tokens per rollout")
    parser.add_argument("--frame-max-pixels", type=int, default=128 * 28 * 28, help="pixel cap per frame")
    parser.add_argument(
        "--micro-batch", type=int, default=7, help="completions per micro-step (must divide --generations)"
    )
    parser.add_argument("--lora", action="store_true", help="train LoRA adapters instead of all weights")
    parser.add_argument("--no-merge-lora", action="store_true", help="LoRA rollouts without merged adapters")
    parser.add_argument("--attn", default="auto", help="auto | sdpa | flash_attention_2 | eager")
    parser.add_argument("--cache-implementation", default=None, help="KV cache of rollouts: static (default dynamic)")
    parser.add_argument("--generation-batch-size", type=int, default=None, help="completions per generate call")
    parser.add_argument("--json-out", type=Path, default=None, help="also write the figures to this JSON file")
    parser.add_argument("--arch", choices=("qwen2-vl-2b", "tiny"), default="qwen2-vl-2b")
    parser.add_argument("--cpu", action="store_true", help="run on CPU in float32 (with --arch tiny: smoke test)")
    parser.add_argument("--workdir", type=Path, default=None, help="where model/data/run go (default: a temp dir)")
    args = parser.parse_args(argv)

    import torch

    from vsi100k.train.config import TrainConfig
    from vsi100k.train.grpo import train_grpo
    from vsi100k.train.profile import StepProfiler, format_breakdown

    if args.use_vllm:
        try:
            import vllm  # noqa: F401
        except ImportError:
            print("vLLM is not installed here: the --use-vllm run is skipped (pip install vllm to compare).")
            return 0
    if args.generations % args.micro_batch:
        args.micro_batch = args.generations
    arch = QWEN2_VL_2B if args.arch == "qwen2-vl-2b" else TINY
    dtype = "float32" if args.cpu else "bfloat16"
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vsi100k-bench-"))
    model_dir = workdir / "model"
    if not (model_dir / "config.json").exists():
        save_random_model(arch, model_dir, args.frame_max_pixels, dtype)
    data_dir = write_build(workdir / "data", n_scenes=2, frames_per_scene=args.frames)
    cfg = TrainConfig(
        model=str(model_dir),
        data=str(data_dir),
        output_dir=workdir / "run",
        prompt_mode="think",
        num_frames=args.frames,
        frame_max_pixels=args.frame_max_pixels,
        num_generations=args.generations,
        per_device_batch_size=args.micro_batch,
        gradient_accumulation_steps=args.generations // args.micro_batch,
        max_completion_length=args.max_completion_length,
        max_steps=args.steps + 1,
        save_steps=10_000,
        lora=args.lora,
        merge_lora_for_rollouts=not args.no_merge_lora,
        attn_implementation=args.attn,
        cache_implementation=args.cache_implementation,
        generation_batch_size=args.generation_batch_size,
        gradient_checkpointing=not args.cpu,
        dtype=dtype,
        use_cpu=args.cpu,
        use_vllm=args.use_vllm,
        vllm_gpu_memory_utilization=0.35,
        # bound vLLM's KV cache to what a rollout can need (prompt with 16 frames + completion)
        extra={"vllm_max_model_length": 8192} if args.use_vllm else {},
    )
    if torch.cuda.is_available():
        torch.cuda.reset_peak_memory_stats()
    profiler = StepProfiler()
    summary = train_grpo(cfg, profiler=profiler)
    breakdown = profiler.mean(skip_first=1)
    timed = profiler.steps[1:] or profiler.steps
    seconds_per_step = breakdown["step"]
    completions_per_step = args.generations  # one question x G rollouts per optimiser step
    logs = [e for e in summary["log_history"] if "reward" in e]
    figures = {
        "arch": args.arch,
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() and not args.cpu else "cpu",
        "use_vllm": args.use_vllm,
        "lora": args.lora,
        "merge_lora_for_rollouts": args.lora and not args.no_merge_lora,
        "attn_implementation": args.attn,
        "cache_implementation": args.cache_implementation or "dynamic",
        "generation_batch_size": args.generation_batch_size,
        "frames": args.frames,
        "generations": args.generations,
        "max_completion_length": args.max_completion_length,
        "trainable_parameters": summary["trainable_parameters"],
        "timed_steps": len(timed),
        "seconds_per_step": round(seconds_per_step, 3),
        "samples_per_second": round(completions_per_step / seconds_per_step, 3),
        "questions_per_second": round(1 / seconds_per_step, 4),
        "mean_completion_tokens": round(sum(e.get("completions/mean_length", 0) for e in logs) / max(len(logs), 1), 1),
        "kl_last": logs[-1].get("kl") if logs else None,
        "breakdown_seconds": {k: round(v, 4) for k, v in breakdown.items()},
    }
    if len(logs) >= 2 and "num_tokens" in logs[-1]:
        tokens_per_completion = (logs[-1]["num_tokens"] - logs[-2]["num_tokens"]) / args.generations
        figures["prompt_tokens_per_question"] = round(tokens_per_completion - logs[-1]["completions/mean_length"])
    if torch.cuda.is_available() and not args.cpu:
        figures["peak_memory_allocated_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 2)
        figures["peak_memory_reserved_gib"] = round(torch.cuda.max_memory_reserved() / 2**30, 2)
    print(json.dumps(figures, indent=2))
    print(format_breakdown(breakdown))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")
    print(
        f"GRPO {args.arch} ({'vLLM' if args.use_vllm else 'transformers'} rollouts, {args.frames} frames, "
        f"G={args.generations}): {figures['samples_per_second']} samples/s, {seconds_per_step:.2f} s/step"
        + (
            f", peak {figures['peak_memory_allocated_gib']} GiB allocated"
            if "peak_memory_allocated_gib" in figures
            else ""
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
