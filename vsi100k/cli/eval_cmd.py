"""`vsi100k eval`: score a model or a predictions file on VSI-Bench or on a vsi100k split."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.errors import Vsi100kError


def eval_command(
    data: Annotated[
        str, typer.Option(help="VSI-Bench folder or Hub id (e.g. nyu-visionx/VSI-Bench), or a vsi100k build.")
    ],
    output_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Where predictions.jsonl and summary.json go.")
    ],
    model: Annotated[
        Optional[str], typer.Option(help="Model path / Hub id / LoRA adapter folder to answer with.")
    ] = None,
    predictions: Annotated[
        Optional[Path],
        typer.Option(
            exists=True,
            dir_okay=False,
            help="JSONL of {id, prediction} to score instead of a model. Choice questions are answered with the "
            "option's letter ('B', 'B.' or 'B. sofa': the first word counts), number questions with a number "
            "('2.5', read as --scoring says). With --prompt-mode think/observe the <answer> body is scored.",
        ),
    ] = None,
    allow_missing: Annotated[
        bool,
        typer.Option("--allow-missing", help="Score questions absent from --predictions as 0 instead of failing."),
    ] = False,
    benchmark: Annotated[str, typer.Option(help="auto | vsibench | generated (layout of --data).")] = "auto",
    subset: Annotated[
        str, typer.Option(help="VSI-Bench config: full | debiased (VSI-Bench-Debiased) | pruned.")
    ] = "full",
    scoring: Annotated[
        str,
        typer.Option(
            help="lmms-eval (current lmms-eval vsibench: first number anywhere, words included) | "
            "thinking-in-space (the original rule: float() of the first word)."
        ),
    ] = "lmms-eval",
    split: Annotated[
        Optional[str], typer.Option(help="Split (default: test for VSI-Bench, validation for a build).")
    ] = None,
    source: Annotated[
        list[str], typer.Option(help="Keep only this VSI-Bench source (scannet, arkitscenes, scannetpp); repeatable.")
    ] = [],  # noqa: B006
    question_type: Annotated[
        list[str], typer.Option(help="Keep only this question type; repeatable.")
    ] = [],  # noqa: B006
    limit: Annotated[int, typer.Option(help="Score only the first N questions (0 = all).")] = 0,
    prompt_mode: Annotated[str, typer.Option(help="vanilla | think | observe, as in training.")] = "vanilla",
    num_frames: Annotated[int, typer.Option("--frames", help="Frames per question (VSI-Bench: 32).")] = 32,
    max_new_tokens: Annotated[
        int, typer.Option(help="Generation budget (0 = 16 for vanilla, 1024 for think/observe).")
    ] = 0,
    frame_max_pixels: Annotated[int, typer.Option(help="Pixel cap per frame (0 = the processor's default).")] = 0,
    backend: Annotated[
        str, typer.Option(help="auto (vLLM when installed) | transformers | vllm (needs vsi100k[vllm]).")
    ] = "auto",
    batch_size: Annotated[int, typer.Option(help="Questions per transformers generate call.")] = 8,
    dtype: Annotated[str, typer.Option(help="bfloat16 | float32.")] = "bfloat16",
    revision: Annotated[Optional[str], typer.Option(help="Hub revision of --data.")] = None,
    cpu: Annotated[bool, typer.Option("--cpu", help="Answer on the CPU (tiny models and tests only).")] = False,
) -> None:
    """Print the VSI-Bench table (8 tasks + overall) and write per-question predictions and a JSON summary.

    Examples:

      vsi100k eval --data nyu-visionx/VSI-Bench --model runs/grpo -o eval/grpo --source scannet

      vsi100k eval --data ./vsi100k-build --model runs/grpo -o eval/val --prompt-mode think

      vsi100k eval --data ./VSI-Bench --predictions preds.jsonl -o eval/file

      vsi100k eval --data nyu-visionx/VSI-Bench --subset debiased --model runs/grpo -o eval/debiased

    Exit codes: 0 scored; 1 the predictions file leaves questions unanswered (see --allow-missing);
    2 bad settings, data or environment (missing extra, model folder, GPU).
    """
    from vsi100k.evaluate.config import EvalConfig
    from vsi100k.evaluate.run import IncompletePredictions, evaluate

    try:
        cfg = EvalConfig(
            data=data,
            output_dir=output_dir,
            model=model,
            predictions=predictions,
            benchmark=benchmark,
            subset=subset,
            scoring=scoring,
            split=split,
            sources=tuple(source),
            question_types=tuple(question_type),
            limit=limit or None,
            prompt_mode=prompt_mode,
            num_frames=num_frames,
            max_new_tokens=max_new_tokens or None,
            frame_max_pixels=frame_max_pixels or None,
            backend=backend,
            batch_size=batch_size,
            dtype=dtype,
            revision=revision,
            allow_missing=allow_missing,
            cpu=cpu,
        )
        if model is not None:
            from vsi100k.train.preflight import check_model_run

            check_model_run(model, cpu=cpu, extra="eval", backend=backend)
        summary = evaluate(cfg)
    except IncompletePredictions as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    except (Vsi100kError, ValueError, FileNotFoundError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(
        f"overall {summary['overall_percent']:.2f} on {summary['count']} questions "
        f"(scoring: {summary['scoring']['follows']}); outputs in {cfg.output_dir}"
    )
