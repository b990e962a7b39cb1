"""Dense triangle meshes of synthetic rooms, tessellated like ScanNet reconstructions.

Pure numpy, no I/O. Every flat surface (a box side, a wall, the floor, the ceiling) becomes a grid
of triangles with a spacing chosen so the room has a target vertex count (ScanNet's
`_vh_clean_2.ply` meshes have about 50k-150k vertices). Interior grid points are jittered within
their surface, so edges and extents stay exact while the triangles look less regular. Each
surface is cut into tiles that become over-segments (the `segIndices` of ScanNet's segs file);
a segment id is the index of its first vertex, as ids in real segs files are arbitrary integers.
Hidden bottoms of things standing on the floor are left out, as a scanner never sees them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vsi100k.synth.boxes import YawBox, project_onto_solid
from vsi100k.synth.layout import Layout

# Owner names of the structural surfaces; objects are "object:<index in layout.objects>".
FLOOR, CEILING = "floor", "ceiling"

_FLOOR_COLORS = ((150, 120, 90), (120, 120, 125), (170, 160, 140), (100, 80, 60), (190, 185, 175))
_WALL_COLORS = ((225, 220, 210), (235, 235, 235), (210, 205, 190), (200, 210, 215), (230, 220, 200))


@dataclass(frozen=True)
class MeshConfig:
    """Tessellation targets.

    vertices: (min, max) of the per-room target vertex count, drawn uniformly.
    object_segment_m, structure_segment_m: side of the square tiles that become over-segments on
        furniture and on walls / floor / ceiling, metres.
    jitter: in-plane jitter of interior grid points, as a fraction of the grid spacing.
    object_spacing_m: when set, furniture is tessellated at this fixed grid spacing (metres) and
        only walls / floor / ceiling are spaced to reach the vertex target (the scan profile: the
        spacing bounds how far closest-vertex distances and extents can be from the exact surface).
    """

    vertices: tuple[int, int] = (60_000, 140_000)
    object_segment_m: float = 0.45
    structure_segment_m: float = 1.0
    jitter: float = 0.3
    object_spacing_m: float | None = None

    def __post_init__(self) -> None:
        if self.object_spacing_m is not None and not 0.005 <= self.object_spacing_m <= 0.2:
            raise ValueError(f"object_spacing_m must be in [0.005, 0.2] m or None (got {self.object_spacing_m})")
        lo, hi = self.vertices
        if not 1_000 <= lo <= hi:
            raise ValueError(f"vertices must be (min, max) with 1000 <= min <= max (got {self.vertices})")
        if self.object_segment_m <= 0 or self.structure_segment_m <= 0:
            raise ValueError("object_segment_m and structure_segment_m must be > 0 m")
        if not 0 <= self.jitter < 0.5:
            raise ValueError(f"jitter must be in [0, 0.5) grid spacings (got {self.jitter})")


@dataclass(frozen=True)
class RoomMesh:
    """A tessellated room in the aligned frame.

    vertices: (V, 3) float64 metres. colors: (V, 4) uint8 RGBA. faces: (F, 3) int32.
    seg_indices: (V,) int64 over-segment id per vertex.
    owner: (V,) int32 index into `owners` (what each vertex belongs to).
    owners: names: "object:<i>" (layout object i), "wall:<k>" (wall k), "floor", "ceiling".
    spacing_m: grid spacing used.
    """

    vertices: np.ndarray
    colors: np.ndarray
    faces: np.ndarray
    seg_indices: np.ndarray
    owner: np.ndarray
    owners: tuple[str, ...]
    spacing_m: float
    patch: np.ndarray | None = None  # (V,) int32 surface patch of each vertex
    border_m: np.ndarray | None = None  # (V,) distance within its patch to the patch border, metres
    patch_flat: np.ndarray | None = None  # (P,) bool: the patch is a plane (not a rounded solid)


@dataclass(frozen=True)
class _Patch:
    origin: np.ndarray  # (3,)
    edge1: np.ndarray  # (3,) first side; edge1 x edge2 is the outward normal
    edge2: np.ndarray
    owner: int
    color: np.ndarray  # (3,) base RGB
    segment_m: float
    solid: YawBox | None = None  # rounded solid the grid is projected onto, None for planes


# Side indices of a box patch list: +x, -x, +y, -y, top, bottom.
SIDE_PLUS_X, SIDE_MINUS_X, SIDE_TOP, SIDE_BOTTOM = 0, 1, 4, 5


def _box_patches(box: YawBox, owner: int, color: np.ndarray, segment_m: float,
                 skip_sides: frozenset[int] = frozenset()) -> list[_Patch]:
    """The visible sides of a box (all but a bottom resting on the floor and `skip_sides`).

    A rounded box is tessellated as its outer box and projected onto the rounded surface."""
    half = np.asarray(box.size, dtype=float) / 2
    rot = box.rotation()
    center = np.asarray(box.center, dtype=float)
    a, b, c = half
    # (origin, edge1, edge2) in the local frame, edge1 x edge2 pointing out of the box.
    sides = [
        ((a, -b, -c), (0, 2 * b, 0), (0, 0, 2 * c)),
        ((-a, -b, -c), (0, 0, 2 * c), (0, 2 * b, 0)),
        ((-a, b, -c), (0, 0, 2 * c), (2 * a, 0, 0)),
        ((-a, -b, -c), (2 * a, 0, 0), (0, 0, 2 * c)),
        ((-a, -b, c), (2 * a, 0, 0), (0, 2 * b, 0)),
        ((-a, -b, -c), (0, 2 * b, 0), (2 * a, 0, 0)),
    ]
    on_floor = center[2] - c <= 1e-6
    patches = []
    for k, (origin, e1, e2) in enumerate(sides):
        if (k == 5 and on_floor and not box.round_m) or k in skip_sides:  # a ball-rounded bottom is seen
            continue
        patches.append(_Patch(rot @ np.asarray(origin, float) + center, rot @ np.asarray(e1, float),
                              rot @ np.asarray(e2, float), owner, color, segment_m,
                              box if box.rounded else None))
    return patches


def _room_patches(layout: Layout, rng: np.random.Generator, cfg: MeshConfig,
                  skip_sides: dict[tuple[int, int], frozenset[int]] | None = None,
                  ceiling: bool = True) -> tuple[list[_Patch], list[str]]:
    room = layout.room
    owners: list[str] = []
    patches: list[_Patch] = []
    skip_sides = skip_sides or {}
    for index, obj in enumerate(layout.objects):
        owners.append(f"object:{index}")
        color = np.asarray(obj.color, dtype=float)
        for k, part in enumerate(obj.parts):
            patches.extend(_box_patches(part, len(owners) - 1, color, cfg.object_segment_m,
                                        skip_sides.get((index, k), frozenset())))
    wall_color = np.asarray(_WALL_COLORS[int(rng.integers(len(_WALL_COLORS)))], float)
    for k, (start, end) in enumerate(room.walls()):
        owners.append(f"wall:{k}")
        origin = np.array([start[0], start[1], 0.0])
        along = np.array([end[0] - start[0], end[1] - start[1], 0.0])
        patches.append(_Patch(origin, np.array([0, 0, room.height_m]), along, len(owners) - 1,
                              wall_color + rng.uniform(-6, 6, 3), cfg.structure_segment_m))
    floor_color = np.asarray(_FLOOR_COLORS[int(rng.integers(len(_FLOOR_COLORS)))], float)
    owners.append(FLOOR)
    for x0, y0, x1, y1 in room.rects:
        patches.append(_Patch(np.array([x0, y0, 0.0]), np.array([x1 - x0, 0, 0]), np.array([0, y1 - y0, 0]),
                              len(owners) - 1, floor_color, cfg.structure_segment_m))
    owners.append(CEILING)
    for x0, y0, x1, y1 in (room.rects if ceiling else ()):
        patches.append(_Patch(np.array([x0, y0, room.height_m]), np.array([0, y1 - y0, 0]), np.array([x1 - x0, 0, 0]),
                              len(owners) - 1, np.array([240.0, 240, 238]), cfg.structure_segment_m))
    return patches, owners


def _grid_counts(lengths: np.ndarray, spacing: float) -> np.ndarray:
    """(P, 2) cells along each patch side (at least 1)."""
    return np.maximum(np.ceil(lengths / spacing - 1e-9), 1).astype(np.int64)


def _spacing_for(lengths: np.ndarray, target: int) -> float:
    """Grid spacing (m) whose vertex count is closest to `target` (bisection; count falls with spacing)."""
    lo, hi = 1e-3, 5.0
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        cells = _grid_counts(lengths, mid)
        count = int(np.sum((cells[:, 0] + 1) * (cells[:, 1] + 1)))
        if count > target:
            lo = mid
        else:
            hi = mid
    return hi


def build_room_mesh(layout: Layout, rng: np.random.Generator, cfg: MeshConfig = MeshConfig(), *,
                    skip_sides: dict[tuple[int, int], frozenset[int]] | None = None,
                    ceiling: bool = True) -> RoomMesh:
    """Tessellate a furnished room; the vertex count lands near a target drawn from cfg.vertices.

    skip_sides: (object index, part index) -> box sides (`SIDE_*`) left out (hidden undersides,
    faces cut by a wall). ceiling: False leaves the ceiling out (its owner then has no vertices).
    """
    patches, owners = _room_patches(layout, rng, cfg, skip_sides, ceiling)
    lengths = np.array([[np.linalg.norm(p.edge1), np.linalg.norm(p.edge2)] for p in patches])
    target = int(rng.integers(cfg.vertices[0], cfg.vertices[1] + 1))
    if cfg.object_spacing_m is None:
        spacing = _spacing_for(lengths, target)
        cells = _grid_counts(lengths, spacing)
    else:
        is_object = np.array([owners[p.owner].startswith("object:") for p in patches])
        object_cells = _grid_counts(lengths[is_object], cfg.object_spacing_m)
        left = max(target - int(np.sum((object_cells[:, 0] + 1) * (object_cells[:, 1] + 1))), 5_000)
        # Structure no coarser than 4 cm: the room's alpha shape samples 10k vertices of the whole
        # mesh, and a sparse floor would open gaps in it.
        spacing = float(np.clip(_spacing_for(lengths[~is_object], left), cfg.object_spacing_m, 0.04))
        cells = np.zeros_like(lengths, dtype=np.int64)
        cells[is_object] = object_cells
        cells[~is_object] = _grid_counts(lengths[~is_object], spacing)
    vertices, colors, faces, segs, owner, patch_of, border = [], [], [], [], [], [], []
    base = 0
    for patch_index, (patch, (n1, n2)) in enumerate(zip(patches, cells)):
        u = np.linspace(0.0, 1.0, n1 + 1)
        v = np.linspace(0.0, 1.0, n2 + 1)
        uu, vv = np.meshgrid(u, v, indexing="ij")  # (n1 + 1, n2 + 1), vertex (i, j) -> i * (n2 + 1) + j
        if cfg.jitter > 0:
            interior = np.zeros_like(uu, dtype=bool)
            interior[1:-1, 1:-1] = True
            uu = uu + interior * rng.uniform(-cfg.jitter, cfg.jitter, uu.shape) / n1
            vv = vv + interior * rng.uniform(-cfg.jitter, cfg.jitter, vv.shape) / n2
        points = patch.origin + uu.reshape(-1, 1) * patch.edge1 + vv.reshape(-1, 1) * patch.edge2
        if patch.solid is not None:
            points = project_onto_solid(points, patch.solid)
        l1, l2 = np.linalg.norm(patch.edge1), np.linalg.norm(patch.edge2)
        u_m, v_m = uu.reshape(-1) * l1, vv.reshape(-1) * l2
        border.append(np.minimum(np.minimum(u_m, l1 - u_m), np.minimum(v_m, l2 - v_m)))
        patch_of.append(np.full(len(points), patch_index, dtype=np.int32))
        vertices.append(points)
        # Over-segments: tiles of about segment_m, id = first vertex index of the tile.
        tiles1 = max(1, int(math.ceil(np.linalg.norm(patch.edge1) / patch.segment_m)))
        tiles2 = max(1, int(math.ceil(np.linalg.norm(patch.edge2) / patch.segment_m)))
        ti = np.minimum((np.arange(n1 + 1) * tiles1) // (n1 + 1), tiles1 - 1)
        tj = np.minimum((np.arange(n2 + 1) * tiles2) // (n2 + 1), tiles2 - 1)
        tile = (ti[:, None] * tiles2 + tj[None, :]).reshape(-1)
        _, first, inverse = np.unique(tile, return_index=True, return_inverse=True)
        segs.append(base + first[inverse])
        # Colour: base with a gentle large-scale variation and per-vertex sensor noise.
        wave = 1.0 + 0.05 * np.sin(points @ np.array([2.1, 1.3, 1.7]) + patch.owner)
        noise = rng.normal(0.0, 5.0, (len(points), 3))
        colors.append(np.clip(patch.color * wave[:, None] + noise, 0, 255))
        owner.append(np.full(len(points), patch.owner, dtype=np.int32))
        i, j = np.meshgrid(np.arange(n1), np.arange(n2), indexing="ij")
        a = (i * (n2 + 1) + j).reshape(-1) + base
        b = a + (n2 + 1)
        faces.append(np.concatenate([np.stack([a, b, b + 1], 1), np.stack([a, b + 1, a + 1], 1)]))
        base += len(points)
    rgb = np.concatenate(colors).round().astype(np.uint8)
    rgba = np.concatenate([rgb, np.full((len(rgb), 1), 255, np.uint8)], axis=1)
    return RoomMesh(
        vertices=np.concatenate(vertices),
        colors=rgba,
        faces=np.concatenate(faces).astype(np.int32),
        seg_indices=np.concatenate(segs).astype(np.int64),
        owner=np.concatenate(owner),
        owners=tuple(owners),
        spacing_m=float(spacing),
        patch=np.concatenate(patch_of),
        border_m=np.concatenate(border),
        patch_flat=np.array([p.solid is None for p in patches]),
    )
