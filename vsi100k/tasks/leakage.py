"""Split assignment with the leakage guard: no val scene, nor any scan of a val room, in train.

VSI-Bench's 88 ScanNet scenes all come from ScanNet's official val split, and its ScanNet++ and
ARKitScenes scenes from those datasets' validation splits. Scans of one room share the `sceneXXXX`
prefix (`scene0011_00`, `scene0011_01`), so a train split must exclude every scan whose room
appears in val, not only the val scans themselves. Other sources say what their room is
(`scene_rooms`: ARKitScenes videos of one visit share a room; a ScanNet++ scene is its own room),
and messages name each scene's own source (`scene_sources`; ScanNet when not given). Putting such a scene into train is
refused unless the guard was built with `allow_val_in_train=True`; then the decision is marked
`leakage_override=True`, which the questions and the build report carry.

Split names are the dataset's: "train", "validation", "test" ("val", ScanNet's file-name spelling, is
accepted everywhere and read as "validation"). Input is plain data: `scene_id -> split` as returned
by `vsi100k.scannet.read_split_lists` in the layer above. No file is read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from vsi100k.errors import SceneError

SPLIT_NAMES = ("train", "validation", "test")
_ALIASES = {"val": "validation"}


class LeakageError(SceneError):
    """A scene would put val data (of ScanNet or another source) into a train split."""


# How messages name each source's data; sources not listed are named by their `dataset` value.
SOURCE_TITLES = {"scannet": "ScanNet", "scannetpp": "ScanNet++", "arkitscenes": "ARKitScenes"}


def normalize_split(name: str | None) -> str | None:
    """"val" -> "validation"; the dataset's names pass; None stays None; anything else is an error."""
    if name is None:
        return None
    name = _ALIASES.get(name, name)
    if name not in SPLIT_NAMES:
        raise ValueError(f"unknown split {name!r}; use one of {', '.join(SPLIT_NAMES)} (or 'val')")
    return name


def room_of(scene_id: str) -> str:
    """`scene0011` for `scene0011_01`: the room shared by all scans of one place."""
    return scene_id.split("_")[0]


@dataclass(frozen=True)
class SplitDecision:
    """Where one scene's questions go and why."""

    scene_id: str
    split: str
    source: str  # "requested", "split lists", "facts" or "default"
    leakage_override: bool = False
    val_evidence: str | None = None  # why the scene counts as val data, when it does


@dataclass(frozen=True)
class SplitGuard:
    """Split lists (scene_id -> split) plus the override flag. An empty guard knows no lists.

    scene_rooms: scene_id -> room for scans whose room is not `room_of(scene_id)` (e.g.
        ARKitScenes' "visit 382143"). scene_sources: scene_id -> source name (`dataset` value),
        only for messages; "scannet" when absent.
    """

    scene_splits: Mapping[str, str] = field(default_factory=dict)
    allow_val_in_train: bool = False
    scene_rooms: Mapping[str, str] = field(default_factory=dict)
    scene_sources: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        normalized = {}
        for scene_id, split in self.scene_splits.items():
            try:
                normalized[str(scene_id).strip()] = normalize_split(split)
            except ValueError as exc:
                raise ValueError(f"split lists: {scene_id}: {exc}") from exc
        object.__setattr__(self, "scene_splits", normalized)
        object.__setattr__(
            self, "_val_rooms", frozenset(self.room(s) for s, split in normalized.items() if split == "validation")
        )

    def room(self, scene_id: str) -> str:
        """The room of a scene: its source's (`scene_rooms`), else `room_of(scene_id)`."""
        return self.scene_rooms.get(scene_id) or room_of(scene_id)

    def source_title(self, scene_id: str) -> str:
        """How messages name the scene's source: "ScanNet", "ScanNet++", "ARKitScenes"."""
        name = self.scene_sources.get(scene_id, "scannet")
        return SOURCE_TITLES.get(name, name)

    def val_split_name(self, scene_id: str) -> str:
        """How messages name the source's validation split: ScanNet's "val", else "validation"."""
        return "val" if self.source_title(scene_id) == "ScanNet" else "validation"

    @property
    def val_rooms(self) -> frozenset[str]:
        return self._val_rooms  # type: ignore[attr-defined]

    @property
    def has_lists(self) -> bool:
        return bool(self.scene_splits)

    def val_evidence(self, scene_id: str, facts_split: str | None) -> str | None:
        """Why a scene counts as val data (None when it does not)."""
        title, split_name = self.source_title(scene_id), self.val_split_name(scene_id)
        if self.scene_splits.get(scene_id) == "validation":
            return f"it is listed in the {title} {split_name} split"
        if self.room(scene_id) in self.val_rooms:
            return f"its room {self.room(scene_id)} has scans in the {title} {split_name} split"
        if normalize_split(facts_split) == "validation":
            return "its facts record the validation split"
        return None

    def assign(
        self,
        scene_id: str,
        *,
        facts_split: str | None = None,
        requested: str | None = None,
        path: Path | str | None = None,
    ) -> SplitDecision:
        """Decide a scene's split: the requested one, else the lists, else the facts, else "train".

        path: the facts file, named in the error. Raises LeakageError when the result is "train"
        for val data and the override is off.
        """
        requested = normalize_split(requested)
        facts_split = normalize_split(facts_split)
        if requested is not None:
            split, source = requested, "requested"
        elif scene_id in self.scene_splits:
            split, source = self.scene_splits[scene_id], "split lists"
        elif facts_split is not None:
            split, source = facts_split, "facts"
        else:
            split, source = "train", "default"
        evidence = self.val_evidence(scene_id, facts_split)
        if split != "train" or evidence is None:
            return SplitDecision(scene_id, split, source, False, evidence)
        if not self.allow_val_in_train:
            raise LeakageError(
                scene_id,
                path,
                f"refusing to put this scene in the train split: {evidence}, and VSI-Bench evaluates on "
                f"{self.source_title(scene_id)} {self.val_split_name(scene_id)} scenes; drop the scene or pass "
                "--allow-val-in-train (the output records the override)",
            )
        return SplitDecision(scene_id, split, source, True, evidence)
