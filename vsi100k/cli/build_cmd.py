"""`vsi100k build`: parse options, run the pipeline, print the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

# LIBRARY_ERRORS is re-exported for commands that import it from here.
from vsi100k.cli.options import (  # noqa: F401
    DEFAULTS, EXIT_PARTIAL, LIBRARY_ERRORS, SCENES_HELP, build_cache_dir, AllowValOption, BoxMethodOption, CacheOption,
    DistanceMethodOption, ExecutorChoice, ExecutorOption, FrameHeightOption, GroundingOption, GroundingShareOption,
    KeepAmbiguousOption, FramesOption, FrameWidthOption, MaxScenesOption, Mix, OrientedEngineOption, ProgressOption,
    RayAddressOption, RequireFramesOption, SeedOption, SplitOption, VisibilityOption, WorkersOption, command_errors,
    out_option,
)


def stage_configs(*, seed, mix, frames, frame_width, frame_height, visibility, box_method, distance_method,
                  oriented_engine, keep_ambiguous=False, default_mix: str | None = None, grounding=True,
                  grounding_share=None) -> dict:
    """The stage configs of `BuildConfig` from command-line values (frames / mix None = the default:
    the configs' own, or `default_mix` when given)."""
    from vsi100k.facts.extract import FactsConfig
    from vsi100k.frames.config import FramesConfig
    from vsi100k.tasks.config import QuestionConfig

    n_frames = frames if frames is not None else FramesConfig.n_frames
    return {
        "facts": FactsConfig(box_method=box_method.value, distance_method=distance_method.value,
                             oriented_engine=oriented_engine.value),
        "frames": FramesConfig(n_frames=n_frames, max_width=frame_width, max_height=frame_height, visibility=visibility),
        "questions": QuestionConfig(seed=seed, mix=mix.value if mix is not None else (default_mix or QuestionConfig.mix),
                                    keep_ambiguous=keep_ambiguous, grounding=grounding, grounding_share=grounding_share),
    }


def source_names(values: list[str] | None) -> tuple[str, ...] | None:
    """`--source` values (repeated and/or comma lists) as one tuple of names; None when not given."""
    if not values:
        return None
    return tuple(name.strip() for value in values for name in value.split(",") if name.strip())


def build(
    scenes: Annotated[
        Optional[Path],
        typer.Option(exists=True, file_okay=False, help=SCENES_HELP + " Omit for the built-in demo."),
    ] = None,
    out: out_option("the dataset (README.md, data/, facts/, build_report.json); required with --scenes, "
                    "the demo's default is <cache>/demo/dataset", optional=True) = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace a previous vsi100k build in --out (files the build did not write are named, "
                            "and block it unless they are a `vsi100k preview` page).")] = False,
    workers: WorkersOption = 1,
    executor: ExecutorOption = ExecutorChoice("local"),
    ray_address: RayAddressOption = None,
    seed: SeedOption = DEFAULTS["seed"],
    mix: Annotated[Optional[Mix], typer.Option(
        help="Question mix preset: vsi100k (the paper's proportions; the default) | vsibench (all eight VSI-Bench tasks; "
             "the demo's default).")] = None,
    frames: FramesOption = None,
    frame_width: FrameWidthOption = DEFAULTS["frame_width"],
    frame_height: FrameHeightOption = DEFAULTS["frame_height"],
    box_method: BoxMethodOption = DEFAULTS["box_method"],
    distance_method: DistanceMethodOption = DEFAULTS["distance_method"],
    oriented_engine: OrientedEngineOption = DEFAULTS["oriented_engine"],
    visibility: VisibilityOption = DEFAULTS["visibility"],
    split: SplitOption = None,
    allow_val_in_train: AllowValOption = False,
    max_scenes: MaxScenesOption = None,
    require_frames: RequireFramesOption = False,
    keep_ambiguous: KeepAmbiguousOption = False,
    grounding: GroundingOption = True,
    grounding_share: GroundingShareOption = None,
    source: Annotated[Optional[list[str]], typer.Option(
        "--source", help="Build only the scans of this source (scannet, scannetpp, arkitscenes); repeatable or "
                         "a comma list. Default: every source found in --scenes.")] = None,
    demo_scenes: Annotated[int, typer.Option(min=1, help="Synthetic scans of the built-in demo (without --scenes).")] = 6,
    demo_stream_frames: Annotated[int, typer.Option(min=1, help="Rendered RGB-D frames per synthetic demo scan.")] = 48,
    cache_dir: CacheOption = None,
    progress: ProgressOption = True,
) -> None:
    """Run the whole pipeline (facts, frames, questions, dataset) and print the build report.

    The dataset is written to a staging folder and swapped into --out only once complete and
    valid; a folder that is not a vsi100k build is never written into. Results are cached per
    stage: an interrupted build resumes, an unchanged rebuild does no work, and changing only
    the seed or the mix recomputes no facts and no frames. Exit code 3: built, but some scans failed.

    Examples:

      vsi100k build    # the built-in demo: synthetic scans, then the dataset

      vsi100k build --scenes /data/scannet --out ./vsi100k-data --workers 8

      vsi100k build --scenes /data/scannet --out ./vsi16 --frames 16 --mix vsibench --overwrite

      vsi100k build --scenes /shared/scannet --out /shared/vsi100k --executor ray --ray-address auto

      vsi100k build --scenes /data/mixed --out ./arkit-only --source arkitscenes
    """
    from vsi100k.pipeline.config import BuildConfig

    configs = dict(
        stage_configs(seed=seed, mix=mix, frames=frames, frame_width=frame_width, frame_height=frame_height,
                      visibility=visibility, box_method=box_method, distance_method=distance_method,
                      oriented_engine=oriented_engine, keep_ambiguous=keep_ambiguous, grounding=grounding,
                      grounding_share=grounding_share, **({} if scenes is not None else _demo_defaults())),
        workers=workers, executor=executor.value, ray_address=ray_address, split=split.value if split else None,
        allow_val_in_train=allow_val_in_train, max_scenes=max_scenes, require_frames=require_frames,
    )
    sample = None
    state: dict = {"demo": scenes is None}
    with command_errors(lambda: interrupted_after_build(state)):
        if scenes is None:
            from vsi100k.pipeline.demo import run_demo

            result, sample = run_demo(demo_scenes, out_dir=out, cache_dir=cache_dir, stream_frames=demo_stream_frames,
                                      progress=progress, **configs)
        else:
            if out is None:
                raise typer.BadParameter("give --out DIR, the dataset folder to write", param_hint="--out")
            from vsi100k.pipeline.run import run_build

            cfg = BuildConfig(scenes_dir=scenes, out_dir=out, overwrite=overwrite,
                              cache_dir=build_cache_dir(cache_dir),
                              sources=source_names(source), **configs)
            result = run_build(cfg, progress=progress)
        state["result"] = result
        for line in result.notes:
            typer.echo(f"note: {line}", err=True)
        print_report(result)
        if scenes is None:
            typer.echo(f"\nDemo dataset: {result.out_dir}")
            typer.echo(f'Load it with: datasets.load_dataset("{result.out_dir}", "all", split="train"), or joined with '
                       f'its frames: vsi100k.dataset.load.load_samples("{result.out_dir}", "all", "train")')
            if sample is not None:
                typer.echo(f"Sample question ({sample['scene_name']}, {sample['question_type']}): {sample['question']}")
                if sample["options"]:
                    typer.echo("  options: " + "  ".join(sample["options"]))
                typer.echo(f"  answer: {sample['ground_truth']}" + (f" ({sample['answer']})" if sample["answer"] != sample["ground_truth"] else ""))
    if result.failed:
        typer.echo(f"warning: {len(result.failed)} scan(s) failed (listed above and in the report)", err=True)
        raise typer.Exit(code=EXIT_PARTIAL)


def interrupted_after_build(state: dict) -> str:
    """The Ctrl-C line once the pipeline returned (the pipeline says what it kept when interrupted inside)."""
    result = state.get("result")
    if result is None and state.get("demo"):
        return ("stopped before the build started (demo scans cut short are written again, whole, on the next run); "
                "nothing else was written: rerun the same command")
    if result is None:
        return "stopped before any scan work; nothing was written (rerun the same command)"
    return (f"the new build {result.report.get('build_id', '')} is complete in {result.out_dir} (only the report's "
            "printing was cut short; build_report.json holds it)")


def _demo_defaults() -> dict:
    from vsi100k.pipeline.demo import DEMO_MIX

    return {"default_mix": DEMO_MIX}


def print_report(result) -> None:
    """The build report as tables: scans, questions per type and split, skipped candidates."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from vsi100k.dataset.schema import REPORT_FILE, SPLITS

    report = result.report
    console = Console()
    scenes = report["scenes"]
    stages = result.stages_computed()
    console.print(
        f"[bold]build {report['build_id']}[/bold]: {scenes['ok']} scans ok ({scenes.get('without_frames', 0)} without "
        f"a colour stream), {scenes['failed']} failed, {report['questions']['total']} questions in {result.seconds:.1f} s "
        f"(computed: facts {stages['facts']}, frames {stages['frames']}, visibility {stages['visibility']}, "
        f"questions {stages['questions']}; {result.scenes_cached} scans wholly from cache)"
    )
    table = Table(title="questions per type")
    table.add_column("question type")
    for split in SPLITS:
        table.add_column(split, justify="right")
    table.add_column("total", justify="right")
    for qtype, counts in sorted(report["questions"]["by_type"].items()):
        table.add_row(qtype, *(str(counts.get(s, 0)) for s in SPLITS), str(sum(counts.values())))
    console.print(table)
    if report["skipped"]:
        skips = Table(title="rejected candidates")
        skips.add_column("question type")
        skips.add_column("reason")
        skips.add_column("candidates", justify="right")
        for qtype, reasons in sorted(report["skipped"].items()):
            for reason, n in sorted(reasons.items()):
                skips.add_row(qtype, reason, str(n))
        console.print(skips)
    if report["failed_scenes"]:
        failed = Table(title="failed scans")
        failed.add_column("scan")
        failed.add_column("reason")
        for item in report["failed_scenes"]:
            failed.add_row(item["scene"], escape(item["reason"]))
        console.print(failed)
    sizes = report["sizes"]
    console.print(
        f"published {sizes['published_bytes'] / 2**20:.2f} MiB = {sizes['published_over_frames']:.3f} x the frames' own "
        f"{sizes['frame_image_bytes'] / 2**20:.2f} MiB (frames embedded per question would be "
        f"{sizes['embedded_estimate_bytes'] / 2**20:.2f} MiB)"
    )
    console.print(f"report: {Path(result.out_dir) / REPORT_FILE}")
