"""The build's one configuration object: inputs, output, parallelism and every output-affecting setting.

Pure data with cross-field checks; no I/O here. `settings()` is what the cache key, the build id and
the dataset card record: the options that change the output bytes (not paths, workers or the cache
location, which do not).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from vsi100k.errors import ConfigError

BOX_METHODS = ("oriented", "axis_aligned", "gravity_aligned")
DISTANCE_METHODS = ("box_grid", "closest_points", "centers")
SPLIT_CHOICES = ("train", "validation", "test")
CACHE_ENV = "VSI100K_CACHE"


def default_cache_root() -> Path:
    """`$VSI100K_CACHE`, else `$XDG_CACHE_HOME/vsi100k`, else `~/.cache/vsi100k`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "vsi100k"


@dataclass(frozen=True)
class BuildConfig:
    """Settings of `vsi100k build`.

    scenes_dir: ScanNet layout root (`<root>/<id>/` or `<root>/scans/<id>/`), split lists beside it.
    out_dir: the dataset folder written (README.md, data/, facts/, build_report.json).
    cache_dir: per-scene results and sampled frames; None = `default_cache_root() / "build"`.
    workers: scenes processed in parallel (processes); 1 = in this process.
    seed: seeds every (scene, question type) generator.
    mix: question mix preset of `vsi100k.tasks.config.MIXES` (per-scene caps per type).
    n_frames, frame_width, frame_height: frames sampled per scene, resized to fit (aspect kept), pixels.
    box_method, distance_method: facts settings (SPEC section 3).
    visibility: ray-cast first appearances (needed by obj_appearance_order questions).
    split: put every scene in this split instead of ScanNet's lists.
    allow_val_in_train: accept val scenes / val rooms in train (the card records it).
    max_scenes: build only the first N scenes (sorted by id); None = all.
    """

    scenes_dir: Path
    out_dir: Path
    cache_dir: Path | None = None
    workers: int = 1
    seed: int = 0
    mix: str = "vsi100k"
    n_frames: int = 32
    frame_width: int = 640
    frame_height: int = 480
    box_method: str = "oriented"
    distance_method: str = "box_grid"
    visibility: bool = True
    split: str | None = None
    allow_val_in_train: bool = False
    max_scenes: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenes_dir", Path(self.scenes_dir))
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        if self.cache_dir is not None:
            object.__setattr__(self, "cache_dir", Path(self.cache_dir))
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ConfigError(f"workers={self.workers!r}: use 1 (in-process) or more worker processes")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed={self.seed!r}: use a non-negative integer")
        if self.n_frames < 1:
            raise ConfigError(f"n_frames={self.n_frames}: sample at least 1 frame per scene (VSI-Bench uses 32)")
        if self.frame_width < 16 or self.frame_height < 16:
            raise ConfigError(
                f"frame size {self.frame_width}x{self.frame_height}: use at least 16x16 (default 640x480)"
            )
        from vsi100k.tasks.config import MIXES

        if self.mix not in MIXES:
            raise ConfigError(f"mix={self.mix!r}: choose one of {', '.join(sorted(MIXES))}")
        if self.box_method not in BOX_METHODS:
            raise ConfigError(f"box_method={self.box_method!r}: choose one of {', '.join(BOX_METHODS)}")
        if self.distance_method not in DISTANCE_METHODS:
            raise ConfigError(f"distance_method={self.distance_method!r}: choose one of {', '.join(DISTANCE_METHODS)}")
        if self.split is not None and self.split not in SPLIT_CHOICES:
            raise ConfigError(f"split={self.split!r}: choose one of {', '.join(SPLIT_CHOICES)} (or leave it unset)")
        if self.max_scenes is not None and self.max_scenes < 1:
            raise ConfigError(f"max_scenes={self.max_scenes}: use a positive number, or leave it unset for all scenes")
        if self.out_dir.resolve() == self.scenes_dir.resolve():
            raise ConfigError(f"out_dir {self.out_dir} is the scenes folder; write the dataset to another folder")

    @property
    def cache_root(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else default_cache_root() / "build"

    def settings(self) -> dict:
        """Every setting that changes the output, JSON-ready (cache key, build id, card)."""
        return {
            "seed": self.seed,
            "mix": self.mix,
            "n_frames": self.n_frames,
            "frame_width": self.frame_width,
            "frame_height": self.frame_height,
            "box_method": self.box_method,
            "distance_method": self.distance_method,
            "visibility": self.visibility,
            "split": self.split,
            "allow_val_in_train": self.allow_val_in_train,
            "max_scenes": self.max_scenes,
        }

    def command(self, *, demo_scenes: int | None = None, demo_stream_frames: int | None = None) -> str:
        """The exact `vsi100k build` command line that reproduces this output (every setting spelled
        out, so defaults changing later do not change its meaning). demo_scenes, demo_stream_frames:
        the built-in demo's synthetic scenes, written instead of --scenes."""
        parts = ["vsi100k", "build"]
        if demo_scenes is not None:
            parts += ["--demo-scenes", str(demo_scenes)]
            if demo_stream_frames is not None:
                parts += ["--demo-stream-frames", str(demo_stream_frames)]
        else:
            parts += ["--scenes", str(self.scenes_dir)]
        parts += [
            "--out", str(self.out_dir), "--seed", str(self.seed), "--mix", self.mix, "--frames", str(self.n_frames),
            "--frame-width", str(self.frame_width), "--frame-height", str(self.frame_height),
            "--box-method", self.box_method, "--distance-method", self.distance_method,
        ]
        if not self.visibility:
            parts.append("--no-visibility")
        if self.split is not None:
            parts += ["--split", self.split]
        if self.allow_val_in_train:
            parts.append("--allow-val-in-train")
        if self.max_scenes is not None:
            parts += ["--max-scenes", str(self.max_scenes)]
        return shlex.join(parts)
