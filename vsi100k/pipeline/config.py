"""The build's configuration: the stage configs composed, plus inputs, output and execution.

Pure data with cross-field checks; no I/O here. `settings()` is what the cache keys, the build id
and the dataset card record: every option that changes the output bytes (not paths, workers, the
executor or the cache location, which do not).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from vsi100k.errors import ConfigError
from vsi100k.facts.extract import FactsConfig
from vsi100k.frames.config import FramesConfig
from vsi100k.tasks.config import QuestionConfig

Executor = Literal["local", "ray"]
EXECUTORS: tuple[str, ...] = get_args(Executor)
Split = Literal["train", "validation", "test"]
SPLIT_CHOICES: tuple[str, ...] = get_args(Split)
CACHE_ENV = "VSI100K_CACHE"


def default_cache_root() -> Path:
    """`$VSI100K_CACHE`, else `$XDG_CACHE_HOME/vsi100k`, else `~/.cache/vsi100k`."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "vsi100k"


def folder_name(path: Path) -> str:
    """The last part of a folder's path (`/data/scannet/scans` -> `scans`), as published files name it:
    an absolute path would tie the card and the report to the machine and folder of the build."""
    return Path(os.path.abspath(path)).name or str(path)


@dataclass(frozen=True)
class BuildConfig:
    """Settings of `vsi100k build` (and of its partial runs `facts`, `frames`, `questions`).

    scenes_dir: ScanNet layout root (`<root>/<id>/` or `<root>/scans/<id>/`), split lists beside it.
    out_dir: the dataset folder written (README.md, data/, facts/, build_report.json).
    facts, frames, questions: the stage configs (`FactsConfig`, `FramesConfig`, `QuestionConfig`).
    cache_dir: the one cache (facts, frames, visibility, per-scan results); None =
        `default_cache_root() / "build"`, resolved (and made absolute) here, in the driver: workers on
        other machines or processes do not inherit $VSI100K_CACHE or the working directory, so every
        setting a worker needs travels in this config.
    workers: scans processed in parallel; 1 = in this process (local executor).
    executor: "local" (a process pool on this machine) or "ray" (Ray tasks, `ray_address`).
    ray_address: address of a running Ray cluster; None starts a local Ray runtime.
    split: put every scan in this split instead of ScanNet's lists.
    allow_val_in_train: accept val scans / val rooms in train (the card records it).
    max_scenes: build only the first N scans (sorted by id); None = all.
    require_frames: a scan without a colour stream fails instead of yielding frame-free questions.
    overwrite: replace a previous vsi100k build in `out_dir`.
    sources: build only the scans of these sources (`dataset` names, e.g. ("arkitscenes",));
        None = every registered source found in `scenes_dir`.
    """

    scenes_dir: Path
    out_dir: Path
    facts: FactsConfig = field(default_factory=FactsConfig)
    frames: FramesConfig = field(default_factory=FramesConfig)
    questions: QuestionConfig = field(default_factory=QuestionConfig)
    cache_dir: Path | None = None
    workers: int = 1
    executor: Executor = "local"
    ray_address: str | None = None
    split: Split | None = None
    allow_val_in_train: bool = False
    max_scenes: int | None = None
    require_frames: bool = False
    overwrite: bool = False
    sources: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenes_dir", Path(self.scenes_dir))
        object.__setattr__(self, "out_dir", Path(self.out_dir))
        cache_dir = Path(self.cache_dir) if self.cache_dir is not None else default_cache_root() / "build"
        object.__setattr__(self, "cache_dir", Path(os.path.abspath(cache_dir.expanduser())))
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ConfigError(f"workers={self.workers!r}: use 1 (in-process) or more worker processes")
        if self.executor not in EXECUTORS:
            raise ConfigError(f"executor={self.executor!r}: choose one of {', '.join(EXECUTORS)}")
        if self.ray_address is not None and self.executor != "ray":
            raise ConfigError("ray_address is set but executor is not 'ray': pass --executor ray with --ray-address")
        if self.split is not None and self.split not in SPLIT_CHOICES:
            raise ConfigError(f"split={self.split!r}: choose one of {', '.join(SPLIT_CHOICES)} (or leave it unset)")
        if self.max_scenes is not None and self.max_scenes < 1:
            raise ConfigError(f"max_scenes={self.max_scenes}: use a positive number, or leave it unset for all scenes")
        if self.sources is not None:
            from vsi100k.sources import get_source

            names = tuple(dict.fromkeys(str(name).strip() for name in self.sources))
            if not names:
                raise ConfigError("sources is empty: name at least one source, or leave it unset for all")
            for name in names:
                get_source(name)  # ConfigError listing the valid names
            object.__setattr__(self, "sources", names)
        if self.out_dir.resolve() == self.scenes_dir.resolve():
            raise ConfigError(f"out_dir {self.out_dir} is the scenes folder; write the dataset to another folder")

    @property
    def cache_root(self) -> Path:
        """The build cache's root (absolute; resolved when the config was made)."""
        return self.cache_dir

    def settings(self) -> dict:
        """Every setting that changes the output, JSON-ready (build id, report, card)."""
        return {
            "facts": self.facts.to_json(),
            "frames": self.frames.to_json(),
            "questions": self.questions.to_json(),
            "split": self.split,
            "allow_val_in_train": self.allow_val_in_train,
            "max_scenes": self.max_scenes,
            "require_frames": self.require_frames,
        } | ({"sources": list(self.sources)} if self.sources is not None else {})

    def command(self, *, demo_scenes: int | None = None, demo_stream_frames: int | None = None) -> str:
        """The `vsi100k build` command line that reproduces this output, every setting spelled out
        (so defaults changing later do not change its meaning). demo_scenes, demo_stream_frames: the
        built-in demo's synthetic scenes, written instead of --scenes. Folders are named by their last
        part only (`folder_name`): the recorded command carries no path of the machine it ran on."""
        parts = ["vsi100k", "build"]
        if demo_scenes is not None:
            parts += ["--demo-scenes", str(demo_scenes)]
            if demo_stream_frames is not None:
                parts += ["--demo-stream-frames", str(demo_stream_frames)]
        else:
            parts += ["--scenes", folder_name(self.scenes_dir)]
        q, f, fr = self.questions, self.facts, self.frames
        parts += [
            "--out", folder_name(self.out_dir), "--seed", str(q.seed), "--mix", q.mix, "--frames", str(fr.n_frames),
            "--frame-width", str(fr.max_width), "--frame-height", str(fr.max_height),
            "--box-method", f.box_method, "--distance-method", f.distance_method,
            "--oriented-engine", f.oriented_engine,
        ]
        if not fr.visibility:
            parts.append("--no-visibility")
        if self.split is not None:
            parts += ["--split", self.split]
        if self.allow_val_in_train:
            parts.append("--allow-val-in-train")
        if self.max_scenes is not None:
            parts += ["--max-scenes", str(self.max_scenes)]
        if self.require_frames:
            parts.append("--require-frames")
        for name in self.sources or ():
            parts += ["--source", name]
        if q.keep_ambiguous:
            parts.append("--keep-ambiguous")
        if not q.grounding:
            parts.append("--no-grounding")
        if q.grounding_share is not None:
            parts += ["--grounding-share", repr(float(q.grounding_share))]
        return shlex.join(parts)
