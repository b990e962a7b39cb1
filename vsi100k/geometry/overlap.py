"""Do two objects' solids overlap? A containment test of vertex sets against gravity-aligned boxes.

A scan gives each object as surface vertices only, so "the solids overlap" is judged from what a
scan can show: objects A and B overlap when at least `min_fraction` (default 0.5) of the vertices
of one of them lie inside the other's gravity-aligned box shrunk by `margin_m` (default 0.02 m) on
every side. The shrink keeps scan noise and touching faces (a lamp standing on a table, a chair
pushed against a desk) from counting; the fraction asks that one object mostly *lies inside* the
other's box (a pillow on a sofa's seat, between its arms and back; a book on a shelf inside a
bookshelf), not merely that a corner pokes in (a chair tucked half under a table). Overlapping
objects are 0 m apart under exact geometry, whatever gap their vertex sets leave.

Pure numpy; no scene or file knowledge. Inputs in metres, boxes as `vsi100k.geometry.box.Box`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vsi100k.geometry.box import Box
from vsi100k.geometry.plain import transform

DEFAULT_MIN_FRACTION = 0.5
DEFAULT_MARGIN_M = 0.02


def inside_fraction(points: np.ndarray, box: Box, margin_m: float = DEFAULT_MARGIN_M) -> float:
    """Fraction of (N, 3) points strictly inside `box` shrunk by `margin_m` per side (0 if the box
    is thinner than 2 * margin_m along some axis, or N = 0)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    if len(pts) == 0:
        return 0.0
    half = np.asarray(box.extent, dtype=np.float64) / 2.0 - margin_m
    if np.any(half <= 0):
        return 0.0
    local = transform(pts - np.asarray(box.center, dtype=np.float64), np.asarray(box.rotation, dtype=np.float64))
    return float(np.mean(np.all(np.abs(local) < half, axis=1)))


def overlap_matrix(
    point_sets: Sequence[np.ndarray],
    boxes: Sequence[Box],
    min_fraction: float = DEFAULT_MIN_FRACTION,
    margin_m: float = DEFAULT_MARGIN_M,
) -> np.ndarray:
    """(n, n) symmetric bool matrix: objects i and j overlap (see the module docstring); False diagonal.

    point_sets[i]: (N_i, 3) vertices of object i; boxes[i]: its gravity-aligned box.
    """
    if len(point_sets) != len(boxes):
        raise ValueError(f"got {len(point_sets)} point sets but {len(boxes)} boxes; pass one box per object")
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction!r}")
    if not margin_m >= 0:
        raise ValueError(f"margin_m must be >= 0 metres, got {margin_m!r}")
    n = len(boxes)
    out = np.zeros((n, n), dtype=bool)
    lows = np.array([_aabb(b)[0] for b in boxes]).reshape(-1, 3)
    highs = np.array([_aabb(b)[1] for b in boxes]).reshape(-1, 3)
    for i in range(n):
        for j in range(n):
            if i == j or out[i, j]:
                continue
            # Cheap reject: i's points cannot be inside j's box if their axis-aligned bounds are apart.
            if np.any(lows[i] > highs[j]) or np.any(highs[i] < lows[j]):
                continue
            if inside_fraction(point_sets[i], boxes[j], margin_m) >= min_fraction:
                out[i, j] = out[j, i] = True
    return out


def _aabb(box: Box) -> tuple[np.ndarray, np.ndarray]:
    corners = box.corners()
    return corners.min(axis=0), corners.max(axis=0)
