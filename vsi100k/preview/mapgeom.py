"""Plane geometry of the preview map: footprints, the metres-to-pixels projection, closest points of
two footprints. Pure numpy, xy in metres unless a name says pixels; draws nothing.
"""

from __future__ import annotations

import numpy as np

MAP_SIZE_PX = 560  # longer side of the map drawing
MAP_MARGIN_PX = 20


def convex_hull(points: np.ndarray) -> np.ndarray:
    """(K, 2) convex hull of (N, 2) points, counter-clockwise (Andrew's monotone chain)."""
    unique = sorted({(float(x), float(y)) for x, y in np.asarray(points, dtype=float)})
    if len(unique) <= 2:
        return np.array(unique, dtype=float)

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=float)


def footprint(box) -> np.ndarray:
    """(K, 2) xy footprint of a `Box`: the convex hull of its 8 corners, metres."""
    return convex_hull(box.corners()[:, :2])


def polygon_area(polygon: np.ndarray) -> float:
    """Area of a simple (K, 2) polygon (shoelace), m2."""
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


class MapProjection:
    """Maps aligned-frame xy (metres) to SVG pixels: uniform scale, y flipped (SVG y points down)."""

    def __init__(self, points_xy: np.ndarray, size_px: int = MAP_SIZE_PX, margin_px: int = MAP_MARGIN_PX):
        points_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
        if len(points_xy) == 0:
            points_xy = np.zeros((1, 2))
        self.low = points_xy.min(axis=0)
        span = np.maximum(points_xy.max(axis=0) - self.low, 1e-6)
        self.span_m = float(np.hypot(*span))  # diagonal of the drawn area, metres
        self.scale_px_per_m = (size_px - 2 * margin_px) / float(span.max())
        self.margin_px = margin_px
        self.width_px = int(np.ceil(span[0] * self.scale_px_per_m + 2 * margin_px))
        self.height_px = int(np.ceil(span[1] * self.scale_px_per_m + 2 * margin_px))

    def __call__(self, points_xy: np.ndarray) -> np.ndarray:
        """(N, 2) metres -> (N, 2) pixels."""
        p = (np.asarray(points_xy, dtype=float).reshape(-1, 2) - self.low) * self.scale_px_per_m
        return np.column_stack([p[:, 0] + self.margin_px, self.height_px - self.margin_px - p[:, 1]])


def _closest_on_segment(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The point of segment ab nearest to p, (2,)."""
    ab = b - a
    length2 = float(ab @ ab)
    t = 0.0 if length2 == 0.0 else min(1.0, max(0.0, float((p - a) @ ab) / length2))
    return a + t * ab


def _edges(polygon: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    if len(polygon) == 1:
        return [(polygon[0], polygon[0])]
    return [(polygon[k], polygon[(k + 1) % len(polygon)]) for k in range(len(polygon))]


def convex_polygons_overlap(p: np.ndarray, q: np.ndarray) -> bool:
    """True when two convex (K, 2) polygons share at least a point (separating-axis test)."""
    for polygon in (p, q):
        for a, b in _edges(polygon):
            edge = b - a
            if not edge.any():
                continue
            axis = np.array([-edge[1], edge[0]])
            pp, qq = p @ axis, q @ axis
            if pp.max() < qq.min() or qq.max() < pp.min():
                return False
    if len(p) == 1 and len(q) == 1:
        return bool(np.allclose(p[0], q[0]))
    return True


def closest_points(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The closest pair of points of two disjoint convex (K, 2) polygons and their distance (metres):
    (point on p, point on q, distance); None when the polygons overlap."""
    p = np.asarray(p, dtype=float).reshape(-1, 2)
    q = np.asarray(q, dtype=float).reshape(-1, 2)
    if convex_polygons_overlap(p, q):
        return None
    best: tuple[np.ndarray, np.ndarray, float] | None = None
    for vertices, polygon, flip in ((p, q, False), (q, p, True)):
        for v in vertices:
            for a, b in _edges(polygon):
                c = _closest_on_segment(v, a, b)
                d = float(np.linalg.norm(v - c))
                if best is None or d < best[2]:
                    best = (c, v, d) if flip else (v, c, d)
    return best
