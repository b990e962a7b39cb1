"""2D alpha shapes of point sets: area and outline (the room-size fact, docs/definitions.md, "Room size").

Semantics follow the `alphashape` package that VSI-Bench used: Delaunay-triangulate the points,
keep the triangles whose circumradius is strictly below 1/alpha, and take the polygon bounded by
the kept triangles' perimeter. Because that package rebuilds the polygon from perimeter edges
(`polygonize` + `unary_union`), regions completely enclosed by kept triangles (holes) are part of
its polygon; we reproduce that by filling every group of dropped triangles that does not reach
the convex hull. Fewer than 4 points give the convex hull, as there. Pure numpy/scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, Delaunay, QhullError


@dataclass(frozen=True)
class AlphaShape:
    """area_m2: area of the shape (m^2). outline: closed rings, each (K, 2) with the first point
    repeated at the end, the shape on the left (counter-clockwise around filled area)."""

    area_m2: float
    outline: list[np.ndarray]


def alpha_shape(points_xy: np.ndarray, alpha: float = 5.0) -> AlphaShape:
    """Alpha shape of (N, 2) points (metres); alpha in 1/m (alpha = 5 keeps circumradius < 0.2 m).

    alpha = 0 keeps every Delaunay triangle (the convex hull). Collinear or coincident points
    give area 0 and no outline.
    """
    pts = np.asarray(points_xy, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"expected (N, 2) points, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points contain NaN or infinite coordinates")
    if not alpha >= 0:
        raise ValueError(f"alpha must be >= 0 (1/m), got {alpha!r}")
    if len(pts) < 4:
        return _convex_hull_shape(pts)
    try:
        tri = Delaunay(pts)
    except QhullError:
        return AlphaShape(0.0, [])
    simplices = tri.simplices
    a, b, c = pts[simplices[:, 0]], pts[simplices[:, 1]], pts[simplices[:, 2]]
    cross = (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
    double_area = np.abs(cross)
    side_product = np.linalg.norm(b - a, axis=1) * np.linalg.norm(c - b, axis=1) * np.linalg.norm(a - c, axis=1)
    # circumradius = abc / (4 K) with K = double_area / 2, so R < 1/alpha  <=>  alpha abc < 2 double_area.
    kept = (alpha * side_product < 2.0 * double_area) & (double_area > 0)
    inside = kept | _enclosed(~kept, tri.neighbors)
    area = float(double_area[inside].sum() / 2.0)
    return AlphaShape(area, _outline(pts, simplices, tri.neighbors, inside, cross))


def alpha_shape_area(points_xy: np.ndarray, alpha: float = 5.0) -> float:
    """Area (m^2) of the alpha shape of (N, 2) points; see `alpha_shape`."""
    return alpha_shape(points_xy, alpha).area_m2


def alpha_shape_outline(points_xy: np.ndarray, alpha: float = 5.0) -> list[np.ndarray]:
    """Boundary rings of the alpha shape of (N, 2) points, each (K, 2) and closed; see `alpha_shape`."""
    return alpha_shape(points_xy, alpha).outline


def simplify_ring(ring: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Douglas-Peucker simplification of a closed ring (K, 2) (first point repeated last).

    Keeps the vertices needed so that dropped vertices lie within `tolerance_m` of the simplified
    outline (within twice that next to the loop's first point, which is dropped when it is not a
    corner); returns a closed ring of at least 4 points (3 corners) when the input has them.
    """
    ring = np.asarray(ring, dtype=np.float64)
    if tolerance_m < 0:
        raise ValueError(f"tolerance_m must be >= 0, got {tolerance_m!r}")
    points = ring[:-1]
    if len(points) <= 3:
        return ring
    # Split the loop at its first point and the point farthest from it; simplify both chains.
    far = int(np.argmax(np.linalg.norm(points - points[0], axis=1)))
    keep = np.zeros(len(points) + 1, dtype=bool)
    keep[[0, far, len(points)]] = True
    closed = np.vstack([points, points[:1]])
    stack = [(0, far), (far, len(points))]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        a, b = closed[lo], closed[hi]
        inner = closed[lo + 1:hi]
        chord = b - a
        length = np.hypot(chord[0], chord[1])
        if length == 0:
            dist = np.linalg.norm(inner - a, axis=1)
        else:
            dist = np.abs(chord[0] * (inner[:, 1] - a[1]) - chord[1] * (inner[:, 0] - a[0])) / length
        k = int(np.argmax(dist))
        if dist[k] > tolerance_m:
            mid = lo + 1 + k
            keep[mid] = True
            stack.extend([(lo, mid), (mid, hi)])
    kept = closed[keep][:-1]
    # The loop's first point was kept only because the loop started there: drop it if it is not a corner.
    if len(kept) > 3 and _point_line_distance(kept[0], kept[-1], kept[1]) <= tolerance_m:
        kept = kept[1:]
    return np.vstack([kept, kept[:1]])


def _point_line_distance(point: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    chord = b - a
    length = float(np.hypot(chord[0], chord[1]))
    if length == 0:
        return float(np.hypot(*(point - a)))
    return abs(chord[0] * (point[1] - a[1]) - chord[1] * (point[0] - a[0])) / length


def _enclosed(dropped: np.ndarray, neighbors: np.ndarray) -> np.ndarray:
    """(T,) bool: dropped triangles whose edge-connected group of dropped triangles never reaches
    the convex hull (a neighbour index of -1), i.e. holes enclosed by kept triangles."""
    index = np.flatnonzero(dropped)
    if len(index) == 0:
        return np.zeros(len(dropped), dtype=bool)
    local = np.full(len(dropped), -1)
    local[index] = np.arange(len(index))
    nbr = neighbors[index]  # (D, 3)
    rows = np.repeat(np.arange(len(index)), 3)
    cols = nbr.ravel()
    link = (cols >= 0) & np.isin(cols, index)
    graph = coo_matrix((np.ones(int(link.sum())), (rows[link], local[cols[link]])), shape=(len(index), len(index)))
    n_groups, group = connected_components(graph, directed=False)
    touches_hull = np.zeros(n_groups, dtype=bool)
    touches_hull[group[(nbr < 0).any(axis=1)]] = True
    out = np.zeros(len(dropped), dtype=bool)
    out[index] = ~touches_hull[group]
    return out


def _outline(pts, simplices, neighbors, inside, cross) -> list[np.ndarray]:
    """Chain the edges between filled and empty triangles into closed counter-clockwise rings."""
    tri_idx, opposite = np.nonzero(inside[:, None] & ((neighbors < 0) | ~inside[np.maximum(neighbors, 0)]))
    if len(tri_idx) == 0:
        return []
    start = simplices[tri_idx, (opposite + 1) % 3]
    end = simplices[tri_idx, (opposite + 2) % 3]
    clockwise = cross[tri_idx] < 0
    start, end = np.where(clockwise, end, start), np.where(clockwise, start, end)
    start, end = start.tolist(), end.tolist()  # Python ints: the walk below is a scalar loop
    outgoing: dict[int, list[int]] = {}
    for edge, vertex in enumerate(start):
        outgoing.setdefault(vertex, []).append(edge)
    used = [False] * len(start)
    rings = []
    for first in range(len(start)):
        if used[first]:
            continue
        ring = [start[first]]
        edge = first
        while True:
            used[edge] = True
            vertex = end[edge]
            ring.append(vertex)
            if vertex == ring[0]:
                break
            edge = next(e for e in outgoing[vertex] if not used[e])
        rings.append(pts[ring])
    return rings


def _convex_hull_shape(pts: np.ndarray) -> AlphaShape:
    """Convex hull of 1-3 points, as the `alphashape` package returns for tiny inputs."""
    if len(pts) < 3:
        return AlphaShape(0.0, [])
    try:
        hull = ConvexHull(pts)
    except QhullError:
        return AlphaShape(0.0, [])
    ring = pts[np.append(hull.vertices, hull.vertices[0])]
    return AlphaShape(float(hull.volume), [ring])
