"""`vsi100k export-lmms-eval`: write a build's split as an lmms-eval task folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.errors import Vsi100kError


def export_lmms_eval(
    build: Annotated[Path, typer.Argument(help="A vsi100k build folder.", exists=True, file_okay=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="The task folder to write (new or a previous export).")],
    split: Annotated[str, typer.Option(help="The build's split whose questions become the documents.")] = "validation",
    name: Annotated[
        Optional[str], typer.Option(help="Task name: vsi100k_<name> (default: the build folder's name).")
    ] = None,
    scoring: Annotated[str, typer.Option(help="lmms-eval | thinking-in-space, as vsi100k eval --scoring.")] = "lmms-eval",
    num_frames: Annotated[int, typer.Option("--frames", help="Frames per question (VSI-Bench: 32).")] = 32,
) -> None:
    """Write a task folder (yaml, utils.py, questions, frames) that lmms-eval runs and scores like vsi100k eval.

    Examples:

      vsi100k export-lmms-eval ./vsi100k-build --out tasks/vsi100k --split validation

      lmms-eval --model qwen2_5_vl --include_path tasks/vsi100k --tasks vsi100k_vsi100k_build
    """
    from vsi100k.evaluate.lmms_task import LmmsExportConfig, export_lmms_task

    try:
        cfg = LmmsExportConfig(build=build, out_dir=out, split=split, name=name, scoring=scoring, num_frames=num_frames)
        written = export_lmms_task(cfg)
    except (Vsi100kError, ValueError, FileNotFoundError, FileExistsError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(
        f"wrote task {written.task}: {written.questions} questions about {written.scenes} scene(s), "
        f"scoring {cfg.scoring}; run: lmms-eval --include_path {out} --tasks {written.task}"
    )
