"""Scene -> SceneFacts: objects, boxes, pairwise distances and room size (docs/definitions.md, "Facts").

Reads only the in-memory `Scene` (never files) and calls the pure geometry of `vsi100k.geometry`.
All geometry is in the aligned frame (axisAlignment applied, z up), in metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vsi100k.errors import ConfigError, SceneError
from vsi100k.facts.schema import BOX_METHODS, DISTANCE_METHODS, Box, ObjectFacts, SceneFacts
from vsi100k.facts.vocabulary import Vocabulary, default_vocabulary
from vsi100k.geometry import alpha_shape as alpha_geometry
from vsi100k.geometry import boxes as box_geometry
from vsi100k.geometry import distances as distance_geometry
from vsi100k.geometry import overlap as overlap_geometry
from vsi100k.scene import Scene

_NOTE_LIST_LIMIT = 20  # ids listed in a note before it says "..."


@dataclass(frozen=True)
class FactsConfig:
    """How facts are computed.

    box_method: which box gives sizes, centres and grid distances ("oriented" = Open3D's minimal
        oriented box, VSI-Bench parity; "axis_aligned"; "gravity_aligned" = yaw only). All three
        boxes are stored either way.
    distance_method: "box_grid" (surfaces of the boxes sampled every `grid_step_m`, VSI-Bench
        parity), "closest_points" (exact, between vertex sets) or "centers" (box centres, VSI-100k).
    oriented_engine: "open3d" (Open3D's minimal-box search, as VSI-Bench) or "numpy" (the
        faster hull-edge approximation; see `vsi100k.geometry.boxes.minimal_oriented_box`).
    grid_step_m: box-grid sample spacing, metres.
    room_alpha: alpha of the floor-plan alpha shape, 1/m (5 keeps triangles of circumradius < 0.2 m).
    room_sample_count: mesh vertices sampled for the alpha shape (all when the mesh has fewer).
    room_sample_seed: seed of `np.random.default_rng` that draws them (without replacement).
    outline_tolerance_m: the stored room outline is simplified (Douglas-Peucker) to this
        tolerance, metres; the area is always computed from the full alpha shape.
    outline_decimals: decimals kept in the stored room outline (3 = millimetres).
    overlap_min_fraction, overlap_margin_m: the overlap rule of exact geometry: two objects' solids
        overlap (exact distance 0) when at least this fraction of one's vertices lies inside the
        other's gravity-aligned box shrunk by the margin (metres) per side
        (`vsi100k.geometry.overlap`).

    Exact distances (closest points between vertex sets, 0 for overlapping objects) are always
    computed next to `distance_method`'s, so every answer can be checked under both definitions.
    """

    box_method: str = "oriented"
    distance_method: str = "box_grid"
    oriented_engine: str = "open3d"
    grid_step_m: float = 0.05
    room_alpha: float = 5.0
    room_sample_count: int = 10_000
    room_sample_seed: int = 0
    outline_tolerance_m: float = 0.01
    outline_decimals: int = 3
    overlap_min_fraction: float = overlap_geometry.DEFAULT_MIN_FRACTION
    overlap_margin_m: float = overlap_geometry.DEFAULT_MARGIN_M

    def __post_init__(self) -> None:
        if self.box_method not in BOX_METHODS:
            raise ConfigError(f"box_method {self.box_method!r} is unknown; use one of {', '.join(BOX_METHODS)}")
        if self.distance_method not in DISTANCE_METHODS:
            raise ConfigError(
                f"distance_method {self.distance_method!r} is unknown; use one of {', '.join(DISTANCE_METHODS)}"
            )
        if self.oriented_engine not in box_geometry.ORIENTED_ENGINES:
            raise ConfigError(
                f"oriented_engine {self.oriented_engine!r} is unknown; use one of {', '.join(box_geometry.ORIENTED_ENGINES)}"
            )
        if not self.grid_step_m > 0:
            raise ConfigError(f"grid_step_m must be > 0 metres (VSI-Bench uses 0.05), got {self.grid_step_m!r}")
        if not self.room_alpha >= 0:
            raise ConfigError(f"room_alpha must be >= 0 (VSI-Bench uses 5.0; 0 = convex hull), got {self.room_alpha!r}")
        if self.room_sample_count < 4:
            raise ConfigError(f"room_sample_count must be >= 4 (VSI-Bench uses 10000), got {self.room_sample_count!r}")
        if not self.outline_tolerance_m >= 0:
            raise ConfigError(f"outline_tolerance_m must be >= 0 metres (0 keeps every vertex), got {self.outline_tolerance_m!r}")
        if not 0 <= self.outline_decimals <= 9:
            raise ConfigError(f"outline_decimals must be in [0, 9], got {self.outline_decimals!r}")
        if not 0 < self.overlap_min_fraction <= 1:
            raise ConfigError(f"overlap_min_fraction must be in (0, 1] (default 0.5), got {self.overlap_min_fraction!r}")
        if not self.overlap_margin_m >= 0:
            raise ConfigError(f"overlap_margin_m must be >= 0 metres (default 0.02), got {self.overlap_margin_m!r}")

    def to_json(self) -> dict:
        return {
            "box_method": self.box_method,
            "distance_method": self.distance_method,
            "oriented_engine": self.oriented_engine,
            "grid_step_m": self.grid_step_m,
            "room_alpha": self.room_alpha,
            "room_sample_count": self.room_sample_count,
            "room_sample_seed": self.room_sample_seed,
            "outline_tolerance_m": self.outline_tolerance_m,
            "outline_decimals": self.outline_decimals,
            "overlap_min_fraction": self.overlap_min_fraction,
            "overlap_margin_m": self.overlap_margin_m,
        }


def extract_facts(scene: Scene, cfg: FactsConfig | None = None, vocabulary: Vocabulary | None = None,
                  source: str | None = None) -> SceneFacts:
    """Compute the facts of one scene.

    vocabulary: the source's raw label -> category map (the packaged ScanNet one when None).
    source: the scan's source when it is not ScanNet ("scannetpp", "arkitscenes"), recorded as
        `extra["source"]` so that questions made from the facts alone name it (None: not recorded).

    Objects are the scene's resolved objects (`Scene.objects`: duplicated segGroups dropped,
    segGroups sharing an objectId merged) with their instance ids, so an object with no vertices
    (skipped, with a note) leaves a gap. The annotation faults go into the notes and into
    `extra["annotation_faults"]`. Distances cover every pair of objects with a category.
    Raises SceneError when the scene's arrays disagree (e.g. one segment index per vertex).
    """
    cfg = cfg or FactsConfig()
    vertices = _checked_vertices(scene)
    notes = scene.annotation_faults.notes()
    vocabulary = vocabulary or default_vocabulary()
    objects: list[ObjectFacts] = []
    box_sets: list[dict[str, Box]] = []  # unrounded boxes: distances come from them, then are rounded
    point_sets: list[np.ndarray] = []
    empty: list[str] = []
    few: list[str] = []
    annotated = scene.annotated_boxes
    for obj in scene.objects:
        index = obj.vertex_indices
        points = vertices[index]
        if annotated is not None and obj.object_id in annotated:  # kept even without vertices
            boxes = annotated_box_methods(annotated[obj.object_id])
        elif len(index) == 0:
            empty.append(f"{obj.group_ids[0]} ({obj.label!r})")
            continue
        else:
            if len(index) < 4:
                few.append(f"{obj.instance_id} ({obj.label!r}, {len(index)})")
            boxes = {method: box_geometry.box_from_points(points, method, cfg.oriented_engine) for method in BOX_METHODS}
        objects.append(ObjectFacts(
            instance_id=obj.instance_id,
            raw_label=obj.label,
            category=vocabulary.category_for(obj.label),
            vertex_count=int(len(index)),
            boxes=boxes,
        ))
        box_sets.append(boxes)
        point_sets.append(points)
    if empty:
        notes.append(f"skipped {len(empty)} segGroups with no vertices: {_listing(empty)}")
    if few:
        notes.append(f"{len(few)} objects have fewer than 4 vertices (flat boxes): {_listing(few)}")
    distances, exact, overlapping = _pair_distances(objects, box_sets, point_sets, cfg, annotated is not None)
    room = _room(vertices, cfg)
    return SceneFacts(
        scene_id=scene.scene_id,
        objects=tuple(objects),
        distances_m=distances,
        room_area_m2=room.area_m2,
        room_outline=[
            np.round(alpha_geometry.simplify_ring(ring, cfg.outline_tolerance_m), cfg.outline_decimals).tolist()
            for ring in room.outline
        ],
        box_method=cfg.box_method,
        distance_method=cfg.distance_method,
        notes=tuple(notes),
        extra={"config": cfg.to_json(), "vertex_count": int(len(vertices)),
               "annotation_faults": scene.annotation_faults.to_json(), **({"source": source} if source else {})},
        exact_distances_m=exact,
        overlapping_pairs=overlapping,
    )


def _checked_vertices(scene: Scene) -> np.ndarray:
    """(V, 3) float64 aligned vertices after checking the arrays agree; SceneError otherwise."""
    vertices = np.asarray(scene.vertices)
    if vertices.ndim != 2 or vertices.shape[1] != 3 or len(vertices) == 0:
        raise SceneError(scene.scene_id, scene.directory, f"mesh has no usable vertices (shape {vertices.shape})")
    seg = np.asarray(scene.seg_indices)
    if seg.shape != (len(vertices),):
        raise SceneError(
            scene.scene_id, scene.directory,
            f"segment indices have shape {seg.shape}, expected one per vertex ({len(vertices)})",
        )
    aligned = scene.aligned_vertices()
    if not np.all(np.isfinite(aligned)):
        raise SceneError(scene.scene_id, scene.directory, "vertices contain NaN or infinite coordinates")
    return aligned


def _listing(items: list[str]) -> str:
    head = ", ".join(items[:_NOTE_LIST_LIMIT])
    return head + (", ..." if len(items) > _NOTE_LIST_LIMIT else "")


def _pair_distances(
    objects: list[ObjectFacts], box_sets: list[dict[str, Box]], point_sets: list[np.ndarray], cfg: FactsConfig,
    annotated: bool = False,
) -> tuple[dict[tuple[int, int], float], dict[tuple[int, int], float], tuple[tuple[int, int], ...]]:
    """For every pair of categorised objects, keyed by ascending instance ids: the distance of
    `cfg.distance_method` and the exact distance (metres), and the pairs the overlap rule set to 0.

    Exact geometry: closest points between the vertex sets, 0 for pairs the overlap rule flags; for
    objects annotated as boxes (`annotated`), the distance between the two solid boxes, 0 when they
    intersect (and "closest_points" means that distance too).
    """
    chosen = [k for k, obj in enumerate(objects) if obj.category is not None]
    if len(chosen) < 2:
        return {}, {}, ()
    boxes: list[Box] = [box_sets[k][cfg.box_method] for k in chosen]
    if annotated:
        from vsi100k.geometry import box_distance

        exact, overlaps = box_distance.box_distance_matrix([box_sets[k]["oriented"] for k in chosen])
        closest = exact
    else:
        points = [point_sets[k] for k in chosen]
        gravity = [box_sets[k]["gravity_aligned"] for k in chosen]
        closest = distance_geometry.closest_points_distances(points, gravity)
        overlaps = overlap_geometry.overlap_matrix(points, gravity, cfg.overlap_min_fraction, cfg.overlap_margin_m)
        exact = np.where(overlaps, 0.0, closest)
    if cfg.distance_method == "box_grid":
        matrix = distance_geometry.box_grid_distances(boxes, cfg.grid_step_m)
    elif cfg.distance_method == "closest_points":
        matrix = closest
    else:
        matrix = distance_geometry.center_distances(boxes)
    ids = [objects[k].instance_id for k in chosen]
    rows, cols = np.triu_indices(len(chosen), k=1)
    pairs = [((ids[a], ids[b]), a, b) for a, b in zip(rows.tolist(), cols.tolist())]
    return (
        {key: float(matrix[a, b]) for key, a, b in pairs},
        {key: float(exact[a, b]) for key, a, b in pairs},
        tuple(sorted(key for key, a, b in pairs if overlaps[a, b])),
    )


YAW_ONLY_TOLERANCE = 1e-6  # |z component| of a horizontal axis (and 1 - |z| of the vertical one) of a yaw-only box


def annotated_box_methods(box: Box) -> dict[str, Box]:
    """The three boxes of an object annotated as an oriented box (`Scene.annotated_boxes`):
    "oriented" = the box itself; "gravity_aligned" = the box when its rotation is a yaw only
    (one axis within YAW_ONLY_TOLERANCE of vertical), else the yaw-only box around its 8 corners;
    "axis_aligned" = the axis-aligned box of its corners."""
    rotation = np.asarray(box.rotation, dtype=np.float64)
    vertical = np.abs(rotation[2, :])
    yaw_only = bool(np.sum(vertical > 1 - YAW_ONLY_TOLERANCE) == 1 and np.sum(vertical < YAW_ONLY_TOLERANCE) == 2)
    corners = box.corners()
    return {
        "oriented": box,
        "axis_aligned": box_geometry.box_from_points(corners, "axis_aligned"),
        "gravity_aligned": box if yaw_only else box_geometry.box_from_points(corners, "gravity_aligned"),
    }


def _room(vertices: np.ndarray, cfg: FactsConfig) -> alpha_geometry.AlphaShape:
    """Alpha shape of the xy of `room_sample_count` vertices drawn with `room_sample_seed`."""
    if len(vertices) > cfg.room_sample_count:
        rng = np.random.default_rng(cfg.room_sample_seed)
        sample = rng.choice(len(vertices), size=cfg.room_sample_count, replace=False)
        xy = vertices[sample, :2]
    else:
        xy = vertices[:, :2]
    return alpha_geometry.alpha_shape(xy, cfg.room_alpha)
