"""Exact distance between two solid oriented boxes. Pure numpy.

Overlap is decided by the separating-axis test over the 15 candidate axes of two boxes (3 face
normals of each, 9 edge-direction cross products). Boxes whose solids intersect are 0 apart; for
disjoint boxes the distance is the minimum over every vertex of one box to the other solid and
every edge of one to every edge of the other, which is exact: the closest points of two disjoint
convex polytopes can always be taken at a vertex-solid or an edge-edge pair.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from vsi100k.geometry.box import Box

SAT_TOLERANCE_M = 1e-9  # a projection gap within this of 0 counts as touching (neither apart nor overlapping)
_PARALLEL_EPS = 1e-12  # cross products shorter than this are skipped (parallel edges: face axes cover them)
_CORNER_SIGNS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64)
# the 12 edges as corner index pairs (corners ordered as _CORNER_SIGNS: bit 2 = x, bit 1 = y, bit 0 = z)
_EDGES = np.array([(a, a | bit) for bit in (4, 2, 1) for a in range(8) if not a & bit])


def _parts(box: Box) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.asarray(box.center, dtype=np.float64), np.asarray(box.extent, dtype=np.float64) / 2.0,
            np.asarray(box.rotation, dtype=np.float64))


def separation_gap(box_a: Box, box_b: Box) -> float:
    """Largest gap (metres) between the projections of the two boxes over the 15 SAT axes:
    > 0 means disjoint, < 0 means the solids overlap, 0 means they touch."""
    ca, ha, ra = _parts(box_a)
    cb, hb, rb = _parts(box_b)
    crosses = np.cross(ra.T[:, None, :], rb.T[None, :, :]).reshape(9, 3)
    lengths = np.linalg.norm(crosses, axis=1)
    axes = np.concatenate([ra.T, rb.T, crosses[lengths > _PARALLEL_EPS] / lengths[lengths > _PARALLEL_EPS, None]])
    radius_a = np.abs(axes @ ra) @ ha
    radius_b = np.abs(axes @ rb) @ hb
    return float(np.max(np.abs(axes @ (cb - ca)) - radius_a - radius_b))


def boxes_overlap(box_a: Box, box_b: Box, tolerance_m: float = SAT_TOLERANCE_M) -> bool:
    """Whether the two solids share interior points (touching boxes do not overlap)."""
    return separation_gap(box_a, box_b) < -tolerance_m


def point_box_distances(points: np.ndarray, box: Box) -> np.ndarray:
    """(N,) distance (metres) of (N, 3) points to the solid box (0 inside)."""
    center, half, rotation = _parts(box)
    local = (np.asarray(points, dtype=np.float64) - center) @ rotation
    return np.linalg.norm(np.maximum(np.abs(local) - half, 0.0), axis=1)


def segment_distances(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """(N,) distance between segments p0-p1 and q0-q1, each (N, 3): clamped closest parameters
    (parallel and zero-length segments included)."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a = np.einsum("ij,ij->i", d1, d1)
    e = np.einsum("ij,ij->i", d2, d2)
    b = np.einsum("ij,ij->i", d1, d2)
    c = np.einsum("ij,ij->i", d1, r)
    f = np.einsum("ij,ij->i", d2, r)
    denom = a * e - b * b
    safe_a = np.where(a > 0, a, 1.0)
    safe_e = np.where(e > 0, e, 1.0)
    s = np.where(denom > 1e-15 * np.maximum(a * e, 1e-300), (b * f - c * e) / np.where(denom > 0, denom, 1.0), 0.0)
    s = np.clip(s, 0.0, 1.0)
    t = np.where(e > 0, (b * s + f) / safe_e, 0.0)
    # t outside [0, 1]: clamp it and recompute s for the clamped t
    t_clamped = np.clip(t, 0.0, 1.0)
    s = np.where(t != t_clamped, np.where(a > 0, np.clip((b * t_clamped - c) / safe_a, 0.0, 1.0), 0.0), s)
    t = t_clamped
    gap = (p0 + d1 * s[:, None]) - (q0 + d2 * t[:, None])
    return np.linalg.norm(gap, axis=1)


def box_distance(box_a: Box, box_b: Box, tolerance_m: float = SAT_TOLERANCE_M) -> float:
    """Exact minimum distance between the two solid boxes, metres (0 when they touch or overlap)."""
    if separation_gap(box_a, box_b) <= tolerance_m:
        return 0.0
    corners_a, corners_b = box_a.corners(), box_b.corners()
    vertex = min(float(point_box_distances(corners_a, box_b).min()), float(point_box_distances(corners_b, box_a).min()))
    ea, eb = corners_a[_EDGES], corners_b[_EDGES]  # (12, 2, 3)
    ia, ib = np.repeat(np.arange(12), 12), np.tile(np.arange(12), 12)
    edge = float(segment_distances(ea[ia, 0], ea[ia, 1], eb[ib, 0], eb[ib, 1]).min())
    return min(vertex, edge)


def box_distance_matrix(boxes: Sequence[Box], tolerance_m: float = SAT_TOLERANCE_M) -> tuple[np.ndarray, np.ndarray]:
    """(n, n) exact distances (metres, 0 diagonal) and (n, n) bool overlap flags of every pair."""
    n = len(boxes)
    distances = np.zeros((n, n))
    overlaps = np.zeros((n, n), dtype=bool)
    for i in range(n):
        for j in range(i + 1, n):
            gap = separation_gap(boxes[i], boxes[j])
            overlaps[i, j] = overlaps[j, i] = gap < -tolerance_m
            distances[i, j] = distances[j, i] = 0.0 if gap <= tolerance_m else box_distance(boxes[i], boxes[j], tolerance_m)
    return distances, overlaps
