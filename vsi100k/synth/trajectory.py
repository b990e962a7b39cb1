"""Camera paths through synthetic rooms, like a person sweeping a handheld scanner.

Pure numpy, no I/O. The walkable floor is a 10 cm grid of points at least `clearance_m` from
furniture footprints and `wall_clearance_m` from walls; the path starts at the layout's free
camera spot and visits a few far-apart walkable points along grid shortest paths, smoothed. Along
it the camera (1.3-1.6 m high) turns more than once around, pitching down to see tables and
floor, so that most objects are seen at some point. Poses are camera-to-world in the ALIGNED
frame with ScanNet's (OpenCV) camera axes: x right, y down, z forward; the writer moves them into
the raw frame.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from vsi100k.errors import ConfigError
from vsi100k.synth.layout import Layout

START_HEADINGS = ("random", "widest_gap")


@dataclass(frozen=True)
class TrajectoryConfig:
    """Camera motion settings.

    frame_interval_us: time between frames (41_667 us = 24 fps).
    height_m: (min, max) camera height above the floor.
    clearance_m: minimum distance of the camera path from furniture footprints.
    wall_clearance_m: minimum distance from walls (larger, so that views show more than a wall).
    turns: (min, max) full turns of the heading over the whole video.
    start_heading: "random" (the default): the first frame looks in a random direction;
        "widest_gap": it looks into the widest angular gap between the bearings of the objects
        seen from the start point, so that the first frame shows as few objects as possible and
        the turning camera then brings them into view one after another (first appearances spread
        over the video instead of several objects sharing the first frame). The random heading is
        drawn either way, so the generator's later draws do not depend on this setting.
    """

    frame_interval_us: int = 41_667
    height_m: tuple[float, float] = (1.3, 1.6)
    clearance_m: float = 0.3
    wall_clearance_m: float = 0.6
    turns: tuple[float, float] = (1.1, 1.6)
    grid_m: float = 0.1
    start_heading: str = "random"

    def __post_init__(self) -> None:
        if self.frame_interval_us < 1_000:
            raise ValueError(f"frame_interval_us must be >= 1000 (got {self.frame_interval_us})")
        if not 0.5 <= self.height_m[0] <= self.height_m[1] <= 2.2:
            raise ValueError(f"height_m must be (min, max) within [0.5, 2.2] m (got {self.height_m})")
        if not 0.1 <= self.clearance_m <= 0.6:
            raise ValueError(f"clearance_m must be in [0.1, 0.6] m (got {self.clearance_m})")
        if not self.clearance_m <= self.wall_clearance_m <= 1.5:
            raise ValueError(f"wall_clearance_m must be in [clearance_m, 1.5] m (got {self.wall_clearance_m})")
        if not 0 < self.turns[0] <= self.turns[1]:
            raise ValueError(f"turns must be (min, max) with 0 < min <= max (got {self.turns})")
        if self.start_heading not in START_HEADINGS:
            raise ConfigError(f"start_heading must be one of {', '.join(START_HEADINGS)} (got {self.start_heading!r})")


@dataclass(frozen=True)
class Trajectory:
    """poses: (N, 4, 4) float64 camera-to-world, aligned frame. Timestamps: (N,) int64 microseconds."""

    poses: np.ndarray
    color_timestamps_us: np.ndarray
    depth_timestamps_us: np.ndarray

    @property
    def times_s(self) -> np.ndarray:
        """(N,) colour timestamps in seconds."""
        return self.color_timestamps_us / 1e6


def look_pose(position: np.ndarray, yaw_rad: float, pitch_rad: float, roll_rad: float = 0.0) -> np.ndarray:
    """(4, 4) camera-to-world of a camera at `position` looking along yaw (from +x, counter-clockwise)
    and pitch (up positive), rolled about its viewing axis. Camera axes: x right, y down, z forward."""
    forward = np.array([math.cos(pitch_rad) * math.cos(yaw_rad), math.cos(pitch_rad) * math.sin(yaw_rad),
                        math.sin(pitch_rad)])
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    down = np.cross(forward, right)
    c, s = math.cos(roll_rad), math.sin(roll_rad)
    right, down = c * right + s * down, -s * right + c * down
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, down, forward, position
    return pose


def walkable_grid(layout: Layout, clearance_m: float, grid_m: float,
                  wall_clearance_m: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Walkable floor points: (H, W) bool mask and (H, W, 2) xy of the cell centres (metres).

    A point is walkable when it is inside the room, `wall_clearance_m` (default: `clearance_m`)
    from every wall and `clearance_m` from every furniture footprint.
    """
    wall_clearance_m = clearance_m if wall_clearance_m is None else wall_clearance_m
    room = layout.room
    x0, y0, x1, y1 = room.bounds
    xs = np.arange(x0 + grid_m / 2, x1, grid_m)
    ys = np.arange(y0 + grid_m / 2, y1, grid_m)
    xy = np.stack(np.meshgrid(xs, ys, indexing="ij"), axis=-1)
    pts = xy.reshape(-1, 2)
    inside = np.zeros(len(pts), dtype=bool)
    for rx0, ry0, rx1, ry1 in room.rects:
        inside |= (pts[:, 0] >= rx0) & (pts[:, 0] <= rx1) & (pts[:, 1] >= ry0) & (pts[:, 1] <= ry1)
    free = inside.copy()
    for start, end in room.walls():
        d = end - start
        t = np.clip(((pts - start) @ d) / (d @ d), 0.0, 1.0)
        free &= np.linalg.norm(pts - (start + t[:, None] * d), axis=1) >= wall_clearance_m
    for obj in layout.objects:
        box = obj.yaw_box()
        c, s = math.cos(box.yaw_rad), math.sin(box.yaw_rad)
        rel = pts - np.asarray(box.center[:2])
        local = np.stack([rel @ np.array([c, s]), rel @ np.array([-s, c])], axis=1)
        outside = np.maximum(np.abs(local) - np.asarray(box.size[:2]) / 2, 0.0)
        free &= np.linalg.norm(outside, axis=1) >= clearance_m
    return free.reshape(xy.shape[:2]), xy


def _grid_path(free: np.ndarray, start: tuple[int, int], goal: tuple[int, int]) -> list[tuple[int, int]]:
    """Shortest 8-connected path between two walkable cells (breadth-first search)."""
    previous = {start: start}
    queue = deque([start])
    steps = [(1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)]
    while queue:
        cell = queue.popleft()
        if cell == goal:
            break
        for di, dj in steps:
            nxt = (cell[0] + di, cell[1] + dj)
            if 0 <= nxt[0] < free.shape[0] and 0 <= nxt[1] < free.shape[1] and free[nxt] and nxt not in previous:
                if di and dj and not (free[cell[0] + di, cell[1]] and free[cell[0], cell[1] + dj]):
                    continue  # no corner cutting
                previous[nxt] = cell
                queue.append(nxt)
    path = [goal]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return path[::-1]


def _reachable(free: np.ndarray, start: tuple[int, int]) -> np.ndarray:
    seen = np.zeros_like(free)
    seen[start] = True
    queue = deque([start])
    while queue:
        i, j = queue.popleft()
        for ni, nj in ((i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)):
            if 0 <= ni < free.shape[0] and 0 <= nj < free.shape[1] and free[ni, nj] and not seen[ni, nj]:
                seen[ni, nj] = True
                queue.append((ni, nj))
    return seen


def plan_path(layout: Layout, rng: np.random.Generator, cfg: TrajectoryConfig) -> np.ndarray:
    """(M, 2) smoothed xy path over walkable floor, starting at the layout's camera spot."""
    free, xy = walkable_grid(layout, cfg.clearance_m, cfg.grid_m, cfg.wall_clearance_m)
    spot = np.asarray(layout.room.camera_spot)
    dist = np.linalg.norm(xy - spot, axis=-1)
    if not free.any():
        return spot[None, :]
    start = tuple(int(v) for v in np.unravel_index(np.argmin(np.where(free, dist, np.inf)), free.shape))
    region = _reachable(free, start)
    cells = np.argwhere(region)
    # A few far-apart waypoints: farthest-point sampling from the start, in random-tie order.
    chosen = [np.array(start)]
    n_waypoints = int(rng.integers(2, 5))
    for _ in range(n_waypoints):
        gaps = np.min([np.linalg.norm(cells - c, axis=1) for c in chosen], axis=0)
        if gaps.max() < 5:  # less than 0.5 m of new ground left
            break
        candidates = np.flatnonzero(gaps >= 0.7 * gaps.max())
        chosen.append(cells[int(rng.choice(candidates))])
    route: list[tuple[int, int]] = [start]
    for target in chosen[1:]:
        route.extend(_grid_path(region, route[-1], (int(target[0]), int(target[1])))[1:])
    points = np.array([xy[i, j] for i, j in route])
    if len(points) >= 5:  # smooth the grid staircase (moving average, ends kept)
        kernel = np.ones(5) / 5
        padded = np.concatenate([np.repeat(points[:1], 2, 0), points, np.repeat(points[-1:], 2, 0)])
        points = np.stack([np.convolve(padded[:, k], kernel, mode="valid") for k in range(2)], axis=1)
    return points


def widest_gap_heading(layout: Layout, start_xy: np.ndarray) -> float:
    """Heading (radians, from +x counter-clockwise) into the middle of the widest angular gap between
    the bearings, seen from `start_xy` (2,), of the centres of the layout's categorised objects."""
    centres = np.array([o.yaw_box().center[:2] for o in layout.objects if o.category is not None], dtype=float)
    if len(centres) == 0:
        return 0.0
    bearings = np.sort(np.arctan2(centres[:, 1] - start_xy[1], centres[:, 0] - start_xy[0]))
    gaps = np.diff(np.concatenate([bearings, bearings[:1] + 2 * np.pi]))  # gap k: from bearing k to the next
    k = int(np.argmax(gaps))
    return float(math.remainder(bearings[k] + gaps[k] / 2, 2 * math.pi))


def generate_trajectory(layout: Layout, n_frames: int, rng: np.random.Generator,
                        cfg: TrajectoryConfig = TrajectoryConfig()) -> Trajectory:
    """Camera poses and timestamps of `n_frames` frames moving along a planned path."""
    if n_frames < 1:
        raise ValueError(f"n_frames must be >= 1 (got {n_frames})")
    path = plan_path(layout, rng, cfg)
    steps = np.linalg.norm(np.diff(path, axis=0), axis=1) if len(path) > 1 else np.zeros(0)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    t = np.linspace(0.0, 1.0, n_frames)
    eased = (1 - np.cos(np.pi * t)) / 2  # start and stop gently
    s = eased * arc[-1]
    xs = np.interp(s, arc, path[:, 0]) if len(path) > 1 else np.full(n_frames, path[0, 0])
    ys = np.interp(s, arc, path[:, 1]) if len(path) > 1 else np.full(n_frames, path[0, 1])
    height = rng.uniform(*cfg.height_m)
    phase = rng.uniform(0, 2 * np.pi, 4)
    zs = height + 0.03 * np.sin(2 * np.pi * 1.5 * t + phase[0])
    turn_sign = 1.0 if rng.random() < 0.5 else -1.0
    start_yaw = rng.uniform(-np.pi, np.pi)
    if cfg.start_heading == "widest_gap":  # the first frame (t = 0) looks into the gap, wobble included
        start_yaw = widest_gap_heading(layout, np.array([xs[0], ys[0]])) - 0.25 * np.sin(phase[1])
    yaw = (start_yaw + turn_sign * 2 * np.pi * rng.uniform(*cfg.turns) * t
           + 0.25 * np.sin(2 * np.pi * 2.5 * t + phase[1]))
    pitch = -0.33 + 0.15 * np.sin(2 * np.pi * 3.0 * t + phase[2])
    roll = 0.03 * np.sin(2 * np.pi * 2.0 * t + phase[3])
    poses = np.stack([look_pose(np.array([x, y, z]), a, p, r) for x, y, z, a, p, r in zip(xs, ys, zs, yaw, pitch, roll)])
    spread = cfg.frame_interval_us // 20  # capture timing noise, small enough to keep order
    jitter = rng.integers(-spread, spread + 1, n_frames)
    jitter[0] = 0
    color_ts = np.arange(n_frames, dtype=np.int64) * cfg.frame_interval_us + jitter
    depth_ts = color_ts + rng.integers(0, spread + 1, n_frames)
    return Trajectory(poses=poses, color_timestamps_us=color_ts.astype(np.int64),
                      depth_timestamps_us=depth_ts.astype(np.int64))
