"""Geometry of the synthetic scenes' yaw boxes and rounded solids: minimum distances between them.

Pure numpy, no I/O. The synthetic scenes are unions of boxes, so their truths (gaps between
objects, the no-overlap rule of the layout) reduce to box-box distances, computed exactly by
`vsi100k.geometry.box_distance` (separating-axis overlap test, then vertex-solid and edge-edge
distances); this module adds yaw boxes, rounded solids and distances between sets of them. Boxes
may be flat (a zero side, e.g. a floor or a wall surface).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vsi100k.geometry.box_distance import CORNER_SIGNS, paired_box_distances


def yaw_rotation(yaw_rad: float | np.ndarray) -> np.ndarray:
    """Rotation about +z by yaw (radians): (3, 3), or (N, 3, 3) for an array of yaws."""
    yaw = np.asarray(yaw_rad, dtype=float)
    if yaw.ndim == 0:
        c, s = math.cos(float(yaw)), math.sin(float(yaw))
        return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    c, s = np.cos(yaw), np.sin(yaw)
    zero, one = np.zeros_like(yaw), np.ones_like(yaw)
    rot = np.stack([np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1), np.stack([zero, zero, one], -1)], -2)
    return rot


@dataclass(frozen=True)
class YawBox:
    """A solid box rotated about the vertical axis only.

    center: (3,) metres. size: (3,) full side lengths in metres along the box's own x, y, z (x is
    the yaw direction; sides may be 0 for flat surfaces). yaw_rad: rotation about +z.

    Rounded solids (the scan profile's cylinders, pillows, rounded table tops) keep this box as
    their OUTER bounds and shrink inside it: with round_xy_m = rho and round_m = r, the solid is
    (core rectangle (size_x - 2 rho - 2 r) x (size_y - 2 rho - 2 r) grown by a disc of radius rho)
    x (z interval of height size_z - 2 r), grown by a ball of radius r. rho = size_x / 2 = size_y / 2
    gives a vertical cylinder; r rounds every edge (an ellipsoid-ish pillow when r is near size_z / 2).
    Both 0 (the default) is the plain box.
    """

    center: tuple[float, float, float]
    size: tuple[float, float, float]
    yaw_rad: float
    round_xy_m: float = 0.0
    round_m: float = 0.0

    def __post_init__(self) -> None:
        if self.round_xy_m < 0 or self.round_m < 0:
            raise ValueError(f"rounding radii must be >= 0 m (got round_xy_m={self.round_xy_m}, round_m={self.round_m})")
        if self.round_xy_m or self.round_m:
            sx, sy, sz = self.size
            slack = 1e-9
            if 2 * (self.round_xy_m + self.round_m) > min(sx, sy) + slack or 2 * self.round_m > sz + slack:
                raise ValueError(f"rounding (round_xy_m={self.round_xy_m}, round_m={self.round_m}) does not fit "
                                 f"in a box of size {tuple(self.size)}")

    @property
    def rounded(self) -> bool:
        return bool(self.round_xy_m or self.round_m)

    def core(self) -> tuple[np.ndarray, float, float]:
        """(core half sizes (3,), rho, r): the solid is core box (flat in z only when r fills the
        height) with its footprint grown by rho, then grown by a ball of radius r. Metres."""
        half = np.asarray(self.size, dtype=float) / 2.0
        shrink = np.array([self.round_xy_m + self.round_m, self.round_xy_m + self.round_m, self.round_m])
        return np.maximum(half - shrink, 0.0), float(self.round_xy_m), float(self.round_m)

    def rotation(self) -> np.ndarray:
        """(3, 3): columns are the box axes in world coordinates."""
        return yaw_rotation(self.yaw_rad)

    def corners(self) -> np.ndarray:
        """(8, 3) corner points, metres."""
        local = CORNER_SIGNS * (np.asarray(self.size, dtype=float) / 2.0)
        return local @ self.rotation().T + np.asarray(self.center, dtype=float)

    def to_json(self) -> dict:
        out = {"center": [float(v) for v in self.center], "size": [float(v) for v in self.size],
               "yaw_rad": float(self.yaw_rad)}
        if self.rounded:  # plain boxes keep the short form
            out["round_xy_m"], out["round_m"] = float(self.round_xy_m), float(self.round_m)
        return out

    @classmethod
    def from_json(cls, data: dict) -> "YawBox":
        return cls(tuple(float(v) for v in data["center"]), tuple(float(v) for v in data["size"]),
                   float(data["yaw_rad"]), float(data.get("round_xy_m", 0.0)), float(data.get("round_m", 0.0)))


def stack_boxes(boxes: list[YawBox]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays of a box list: centers (N, 3), half sizes (N, 3), rotations (N, 3, 3)."""
    centers = np.array([b.center for b in boxes], dtype=float).reshape(-1, 3)
    halves = np.array([b.size for b in boxes], dtype=float).reshape(-1, 3) / 2.0
    rotations = yaw_rotation(np.array([b.yaw_rad for b in boxes], dtype=float))
    return centers, halves, rotations


def stack_rounding(boxes: list[YawBox]) -> np.ndarray:
    """(N, 2) [round_xy_m, round_m] of each box."""
    return np.array([[b.round_xy_m, b.round_m] for b in boxes], dtype=float).reshape(-1, 2)


def paired_solid_distances(boxes_a: list[YawBox], boxes_b: list[YawBox]) -> np.ndarray:
    """(N,) exact minimum distance in metres between solids a[n] and b[n], rounded or not.

    Every solid is a vertical extrusion (a rounded rectangle times a z interval) grown by a ball,
    so the distance is exact in closed form: with d_xy the distance between the core rectangles
    (2D), d_z the gap between the core z intervals, rho and r the radii,
    distance = max(0, hypot(max(0, d_xy - rho_a - rho_b), d_z) - r_a - r_b)
    (distances of extrusions split into a horizontal and a vertical part; growing a set by a disc
    or a ball lowers every distance to it by the radius). Plain boxes take `paired_box_distances`.
    """
    if len(boxes_a) != len(boxes_b):
        raise ValueError(f"paired_solid_distances needs equally long lists (got {len(boxes_a)} and {len(boxes_b)})")
    ca, ha, ra = stack_boxes(boxes_a)
    cb, hb, rb = stack_boxes(boxes_b)
    round_a, round_b = stack_rounding(boxes_a), stack_rounding(boxes_b)
    if not (round_a.any() or round_b.any()):
        return paired_box_distances(ca, ha, ra, cb, hb, rb)
    return rounded_solid_distances(ca, ha, ra, round_a, cb, hb, rb, round_b)


def rounded_solid_distances(ca, ha, ra, round_a, cb, hb, rb, round_b) -> np.ndarray:
    """The closed form of `paired_solid_distances` on stacked arrays (see there)."""
    def core(halves, rounding):
        shrink = np.stack([rounding.sum(1), rounding.sum(1), rounding[:, 1]], axis=1)
        return np.maximum(halves - shrink, 0.0)

    core_a, core_b = core(ha, round_a), core(hb, round_b)
    flat_a, flat_b = core_a.copy(), core_b.copy()
    flat_a[:, 2] = 0.0
    flat_b[:, 2] = 0.0
    ca_xy, cb_xy = ca.copy(), cb.copy()
    ca_xy[:, 2] = 0.0
    cb_xy[:, 2] = 0.0
    d_xy = paired_box_distances(ca_xy, flat_a, ra, cb_xy, flat_b, rb)
    d_xy = np.maximum(d_xy - round_a[:, 0] - round_b[:, 0], 0.0)
    d_z = np.maximum(np.abs(ca[:, 2] - cb[:, 2]) - core_a[:, 2] - core_b[:, 2], 0.0)
    return np.maximum(np.hypot(d_xy, d_z) - round_a[:, 1] - round_b[:, 1], 0.0)


def project_onto_solid(points: np.ndarray, box: YawBox) -> np.ndarray:
    """(N, 3) nearest points on the surface of a (rounded) solid for (N, 3) points outside it or on
    its boundary, such as the grid points of its outer box's sides (a continuous map of the outer
    box's surface onto the solid's). Points already on the surface stay where they are."""
    points = np.asarray(points, dtype=float)
    half, rho, r = box.core()
    rot = box.rotation()
    center = np.asarray(box.center, dtype=float)
    local = (points - center) @ rot
    # nearest point of the core extrusion: clamp to the core rectangle, then out by rho in xy
    q = np.clip(local, -half, half)
    d_xy = local[:, :2] - q[:, :2]
    n_xy = np.linalg.norm(d_xy, axis=1)
    grow = np.minimum(n_xy, rho) / np.where(n_xy > 0, n_xy, 1.0)
    q[:, :2] += d_xy * grow[:, None]
    if r > 0:
        d = local - q
        n = np.linalg.norm(d, axis=1)
        q = q + d * (r / np.where(n > 0, n, 1.0))[:, None]
    return q @ rot.T + center


def box_set_distance(boxes_a: list[YawBox], boxes_b: list[YawBox]) -> float:
    """Exact minimum distance in metres between two unions of solids (min over all part pairs)."""
    if not boxes_a or not boxes_b:
        raise ValueError("box_set_distance needs at least one box on each side")
    ia, ib = np.meshgrid(np.arange(len(boxes_a)), np.arange(len(boxes_b)), indexing="ij")
    return float(paired_solid_distances([boxes_a[i] for i in ia.ravel()], [boxes_b[j] for j in ib.ravel()]).min())


def box_distance(a: YawBox, b: YawBox) -> float:
    """Exact minimum distance in metres between two solid boxes."""
    return box_set_distance([a], [b])
