"""`vsi100k synth`: write synthetic ScanNet-format scans with exact truth files."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Optional

import typer

from vsi100k.cli.options import choices, command_errors, out_option
from vsi100k.errors import ConfigError
from vsi100k.synth.writer import REALISMS

# Layouts `vsi100k synth --source` writes (each a writer of `vsi100k.synth`).
SYNTH_SOURCES = ("scannet", "scannetpp", "arkitscenes")
Realism = choices("Realism", REALISMS)
SynthSource = choices("SynthSource", SYNTH_SOURCES)

# Share of scans written with the duplicated-segGroup fault when --duplicate-fault is given.
DUPLICATE_FAULT_RATE = 0.25


def synth(
    out: out_option("the scans, each in its source's layout (ScanNet: OUT/sceneNNNN_MM/), with the label table "
                    "and split lists beside them (created)"),
    scenes: Annotated[int, typer.Option(min=1, help="Number of scans to write.")] = 4,
    seed: Annotated[int, typer.Option(min=0, help="Seed; the same seed and --scenes give identical files.")] = 0,
    frames: Annotated[int, typer.Option(min=1, help="Rendered frames per .sens (24 fps timestamps).")] = 96,
    no_render: Annotated[bool, typer.Option("--no-render", help="Write meshes and annotations only, no .sens.")] = False,
    duplicate_fault: Annotated[
        bool,
        typer.Option("--duplicate-fault",
                     help=f"Write ScanNet's duplicated-segGroup fault (as in scene0217_00) into about "
                          f"{DUPLICATE_FAULT_RATE:.0%} of the scans."),
    ] = False,
    realism: Annotated[
        Realism,
        typer.Option(help="clean: box furniture, exact meshes, --frames per video. scan: like a real ScanNet "
                          "reconstruction (rounded and cut shapes, holes, noise, outliers, unlabelled clutter, "
                          "1-3 minute videos, 2D instance masks); --frames is then ignored."),
    ] = Realism("clean"),
    fps: Annotated[
        Optional[float],
        typer.Option(min=0.05, max=60.0, help="Frames per second of scan-profile videos (default 1, or 30 with "
                                              "--scannet-size)."),
    ] = None,
    source: Annotated[
        SynthSource, typer.Option(help="Layout written: scannet (ScanNet v2) | scannetpp (ScanNet++'s release layout; "
                               "clean profile only) | arkitscenes (ARKitScenes' 3DOD release layout with oriented "
                               "boxes; clean profile only).")
    ] = SynthSource("scannet"),
    scannet_size: Annotated[
        bool, typer.Option("--scannet-size", help="Scan profile at ScanNet's sizes: 1296x968 colour, 640x480 depth, "
                                                  "30 fps unless --fps is given (slow: thousands of frames).")
    ] = False,
) -> None:
    """Write synthetic ScanNet scans (PLY, segs, aggregation, txt, .sens) and a truth file per scan.

    Rooms are rectangles or L-shapes of 5-80 m2 furnished from a catalogue with real ScanNet raw
    labels; raw coordinates are rotated and shifted by a random axisAlignment; the colour and depth
    frames are rendered from the mesh. `<id>.truth.json` holds the exact answers (counts, box
    sizes, minimum distances, floor area, instance pixels per frame). Also writes
    scannetv2-labels.combined.tsv and the train / val split lists.

    Examples:

      vsi100k synth --out synthetic --scenes 20 --seed 0

      vsi100k synth --out synthetic --scenes 4 --frames 32 --duplicate-fault

      vsi100k synth --out scans --scenes 6 --realism scan

      vsi100k synth --out scannetpp --scenes 4 --source scannetpp

      vsi100k synth --out arkitscenes --scenes 4 --source arkitscenes
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from vsi100k.synth.arkitscenes_writer import iter_generate_arkitscenes_scenes
    from vsi100k.synth.scannetpp_writer import iter_generate_scannetpp_scenes
    from vsi100k.synth.writer import SynthConfig, iter_generate_scenes, scan_profile

    writers = {"scannet": iter_generate_scenes, "scannetpp": iter_generate_scannetpp_scenes,
               "arkitscenes": iter_generate_arkitscenes_scenes}

    console = Console(stderr=True, soft_wrap=True)
    source, realism = source.value, realism.value
    with command_errors():
        fault_rate = DUPLICATE_FAULT_RATE if duplicate_fault else 0.0
        if realism == "scan":
            cfg = scan_profile(scannet_size=scannet_size, render=not no_render, duplicate_fault_rate=fault_rate)
            if fps is not None:
                cfg = replace(cfg, scan=replace(cfg.scan, frame_rate_hz=fps))
        elif scannet_size or fps is not None:
            raise ConfigError("--scannet-size and --fps need --realism scan (the clean profile takes --frames)")
        else:
            cfg = SynthConfig(n_frames=frames, render=not no_render, duplicate_fault_rate=fault_rate)
    columns = (TextColumn("synth"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
               TimeRemainingColumn())
    written = []
    with command_errors(lambda: f"{len(written)} complete scan(s) are in {out}; rerun the same command to write "
                                "them all again (the same seed gives the same files)"):
        with Progress(*columns, console=console, transient=True) as progress:
            bar = progress.add_task("", total=scenes)
            for scene_dir in writers[source](out, scenes, seed, cfg):
                written.append(scene_dir)
                progress.update(bar, advance=1, description=scene_dir.name)
    console.print(f"synth: {len(written)} scans -> {escape(str(out))}")
