"""Options shared by several commands, defined once (one spelling, one description, defaults from the
configs), the exit-code convention, and the one way errors and Ctrl-C reach the terminal.

Exit codes (every command; `vsi100k --help` and the README show the same table):
    0    success
    1    fatal: nothing usable was produced; one line says why (bad input data, a missing extra or
         GPU, a locked or foreign --out, a full disk, an unreachable Hub, unanswered questions, ...)
    2    usage: a bad option, value or combination of options (the command line must change)
    3    partial: the build finished and its output is complete and valid, but some scans failed
         (listed in the report and the card)
    130  interrupted (Ctrl-C): one line says what was kept and how to resume
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

from vsi100k.errors import ConfigError, Vsi100kError
from vsi100k.facts.extract import FactsConfig
from vsi100k.facts.schema import BOX_METHODS, DISTANCE_METHODS
from vsi100k.frames.config import FramesConfig
from vsi100k.geometry.boxes import ORIENTED_ENGINES
from vsi100k.pipeline.config import EXECUTORS, SPLIT_CHOICES
from vsi100k.tasks.config import MIXES, QuestionConfig

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FATAL: "fatal: nothing usable was produced; one line says why",
    EXIT_USAGE: "usage: a bad option, value or combination of options",
    EXIT_PARTIAL: "partial: the build is complete and valid, but some scans failed (report and card list them)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C): one line says what was kept and how to resume",
}
REPORTED: set[int] = set()  # EXIT_INTERRUPTED once its line was printed (see `vsi100k.cli.main`)
# What the library raises on purpose (and the OS errors it lets through: a full disk, a missing file).
LIBRARY_ERRORS = (Vsi100kError, ValueError, OSError)


def choices(name: str, values) -> type[Enum]:
    """A str Enum for typer, built from a choice list that lives in its config module (the help then
    lists the choices, and a value outside them is a usage error, exit 2)."""
    return Enum(name, {value: value for value in values}, type=str)


BoxMethod = choices("BoxMethod", BOX_METHODS)
DistanceMethod = choices("DistanceMethod", DISTANCE_METHODS)
OrientedEngine = choices("OrientedEngine", ORIENTED_ENGINES)
Mix = choices("Mix", sorted(MIXES))


Split = choices("Split", SPLIT_CHOICES)
ExecutorChoice = choices("ExecutorChoice", EXECUTORS)

_FACTS, _FRAMES, _QUESTIONS = FactsConfig(), FramesConfig(), QuestionConfig()

SCENES_HELP = ("Scans folder: ScanNet (<root>/<scene_id>/ or <root>/scans/<scene_id>/), ScanNet++ (<root>/data/<id>/) "
               "and ARKitScenes (<root>/3dod/Training|Validation/<video_id>/) layouts, with each source's label table "
               "and split lists beside them.")
ScenesOption = Annotated[Path, typer.Option(exists=True, file_okay=False, help=SCENES_HELP)]


def out_option(what: str, *, file: bool = False, optional: bool = False, aliases: tuple[str, ...] = ()):
    """The `--out` / `-o` option of a command, described alike everywhere: "Output folder: <what>."
    (or "Output file: ..."). optional: None when not given (the command has a default); aliases:
    older spellings still accepted."""
    kind = "Output file" if file else "Output folder"
    return Annotated[
        Optional[Path] if optional else Path,
        typer.Option("--out", "-o", *aliases, file_okay=file, dir_okay=not file, help=f"{kind}: {what}."),
    ]


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


def exit_code_of(error: BaseException) -> int:
    """The exit code of an error that stopped a command: its own `exit_code` attribute when it has one
    (an interrupted build: 130), 2 for a ConfigError (a bad option value or combination), else 1."""
    code = getattr(error, "exit_code", None)
    if isinstance(code, int):
        return code
    return EXIT_USAGE if isinstance(error, ConfigError) else EXIT_FATAL


def fail(error: BaseException | str, code: int | None = None) -> NoReturn:
    """Print one line `error: ...` on stderr and exit with `code` (default: `exit_code_of(error)`),
    without a traceback."""
    if code is None:
        code = exit_code_of(error) if isinstance(error, BaseException) else EXIT_FATAL
    if code == EXIT_INTERRUPTED:
        REPORTED.add(code)
    typer.echo(f"{'interrupted' if code == EXIT_INTERRUPTED else 'error'}: {error}", err=True)
    raise typer.Exit(code=code)


def build_cache_dir(cache_dir: Path | None) -> Path | None:
    """The pipeline's cache under `--cache-dir` (None: the default cache root decides)."""
    return Path(cache_dir) / "build" if cache_dir is not None else None


def cache_kept(cache_dir: Path | None) -> str:
    """What an interrupted stage command kept: the scans finished so far, in the cache."""
    from vsi100k.pipeline.config import default_cache_root

    root = build_cache_dir(cache_dir) or default_cache_root() / "build"
    return f"the scans finished before Ctrl-C are kept in the cache ({root}); rerun the same command to resume"


@contextmanager
def command_errors(kept: Callable[[], str] | None = None) -> Iterator[None]:
    """Run a command's library call: library errors become one line and the table's exit code, and
    Ctrl-C becomes one line (`kept()` says what was kept and how to resume) and exit 130."""
    from vsi100k.pipeline.interrupts import interrupts_deferred

    try:
        with interrupts_deferred():  # Ctrl-C never cuts a lazy import (Open3D) in half
            yield
    except KeyboardInterrupt:
        fail(kept() if kept is not None else "stopped before finishing; nothing was written", EXIT_INTERRUPTED)
    except LIBRARY_ERRORS as error:
        fail(error)
