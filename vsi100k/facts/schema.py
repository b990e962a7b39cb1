"""The on-disk facts of one scene: a versioned JSON that question generation reads alone.

Pure data and (de)serialisation; no geometry is computed here. All geometry is in the aligned
frame (z up), in metres. Every number is held at the declared precision (`vsi100k.facts.precision`:
1e-6 m, 1e-6 m2, 1e-6 per rotation entry, 1e-6 s), rounded when a value is made, so facts computed
in memory and facts read back from JSON are the same numbers on every machine.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vsi100k.facts import precision

from vsi100k.geometry.box import BOX_METHODS, Box  # noqa: F401  (re-exported: part of the facts schema)

SCHEMA_VERSION = 2
READABLE_SCHEMA_VERSIONS = (1, 2)  # version 1: no exact distances (questions need version 2)
EXACT_BOX_METHOD = "gravity_aligned"  # the box of exact geometry: sizes, direction centres and corners

DISTANCE_METHODS = ("box_grid", "closest_points", "centers")


def rounded_box(box: Box) -> Box:
    """`box` with centre and extent at 1e-6 m and rotation entries at 1e-6 (the declared precision)."""
    return Box(
        center=np.array(precision.rounded_list(np.ravel(box.center), precision.LENGTH_DECIMALS)),
        extent=np.array(precision.rounded_list(np.ravel(box.extent), precision.LENGTH_DECIMALS)),
        rotation=np.array(
            precision.rounded_list(np.ravel(box.rotation), precision.ROTATION_DECIMALS), dtype=float
        ).reshape(np.shape(box.rotation)),
    )


def _rounded_distances(distances: dict) -> dict:
    return {key: precision.length_m(d) for key, d in distances.items()}


@dataclass(frozen=True)
class ObjectFacts:
    """One annotated object (one deduplicated segGroup)."""

    instance_id: int  # 1-based, in segGroup order after deduplication; 0 means "no object"
    raw_label: str  # as annotated in ScanNet, e.g. "trash can"
    category: str | None  # VSI-Bench vocabulary name, e.g. "trash bin"; None = never asked about
    vertex_count: int
    boxes: dict[str, Box]  # keyed by BOX_METHODS (held at the declared precision)

    def __post_init__(self) -> None:
        object.__setattr__(self, "boxes", {name: rounded_box(box) for name, box in self.boxes.items()})

    def to_json(self) -> dict:
        return {
            "instance_id": self.instance_id,
            "raw_label": self.raw_label,
            "category": self.category,
            "vertex_count": self.vertex_count,
            "boxes": {name: box.to_json() for name, box in self.boxes.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> "ObjectFacts":
        return cls(
            instance_id=int(data["instance_id"]),
            raw_label=str(data["raw_label"]),
            category=data["category"],
            vertex_count=int(data["vertex_count"]),
            boxes={name: Box.from_json(box) for name, box in data["boxes"].items()},
        )


@dataclass(frozen=True)
class Appearances:
    """When each category first appears in the scan's sampled frames (the frames stage fills it).

    first_s: category -> seconds since the stream's first frame of the first sampled frame in which
        the category's instances together cover at least `min_pixel_fraction` of the pixels.
    first_frame: category -> that frame's index in the source stream.
    n_frames: frames sampled; frames_with_pose: those with a valid pose (the others see nothing);
    ray_grid: (width, height) of the ray grid cast per frame.
    max_pixels: instance id -> the most rays of any one sampled frame that hit the instance (0: no
        sampled frame shows it); its share of a frame is max_pixels / (width * height) of the ray
        grid (`max_share`). Empty in facts written before it was recorded (such scans are not
        frame-checked). Categories never seen are absent from first_s / first_frame.
    """

    first_s: dict[str, float]
    first_frame: dict[str, int]
    min_pixel_fraction: float
    n_frames: int
    frames_with_pose: int
    ray_grid: tuple[int, int]
    max_pixels: dict[int, int] = field(default_factory=dict)

    def max_share(self, instance_id: int) -> float:
        """The largest fraction of one sampled frame that the instance covers (0 when never seen)."""
        return self.max_pixels.get(int(instance_id), 0) / float(self.ray_grid[0] * self.ray_grid[1])

    def __post_init__(self) -> None:
        object.__setattr__(self, "first_s", {c: precision.time_s(t) for c, t in self.first_s.items()})

    def to_json(self) -> dict:
        return {
            "first_s": dict(sorted(self.first_s.items())),
            "first_frame": dict(sorted(self.first_frame.items())),
            "min_pixel_fraction": float(self.min_pixel_fraction),
            "n_frames": int(self.n_frames),
            "frames_with_pose": int(self.frames_with_pose),
            "ray_grid": [int(v) for v in self.ray_grid],
            **({"max_pixels": {str(i): int(n) for i, n in sorted(self.max_pixels.items())}} if self.max_pixels else {}),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Appearances":
        return cls(
            first_s={str(c): float(t) for c, t in data["first_s"].items()},
            first_frame={str(c): int(k) for c, k in data["first_frame"].items()},
            min_pixel_fraction=float(data["min_pixel_fraction"]),
            n_frames=int(data["n_frames"]),
            frames_with_pose=int(data["frames_with_pose"]),
            ray_grid=(int(data["ray_grid"][0]), int(data["ray_grid"][1])),
            max_pixels={int(i): int(n) for i, n in data.get("max_pixels", {}).items()},
        )


@dataclass(frozen=True)
class SceneFacts:
    """Everything question generation needs about one scene.

    box_method: which of `boxes` gives sizes, centres and direction corners.
    distance_method: how `distances_m` was computed (one of DISTANCE_METHODS).
    distances_m: minimum surface distance in metres between two categorised objects, keyed by
        the sorted instance-id pair (i, j) with i < j. Present for every pair of objects that both
        have a category.
    room_area_m2: 2D alpha-shape area of the floor plan.
    room_outline: list of closed xy polygons (each a list of [x, y]) of the alpha shape, for maps.
    appearances: first appearances in the sampled frames (`Appearances`), filled by the frames
        stage; None when the scan has no frames with poses or the frames were not built.
    exact_distances_m: exact geometry's distance in metres for the same pairs as `distances_m`:
        the closest-point distance between the two objects' vertex sets, or 0 for a pair whose
        solids overlap (`vsi100k.geometry.overlap`). Empty in schema version 1 facts.
    overlapping_pairs: the pairs (i < j) set to 0 by the overlap rule, sorted.
    """

    scene_id: str
    objects: tuple[ObjectFacts, ...]
    distances_m: dict[tuple[int, int], float]
    room_area_m2: float
    room_outline: list[list[list[float]]]
    box_method: str = "oriented"
    distance_method: str = "box_grid"
    split: str | None = None  # "train" / "val" / "test" from the ScanNet lists, when known
    notes: tuple[str, ...] = ()  # e.g. "removed 12 duplicated segGroups"
    schema_version: int = SCHEMA_VERSION
    extra: dict = field(default_factory=dict)
    exact_distances_m: dict[tuple[int, int], float] = field(default_factory=dict)
    overlapping_pairs: tuple[tuple[int, int], ...] = ()
    appearances: Appearances | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "distances_m", _rounded_distances(self.distances_m))
        object.__setattr__(self, "exact_distances_m", _rounded_distances(self.exact_distances_m))
        object.__setattr__(self, "room_area_m2", precision.area_m2(self.room_area_m2))

    # ---- lookups used by question generation ----
    def object(self, instance_id: int) -> ObjectFacts:
        for obj in self.objects:
            if obj.instance_id == instance_id:
                return obj
        raise KeyError(f"{self.scene_id}: no object with instance id {instance_id}")

    def box(self, instance_id: int) -> Box:
        return self.object(instance_id).boxes[self.box_method]

    def instances_by_category(self) -> dict[str, list[int]]:
        """category -> instance ids (ascending), categorised objects only."""
        out: dict[str, list[int]] = {}
        for obj in self.objects:
            if obj.category is not None:
                out.setdefault(obj.category, []).append(obj.instance_id)
        return out

    def distance_m(self, a: int, b: int) -> float:
        """Minimum surface distance between two instances, metres."""
        if a == b:
            return 0.0
        return self.distances_m[(min(a, b), max(a, b))]

    def exact_box(self, instance_id: int) -> Box:
        """The box of exact geometry (gravity-aligned: yaw only) of one instance."""
        return self.object(instance_id).boxes[EXACT_BOX_METHOD]

    def exact_distance_m(self, a: int, b: int) -> float:
        """Exact-geometry distance between two instances, metres (0 when their solids overlap)."""
        if a == b:
            return 0.0
        if not self.exact_distances_m and self.distances_m:
            raise ValueError(
                f"{self.scene_id}: facts schema_version {self.schema_version} carry no exact distances; "
                "re-run `vsi100k facts` to regenerate the facts"
            )
        return self.exact_distances_m[(min(a, b), max(a, b))]

    def category_distance_m(self, category_a: str, category_b: str) -> float:
        """Minimum over the instances of two categories, metres."""
        by_cat = self.instances_by_category()
        return min(self.distance_m(a, b) for a in by_cat[category_a] for b in by_cat[category_b])

    # ---- serialisation ----
    def to_json(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "scene_id": self.scene_id,
            "split": self.split,
            "box_method": self.box_method,
            "distance_method": self.distance_method,
            "room_area_m2": float(self.room_area_m2),
            "room_outline": self.room_outline,
            "notes": list(self.notes),
            "objects": [obj.to_json() for obj in self.objects],
            "distances_m": [[a, b, float(d)] for (a, b), d in sorted(self.distances_m.items())],
            "extra": self.extra,
            "exact_distances_m": [[a, b, float(d)] for (a, b), d in sorted(self.exact_distances_m.items())],
            "overlapping_pairs": [[a, b] for a, b in self.overlapping_pairs],
            "appearances": self.appearances.to_json() if self.appearances is not None else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> "SceneFacts":
        version = data.get("schema_version")
        if version not in READABLE_SCHEMA_VERSIONS:
            raise ValueError(
                f"{data.get('scene_id', '?')}: facts schema_version {version!r} is not one of "
                f"{', '.join(map(str, READABLE_SCHEMA_VERSIONS))}; "
                "re-run `vsi100k facts` to regenerate the facts"
            )
        return cls(
            scene_id=data["scene_id"],
            objects=tuple(ObjectFacts.from_json(o) for o in data["objects"]),
            distances_m={(int(a), int(b)): float(d) for a, b, d in data["distances_m"]},
            room_area_m2=float(data["room_area_m2"]),
            room_outline=data["room_outline"],
            box_method=data["box_method"],
            distance_method=data["distance_method"],
            split=data.get("split"),
            notes=tuple(data.get("notes", ())),
            schema_version=version,
            extra=data.get("extra", {}),
            exact_distances_m={(int(a), int(b)): float(d) for a, b, d in data.get("exact_distances_m", ())},
            overlapping_pairs=tuple((int(a), int(b)) for a, b in data.get("overlapping_pairs", ())),
            appearances=Appearances.from_json(data["appearances"]) if data.get("appearances") else None,
        )

    def write(self, path: Path) -> None:
        """Write atomically (temporary name, then rename)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1, sort_keys=True))
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> "SceneFacts":
        return cls.from_json(json.loads(Path(path).read_text()))
