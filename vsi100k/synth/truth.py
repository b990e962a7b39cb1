"""The truth file of a synthetic scene: exact answers known by construction.

`<scene_dir>/<scene_id>.truth.json` records, in the ALIGNED frame (after axisAlignment; z up;
metres), the floor outline and area, every annotated object (instance ids 1-based in segGroup
order, each real object once even when the aggregation repeats groups) with its boxes, pairwise
exact minimum distances, per-category counts, and per rendered frame how many colour pixels show
each instance. Objects are unions of boxes, so `min_distance_m` is exact (see `boxes`). Tests of
the facts and question stages compare against this file; nothing in the pipeline reads it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.geometry.box_distance import paired_box_distances
from vsi100k.synth.boxes import YawBox, box_set_distance, rounded_solid_distances, stack_boxes, stack_rounding

TRUTH_VERSION = 1


def truth_path(scene_dir: Path) -> Path:
    """Where the truth file of a scene folder lives: `<scene_dir>/<scene_id>.truth.json`."""
    scene_dir = Path(scene_dir)
    return scene_dir / f"{scene_dir.name}.truth.json"


@dataclass(frozen=True)
class TruthObject:
    """One annotated object as built.

    kind: catalogue kind ("office_chair", ...) or "wall" / "floor" / "ceiling".
    center: (3,) centre of the gravity-aligned box in the object's own yaw, metres.
    size_xyz_m: (3,) that box's sides: length (along yaw), width, height, metres.
    yaw_rad: the object's heading about +z. aabb_min, aabb_max: (3,) axis-aligned bounds.
    parts: the boxes whose union is the object (flat boxes for walls, floor and ceiling).
    vertex_count: mesh vertices of the object in this scan.
    support_instance_id: instance the object stands on (a monitor on a table), or None.
    """

    instance_id: int
    raw_label: str
    category: str | None
    kind: str
    center: np.ndarray
    size_xyz_m: np.ndarray
    yaw_rad: float
    aabb_min: np.ndarray
    aabb_max: np.ndarray
    parts: tuple[YawBox, ...]
    vertex_count: int
    support_instance_id: int | None = None

    @property
    def size_m(self) -> float:
        """Longest side of the gravity-aligned box (VSI-Bench's object size), metres."""
        return float(np.max(self.size_xyz_m))

    def to_json(self) -> dict:
        return {
            "instance_id": self.instance_id, "raw_label": self.raw_label, "category": self.category,
            "kind": self.kind, "center": [float(v) for v in self.center],
            "size_xyz_m": [float(v) for v in self.size_xyz_m], "yaw_rad": float(self.yaw_rad),
            "aabb_min": [float(v) for v in self.aabb_min], "aabb_max": [float(v) for v in self.aabb_max],
            "parts": [p.to_json() for p in self.parts], "vertex_count": self.vertex_count,
            "support_instance_id": self.support_instance_id,
        }

    @classmethod
    def from_json(cls, data: dict) -> "TruthObject":
        return cls(
            instance_id=int(data["instance_id"]), raw_label=str(data["raw_label"]), category=data["category"],
            kind=str(data["kind"]), center=np.asarray(data["center"], float),
            size_xyz_m=np.asarray(data["size_xyz_m"], float), yaw_rad=float(data["yaw_rad"]),
            aabb_min=np.asarray(data["aabb_min"], float), aabb_max=np.asarray(data["aabb_max"], float),
            parts=tuple(YawBox.from_json(p) for p in data["parts"]), vertex_count=int(data["vertex_count"]),
            support_instance_id=data.get("support_instance_id"),
        )


@dataclass(frozen=True)
class SceneTruth:
    """Exact facts of one synthetic scan (aligned frame, metres).

    floor_polygon: list of [x, y] (counter-clockwise). distances_m: exact minimum distance between
    every two objects, keyed (i, j) with i < j. frame_instance_pixels: per rendered frame,
    instance id -> colour pixels showing it (image size `instance_pixels_size` = [w, h]).
    frame_times_s: colour timestamps of the frames, seconds. duplicated_seg_groups: how many
    segGroups the aggregation repeats (the scene0217_00 fault), 0 when clean.
    realism: "clean" or "scan". tolerances (scan profile): how far facts measured from the noisy,
    holed mesh may be from these exact values: "size_m" (gravity-aligned box sides, 0.02 m),
    "distance_m" (closest vertex distances, 0.02 m), "room_area_rel" (alpha-shape area, 3%).
    In the scan profile the truth is defined on the noise-free analytic surfaces (rounded solids,
    cut objects clipped at the wall); sizes are the yaw-only box of that surface as the
    gravity-aligned method defines it (minimum-area footprint rectangle x z range).
    """

    scene_id: str
    scene_type: str
    split: str
    floor_area_m2: float
    floor_polygon: list[list[float]]
    wall_height_m: float
    axis_alignment: np.ndarray
    objects: tuple[TruthObject, ...]
    distances_m: dict[tuple[int, int], float]
    n_vertices: int
    duplicated_seg_groups: int = 0
    frame_instance_pixels: list[dict[int, int]] = field(default_factory=list)
    frame_times_s: list[float] = field(default_factory=list)
    instance_pixels_size: tuple[int, int] = (0, 0)
    version: int = TRUTH_VERSION
    realism: str = "clean"
    tolerances: dict[str, float] = field(default_factory=dict)

    @property
    def room_id(self) -> str:
        return self.scene_id.split("_")[0]

    @property
    def counts(self) -> dict[str, int]:
        """VSI-Bench category -> number of instances (categorised objects only), sorted by name."""
        tally = Counter(o.category for o in self.objects if o.category is not None)
        return {name: tally[name] for name in sorted(tally)}

    def object(self, instance_id: int) -> TruthObject:
        for obj in self.objects:
            if obj.instance_id == instance_id:
                return obj
        raise KeyError(f"{self.scene_id}: no object with instance id {instance_id}")

    def min_distance_m(self, a: int, b: int) -> float:
        """Exact minimum distance between the surfaces of two objects (0 when they touch), metres."""
        if a == b:
            return 0.0
        return box_set_distance(list(self.object(a).parts), list(self.object(b).parts))

    def visible_instances(self, min_pixels: int = 1) -> set[int]:
        """Instance ids that cover at least `min_pixels` colour pixels in some rendered frame."""
        return {i for frame in self.frame_instance_pixels for i, n in frame.items() if n >= min_pixels}

    def to_json(self) -> dict:
        return {
            "version": self.version, "scene_id": self.scene_id, "scene_type": self.scene_type, "split": self.split,
            "floor_area_m2": float(self.floor_area_m2),
            "floor_polygon": [[float(x), float(y)] for x, y in self.floor_polygon],
            "wall_height_m": float(self.wall_height_m),
            "axis_alignment": [[float(v) for v in row] for row in np.asarray(self.axis_alignment)],
            "n_vertices": self.n_vertices, "duplicated_seg_groups": self.duplicated_seg_groups,
            "counts": self.counts,
            "objects": [o.to_json() for o in self.objects],
            "distances_m": [[a, b, float(d)] for (a, b), d in sorted(self.distances_m.items())],
            "instance_pixels_size": list(self.instance_pixels_size),
            "frame_times_s": [float(t) for t in self.frame_times_s],
            "frame_instance_pixels": [{str(k): int(v) for k, v in sorted(f.items())} for f in self.frame_instance_pixels],
        } | ({"realism": self.realism, "tolerances": dict(self.tolerances)} if self.realism != "clean" else {})

    @classmethod
    def from_json(cls, data: dict) -> "SceneTruth":
        return cls(
            scene_id=data["scene_id"], scene_type=data["scene_type"], split=data["split"],
            floor_area_m2=float(data["floor_area_m2"]), floor_polygon=data["floor_polygon"],
            wall_height_m=float(data["wall_height_m"]), axis_alignment=np.asarray(data["axis_alignment"], float),
            objects=tuple(TruthObject.from_json(o) for o in data["objects"]),
            distances_m={(int(a), int(b)): float(d) for a, b, d in data["distances_m"]},
            n_vertices=int(data["n_vertices"]), duplicated_seg_groups=int(data["duplicated_seg_groups"]),
            frame_instance_pixels=[{int(k): int(v) for k, v in f.items()} for f in data["frame_instance_pixels"]],
            frame_times_s=[float(t) for t in data["frame_times_s"]],
            instance_pixels_size=tuple(int(v) for v in data["instance_pixels_size"]),
            version=int(data["version"]),
            realism=str(data.get("realism", "clean")),
            tolerances={str(k): float(v) for k, v in data.get("tolerances", {}).items()},
        )


def pairwise_distances(objects: tuple[TruthObject, ...] | list[TruthObject]) -> dict[tuple[int, int], float]:
    """Exact minimum distance for every pair of objects, keyed by (smaller id, larger id)."""
    parts, owner = [], []
    for obj in objects:
        parts.extend(obj.parts)
        owner.extend([obj.instance_id] * len(obj.parts))
    if len(objects) < 2:
        return {}
    owner = np.asarray(owner)
    centers, halves, rotations = stack_boxes(parts)
    rounding = stack_rounding(parts)
    ia, ib = np.triu_indices(len(parts), k=1)
    keep = owner[ia] != owner[ib]
    ia, ib = ia[keep], ib[keep]
    out: dict[tuple[int, int], float] = {}
    chunk = 20_000
    for start in range(0, len(ia), chunk):
        a, b = ia[start:start + chunk], ib[start:start + chunk]
        if rounding[a].any() or rounding[b].any():
            dist = rounded_solid_distances(centers[a], halves[a], rotations[a], rounding[a],
                                      centers[b], halves[b], rotations[b], rounding[b])
        else:
            dist = paired_box_distances(centers[a], halves[a], rotations[a], centers[b], halves[b], rotations[b])
        for oa, ob, d in zip(owner[a], owner[b], dist):
            key = (int(min(oa, ob)), int(max(oa, ob)))
            if key not in out or d < out[key]:
                out[key] = float(d)
    return out


def write_truth(scene_dir: Path, truth: SceneTruth) -> Path:
    """Write `<scene_dir>/<scene_id>.truth.json` atomically; returns its path."""
    path = truth_path(scene_dir)
    if path.parent.name != truth.scene_id:
        raise ValueError(f"{truth.scene_id}: truth belongs in a folder named {truth.scene_id}, not {path.parent.name}")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(truth.to_json(), indent=None, sort_keys=True))
    tmp.replace(path)
    return path


def read_truth(scene_dir: Path) -> SceneTruth:
    """Read the truth file of a synthetic scene folder. Raises SceneError naming scene, file, problem."""
    scene_dir = Path(scene_dir)
    path = truth_path(scene_dir)
    scene_id = scene_dir.name
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SceneError(scene_id, path, "file not found (only synthetic scenes have a truth file)") from None
    except json.JSONDecodeError as exc:
        raise SceneError(scene_id, path, f"invalid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("version") != TRUTH_VERSION:
        found = data.get("version") if isinstance(data, dict) else None
        raise SceneError(scene_id, path, f"truth version {found!r} is not {TRUTH_VERSION}; regenerate with `vsi100k synth`")
    try:
        return SceneTruth.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise SceneError(scene_id, path, f"malformed truth file ({exc!r})") from None
