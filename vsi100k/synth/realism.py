"""The scan profile: what makes a synthetic room look like a real ScanNet reconstruction.

Pure numpy, no I/O. Starting from an exact layout, this module
- rounds shapes (`shape_scan_layout`): cylinders (bins, lamp poles and shades, pots, table and
  chair legs), ellipsoid-ish pillows and backpacks (boxes grown by a ball), rounded edges on
  sofas, mattresses and appliances; every rounded part stays inside its original box, so the
  layout's no-overlap rule still holds;
- cuts objects by the room edge: a piece of furniture against a wall slides into the wall at
  its end, and what lies beyond the wall is gone (its parts are clipped at the wall plane);
- chooses hidden faces to leave out of the mesh (`hidden_sides`): undersides nothing lies under,
  and the faces of cut objects that sit in the wall;
- damages the tessellated mesh (`damage_mesh`): holes (vertices and faces removed), a few
  outlier fragments floating far from every surface, and a few millimetres of vertex noise.

Truth stays exact by construction because it is computed from the analytic parts returned here
(never from the damaged mesh): holes are kept clear of part borders (extents survive) and of
places that could hold a closest point to another object; undersides are left out only where
nothing lies under them (a closest point on a face that nothing lies over or under is on its
border, which the side faces keep).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from vsi100k.synth.boxes import YawBox, box_set_distance, paired_solid_distances, yaw_rotation
from vsi100k.synth.layout import Layout, PlacedObject
from vsi100k.synth.mesh import SIDE_BOTTOM, SIDE_MINUS_X, SIDE_PLUS_X, RoomMesh

OUTLIER = "outlier"  # mesh owner of the outlier fragments (never annotated)

# Kinds that may be cut by the room edge: flat-sided furniture standing against a wall.
CUTTABLE_KINDS = ("closet", "bookshelf", "shelf", "counter", "kitchen_cabinets", "cabinet")


@dataclass(frozen=True)
class ScanConfig:
    """Settings of the scan profile. Lengths in metres.

    noise_m: vertex noise, uniform in [-noise_m, noise_m] per coordinate.
    holes: (min, max) holes per scan; hole_radius_m: (min, max) hole radius.
    outliers: (min, max) outlier fragments per scan (3 vertices each, >= outlier_clearance_m from
        every surface).
    ceiling_probability: share of scans whose ceiling was scanned.
    unlabelled_clutter_probability: chance that an uncategorised "object" / "box" is left out of
        the aggregation (its segments are in no segGroup).
    cut_probability: chance that an eligible piece of furniture is cut by the room edge.
    duration_s: (min, max) video length; frame_rate_hz: frames per second (ScanNet: 30).
    object_spacing_m: tessellation spacing of furniture (bounds the closest-vertex error).
    """

    noise_m: float = 0.003
    holes: tuple[int, int] = (3, 10)
    hole_radius_m: tuple[float, float] = (0.03, 0.12)
    outliers: tuple[int, int] = (3, 12)
    outlier_clearance_m: float = 0.3
    ceiling_probability: float = 0.3
    unlabelled_clutter_probability: float = 0.5
    cut_probability: float = 0.5
    duration_s: tuple[float, float] = (60.0, 180.0)
    frame_rate_hz: float = 2.0
    object_spacing_m: float = 0.025

    def __post_init__(self) -> None:
        if not 0 <= self.noise_m <= 0.01:
            raise ValueError(f"noise_m must be in [0, 0.01] m (got {self.noise_m})")
        for name in ("holes", "outliers"):
            lo, hi = getattr(self, name)
            if not 0 <= lo <= hi:
                raise ValueError(f"{name} must be (min, max) with 0 <= min <= max (got {getattr(self, name)})")
        if not 0 < self.hole_radius_m[0] <= self.hole_radius_m[1] <= 0.2:
            raise ValueError(f"hole_radius_m must be (min, max) within (0, 0.2] m (got {self.hole_radius_m})")
        for name in ("ceiling_probability", "unlabelled_clutter_probability", "cut_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1] (got {getattr(self, name)})")
        if not 1.0 <= self.duration_s[0] <= self.duration_s[1] <= 600.0:
            raise ValueError(f"duration_s must be (min, max) within [1, 600] s (got {self.duration_s})")
        if not 0.05 <= self.frame_rate_hz <= 60.0:
            raise ValueError(f"frame_rate_hz must be in [0.05, 60] (got {self.frame_rate_hz})")
        if not 0.005 <= self.object_spacing_m <= 0.05:
            raise ValueError(f"object_spacing_m must be in [0.005, 0.05] m (got {self.object_spacing_m})")


# ---------------------------------------------------------------------------------------------
# Shapes


def _cylinder(part: YawBox) -> YawBox:
    return replace(part, round_xy_m=min(part.size[0], part.size[1]) / 2.0)


def _soft(part: YawBox, radius_m: float) -> YawBox:
    """Edges rounded by a ball of `radius_m` (capped so that it fits)."""
    r = min(radius_m, min(part.size[0], part.size[1]) / 2.0, part.size[2] / 2.0)
    return replace(part, round_m=max(r, 0.0))


def _round_parts(obj: PlacedObject, rng: np.random.Generator) -> tuple[YawBox, ...]:
    parts = list(obj.parts)
    kind = obj.kind
    if kind == "trash_bin":
        parts[0] = _cylinder(parts[0]) if rng.random() < 0.6 else replace(
            parts[0], round_xy_m=0.3 * min(parts[0].size[:2]))
    elif kind in ("pillow", "backpack", "mouse"):
        parts[0] = _soft(parts[0], 0.45 * min(parts[0].size))
    elif kind in ("floor_lamp", "table_lamp"):
        parts = [_cylinder(p) for p in parts]
    elif kind == "fan":
        parts[0], parts[1] = _cylinder(parts[0]), _cylinder(parts[1])
        parts[2] = _soft(parts[2], 0.4 * min(parts[2].size))
    elif kind in ("plant", "small_plant"):
        parts[0] = _cylinder(parts[0])
        parts[1] = _soft(parts[1], 0.45 * min(parts[1].size))
    elif kind in ("table", "dining_table", "coffee_table"):
        if rng.random() < 0.6:
            parts[1:] = [_cylinder(p) for p in parts[1:]]
        if rng.random() < 0.5:
            parts[0] = replace(parts[0], round_xy_m=float(rng.uniform(0.02, 0.12)))
    elif kind == "chair":
        parts[2:] = [_cylinder(p) for p in parts[2:]]
        parts[0] = _soft(parts[0], 0.01)
    elif kind == "office_chair":
        parts[0], parts[1] = _cylinder(parts[0]), _cylinder(parts[1])
        parts[2], parts[3] = _soft(parts[2], 0.025), _soft(parts[3], 0.02)
    elif kind == "sofa":
        parts = [_soft(p, 0.06) for p in parts]
    elif kind == "bed":
        parts[0] = _soft(parts[0], 0.06)
    elif kind == "guitar":
        parts[0], parts[1] = _soft(parts[0], 0.05), _cylinder(parts[1])
    elif kind in ("monitor", "tv_stand"):
        parts[0], parts[1] = _cylinder(parts[0]), _cylinder(parts[1])
    elif kind in ("keyboard", "telephone", "microwave", "printer", "printer_floor", "refrigerator",
                  "washing_machine", "oven"):
        parts = [_soft(p, 0.012) for p in parts]
    return tuple(parts)


def _with_parts(obj: PlacedObject, parts: tuple[YawBox, ...], position: tuple[float, float, float] | None = None
                ) -> PlacedObject:
    """The object with new world parts (and position), its local bounding box recomputed."""
    position = obj.position if position is None else position
    rot = yaw_rotation(obj.yaw_rad)
    lows, highs = [], []
    for part in parts:
        local = rot.T @ (np.asarray(part.center) - np.asarray(position))
        lows.append(local - np.asarray(part.size) / 2)
        highs.append(local + np.asarray(part.size) / 2)
    lo, hi = np.min(lows, axis=0), np.max(highs, axis=0)
    local_box = (tuple(float(v) for v in (lo + hi) / 2), tuple(float(v) for v in hi - lo))
    return replace(obj, parts=tuple(parts), position=tuple(float(v) for v in position), local_box=local_box)


def shape_scan_layout(layout: Layout, rng: np.random.Generator, cfg: ScanConfig,
                      min_gap_m: float = 0.05, camera_half_width_m: float = 0.4
                      ) -> tuple[Layout, dict[tuple[int, int], frozenset[int]]]:
    """Round shapes and cut some objects by the room edge.

    Returns the new layout and the cut faces: (object index, part index) -> box sides that lie in
    a wall (left out of the mesh). Object indices and supports are unchanged.
    """
    objects = [_with_parts(obj, _round_parts(obj, rng)) for obj in layout.objects]
    cut_faces: dict[tuple[int, int], frozenset[int]] = {}
    supported = {o.support for o in objects if o.support is not None}
    for index, obj in enumerate(objects):
        if obj.kind not in CUTTABLE_KINDS or index in supported or rng.random() >= cfg.cut_probability:
            continue
        cut = _cut_by_wall(obj, layout, rng)
        if cut is None:
            continue
        new, sides = cut
        others = [p for k, o in enumerate(objects) if k != index for p in o.parts]
        spot = layout.room.camera_spot
        keepout = YawBox((float(spot[0]), float(spot[1]), layout.room.height_m / 2),
                         (2 * camera_half_width_m, 2 * camera_half_width_m, layout.room.height_m), 0.0)
        if (others and box_set_distance(list(new.parts), others) < min_gap_m) or \
                box_set_distance(list(new.parts), [keepout]) <= 0.0:
            continue
        objects[index] = new
        cut_faces.update({(index, k): v for k, v in sides.items()})
    return replace(layout, objects=tuple(objects)), cut_faces


def _cut_by_wall(obj: PlacedObject, layout: Layout, rng: np.random.Generator):
    """Slide a wall-standing object along its wall into the perpendicular wall at one end and clip
    it there; None when no such wall is within 1 m of either end."""
    room = layout.room
    axis = np.array([math.cos(obj.yaw_rad), math.sin(obj.yaw_rad)])
    center_local, size = obj.local_box
    center = np.asarray(obj.yaw_box().center[:2])
    length = size[0]
    for sign in ((1, -1) if rng.random() < 0.5 else (-1, 1)):
        end = center + sign * axis * length / 2
        gap = _ray_to_perpendicular_wall(end, sign * axis, room.walls())
        if gap is None or gap > 1.0:
            continue
        overshoot = float(rng.uniform(0.05, min(0.35, 0.4 * length)))
        shift = sign * axis * (gap + overshoot)
        rot = yaw_rotation(obj.yaw_rad)
        position = np.asarray(obj.position) + np.array([shift[0], shift[1], 0.0])
        plane = center_local[0] + sign * (length / 2 - overshoot)  # local x of the wall plane
        parts, sides = [], {}
        for part in obj.parts:
            local = rot.T @ (np.asarray(part.center) - np.asarray(obj.position))
            lo, hi = local[0] - part.size[0] / 2, local[0] + part.size[0] / 2
            lo, hi = (lo, min(hi, plane)) if sign > 0 else (max(lo, plane), hi)
            if hi - lo <= 1e-6:
                continue
            touches = abs((hi if sign > 0 else lo) - plane) < 1e-9
            new_local = np.array([(lo + hi) / 2, local[1], local[2]])
            world = rot @ new_local + position
            parts.append(YawBox(tuple(float(v) for v in world), (float(hi - lo), part.size[1], part.size[2]), obj.yaw_rad))
            if touches:
                sides[len(parts) - 1] = frozenset({SIDE_PLUS_X if sign > 0 else SIDE_MINUS_X})
        if not parts:
            continue
        new = _with_parts(obj, tuple(parts), tuple(float(v) for v in position))
        if not _inside_room(new, layout):
            continue
        return new, sides
    return None


def _ray_to_perpendicular_wall(start: np.ndarray, direction: np.ndarray, walls) -> float | None:
    """Distance (m) along `direction` from `start` to the first wall segment perpendicular to it."""
    best = None
    for a, b in walls:
        d = b - a
        length = float(np.hypot(*d))
        if length == 0 or abs(float(np.dot(d / length, direction))) > 1e-6:
            continue
        normal = np.array([-d[1], d[0]]) / length
        denom = float(np.dot(direction, normal))
        if abs(denom) < 1e-12:
            continue
        t = float(np.dot(a - start, normal)) / denom
        hit = start + t * direction
        along = float(np.dot(hit - a, d / length))
        if t >= 0 and -1e-9 <= along <= length + 1e-9 and (best is None or t < best):
            best = t
    return best


def _inside_room(obj: PlacedObject, layout: Layout) -> bool:
    corners = np.concatenate([p.corners()[:, :2] for p in obj.parts])
    shrunk = corners - 1e-4 * np.sign(corners - corners.mean(axis=0))
    inside = np.zeros(len(shrunk), dtype=bool)
    for x0, y0, x1, y1 in layout.room.rects:
        inside |= (shrunk[:, 0] >= x0) & (shrunk[:, 0] <= x1) & (shrunk[:, 1] >= y0) & (shrunk[:, 1] <= y1)
    return bool(inside.all())


def hidden_sides(layout: Layout, cut_faces: dict[tuple[int, int], frozenset[int]]
                 ) -> dict[tuple[int, int], frozenset[int]]:
    """Box sides left out of the mesh: `cut_faces` plus the underside of every part (plain or a
    vertical cylinder; parts rounded by a ball keep theirs) that no other object lies under
    (ignoring what the object stands on, whose top touches it)."""
    out = dict(cut_faces)
    for index, obj in enumerate(layout.objects):
        others = [p for k, o in enumerate(layout.objects) if k != index and k != obj.support for p in o.parts]
        for k, part in enumerate(obj.parts):
            if part.round_m > 0:
                continue
            bottom = part.center[2] - part.size[2] / 2
            below = [p for p in others if p.center[2] - p.size[2] / 2 < bottom - 1e-9]
            if below and _footprints_touch(part, below):
                continue
            out[(index, k)] = out.get((index, k), frozenset()) | {SIDE_BOTTOM}
    return out


def _footprints_touch(part: YawBox, others: list[YawBox]) -> bool:
    """Whether the outer xy footprint of `part` touches any of `others`' (flattened to z = 0)."""
    def flat(box: YawBox) -> YawBox:
        return YawBox((box.center[0], box.center[1], 0.0), (box.size[0], box.size[1], 0.0), box.yaw_rad)

    d = paired_solid_distances([flat(part)] * len(others), [flat(o) for o in others])
    return bool(np.any(d <= 1e-9))


# ---------------------------------------------------------------------------------------------
# Damage to the mesh


def _point_distances(points: np.ndarray, solids: list[YawBox]) -> np.ndarray:
    """(N, S) exact distances (m) from points to solids."""
    if not len(solids) or not len(points):
        return np.full((len(points), len(solids)), np.inf)
    pts = [YawBox(tuple(float(v) for v in p), (0.0, 0.0, 0.0), 0.0) for p in points]
    a = [pts[i] for i in range(len(pts)) for _ in solids]
    b = [s for _ in pts for s in solids]
    return paired_solid_distances(a, b).reshape(len(points), len(solids))


def damage_mesh(mesh: RoomMesh, layout: Layout, rng: np.random.Generator, cfg: ScanConfig) -> RoomMesh:
    """Holes, outlier fragments and vertex noise (in that order); see the module docstring."""
    mesh = _punch_holes(mesh, layout, rng, cfg)
    mesh = _add_outliers(mesh, layout, rng, cfg)
    noise = rng.uniform(-cfg.noise_m, cfg.noise_m, mesh.vertices.shape)
    return replace(mesh, vertices=mesh.vertices + noise)


def _object_of_owner(mesh: RoomMesh) -> np.ndarray:
    """(n_owners,) layout object index of each owner, -1 for structure."""
    return np.array([int(n.split(":")[1]) if n.startswith("object:") else -1 for n in mesh.owners])


def _punch_holes(mesh: RoomMesh, layout: Layout, rng: np.random.Generator, cfg: ScanConfig) -> RoomMesh:
    n_holes = int(rng.integers(cfg.holes[0], cfg.holes[1] + 1))
    if n_holes == 0 or mesh.patch is None:
        return mesh
    object_of = _object_of_owner(mesh)
    parts = [p for o in layout.objects for p in o.parts]
    part_object = np.array([k for k, o in enumerate(layout.objects) for _ in o.parts])
    flat = mesh.patch_flat[mesh.patch]
    removed = np.zeros(len(mesh.vertices), dtype=bool)
    gaps: dict[int, np.ndarray] = {}  # object -> (n_objects,) exact distance to every object
    made, tries = 0, 0
    while made < n_holes and tries < 20 * n_holes:
        tries += 1
        radius = float(rng.uniform(*cfg.hole_radius_m))
        candidates = np.flatnonzero(flat & ~removed & (mesh.border_m >= radius + 0.03))
        if not len(candidates):
            break
        v = int(candidates[rng.integers(len(candidates))])
        center = mesh.vertices[v]
        own = int(object_of[mesh.owner[v]])
        to_parts = _point_distances(center[None], parts)[0] if parts else np.zeros(0)
        ok = True
        for k in range(len(layout.objects)):
            if k == own:
                continue
            d = float(to_parts[part_object == k].min())
            if own < 0:
                need = radius + 0.05
            else:
                if own not in gaps:
                    gaps[own] = np.array([box_set_distance(list(layout.objects[own].parts), list(o.parts))
                                          if j != own else 0.0 for j, o in enumerate(layout.objects)])
                need = radius + gaps[own][k] + 0.05  # no hole point can be a closest point
            if d < need:
                ok = False
                break
        if not ok:
            continue
        same = mesh.patch == mesh.patch[v]
        removed |= same & (np.linalg.norm(mesh.vertices - center, axis=1) < radius)
        made += 1
    if not removed.any():
        return mesh
    return _drop_vertices(mesh, removed)


def _drop_vertices(mesh: RoomMesh, removed: np.ndarray) -> RoomMesh:
    keep = ~removed
    new_index = np.cumsum(keep) - 1
    faces = mesh.faces[keep[mesh.faces].all(axis=1)]
    return replace(mesh, vertices=mesh.vertices[keep], colors=mesh.colors[keep],
                   faces=new_index[faces].astype(np.int32), seg_indices=mesh.seg_indices[keep],
                   owner=mesh.owner[keep], patch=mesh.patch[keep], border_m=mesh.border_m[keep])


def _add_outliers(mesh: RoomMesh, layout: Layout, rng: np.random.Generator, cfg: ScanConfig) -> RoomMesh:
    n = int(rng.integers(cfg.outliers[0], cfg.outliers[1] + 1))
    if n == 0:
        return mesh
    room = layout.room
    x0, y0, x1, y1 = room.bounds
    surfaces = [p for o in layout.objects for p in o.parts] + room.wall_boxes() + room.floor_boxes(0.0) + \
        room.floor_boxes(room.height_m)
    centers = []
    for _ in range(50 * n):
        if len(centers) == n:
            break
        p = rng.uniform([x0, y0, 0.0], [x1, y1, room.height_m])
        inside = any(rx0 <= p[0] <= rx1 and ry0 <= p[1] <= ry1 for rx0, ry0, rx1, ry1 in room.rects)
        if inside and _point_distances(p[None], surfaces).min() >= cfg.outlier_clearance_m:
            centers.append(p)
    if not centers:
        return mesh
    owner_id = len(mesh.owners)
    first_seg = int(mesh.seg_indices.max()) + 1
    verts, faces, segs = [], [], []
    for k, c in enumerate(centers):
        tri = c + rng.uniform(-0.015, 0.015, (3, 3))
        verts.append(tri)
        faces.append(len(mesh.vertices) + 3 * k + np.arange(3))
        segs.extend([first_seg + k] * 3)
    m = 3 * len(centers)
    grey = rng.integers(60, 200, (m, 1)).repeat(3, axis=1)
    colors = np.concatenate([grey, np.full((m, 1), 255)], axis=1).astype(np.uint8)
    return replace(
        mesh, vertices=np.concatenate([mesh.vertices, np.concatenate(verts)]),
        colors=np.concatenate([mesh.colors, colors]),
        faces=np.concatenate([mesh.faces, np.array(faces, dtype=np.int32)]).astype(np.int32),
        seg_indices=np.concatenate([mesh.seg_indices, np.array(segs, dtype=np.int64)]),
        owner=np.concatenate([mesh.owner, np.full(m, owner_id, dtype=np.int32)]),
        owners=mesh.owners + (OUTLIER,),
        patch=np.concatenate([mesh.patch, np.full(m, -1, dtype=np.int32)]),
        border_m=np.concatenate([mesh.border_m, np.zeros(m)]),
    )


# ---------------------------------------------------------------------------------------------
# Exact gravity-aligned box of a union of solids


def gravity_box_of_parts(parts: tuple[YawBox, ...] | list[YawBox], arc_points: int = 720
                         ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """(centre (3,), sides (3,) = (length, width, height), yaw of the long side, aabb min (3,),
    aabb max (3,)) of the yaw-only
    box of a union of solids, as `vsi100k.geometry.boxes.gravity_aligned_box` computes it from
    points: minimum-area rectangle of the xy footprint times the z range. Plain parts contribute
    their exact corners; a rounded part's footprint (core rectangle grown by rho + r) is sampled
    with `arc_points` points per circle (sides within 1e-5 of their radius of the exact value).
    """
    from vsi100k.geometry.boxes import min_area_rectangle

    points, z_lo, z_hi = [], np.inf, -np.inf
    angles = np.linspace(0.0, 2 * np.pi, arc_points, endpoint=False)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    for part in parts:
        half, rho, r = part.core()
        corners = part.corners() if not part.rounded else YawBox(part.center, tuple(2 * half), part.yaw_rad).corners()
        xy = np.unique(np.round(corners[:, :2], 12), axis=0)
        if part.rounded and rho + r > 0:
            xy = (xy[:, None, :] + (rho + r) * circle[None]).reshape(-1, 2)
        points.append(xy)
        z_lo = min(z_lo, part.center[2] - part.size[2] / 2)
        z_hi = max(z_hi, part.center[2] + part.size[2] / 2)
    footprint = np.concatenate(points)
    center_xy, extent_xy, axes = min_area_rectangle(footprint)
    yaw = math.atan2(axes[1, 0], axes[0, 0])
    lo, hi = footprint.min(axis=0), footprint.max(axis=0)
    return (np.array([center_xy[0], center_xy[1], (z_lo + z_hi) / 2]),
            np.array([extent_xy[0], extent_xy[1], z_hi - z_lo]), yaw,
            np.array([lo[0], lo[1], z_lo]), np.array([hi[0], hi[1], z_hi]))
