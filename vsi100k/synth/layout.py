"""Room shapes and furniture placement for synthetic scenes (aligned frame, z up, metres).

Pure numpy, no I/O. A room is a rectangle or an L-shape (5-80 m2) with walls of one height; a
standing spot in its middle is kept free for the camera (the trajectory module plans its path
through whatever floor stays free). Furniture from the catalogue is placed by
rejection sampling: inside the room, clear of the camera's standing spot and of door swings, at least
`min_gap_m` from every other object (exact box distances), wall objects against walls, small
objects on top of tables, counters, beds and sofas. Everything placed is recorded exactly (boxes
per part), so every truth about the layout is analytic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vsi100k.errors import ConfigError
from vsi100k.geometry.box_distance import paired_box_distances
from vsi100k.synth.boxes import YawBox, stack_boxes, yaw_rotation
from vsi100k.synth.catalogue import KINDS, ROOM_TYPES, SHAPES, SUPPORT_GROUPS, FurnitureKind, RoomType

MIN_AREA_M2 = 5.0
SIDEWAYS_KINDS = ("bed",)
MAX_AREA_M2 = 80.0
MAX_LAYOUT_DRAWS = 50  # layouts drawn at most when LayoutConfig.min_categories asks for more categories
MAX_MIN_CATEGORIES = 12  # rooms rarely hold more distinct categories than this


@dataclass(frozen=True)
class LayoutConfig:
    """Placement rules. Lengths in metres.

    min_gap_m: minimum distance between any two objects (except an object and what it stands on).
    wall_gap_m: distance between a wall and the back of objects standing or hanging against it.
    camera_spot_half_width_m: half side of the square kept free for the camera at the room's middle.
    l_shape_probability: chance that a room big enough (>= 12 m2) is L-shaped.
    max_attempts: placement tries per object before it is left out.
    min_categories: a furnished room holding fewer distinct question-facing categories is drawn
        again (room type, room and contents, from the same generator), up to `MAX_LAYOUT_DRAWS`
        times, keeping the richest draw. 0 (the default) keeps the first draw: the generator is
        used exactly as without this setting. The demo asks for enough categories to pose
        four-category questions (appearance order, relative distance) in every room.
    """

    min_gap_m: float = 0.05
    wall_gap_m: float = 0.015
    camera_spot_half_width_m: float = 0.4
    l_shape_probability: float = 0.35
    max_attempts: int = 60
    min_categories: int = 0

    def __post_init__(self) -> None:
        if self.min_gap_m <= 0:
            raise ValueError(f"min_gap_m must be > 0 (got {self.min_gap_m}); objects must not touch")
        if not 0 < self.wall_gap_m < 0.1:
            raise ValueError(f"wall_gap_m must be in (0, 0.1) m (got {self.wall_gap_m})")
        if not 0.2 <= self.camera_spot_half_width_m <= 0.8:
            raise ValueError(f"camera_spot_half_width_m must be in [0.2, 0.8] m (got {self.camera_spot_half_width_m})")
        if not 0 <= self.l_shape_probability <= 1:
            raise ValueError(f"l_shape_probability must be in [0, 1] (got {self.l_shape_probability})")
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1 (got {self.max_attempts})")
        if (not isinstance(self.min_categories, int) or isinstance(self.min_categories, bool)
                or not 0 <= self.min_categories <= MAX_MIN_CATEGORIES):
            raise ConfigError(f"min_categories must be an integer in [0, {MAX_MIN_CATEGORIES}] (got {self.min_categories!r})")


@dataclass(frozen=True)
class Room:
    """The empty room.

    polygon: (K, 2) floor outline, counter-clockwise, metres (K = 4 or 6).
    rects: disjoint axis-aligned rectangles (xmin, ymin, xmax, ymax) whose union is the floor.
    notch: the rectangle cut from the bounding box of an L-shape, or None.
    height_m: floor-to-ceiling height.
    camera_spot: (2,) a floor point kept free of furniture for the camera.
    """

    polygon: np.ndarray
    rects: tuple[tuple[float, float, float, float], ...]
    notch: tuple[float, float, float, float] | None
    height_m: float
    camera_spot: np.ndarray

    @property
    def area_m2(self) -> float:
        return float(sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in self.rects))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) of the floor."""
        lo, hi = self.polygon.min(axis=0), self.polygon.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    def walls(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Wall segments (start, end) along the outline; the room is on the left of each."""
        poly = self.polygon
        return [(poly[k], poly[(k + 1) % len(poly)]) for k in range(len(poly))]

    def wall_boxes(self) -> list[YawBox]:
        """Each wall as a flat box (zero thickness) from floor to ceiling."""
        out = []
        for start, end in self.walls():
            d = end - start
            mid = (start + end) / 2
            out.append(YawBox((float(mid[0]), float(mid[1]), self.height_m / 2),
                              (float(np.hypot(*d)), 0.0, self.height_m), float(math.atan2(d[1], d[0]))))
        return out

    def floor_boxes(self, z_m: float = 0.0) -> list[YawBox]:
        """The floor (or, with z_m = height, the ceiling) as flat boxes, one per rectangle."""
        return [YawBox(((x0 + x1) / 2, (y0 + y1) / 2, z_m), (x1 - x0, y1 - y0, 0.0), 0.0)
                for x0, y0, x1, y1 in self.rects]


@dataclass(frozen=True)
class PlacedObject:
    """One placed piece of furniture.

    kind: catalogue kind name. parts: the boxes of its shape in world coordinates.
    local_box: (centre (3,), size (3,)) of its bounding box in its own frame (yaw-aligned).
    support: index (in the layout's objects) of what it stands on, or None.
    top_part: index of the part others can stand on, or None.
    color: (3,) uint8 base colour.
    """

    kind: str
    raw_label: str
    category: str | None
    yaw_rad: float
    position: tuple[float, float, float]
    parts: tuple[YawBox, ...]
    local_box: tuple[tuple[float, float, float], tuple[float, float, float]]
    color: tuple[int, int, int]
    support: int | None = None
    top_part: int | None = None

    def yaw_box(self) -> YawBox:
        """The gravity-aligned bounding box in the object's own yaw (length, depth, height)."""
        center_local, size = self.local_box
        rot = yaw_rotation(self.yaw_rad)
        center = rot @ np.asarray(center_local) + np.asarray(self.position)
        return YawBox(tuple(float(v) for v in center), size, self.yaw_rad)

    def aabb(self) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned bounds (min (3,), max (3,)) over all parts."""
        corners = np.concatenate([p.corners() for p in self.parts])
        return corners.min(axis=0), corners.max(axis=0)


@dataclass(frozen=True)
class Layout:
    """A furnished room: the room, its scene type (ScanNet `sceneType`) and the objects."""

    room: Room
    scene_type: str
    objects: tuple[PlacedObject, ...]


# ---------------------------------------------------------------------------------------------
# Rooms


def generate_room(rng: np.random.Generator, area_m2: float, cfg: LayoutConfig) -> Room:
    """A rectangle or L-shaped room with the given floor area (m2) and a free camera spot."""
    if not MIN_AREA_M2 <= area_m2 <= MAX_AREA_M2:
        raise ValueError(f"room area {area_m2:.1f} m2 is outside [{MIN_AREA_M2}, {MAX_AREA_M2}]")
    height = float(rng.uniform(2.4, 3.0))
    aspect = float(rng.uniform(1.0, 1.9))
    room = None
    if area_m2 >= 12.0 and rng.random() < cfg.l_shape_probability:
        fx, fy = rng.uniform(0.3, 0.55, 2)
        bbox_area = area_m2 / (1.0 - fx * fy)
        width = math.sqrt(bbox_area * aspect)
        depth = bbox_area / width
        nw, nd = fx * width, fy * depth
        if min(width - nw, depth - nd) >= 1.6:
            room = _l_room(width, depth, nw, nd)
    if room is None:
        width = max(math.sqrt(area_m2 * aspect), 1.8)
        depth = area_m2 / width
        if depth < 1.8:  # keep both sides >= 1.8 m
            depth, width = 1.8, area_m2 / 1.8
        polygon = np.array([[0, 0], [width, 0], [width, depth], [0, depth]], dtype=float)
        room = (polygon, ((0.0, 0.0, width, depth),), None, np.array([[width / 2, depth / 2]]))
    polygon, rects, notch, spot = room
    # Mirror the canonical shape (notch at the top right) to put the notch at any corner.
    width, depth = polygon[:, 0].max(), polygon[:, 1].max()
    flip_x, flip_y = rng.random() < 0.5, rng.random() < 0.5
    offset = rng.uniform(-0.5, 0.5, 2)

    def move(points: np.ndarray) -> np.ndarray:
        points = np.array(points, dtype=float)
        if flip_x:
            points[:, 0] = width - points[:, 0]
        if flip_y:
            points[:, 1] = depth - points[:, 1]
        return points + offset

    def move_rect(rect):
        corners = move(np.array([[rect[0], rect[1]], [rect[2], rect[3]]]))
        lo, hi = corners.min(axis=0), corners.max(axis=0)
        return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))

    polygon = move(polygon)
    if flip_x != flip_y:  # one mirror reverses the orientation
        polygon = polygon[::-1]
    start = int(np.lexsort((polygon[:, 1], polygon[:, 0]))[0])
    polygon = np.roll(polygon, -start, axis=0)
    return Room(polygon=polygon, rects=tuple(move_rect(r_) for r_ in rects),
                notch=move_rect(notch) if notch is not None else None, height_m=height, camera_spot=move(spot)[0])


def _l_room(width: float, depth: float, nw: float, nd: float):
    """Canonical L: bounding box [0, width] x [0, depth] minus the top-right notch (nw x nd)."""
    polygon = np.array([[0, 0], [width, 0], [width, depth - nd], [width - nw, depth - nd],
                        [width - nw, depth], [0, depth]], dtype=float)
    rects = ((0.0, 0.0, width, depth - nd), (0.0, depth - nd, width - nw, depth))
    notch = (width - nw, depth - nd, width, depth)
    spot = np.array([[(width - nw) / 2, (depth - nd) / 2]])  # middle of the corner both arms share
    return polygon, rects, notch, spot


# ---------------------------------------------------------------------------------------------
# Furniture


def generate_layout(rng: np.random.Generator, cfg: LayoutConfig = LayoutConfig(),
                    room_type: RoomType | None = None) -> Layout:
    """A furnished room: picks a room type (unless given), a room, and places its contents; with
    `cfg.min_categories`, draws again until the room holds that many distinct categories."""
    best: Layout | None = None
    for _ in range(MAX_LAYOUT_DRAWS):
        layout = _draw_layout(rng, cfg, room_type)
        if best is None or n_categories(layout) > n_categories(best):
            best = layout
        if n_categories(best) >= cfg.min_categories:
            break
    return best


def n_categories(layout: Layout) -> int:
    """Distinct question-facing categories among the layout's objects."""
    return len({o.category for o in layout.objects if o.category is not None})


def _draw_layout(rng: np.random.Generator, cfg: LayoutConfig, room_type: RoomType | None) -> Layout:
    """One furnished room (see `generate_layout`)."""
    if room_type is None:
        room_type = ROOM_TYPES[int(rng.integers(len(ROOM_TYPES)))]
    lo, hi = room_type.area_m2
    area = float(np.exp(rng.uniform(np.log(max(lo, MIN_AREA_M2)), np.log(min(hi, MAX_AREA_M2)))))
    room = generate_room(rng, area, cfg)
    wanted: list[FurnitureKind] = []
    for kind_name, probability, (n_min, n_max) in room_type.contents:
        if rng.random() < probability:
            wanted.extend([KINDS[kind_name]] * int(rng.integers(n_min, n_max + 1)))
    # Doors first (they reserve their swing), then furniture against walls (beds, closets) before
    # windows and radiators take the wall space, then free-standing things, then small ones on top.
    def rank(kind: FurnitureKind) -> tuple:
        footprint = kind.size_m[0][1] * kind.size_m[1][1]
        if kind.name == "door":
            return (0, 0.0)
        order = {"floor_wall": 1, "wall": 2, "floor": 3, "on_top": 4}[kind.placement]
        return (order, -footprint)

    wanted.sort(key=rank)
    placer = _Placer(room, cfg, rng)
    for kind in wanted:
        placer.place(kind)
    return Layout(room=room, scene_type=room_type.scene_type, objects=tuple(placer.objects))


class _Placer:
    """Rejection-sampling placement with exact box-distance checks."""

    def __init__(self, room: Room, cfg: LayoutConfig, rng: np.random.Generator):
        self.room, self.cfg, self.rng = room, cfg, rng
        self.objects: list[PlacedObject] = []
        self._boxes: list[YawBox] = []  # yaw box and bounds of each placed object, cached
        self._bounds: list[tuple[np.ndarray, np.ndarray]] = []
        r = cfg.camera_spot_half_width_m
        spot = room.camera_spot
        self.keepouts: list[YawBox] = [YawBox((float(spot[0]), float(spot[1]), room.height_m / 2),
                                              (2 * r, 2 * r, room.height_m), 0.0)]
        if room.notch is not None:  # the notch of an L is outside the room: a tall box to stay away from
            x0, y0, x1, y1 = room.notch
            self.outside_boxes = [YawBox(((x0 + x1) / 2, (y0 + y1) / 2, room.height_m / 2),
                                          (x1 - x0, y1 - y0, room.height_m + 2.0), 0.0)]
        else:
            self.outside_boxes = []

    # ---- candidates ----
    def place(self, kind: FurnitureKind) -> bool:
        size = kind.sample_size(self.rng)
        parts_local, top_part = SHAPES[kind.shape](size, self.rng)
        label = kind.sample_label(self.rng)
        color = kind.sample_color(self.rng)
        for attempt in range(self.cfg.max_attempts):
            # Beds that do not fit head-to-wall go side-to-wall, as in small bedrooms.
            sideways = kind.name in SIDEWAYS_KINDS and attempt >= self.cfg.max_attempts // 2
            pose = self._propose(kind, size, sideways)
            if pose is None:
                continue
            position, yaw, support = pose
            candidate = _make_object(kind, label, color, parts_local, top_part, position, yaw, support)
            if self._fits(candidate):
                self.objects.append(candidate)
                self._boxes.append(candidate.yaw_box())
                self._bounds.append(candidate.aabb())
                if kind.name == "door":
                    self._reserve_door_swing(candidate)
                return True
        return False

    def _propose(self, kind: FurnitureKind, size: np.ndarray, sideways: bool = False):
        length, depth, height = size
        if sideways:
            length, depth = depth, length
        if kind.placement in ("wall", "floor_wall"):
            walls = self.room.walls()
            lengths = np.array([np.hypot(*(b - a)) for a, b in walls])
            k = int(self.rng.choice(len(walls), p=lengths / lengths.sum()))
            start, end = walls[k]
            span = lengths[k] - length - 0.1
            if span <= 0:
                return None
            direction = (end - start) / lengths[k]
            inward = np.array([-direction[1], direction[0]])
            along = 0.05 + length / 2 + self.rng.uniform(0, span)
            xy = start + direction * along + inward * (depth / 2 + self.cfg.wall_gap_m)
            z0 = self.rng.uniform(*kind.mount_height_m) if kind.placement == "wall" else 0.0
            axis = inward if sideways else direction  # the object's local x axis
            return (float(xy[0]), float(xy[1]), float(z0)), float(math.atan2(axis[1], axis[0])), None
        if kind.placement == "floor":
            x0, y0, x1, y1 = self.room.bounds
            xy = self.rng.uniform([x0, y0], [x1, y1])
            if self.rng.random() < 0.5:  # aligned with the room, like most furniture
                yaw = float(self.rng.integers(4)) * math.pi / 2 + self.rng.uniform(-0.08, 0.08)
            else:
                yaw = self.rng.uniform(-math.pi, math.pi)
            return (float(xy[0]), float(xy[1]), 0.0), float(yaw), None
        return self._propose_on_top(kind, size)

    def _propose_on_top(self, kind: FurnitureKind, size: np.ndarray):
        allowed = {name for group in kind.supports for name in SUPPORT_GROUPS[group]}
        supports = [i for i, o in enumerate(self.objects) if o.kind in allowed and o.top_part is not None]
        if not supports:
            return None
        index = supports[int(self.rng.integers(len(supports)))]
        support = self.objects[index]
        top = support.parts[support.top_part]
        yaw = support.yaw_rad + float(self.rng.integers(4)) * math.pi / 2 + self.rng.uniform(-0.25, 0.25)
        if kind.name == "pillow":
            yaw = support.yaw_rad + self.rng.uniform(-0.15, 0.15)
        # Footprint half extents of the object in the top part's frame.
        rel = yaw - top.yaw_rad
        half = np.abs(np.array([[math.cos(rel), -math.sin(rel)], [math.sin(rel), math.cos(rel)]])) @ (size[:2] / 2)
        room_left = np.asarray(top.size[:2]) / 2 - half - 0.02
        if np.any(room_left <= 0):
            return None
        local_xy = self.rng.uniform(-room_left, room_left)
        xy = yaw_rotation(top.yaw_rad)[:2, :2] @ local_xy + np.asarray(top.center[:2])
        z0 = top.center[2] + top.size[2] / 2
        return (float(xy[0]), float(xy[1]), float(z0)), float(yaw), index

    # ---- checks ----
    def _fits(self, candidate: PlacedObject) -> bool:
        lo, hi = candidate.aabb()
        x0, y0, x1, y1 = self.room.bounds
        margin = 0.005
        if lo[0] < x0 + margin or lo[1] < y0 + margin or hi[0] > x1 - margin or hi[1] > y1 - margin:
            return False
        if lo[2] < -1e-9 or hi[2] > self.room.height_m - 0.05:
            return False
        box = candidate.yaw_box()
        if self.outside_boxes and _distances(box, self.outside_boxes).min() < margin:
            return False
        if _distances(box, self.keepouts).min() <= 0.0:
            return False
        if self.objects:
            gap = self.cfg.min_gap_m
            near = [box_ for i, (box_, (olo, ohi)) in enumerate(zip(self._boxes, self._bounds))
                    if i != candidate.support and np.all(olo <= hi + gap) and np.all(ohi >= lo - gap)]
            if near and _distances(box, near).min() < gap:
                return False
        if candidate.support is not None:
            support = self.objects[candidate.support]
            rest = [p for k, p in enumerate(support.parts) if k != support.top_part]
            if rest and min(_distances(p, rest).min() for p in candidate.parts) < 0.01:
                return False
        return True

    def _reserve_door_swing(self, door: PlacedObject) -> None:
        box = door.yaw_box()
        rot = yaw_rotation(box.yaw_rad)
        inward = rot[:, 1]
        swing_depth = 0.9
        center = np.asarray(box.center) + inward * (box.size[1] / 2 + 0.1 + swing_depth / 2)
        self.keepouts.append(YawBox((float(center[0]), float(center[1]), 1.0),
                                    (box.size[0] + 0.3, swing_depth, 2.0), box.yaw_rad))


def _distances(box: YawBox, others: list[YawBox]) -> np.ndarray:
    """(len(others),) exact distances from one box to each of `others`, metres."""
    ca, ha, ra = stack_boxes([box])
    cb, hb, rb = stack_boxes(others)
    n = len(others)
    return paired_box_distances(np.repeat(ca, n, 0), np.repeat(ha, n, 0), np.repeat(ra, n, 0), cb, hb, rb)


def _make_object(kind: FurnitureKind, label: str, color, parts_local, top_part, position, yaw, support) -> PlacedObject:
    rot = yaw_rotation(yaw)
    parts = []
    mins, maxs = [], []
    for center, size in parts_local:
        world = rot @ np.asarray(center) + np.asarray(position)
        parts.append(YawBox(tuple(float(v) for v in world), size, float(yaw)))
        mins.append(np.asarray(center) - np.asarray(size) / 2)
        maxs.append(np.asarray(center) + np.asarray(size) / 2)
    lo, hi = np.min(mins, axis=0), np.max(maxs, axis=0)
    local_box = (tuple(float(v) for v in (lo + hi) / 2), tuple(float(v) for v in hi - lo))
    yaw = float(math.remainder(yaw, 2 * math.pi))
    parts = [YawBox(p.center, p.size, yaw) for p in parts]
    return PlacedObject(kind=kind.name, raw_label=label, category=kind.category, yaw_rad=yaw,
                        position=tuple(float(v) for v in position), parts=tuple(parts), local_box=local_box,
                        color=tuple(int(c) for c in color), support=support, top_part=top_part)
