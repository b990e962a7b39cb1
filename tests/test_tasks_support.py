"""Hand-built SceneFacts for the question tests (no meshes): boxes placed by hand, exact distances.

Objects are axis-aligned boxes (optionally yawed for the oriented box), and `distances_m` is the
exact minimum distance between the axis-aligned boxes, so every answer is known by construction.
Imported by the tests/test_tasks_*.py modules; holds no tests itself.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from vsi100k.facts.schema import Box, ObjectFacts, SceneFacts


def aabb_distance_m(center_a, extent_a, center_b, extent_b) -> float:
    """Exact minimum distance between two axis-aligned boxes (0 when they overlap), metres."""
    gap = np.maximum(0.0, np.abs(np.asarray(center_a) - np.asarray(center_b)) - (np.asarray(extent_a) + np.asarray(extent_b)) / 2)
    return float(np.sqrt(np.sum(gap * gap)))  # not np.linalg.norm: BLAS bits follow the CPU


def make_facts(
    scene_id: str,
    objects: list[tuple[str | None, tuple[float, float, float], tuple[float, float, float]]],
    *,
    room_area_m2: float = 20.0,
    split: str | None = None,
    box_method: str = "axis_aligned",
    distances_m: dict[tuple[int, int], float] | None = None,
    exact_distances_m: dict[tuple[int, int], float] | None = None,
) -> SceneFacts:
    """Facts of a scene whose objects are (category, center xyz m, extent xyz m) axis-aligned boxes.

    Instance ids are 1-based in list order. Every box method gets the same box. distances_m: explicit
    per-pair distances overriding the box distance (keys (i, j), i < j). The exact distances equal
    the box distances (the objects are those boxes) unless `exact_distances_m` overrides some.
    """
    objs = []
    for i, (category, center, extent) in enumerate(objects, start=1):
        box = Box(center=np.asarray(center, float), extent=np.asarray(extent, float), rotation=np.eye(3))
        objs.append(
            ObjectFacts(
                instance_id=i,
                raw_label=category or "wall",
                category=category,
                vertex_count=100,
                boxes={m: box for m in ("oriented", "axis_aligned", "gravity_aligned")},
            )
        )
    dist = {}
    for a, b in combinations(objs, 2):
        if a.category is None or b.category is None:
            continue
        ba, bb = a.boxes[box_method], b.boxes[box_method]
        dist[(a.instance_id, b.instance_id)] = aabb_distance_m(ba.center, ba.extent, bb.center, bb.extent)
    exact = dict(dist)
    exact.update(exact_distances_m or {})
    dist.update(distances_m or {})
    return SceneFacts(
        scene_id=scene_id,
        objects=tuple(objs),
        distances_m=dist,
        room_area_m2=room_area_m2,
        room_outline=[[[0.0, 0.0], [5.0, 0.0], [5.0, 4.0], [0.0, 4.0]]],
        box_method=box_method,
        distance_method="closest_points",
        split=split,
        exact_distances_m=exact,
    )


CATEGORIES = (
    "chair", "table", "sofa", "bed", "lamp", "tv", "door", "window", "monitor", "plant", "mirror",
    "clock", "fan", "oven", "piano", "guitar", "printer", "backpack", "pillow", "towel",
)


def random_facts(scene_id: str, seed: int, *, n_objects: int = 14, room_m: float = 6.0) -> SceneFacts:
    """A random room: small boxes scattered in a room_m x room_m square, some categories repeated."""
    rng = np.random.default_rng(seed)
    objects = []
    for _ in range(n_objects):
        category = CATEGORIES[int(rng.integers(0, len(CATEGORIES)))]
        center = (float(rng.uniform(0, room_m)), float(rng.uniform(0, room_m)), float(rng.uniform(0.2, 1.5)))
        extent = tuple(float(v) for v in rng.uniform(0.1, 0.6, size=3))
        objects.append((category, center, extent))
    return make_facts(scene_id, objects, room_area_m2=room_m * room_m)
