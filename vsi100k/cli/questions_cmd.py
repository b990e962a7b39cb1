"""`vsi100k questions`: facts files -> questions as JSON lines, plus a build report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.options import DEFAULTS, EXIT_FATAL, EXIT_PARTIAL, AllowValOption, GroundingOption, GroundingShareOption, KeepAmbiguousOption, MixOption, SeedOption, SplitOption, fail
from vsi100k.errors import Vsi100kError


def questions(
    facts: Annotated[
        Path, typer.Option(exists=True, file_okay=False, dir_okay=True,
                           help="A facts/ folder of <scene_id>.json files (from `vsi100k build` or `vsi100k facts`).")
    ],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Questions file to write (JSON lines).")],
    mix: MixOption = DEFAULTS["mix"],
    seed: SeedOption = DEFAULTS["seed"],
    split_lists: Annotated[
        Optional[Path],
        typer.Option(
            exists=True, file_okay=False, dir_okay=True,
            help="Folder with the sources' split lists (ScanNet's scannetv2_*.txt, ScanNet++'s splits/, "
                 "ARKitScenes' csv) for split assignment and the leakage guard.",
        ),
    ] = None,
    split: SplitOption = None,
    allow_val_in_train: AllowValOption = False,
    keep_ambiguous: KeepAmbiguousOption = False,
    grounding: GroundingOption = True,
    grounding_share: GroundingShareOption = None,
    report: Annotated[
        Optional[Path], typer.Option(dir_okay=False, help="Report JSON path (default: OUT with .report.json).")
    ] = None,
) -> None:
    """Generate VSI-Bench style questions from facts, with per-scene caps, skip reasons and a leakage guard.

    Examples:

      vsi100k questions --facts ./vsi100k-data/facts --out questions.jsonl

      vsi100k questions --facts ./facts-run/facts --out q.jsonl --mix vsibench --split-lists scans/ --split validation
    """
    from rich.console import Console
    from rich.progress import Progress

    from vsi100k.pipeline.from_facts import build_questions, facts_files
    from vsi100k.tasks.config import QuestionConfig
    from vsi100k.tasks.leakage import SplitGuard
    from vsi100k.tasks.report import report_table

    console = Console(stderr=True)
    try:
        cfg = QuestionConfig(seed=seed, mix=mix.value, keep_ambiguous=keep_ambiguous, grounding=grounding,
                             grounding_share=grounding_share)
        lists: dict[str, str] = {}
        rooms: dict[str, str] = {}
        if split_lists is not None:
            from vsi100k.sources import scene_rooms, split_lists as read_split_lists

            lists = read_split_lists(split_lists)
            rooms = scene_rooms(split_lists)
            if not lists:
                raise FileNotFoundError(f"{split_lists}: no split lists found (ScanNet's scannetv2_train.txt / "
                                        "scannetv2_val.txt / scannetv2_test.txt, ScanNet++'s splits/, ARKitScenes' csv)")
        guard = SplitGuard(lists, allow_val_in_train=allow_val_in_train, scene_rooms=rooms)
        n_files = len(facts_files(facts))
        report_path = report or out.with_name(out.name.removesuffix(".jsonl") + ".report.json")
        with Progress(console=console, transient=True) as progress:
            bar = progress.add_task("questions", total=n_files)
            result = build_questions(
                facts,
                cfg,
                guard=guard,
                requested_split=split.value if split else None,
                out=out,
                report_path=report_path,
                on_scene=lambda _: progress.advance(bar),
            )
    except (Vsi100kError, ValueError, FileNotFoundError) as exc:
        fail(exc)
    console.print(report_table(result.report))
    for error in result.report["scene_errors"]:
        console.print(f"[yellow]skipped scene[/yellow] {error['scene']}: {error['file']}: {error['problem']}")
    if result.report["leakage"]["overridden_scenes"]:
        console.print(
            f"[yellow]leakage override:[/yellow] {len(result.report['leakage']['overridden_scenes'])} val scenes in train"
        )
    console.print(f"wrote {len(result.questions)} questions to {out} and the report to {report_path}")
    if result.report["scene_errors"]:
        raise typer.Exit(EXIT_PARTIAL if result.questions else EXIT_FATAL)
