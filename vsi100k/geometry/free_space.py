"""Floor free space for route planning: an occupancy grid, shortest paths, turns and a route executor.

Pure numpy/scipy, bottom layer: inputs are polygons and points in metres in the xy plane of the
aligned frame (z up); nothing here knows scenes, categories or wording.

The map. The floor region is the inside of the room outline rings (even-odd rule, so a ring inside
another is a hole). A cell of side `cell_m` is *blocked* when its centre is outside the floor or
inside an obstacle footprint (a convex polygon); a cell is *free* when the distance from its centre
to the nearest blocked cell centre exceeds the robot radius (the obstacles "grown" by the radius,
computed with a Euclidean distance transform; the error is at most half a cell).

Paths. `geodesic_distance` runs Dijkstra on the 8-connected free cells (diagonal steps only where
both side cells are free, so a path never cuts a blocked corner), from a set of source cells;
`shortest_path` follows its predecessors. `simplify_path` turns a grid path into straight legs by
string pulling (from each vertex, jump to the farthest later path point in a free line of sight),
then merges legs shorter than a minimum (the steps a grid path takes round a grown corner).

Turns. The heading change from one leg to the next is the counter-clockwise angle in [0, 360) and
falls in one of four 90-degree classes centred on 0 (forward), 90 (left), 180 (back), 270 (right).
A turn closer than a margin to a class boundary (45, 135, 225, 315) is ambiguous.

Legs. "Go forward until X": from a position, move straight toward the centre of X's footprint and
stop at the first point whose distance to the footprint is at most `beside_m`; the leg fails if
any point on the way is not free.

Executor. `execute_route` follows a list of steps ("turn" left / right / back, "forward" to a named
footprint) from a start point and a facing point. A turn rotates the heading by its nominal angle
(90, 270 or 180 degrees counter-clockwise); a forward step needs its target inside the +-45 degree
cone around the current heading (so the turn that preceded it must be the right one), then moves
as above. It reports whether the final position is beside the goal footprint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

TURN_CLASSES: tuple[str, ...] = ("forward", "left", "back", "right")  # centred on 0, 90, 180, 270 deg ccw
NOMINAL_TURN_DEG: dict[str, float] = {"forward": 0.0, "left": 90.0, "back": 180.0, "right": 270.0}
CLASS_HALF_WIDTH_DEG = 45.0


@dataclass(frozen=True)
class FreeSpaceMap:
    """An occupancy grid of the floor.

    origin_xy: (2,) centre of cell [0, 0], metres. cell_m: cell side, metres.
    free: (H, W) bool, indexed [row = y, column = x]; True where the robot's centre may stand.
    clearance_m: (H, W) distance from each cell centre to the nearest blocked cell centre, metres
        (0 on blocked cells).
    robot_radius_m: the radius the obstacles were grown by.
    """

    origin_xy: np.ndarray
    cell_m: float
    free: np.ndarray
    clearance_m: np.ndarray
    robot_radius_m: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.free.shape

    def cell_index(self, points_xy: np.ndarray) -> np.ndarray:
        """(..., 2) points -> (..., 2) integer (row, column) of the cell containing each point."""
        pts = np.asarray(points_xy, dtype=float)
        col = np.floor((pts[..., 0] - self.origin_xy[0]) / self.cell_m + 0.5).astype(np.int64)
        row = np.floor((pts[..., 1] - self.origin_xy[1]) / self.cell_m + 0.5).astype(np.int64)
        return np.stack([row, col], axis=-1)

    def flat_index(self, points_xy: np.ndarray) -> np.ndarray:
        """(..., 2) points -> (...) flat cell index (row * W + column); -1 outside the grid."""
        rc = self.cell_index(points_xy)
        h, w = self.shape
        inside = (rc[..., 0] >= 0) & (rc[..., 0] < h) & (rc[..., 1] >= 0) & (rc[..., 1] < w)
        return np.where(inside, rc[..., 0] * w + rc[..., 1], -1)

    def is_free(self, points_xy: np.ndarray) -> np.ndarray:
        """(..., 2) points -> (...) bool: inside the grid and on a free cell."""
        flat = self.flat_index(points_xy)
        return np.where(flat >= 0, self.free.ravel()[np.maximum(flat, 0)], False)

    def cell_centres(self) -> np.ndarray:
        """(H, W, 2) xy of every cell centre, metres."""
        h, w = self.shape
        xs = self.origin_xy[0] + self.cell_m * np.arange(w)
        ys = self.origin_xy[1] + self.cell_m * np.arange(h)
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx, gy], axis=-1)


# ---- polygons -------------------------------------------------------------------------------------

def polygon_contains(points_xy: np.ndarray, ring_xy: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon. points (N, 2), ring (M, 2) (closed or not) -> (N,) bool."""
    pts = np.asarray(points_xy, dtype=float)
    ring = np.asarray(ring_xy, dtype=float)
    a = ring
    b = np.roll(ring, -1, axis=0)
    x, y = pts[:, 0:1], pts[:, 1:2]  # (N, 1)
    straddles = (a[None, :, 1] > y) != (b[None, :, 1] > y)  # (N, M)
    dy = b[:, 1] - a[:, 1]
    safe = np.where(dy == 0, 1.0, dy)
    x_cross = a[None, :, 0] + (y - a[None, :, 1]) * (b[:, 0] - a[:, 0])[None, :] / safe[None, :]
    crossings = straddles & (x < x_cross)
    return (crossings.sum(axis=1) % 2) == 1


def convex_distance(points_xy: np.ndarray, polygon_xy: np.ndarray) -> np.ndarray:
    """Distance (metres) from each point to a convex polygon, 0 inside. points (N, 2), polygon (M, 2).

    The polygon may be degenerate (a segment or a point, e.g. a box of zero thickness).
    """
    pts = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    poly = np.asarray(polygon_xy, dtype=float)
    a = poly
    b = np.roll(poly, -1, axis=0)
    ab = b - a  # (M, 2)
    ap = pts[:, None, :] - a[None, :, :]  # (N, M, 2)
    denom = np.maximum((ab * ab).sum(axis=1), 1e-18)
    t = np.clip((ap * ab[None]).sum(axis=2) / denom[None], 0.0, 1.0)
    closest = a[None] + t[..., None] * ab[None]
    edge_distance = np.linalg.norm(pts[:, None, :] - closest, axis=2).min(axis=1)
    cross = ab[None, :, 0] * ap[..., 1] - ab[None, :, 1] * ap[..., 0]  # (N, M)
    area2 = np.sum(a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1])
    if abs(area2) < 1e-12:
        return edge_distance  # degenerate: no interior
    sign = 1.0 if area2 > 0 else -1.0
    inside = np.all(sign * cross >= 0, axis=1)
    return np.where(inside, 0.0, edge_distance)


def rectangle_footprint(center_xy: Sequence[float], axis_x: Sequence[float], axis_y: Sequence[float],
                        length_m: float, width_m: float) -> np.ndarray:
    """(4, 2) counter-clockwise corners of a rectangle with unit axes `axis_x`, `axis_y` and full sides."""
    c = np.asarray(center_xy, dtype=float)
    u = np.asarray(axis_x, dtype=float) * (length_m / 2.0)
    v = np.asarray(axis_y, dtype=float) * (width_m / 2.0)
    corners = np.array([c - u - v, c + u - v, c + u + v, c - u + v])
    area2 = np.sum(corners[:, 0] * np.roll(corners[:, 1], -1) - np.roll(corners[:, 0], -1) * corners[:, 1])
    return corners[::-1].copy() if area2 < 0 else corners


# ---- the map --------------------------------------------------------------------------------------

def build_free_space(
    outline_rings: Sequence[np.ndarray],
    obstacle_footprints: Sequence[np.ndarray],
    *,
    cell_m: float = 0.05,
    robot_radius_m: float = 0.2,
) -> FreeSpaceMap:
    """The free-space grid of a floor.

    outline_rings: the floor region as xy rings (each (K, 2), metres), combined with the even-odd rule.
    obstacle_footprints: convex (M, 2) polygons the robot may not enter.
    cell_m: grid cell side; robot_radius_m: how far the robot's centre stays from anything blocked.
    """
    if not cell_m > 0:
        raise ValueError(f"cell_m must be > 0, got {cell_m!r}")
    if not robot_radius_m >= 0:
        raise ValueError(f"robot_radius_m must be >= 0, got {robot_radius_m!r}")
    rings = [np.asarray(r, dtype=float).reshape(-1, 2) for r in outline_rings if len(r) >= 3]
    if not rings:
        raise ValueError("the floor outline has no ring with at least 3 points")
    all_xy = np.concatenate(rings)
    pad = 2 * cell_m + robot_radius_m
    low = all_xy.min(axis=0) - pad
    high = all_xy.max(axis=0) + pad
    w = int(np.ceil((high[0] - low[0]) / cell_m)) + 1
    h = int(np.ceil((high[1] - low[1]) / cell_m)) + 1
    grid = FreeSpaceMap(low, float(cell_m), np.zeros((h, w), bool), np.zeros((h, w)), float(robot_radius_m))
    centres = grid.cell_centres().reshape(-1, 2)
    floor = np.zeros(h * w, dtype=bool)
    for ring in rings:
        floor ^= polygon_contains(centres, ring)
    blocked = ~floor
    for footprint in obstacle_footprints:
        poly = np.asarray(footprint, dtype=float)
        lo, hi = poly.min(axis=0), poly.max(axis=0)
        near = np.all((centres >= lo - cell_m) & (centres <= hi + cell_m), axis=1)
        if near.any():
            idx = np.flatnonzero(near)
            # a cell is blocked when the footprint reaches within half a cell of its centre, so thin
            # obstacles (a door leaf, a thin panel) still block
            blocked[idx[convex_distance(centres[idx], poly) <= cell_m / 2.0]] = True
    blocked = blocked.reshape(h, w)
    clearance = ndimage.distance_transform_edt(~blocked, sampling=cell_m)
    free = (clearance > robot_radius_m) & ~blocked
    return FreeSpaceMap(low, float(cell_m), free, clearance, float(robot_radius_m))


def cells_within(grid: FreeSpaceMap, polygon_xy: np.ndarray, within_m: float) -> np.ndarray:
    """Flat indices of the free cells whose centre is within `within_m` of a convex polygon."""
    centres = grid.cell_centres().reshape(-1, 2)
    free = grid.free.ravel()
    poly = np.asarray(polygon_xy, dtype=float)
    lo, hi = poly.min(axis=0) - within_m, poly.max(axis=0) + within_m
    idx = np.flatnonzero(free & np.all((centres >= lo) & (centres <= hi), axis=1))
    return idx[convex_distance(centres[idx], poly) <= within_m]


def _grid_graph(grid: FreeSpaceMap):
    """Sparse (H*W, H*W) 8-connected graph of the free cells, edge weights in metres."""
    h, w = grid.shape
    free = grid.free
    ids = np.arange(h * w).reshape(h, w)
    rows, cols, weights = [], [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = max(0, -dr), h - max(0, dr)
        c0, c1 = max(0, -dc), w - max(0, dc)
        a = free[r0:r1, c0:c1]
        b = free[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        ok = a & b
        if dr and dc:  # no corner cutting: both side cells must be free as well
            ok &= free[r0 + dr:r1 + dr, c0:c1] & free[r0:r1, c0 + dc:c1 + dc]
        src = ids[r0:r1, c0:c1][ok]
        dst = ids[r0 + dr:r1 + dr, c0 + dc:c1 + dc][ok]
        length = grid.cell_m * (np.sqrt(2.0) if dr and dc else 1.0)
        rows += [src, dst]
        cols += [dst, src]
        weights += [np.full(src.size, length), np.full(src.size, length)]
    return coo_matrix((np.concatenate(weights), (np.concatenate(rows), np.concatenate(cols))), shape=(h * w, h * w)).tocsr()


@dataclass(frozen=True)
class DistanceField:
    """Geodesic distance (metres) of every cell to the nearest source cell along free cells.

    distance_m: (H*W,) inf where unreachable. predecessors: (H*W,) next cell toward the sources
    (-9999 at sources and unreachable cells).
    """

    grid: FreeSpaceMap
    distance_m: np.ndarray
    predecessors: np.ndarray

    def at(self, points_xy: np.ndarray) -> np.ndarray:
        """(..., 2) points -> (...) distance of their cells; inf outside the grid or on blocked cells."""
        flat = self.grid.flat_index(points_xy)
        return np.where(flat >= 0, self.distance_m[np.maximum(flat, 0)], np.inf)


def geodesic_distance(grid: FreeSpaceMap, source_cells: np.ndarray) -> DistanceField:
    """Dijkstra from a set of flat cell indices over the 8-connected free cells."""
    sources = np.asarray(source_cells, dtype=np.int64)
    n = grid.free.size
    if sources.size == 0:
        return DistanceField(grid, np.full(n, np.inf), np.full(n, -9999, dtype=np.int64))
    dist, pred = dijkstra(_grid_graph(grid), directed=False, indices=sources, min_only=True,
                          return_predecessors=True)[:2]
    return DistanceField(grid, dist, pred.astype(np.int64))


def shortest_path(field: DistanceField, start_cell: int) -> tuple[np.ndarray, float] | None:
    """The grid path from `start_cell` to the field's nearest source: ((L, 2) cell centres, length m).

    None when the start is unreachable.
    """
    if not np.isfinite(field.distance_m[start_cell]):
        return None
    cells = [int(start_cell)]
    while field.predecessors[cells[-1]] >= 0:
        cells.append(int(field.predecessors[cells[-1]]))
    centres = field.grid.cell_centres().reshape(-1, 2)
    return centres[np.array(cells)], float(field.distance_m[start_cell])


def segment_is_free(grid: FreeSpaceMap, a_xy: np.ndarray, b_xy: np.ndarray) -> bool:
    """True when every point of the segment a-b (sampled every half cell) lies on a free cell."""
    a = np.asarray(a_xy, dtype=float)
    b = np.asarray(b_xy, dtype=float)
    n = max(2, int(np.ceil(np.linalg.norm(b - a) / (grid.cell_m / 2.0))) + 1)
    t = np.linspace(0.0, 1.0, n)[:, None]
    return bool(np.all(grid.is_free(a + t * (b - a))))


def simplify_path(grid: FreeSpaceMap, path_xy: np.ndarray, min_leg_m: float = 0.5) -> np.ndarray:
    """Straight legs that follow a grid path: the vertices (K, 2); K - 1 is the number of legs.

    String pulling: from the current vertex, the next one is the farthest later path point in a free
    line of sight. A grid path rounds a grown corner in small steps, so legs shorter than
    `min_leg_m` are then merged: an inner short leg becomes one vertex at its midpoint, a short first
    or last leg loses its inner vertex (the endpoints stay). Merged legs may graze the grown corner.
    """
    path = np.asarray(path_xy, dtype=float)
    if len(path) < 2:
        return path.copy()
    vertices = [0]
    while vertices[-1] < len(path) - 1:
        i = vertices[-1]
        j = len(path) - 1
        while j > i + 1 and not segment_is_free(grid, path[i], path[j]):
            j -= 1
        vertices.append(j)
    points = [p for p in path[np.array(vertices)]]
    while len(points) > 2:
        lengths = [float(np.linalg.norm(points[k + 1] - points[k])) for k in range(len(points) - 1)]
        k = int(np.argmin(lengths))
        if lengths[k] >= min_leg_m:
            break
        if k == 0:
            del points[1]
        elif k == len(points) - 2:
            del points[k]
        else:
            points[k : k + 2] = [(points[k] + points[k + 1]) / 2.0]
    return np.array(points)


# ---- turns ----------------------------------------------------------------------------------------

def ccw_angle_deg(from_xy: np.ndarray, to_xy: np.ndarray) -> float:
    """Counter-clockwise angle (degrees, [0, 360)) that turns direction `from_xy` onto `to_xy`."""
    f = np.asarray(from_xy, dtype=float)
    t = np.asarray(to_xy, dtype=float)
    angle = float(np.degrees(np.arctan2(f[0] * t[1] - f[1] * t[0], f[0] * t[0] + f[1] * t[1]))) % 360.0
    return 0.0 if angle >= 360.0 else angle


@dataclass(frozen=True)
class Turn:
    """A classified heading change: name in TURN_CLASSES, the ccw angle in [0, 360) and the distance
    (degrees) to the nearest class boundary (45, 135, 225, 315)."""

    name: str
    angle_deg: float
    clearance_deg: float

    def is_clear(self, margin_deg: float) -> bool:
        """True when the turn is at least `margin_deg` from every class boundary."""
        return self.clearance_deg >= margin_deg


def classify_turn(from_xy: np.ndarray, to_xy: np.ndarray) -> Turn:
    """The class of the heading change from direction `from_xy` to direction `to_xy` (each (2,))."""
    angle = ccw_angle_deg(from_xy, to_xy)
    index = int(np.floor(((angle + CLASS_HALF_WIDTH_DEG) % 360.0) / 90.0)) % 4
    offset = abs(((angle - 90.0 * index) + 180.0) % 360.0 - 180.0)  # from the class centre
    return Turn(TURN_CLASSES[index], angle, CLASS_HALF_WIDTH_DEG - offset)


# ---- legs and the executor ------------------------------------------------------------------------

@dataclass(frozen=True)
class Leg:
    """One "go forward until X" move. ok: it reached a point beside X through free space.

    start_xy, stop_xy: (2,) metres; direction_xy: (2,) unit heading; length_m; reason: "" when ok,
    else "blocked" (a non-free point on the way) or "already_beside" (no forward move needed).
    """

    start_xy: np.ndarray
    stop_xy: np.ndarray
    direction_xy: np.ndarray
    length_m: float
    ok: bool
    reason: str = ""


def go_forward_until(grid: FreeSpaceMap, start_xy: np.ndarray, footprint_xy: np.ndarray, beside_m: float) -> Leg:
    """Move from `start_xy` straight toward the centre of a convex footprint, stopping at the first
    point within `beside_m` of it (sampled every half cell); fails if a point on the way is not free."""
    start = np.asarray(start_xy, dtype=float)
    poly = np.asarray(footprint_xy, dtype=float)
    target = poly.mean(axis=0)
    span = float(np.linalg.norm(target - start))
    direction = (target - start) / span if span > 0 else np.array([1.0, 0.0])
    step = grid.cell_m / 2.0
    t = np.append(np.arange(0.0, span, step), span)
    points = start + t[:, None] * direction
    beside = np.flatnonzero(convex_distance(points, poly) <= beside_m)
    stop = int(beside[0]) if beside.size else len(t) - 1
    if stop == 0:
        return Leg(start, start, direction, 0.0, False, "already_beside")
    ok = bool(np.all(grid.is_free(points[: stop + 1])))
    return Leg(start, points[stop], direction, float(t[stop]), ok, "" if ok else "blocked")


@dataclass(frozen=True)
class Execution:
    """The outcome of following a route's steps.

    reached: the final position is beside the goal. failed_step: index of the step that failed, or
    None. reason: "" when reached, else "turn_mismatch" (target outside the cone after the turn),
    "blocked", "already_beside", "not_at_goal". positions: (K, 2) start and each leg's stop, metres.
    """

    reached: bool
    failed_step: int | None
    reason: str
    positions: np.ndarray


def execute_route(
    grid: FreeSpaceMap,
    start_xy: np.ndarray,
    facing_xy: np.ndarray,
    steps: Sequence[tuple[str, str]],
    footprints: Mapping[str, np.ndarray],
    goal: str,
    beside_m: float,
) -> Execution:
    """Follow `steps` from `start_xy`, initially heading toward `facing_xy`.

    steps: ("turn", "left" | "right" | "back") or ("forward", name of a footprint in `footprints`).
    A turn rotates the heading by its nominal angle; a forward step needs its target's centre within
    45 degrees of the heading, then moves until beside it and takes the leg's direction as heading.
    """
    position = np.asarray(start_xy, dtype=float)
    heading = np.asarray(facing_xy, dtype=float) - position
    positions = [position]

    def fail(i: int, reason: str) -> Execution:
        return Execution(False, i, reason, np.array(positions))

    for i, (kind, value) in enumerate(steps):
        if kind == "turn":
            if value not in NOMINAL_TURN_DEG or value == "forward":
                raise ValueError(f"step {i}: unknown turn {value!r}; use left, right or back")
            a = np.radians(NOMINAL_TURN_DEG[value])
            heading = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]]) @ heading
            continue
        if kind != "forward":
            raise ValueError(f"step {i}: unknown step kind {kind!r}; use 'turn' or 'forward'")
        if value not in footprints:
            raise ValueError(f"step {i}: no footprint named {value!r}")
        poly = np.asarray(footprints[value], dtype=float)
        to_target = poly.mean(axis=0) - position
        off = abs((ccw_angle_deg(heading, to_target) + 180.0) % 360.0 - 180.0)
        if off >= CLASS_HALF_WIDTH_DEG:
            return fail(i, "turn_mismatch")
        leg = go_forward_until(grid, position, poly, beside_m)
        if not leg.ok:
            return fail(i, leg.reason)
        position, heading = leg.stop_xy, leg.direction_xy
        positions.append(position)
    if goal not in footprints:
        raise ValueError(f"no footprint named {goal!r} for the goal")
    if convex_distance(position[None], footprints[goal])[0] > beside_m + 1e-9:
        return fail(len(steps), "not_at_goal")
    return Execution(True, None, "", np.array(positions))
