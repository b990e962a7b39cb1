"""`vsi100k build`, `vsi100k push` and `vsi100k preview`: parse options, call the library, print results."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.app import app
from vsi100k.errors import Vsi100kError

LIBRARY_ERRORS = (Vsi100kError, ValueError, FileNotFoundError, NotADirectoryError)


class BoxMethod(str, Enum):
    oriented = "oriented"
    axis_aligned = "axis_aligned"
    gravity_aligned = "gravity_aligned"


class DistanceMethod(str, Enum):
    box_grid = "box_grid"
    closest_points = "closest_points"
    centers = "centers"


class Split(str, Enum):
    train = "train"
    validation = "validation"
    test = "test"


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code=1)


@app.command("build")
def build(
    scenes: Annotated[
        Optional[Path],
        typer.Option(exists=True, file_okay=False, help="ScanNet root (<root>/<id>/ or <root>/scans/<id>/, split lists beside). Omit for the built-in demo."),
    ] = None,
    out: Annotated[
        Optional[Path], typer.Option(file_okay=False, help="Dataset folder to write (required with --scenes; demo default: <cache>/demo/dataset).")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Scenes processed in parallel (processes).")] = 1,
    seed: Annotated[int, typer.Option(min=0, help="Seed of every (scene, question type) generator.")] = 0,
    mix: Annotated[str, typer.Option(help="Question mix preset: vsi100k | vsibench.")] = "vsi100k",
    frames: Annotated[int, typer.Option(min=1, help="Frames sampled per scene (VSI-Bench: 32; demo default 16).")] = 32,
    frame_width: Annotated[int, typer.Option(min=16, help="Frames fit in this width (aspect kept), pixels.")] = 640,
    frame_height: Annotated[int, typer.Option(min=16, help="Frames fit in this height (aspect kept), pixels.")] = 480,
    box_method: Annotated[BoxMethod, typer.Option(help="Box for sizes and distances (VSI-Bench: oriented).")] = BoxMethod.oriented,
    distance_method: Annotated[
        DistanceMethod, typer.Option(help="box_grid (VSI-Bench) | closest_points (exact) | centers (VSI-100k).")
    ] = DistanceMethod.box_grid,
    visibility: Annotated[bool, typer.Option(help="Ray-cast first appearances (for obj_appearance_order).")] = True,
    split: Annotated[Optional[Split], typer.Option(help="Put every scene in this split instead of ScanNet's lists.")] = None,
    allow_val_in_train: Annotated[
        bool, typer.Option("--allow-val-in-train", help="Accept ScanNet val scenes/rooms in train (leaks into VSI-Bench; the card records it).")
    ] = False,
    max_scenes: Annotated[Optional[int], typer.Option(min=1, help="Build only the first N scenes.")] = None,
    demo_scenes: Annotated[int, typer.Option(min=1, help="Synthetic scenes of the built-in demo (without --scenes).")] = 6,
    demo_stream_frames: Annotated[int, typer.Option(min=1, help="Rendered RGB-D frames per synthetic demo scan.")] = 48,
    cache_dir: Annotated[
        Optional[Path], typer.Option(file_okay=False, help="Cache root (default $VSI100K_CACHE or ~/.cache/vsi100k).")
    ] = None,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Run the whole pipeline (facts, frames, questions, dataset) and print the build report.

    Per-scene results are cached: an interrupted build resumes, and an unchanged rebuild does no work.

    Examples:

      vsi100k build    # the built-in demo: synthetic scenes, then the dataset

      vsi100k build --scenes /data/scannet --out ./vsi100k-data --workers 8

      vsi100k build --scenes /data/scannet --out ./vsi16 --frames 16 --mix vsibench
    """
    from vsi100k.build.config import BuildConfig
    from vsi100k.build.pipeline import run_build

    settings = dict(
        workers=workers, seed=seed, mix=mix, n_frames=frames, frame_width=frame_width, frame_height=frame_height,
        box_method=box_method.value, distance_method=distance_method.value, visibility=visibility,
        split=split.value if split else None, allow_val_in_train=allow_val_in_train, max_scenes=max_scenes,
    )
    sample = None
    try:
        if scenes is None:
            from vsi100k.build.demo import run_demo

            if frames == 32:
                settings.pop("n_frames")  # the demo's own default (16) unless asked otherwise
            result, sample = run_demo(demo_scenes, out_dir=out, cache_dir=cache_dir, stream_frames=demo_stream_frames,
                                      progress=progress, **settings)
        else:
            if out is None:
                raise typer.BadParameter("give --out DIR, the dataset folder to write", param_hint="--out")
            cfg = BuildConfig(scenes_dir=scenes, out_dir=out, cache_dir=cache_dir / "build" if cache_dir else None, **settings)
            result = run_build(cfg, command=cfg.command(), progress=progress)
    except LIBRARY_ERRORS as error:
        _fail(error)
    print_report(result)
    if scenes is None:
        typer.echo(f"\nDemo dataset: {result.out_dir}")
        typer.echo(f'Load it with: datasets.load_dataset("{result.out_dir}", "all", split="train")')
        if sample is not None:
            typer.echo(f"Sample question ({sample['scene_name']}, {sample['question_type']}): {sample['question']}")
            if sample["options"]:
                typer.echo("  options: " + "  ".join(sample["options"]))
            typer.echo(f"  answer: {sample['ground_truth']}" + (f" ({sample['answer']})" if sample["answer"] != sample["ground_truth"] else ""))
    if result.problems:
        typer.echo("error: the dataset failed validation:\n" + "\n".join(f"  - {p}" for p in result.problems), err=True)
        raise typer.Exit(code=1)


def print_report(result) -> None:
    """The build report as tables: scenes, questions per type and split, skipped candidates."""
    from rich.console import Console
    from rich.table import Table

    from vsi100k.dataset.schema import REPORT_FILE, SPLITS

    report = result.report
    console = Console()
    scenes = report["scenes"]
    console.print(
        f"[bold]build {report['build_id']}[/bold]: {scenes['ok']} scenes ok, {scenes['failed']} failed, "
        f"{report['questions']['total']} questions in {result.seconds:.1f} s "
        f"({result.scenes_computed} scenes computed, {result.scenes_cached} from cache)"
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
        failed = Table(title="failed scenes")
        failed.add_column("scene")
        failed.add_column("reason")
        for item in report["failed_scenes"]:
            failed.add_row(item["scene"], item["reason"])
        console.print(failed)
    sizes = report["sizes"]
    console.print(
        f"published {sizes['published_bytes'] / 2**20:.2f} MiB = {sizes['published_over_frames']:.3f} x the frames' own "
        f"{sizes['frame_image_bytes'] / 2**20:.2f} MiB (frames embedded per question would be "
        f"{sizes['embedded_estimate_bytes'] / 2**20:.2f} MiB)"
    )
    console.print(f"report: {Path(result.out_dir) / REPORT_FILE}")


@app.command("push")
def push(
    out_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A `vsi100k build` output folder.")],
    repo_id: Annotated[str, typer.Option(help="Dataset repo on the Hub, e.g. my-org/vsi100k.")],
    private: Annotated[bool, typer.Option("--private/--public", help="Visibility, applied when the repo is created.")] = True,
    revision: Annotated[Optional[str], typer.Option(help="Branch to push to (created if missing).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write the exact upload tree locally instead of pushing.")] = False,
    dry_run_dir: Annotated[
        Optional[Path], typer.Option(file_okay=False, help="Where --dry-run writes (default: <OUT_DIR>.push-dry-run).")
    ] = None,
) -> None:
    """Publish a validated build on the Hugging Face Hub (or write the upload tree with --dry-run).

    Order: create the repo (privacy applied at creation), the branch if --revision is given, then one
    commit adding the card first and the data after it, tagged with the vsi100k version. The token
    comes from HF_TOKEN or `hf auth login`; it is never an option and never printed.

    Examples:

      vsi100k push ./vsi100k-data --repo-id my-org/vsi100k --private

      vsi100k push ./vsi100k-data --repo-id my-org/vsi100k --revision v2 --dry-run
    """
    from vsi100k import hub

    try:
        if dry_run:
            dest = dry_run_dir or out_dir.with_name(out_dir.name + ".push-dry-run")
            plan = hub.dry_run(out_dir, dest, repo_id, private=private, revision=revision)
            typer.echo(f"dry run: {len(plan.files)} files written to {dest} (nothing uploaded)")
            typer.echo(f"would push to {repo_id} ({'private' if private else 'public'}"
                       + (f", branch {revision}" if revision else "") + f"): {plan.commit_message}; tag {plan.tag}")
            return
        result = hub.push(out_dir, repo_id, private=private, revision=revision)
    except LIBRARY_ERRORS as error:
        _fail(error)
    typer.echo(f"pushed {len(result.plan.files)} files to {repo_id}"
               + (f" (branch {revision})" if revision else "") + f": {result.plan.commit_message}; tag {result.plan.tag}")
    if result.deleted:
        typer.echo(f"removed {len(result.deleted)} files of an earlier push")


@app.command("preview")
def preview(
    out_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A `vsi100k build` output folder.")],
    scene: Annotated[str, typer.Option(help="Scene id, e.g. scene0000_00.")],
    output: Annotated[
        Optional[Path], typer.Option(dir_okay=False, help="HTML file to write (default: OUT_DIR/preview/<scene>.html).")
    ] = None,
) -> None:
    """Write an HTML page of one built scene: top-down map, sampled frames, questions with answers.

    Click a question to highlight its objects on the map. The page is self-contained: open it in any
    browser, no network needed.

    Example:

      vsi100k preview ./vsi100k-data --scene scene0000_00
    """
    from vsi100k.preview.page import write_preview

    try:
        path = write_preview(out_dir, scene, output)
    except LIBRARY_ERRORS as error:
        _fail(error)
    typer.echo(f"preview: {path.resolve().as_uri()}")
