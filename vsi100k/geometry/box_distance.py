"""Exact distances between solid oriented boxes, vectorised over pairs. Pure numpy.

Overlap is decided by the separating-axis test over the 15 candidate axes of two boxes (3 face
normals of each, 9 edge-direction cross products); boxes that overlap or touch are 0 apart. For
disjoint boxes the distance is the minimum over every vertex of one box to the other solid and
every edge of one to every edge of the other, which is exact: the closest points of two disjoint
convex polytopes can always be taken at a vertex-solid or an edge-edge pair.

Used by the facts of scans annotated with boxes (ARKitScenes) and by the synthetic scans' truth.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from vsi100k.geometry.box import Box

CORNER_SIGNS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
EDGES = np.array(  # the 12 edges as corner index pairs (corners differing in one sign)
    [(i, j) for i in range(8) for j in range(i + 1, 8) if np.sum(CORNER_SIGNS[i] != CORNER_SIGNS[j]) == 1]
)


def box_arrays(boxes: Sequence[Box]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays of a list of `Box`: centers (N, 3), half sizes (N, 3), rotations (N, 3, 3)."""
    centers = np.array([b.center for b in boxes], dtype=float).reshape(-1, 3)
    halves = np.array([b.extent for b in boxes], dtype=float).reshape(-1, 3) / 2.0
    rotations = np.array([b.rotation for b in boxes], dtype=float).reshape(-1, 3, 3)
    return centers, halves, rotations


def box_corners(centers: np.ndarray, halves: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """(N, 8, 3) corners of N boxes."""
    local = CORNER_SIGNS[None] * halves[:, None, :]
    return np.einsum("nij,nkj->nki", rotations, local) + centers[:, None, :]


def boxes_overlap(ca, ha, ra, cb, hb, rb, tol: float = 1e-12) -> np.ndarray:
    """(N,) bool: whether solid boxes a[n] and b[n] share a point (touching counts).

    ca, cb: (N, 3) centres; ha, hb: (N, 3) half sizes; ra, rb: (N, 3, 3) rotations (columns =
    axes). Separating-axis test over the 3 + 3 face normals and the 9 edge cross products.
    """
    axes_a = np.swapaxes(ra, 1, 2)  # (N, 3, 3): rows are axes
    axes_b = np.swapaxes(rb, 1, 2)
    cross = np.cross(axes_a[:, :, None, :], axes_b[:, None, :, :]).reshape(-1, 9, 3)
    axes = np.concatenate([axes_a, axes_b, cross], axis=1)  # (N, 15, 3)
    norms = np.linalg.norm(axes, axis=2)
    usable = norms > 1e-9  # parallel edges give a zero cross product: no information
    axes = axes / np.where(usable, norms, 1.0)[..., None]
    offset = np.abs(np.einsum("nkj,nj->nk", axes, cb - ca))
    radius_a = np.einsum("nkj,nj->nk", np.abs(np.einsum("nkj,nij->nki", axes, axes_a)), ha)
    radius_b = np.einsum("nkj,nj->nk", np.abs(np.einsum("nkj,nij->nki", axes, axes_b)), hb)
    separated = usable & (offset > radius_a + radius_b + tol)
    return ~np.any(separated, axis=1)


def point_box_distance(points: np.ndarray, centers: np.ndarray, halves: np.ndarray, rotations: np.ndarray) -> np.ndarray:
    """(N, K) distances of points (N, K, 3) to solid boxes n (0 inside)."""
    local = np.einsum("nkj,nji->nki", points - centers[:, None, :], rotations)
    outside = np.maximum(np.abs(local) - halves[:, None, :], 0.0)
    return np.linalg.norm(outside, axis=2)


def segment_distance(p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Minimum distance between segments [p1, q1] and [p2, q2]; inputs (..., 3), output (...).

    Exact closed form: minimise over the two segment parameters, clamping to [0, 1] and
    re-solving for the other parameter; parallel and zero-length segments handled.
    """
    d1, d2, r = q1 - p1, q2 - p2, p1 - p2
    a = np.einsum("...i,...i->...", d1, d1)
    e = np.einsum("...i,...i->...", d2, d2)
    b = np.einsum("...i,...i->...", d1, d2)
    c = np.einsum("...i,...i->...", d1, r)
    f = np.einsum("...i,...i->...", d2, r)
    eps = 1e-18
    long1, long2 = a > eps, e > eps
    safe_a = np.where(long1, a, 1.0)
    safe_e = np.where(long2, e, 1.0)
    denom = a * e - b * b
    general = denom > 1e-12 * np.maximum(a * e, eps)  # not parallel
    s = np.where(general, np.clip((b * f - c * e) / np.where(general, denom, 1.0), 0.0, 1.0), 0.0)
    t = (b * s + f) / safe_e
    # Where t leaves [0, 1], clamp it and re-solve s for that end point.
    s = np.where(t < 0.0, np.clip(-c / safe_a, 0.0, 1.0), np.where(t > 1.0, np.clip((b - c) / safe_a, 0.0, 1.0), s))
    t = np.clip(t, 0.0, 1.0)
    # Degenerate segments: a point against a segment (or a point).
    s = np.where(long2, s, np.clip(-c / safe_a, 0.0, 1.0))
    t = np.where(long2, t, 0.0)
    t = np.where(long1, t, np.clip(f / safe_e, 0.0, 1.0))
    s = np.where(long1, s, 0.0)
    t = np.where(long1 | long2, t, 0.0)
    closest1 = p1 + s[..., None] * d1
    closest2 = p2 + t[..., None] * d2
    return np.linalg.norm(closest1 - closest2, axis=-1)


def paired_box_distances(ca, ha, ra, cb, hb, rb) -> np.ndarray:
    """(N,) exact minimum distance in metres between solid boxes a[n] and b[n] (0 when they overlap).

    Same array layout as `boxes_overlap`.
    """
    ca, ha, ra = np.asarray(ca, float), np.asarray(ha, float), np.asarray(ra, float)
    cb, hb, rb = np.asarray(cb, float), np.asarray(hb, float), np.asarray(rb, float)
    corners_a = box_corners(ca, ha, ra)
    corners_b = box_corners(cb, hb, rb)
    vertex_face = np.minimum(
        point_box_distance(corners_a, cb, hb, rb).min(axis=1),
        point_box_distance(corners_b, ca, ha, ra).min(axis=1),
    )
    ea0, ea1 = corners_a[:, EDGES[:, 0]], corners_a[:, EDGES[:, 1]]  # (N, 12, 3)
    eb0, eb1 = corners_b[:, EDGES[:, 0]], corners_b[:, EDGES[:, 1]]
    edge_edge = segment_distance(ea0[:, :, None], ea1[:, :, None], eb0[:, None], eb1[:, None]).min(axis=(1, 2))
    distance = np.minimum(vertex_face, edge_edge)
    return np.where(boxes_overlap(ca, ha, ra, cb, hb, rb), 0.0, distance)


def box_distance_matrix(boxes: Sequence[Box]) -> tuple[np.ndarray, np.ndarray]:
    """(n, n) exact distances (metres, 0 diagonal) between the solid boxes, and the (n, n) bool
    flags of the pairs that overlap or touch (distance 0)."""
    n = len(boxes)
    distances = np.zeros((n, n))
    overlaps = np.zeros((n, n), dtype=bool)
    if n < 2:
        return distances, overlaps
    centers, halves, rotations = box_arrays(boxes)
    a, b = np.triu_indices(n, k=1)
    pair = (centers[a], halves[a], rotations[a], centers[b], halves[b], rotations[b])
    distances[a, b] = distances[b, a] = paired_box_distances(*pair)
    overlaps[a, b] = overlaps[b, a] = boxes_overlap(*pair)
    return distances, overlaps
