"""Evaluation throughput (questions/s) on VSI-Bench-shaped work with a random-weight Qwen2-VL-2B.

VSI-Bench-shaped: 32 frames per question, the vanilla prompt, 16 new tokens, about 18 questions per
video. The model (Qwen2-VL-2B-Instruct's architecture, random weights) and the data (a vsi100k build
of random 640x480 frames) are made locally by `bench/grpo_gpu.py`'s helpers; the run goes through
`vsi100k.evaluate.run.evaluate`, i.e. what `vsi100k eval --model` does. Loading cancels out: two
evaluations of different sizes are timed and questions/s = (n_large - n_small) / (t_large - t_small).
Random weights rarely emit end-of-sequence, so every answer runs the full 16 tokens (worst case).

Usage (GPU machine):
    python bench/eval_gpu.py                                  # batch 8, transformers
    python bench/eval_gpu.py --batch-size 1                   # unbatched, for comparison
    python bench/eval_gpu.py --backend vllm                   # needs vsi100k[vllm]
    python bench/eval_gpu.py --arch tiny --cpu --scenes 2 --questions-per-scene 3 --frames 4   # CPU smoke test
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grpo_gpu import QWEN2_VL_2B, TINY, save_random_model, write_build  # noqa: E402


def timed_eval(model_dir: Path, data_dir: Path, out: Path, args, limit: int) -> float:
    """Seconds for one `evaluate` of the first ``limit`` questions (model loading included)."""
    from rich.console import Console

    from vsi100k.evaluate.config import EvalConfig
    from vsi100k.evaluate.run import evaluate

    cfg = EvalConfig(
        data=str(data_dir),
        output_dir=out,
        model=str(model_dir),
        benchmark="generated",
        split="train",
        limit=limit,
        prompt_mode="vanilla",
        num_frames=args.frames,
        max_new_tokens=16,
        frame_max_pixels=args.frame_max_pixels,
        backend=args.backend,
        batch_size=args.batch_size,
        dtype="float32" if args.cpu else "bfloat16",
        cpu=args.cpu,
        progress=False,
    )
    start = time.perf_counter()
    evaluate(cfg, console=Console(file=open("/dev/null", "w")))  # noqa: SIM115 - the table is not wanted here
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", choices=("qwen2-vl-2b", "tiny"), default="qwen2-vl-2b")
    parser.add_argument("--cpu", action="store_true", help="run on CPU in float32 (with --arch tiny: smoke test)")
    parser.add_argument("--scenes", type=int, default=4, help="videos in the large run (the small run uses 1)")
    parser.add_argument("--questions-per-scene", type=int, default=18, help="VSI-Bench: about 18")
    parser.add_argument("--frames", type=int, default=32, help="frames per question (VSI-Bench: 32)")
    parser.add_argument("--frame-max-pixels", type=int, default=128 * 28 * 28, help="pixel cap per frame")
    parser.add_argument("--batch-size", type=int, default=8, help="questions per generate call")
    parser.add_argument("--backend", default="transformers", help="transformers | vllm")
    parser.add_argument("--workdir", type=Path, default=None, help="where model/data go (default: a temp dir)")
    parser.add_argument("--json-out", type=Path, default=None, help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    if args.scenes < 2:
        parser.error("--scenes must be at least 2 (the small run takes one scene, the large run all)")

    import torch

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vsi100k-evalbench-"))
    arch = QWEN2_VL_2B if args.arch == "qwen2-vl-2b" else TINY
    model_dir = workdir / "model"
    if not (model_dir / "config.json").exists():
        save_random_model(arch, model_dir, args.frame_max_pixels, "float32" if args.cpu else "bfloat16")
    data_dir = write_build(workdir / "data", args.scenes, args.frames, args.questions_per_scene)
    small = args.questions_per_scene
    large = args.questions_per_scene * args.scenes
    t_small = timed_eval(model_dir, data_dir, workdir / "small", args, small)
    t_large = timed_eval(model_dir, data_dir, workdir / "large", args, large)
    per_question = (t_large - t_small) / (large - small)
    figures = {
        "arch": args.arch,
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() and not args.cpu else "cpu",
        "backend": args.backend,
        "batch_size": args.batch_size,
        "frames": args.frames,
        "max_new_tokens": 16,
        "questions_small_large": [small, large],
        "seconds_small_large": [round(t_small, 3), round(t_large, 3)],
        "seconds_per_question": round(per_question, 4),
        "questions_per_second": round(1 / per_question, 3) if per_question > 0 else None,
        "vsibench_5130_minutes": round(5130 * per_question / 60, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
