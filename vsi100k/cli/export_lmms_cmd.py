"""`vsi100k export-lmms-eval`: write a build's split as an lmms-eval task folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.options import Split, choices, command_errors, out_option
from vsi100k.metrics import SCORING_RULES

Scoring = choices("Scoring", SCORING_RULES)


def export_lmms_eval(
    build: Annotated[Path, typer.Argument(help="A vsi100k build folder.", exists=True, file_okay=False)],
    out: out_option("the lmms-eval task folder (new or a previous export)"),
    split: Annotated[Split, typer.Option(help="The build's split whose questions become the documents.")] = Split("validation"),
    name: Annotated[
        Optional[str], typer.Option(help="Task name: vsi100k_<name> (default: the build folder's name).")
    ] = None,
    scoring: Annotated[Scoring, typer.Option(help="How answers are read, as vsi100k eval --scoring.")] = Scoring("lmms-eval"),
    num_frames: Annotated[int, typer.Option("--frames", help="Frames per question (VSI-Bench: 32).")] = 32,
) -> None:
    """Write a task folder (yaml, utils.py, questions, frames) that lmms-eval runs and scores like vsi100k eval.

    Examples:

      vsi100k export-lmms-eval ./vsi100k-build --out tasks/vsi100k --split validation

      lmms-eval --model qwen2_5_vl --include_path tasks/vsi100k --tasks vsi100k_vsi100k_build
    """
    from vsi100k.evaluate.lmms_task import LmmsExportConfig, export_lmms_task

    with command_errors(lambda: f"the export was cut short; rerun the same command to write {out} again"):
        cfg = LmmsExportConfig(build=build, out_dir=out, split=split.value, name=name, scoring=scoring.value,
                               num_frames=num_frames)
        written = export_lmms_task(cfg)
    typer.echo(
        f"wrote task {written.task}: {written.questions} questions about {written.scenes} scene(s), "
        f"scoring {cfg.scoring}; run: lmms-eval --include_path {out} --tasks {written.task}"
    )
