"""Options shared by several commands, defined once (one spelling, defaults from the configs), the
exit-code convention, and the one way errors reach the terminal.

Exit codes (every command):
    0  success
    1  fatal: nothing (or nothing usable) was produced; the message says why
    2  usage: a bad option or value (typer's own usage errors use 2 as well)
    3  partial: the build finished and its output is complete and valid, but some scans failed
       (listed in the report and the card)
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from vsi100k.facts.extract import FactsConfig
from vsi100k.facts.schema import BOX_METHODS, DISTANCE_METHODS
from vsi100k.frames.config import FramesConfig
from vsi100k.geometry.boxes import ORIENTED_ENGINES
from vsi100k.pipeline.config import EXECUTORS, SPLIT_CHOICES
from vsi100k.tasks.config import MIXES, QuestionConfig

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


def choices(name: str, values) -> type[Enum]:
    """A str Enum for typer, built from a choice list that lives in its config module."""
    return Enum(name, {value: value for value in values}, type=str)


BoxMethod = choices("BoxMethod", BOX_METHODS)
DistanceMethod = choices("DistanceMethod", DISTANCE_METHODS)
OrientedEngine = choices("OrientedEngine", ORIENTED_ENGINES)
Mix = choices("Mix", sorted(MIXES))


Split = choices("Split", SPLIT_CHOICES)
ExecutorChoice = choices("ExecutorChoice", EXECUTORS)

_FACTS, _FRAMES, _QUESTIONS = FactsConfig(), FramesConfig(), QuestionConfig()

ScenesOption = Annotated[
    Path, typer.Option(exists=True, file_okay=False,
                       help="ScanNet root: <root>/<scene_id>/ or <root>/scans/<scene_id>/ (label table and split lists beside).")
]
OutOption = Annotated[Path, typer.Option(file_okay=False, help="Output folder (the dataset layout: facts/, data/, ...).")]
CacheOption = Annotated[
    Optional[Path], typer.Option(file_okay=False, help="Cache root (default $VSI100K_CACHE or ~/.cache/vsi100k).")
]
WorkersOption = Annotated[int, typer.Option(min=1, help="Scans processed in parallel (processes, or Ray CPUs).")]
ExecutorOption = Annotated[
    ExecutorChoice, typer.Option(help="local (process pool) | ray (Ray tasks; pip install 'vsi100k[ray]').")
]
RayAddressOption = Annotated[
    Optional[str], typer.Option(help="Ray cluster address (e.g. auto, ray://head:10001); default: a local Ray runtime.")
]
SeedOption = Annotated[int, typer.Option(min=0, help="Seed of every (scan, question type) generator.")]
MixOption = Annotated[Mix, typer.Option(help="Question mix preset: vsi100k (the paper's proportions) | vsibench.")]
FramesOption = Annotated[
    Optional[int], typer.Option("--frames", min=1, help=f"Frames sampled per scan (default {_FRAMES.n_frames}, VSI-Bench's).")
]
FrameWidthOption = Annotated[int, typer.Option(min=16, help="Frames fit in this width (aspect kept), pixels.")]
FrameHeightOption = Annotated[int, typer.Option(min=16, help="Frames fit in this height (aspect kept), pixels.")]
VisibilityOption = Annotated[bool, typer.Option(help="Ray-cast first appearances (for obj_appearance_order).")]
BoxMethodOption = Annotated[BoxMethod, typer.Option(help="Box for sizes and distances (VSI-Bench: oriented).")]
DistanceMethodOption = Annotated[
    DistanceMethod, typer.Option(help="box_grid (VSI-Bench) | closest_points (exact) | centers (VSI-100k).")
]
OrientedEngineOption = Annotated[
    OrientedEngine, typer.Option(help="Minimal oriented box: open3d (VSI-Bench parity) | numpy (faster approximation).")
]
SplitOption = Annotated[Optional[Split], typer.Option(help="Put every scan in this split instead of ScanNet's lists.")]
AllowValOption = Annotated[
    bool, typer.Option("--allow-val-in-train", help="Accept ScanNet val scans/rooms in train (leaks into VSI-Bench; recorded).")
]
MaxScenesOption = Annotated[Optional[int], typer.Option(min=1, help="Only the first N scans (sorted by id).")]
RequireFramesOption = Annotated[
    bool, typer.Option("--require-frames", help="A scan without a colour stream fails (default: frame-free questions).")
]
ProgressOption = Annotated[bool, typer.Option(help="Show a progress bar.")]
KeepAmbiguousOption = Annotated[
    bool, typer.Option("--keep-ambiguous", help="Keep questions whose VSI-Bench and exact-geometry answers disagree "
                       "(both answers stored) instead of dropping them as definition_ambiguous.")
]

GroundingOption = Annotated[
    bool, typer.Option("--grounding/--no-grounding", help="On scans with ray-cast frames, drop questions naming an "
                       "object that no stored frame shows well enough (not_in_frames).")
]
GroundingShareOption = Annotated[
    Optional[float], typer.Option("--grounding-share", min=0.0, max=0.999,
                                  help="Share of one frame every named object must cover, for every type "
                                       "(default: 2% for counting, 0.5% for the others).")
]

DEFAULTS = {
    "box_method": BoxMethod(_FACTS.box_method), "distance_method": DistanceMethod(_FACTS.distance_method),
    "oriented_engine": OrientedEngine(_FACTS.oriented_engine), "frame_width": _FRAMES.max_width,
    "frame_height": _FRAMES.max_height, "visibility": _FRAMES.visibility, "seed": _QUESTIONS.seed,
    "mix": Mix(_QUESTIONS.mix),
}


def fail(error: BaseException | str, code: int = EXIT_FATAL) -> NoReturn:
    """Print one line `error: ...` on stderr and exit with `code` (no traceback)."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code=code)
