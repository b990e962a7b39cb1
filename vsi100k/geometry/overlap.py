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
from vsi100k.geometry.cells import PointCells
from vsi100k.geometry.plain import transform

DEFAULT_MIN_FRACTION = 0.5
DEFAULT_MARGIN_M = 0.02
_CELL_M = 0.3  # cells wholly inside or outside a box are counted without testing each point (metres)
_CELL_SLACK_M = 1e-9  # cell reaches are widened by this much against float rounding (metres)


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
    cells: PointCells | None = None,
) -> np.ndarray:
    """(n, n) symmetric bool matrix: objects i and j overlap (see the module docstring); False diagonal.

    point_sets[i]: (N_i, 3) vertices of object i; boxes[i]: its gravity-aligned box. cells: the
    point sets grouped in cells (any cell side), when the caller has them (built here otherwise).
    """
    if len(point_sets) != len(boxes):
        raise ValueError(f"got {len(point_sets)} point sets but {len(boxes)} boxes; pass one box per object")
    if not 0 < min_fraction <= 1:
        raise ValueError(f"min_fraction must be in (0, 1], got {min_fraction!r}")
    if not margin_m >= 0:
        raise ValueError(f"margin_m must be >= 0 metres, got {margin_m!r}")
    n = len(boxes)
    out = np.zeros((n, n), dtype=bool)
    sets = [np.asarray(p, dtype=np.float64).reshape(-1, 3) for p in point_sets]
    sizes = np.array([len(p) for p in sets])
    if n < 2 or not sizes.any():
        return out
    if cells is None:
        cells = PointCells(sets, _CELL_M)
    else:
        cells.require_built_from(sets)
    lows = np.array([_aabb(b)[0] for b in boxes]).reshape(-1, 3)
    highs = np.array([_aabb(b)[1] for b in boxes]).reshape(-1, 3)
    for j, box in enumerate(boxes):
        half = np.asarray(box.extent, dtype=np.float64) / 2.0 - margin_m
        if np.any(half <= 0):
            continue  # nothing is inside a box shrunk to nothing
        # Cheap reject: i's points cannot be inside j's box if their axis-aligned bounds are apart.
        apart = np.any(lows > highs[j], axis=1) | np.any(highs < lows[j], axis=1)
        sources = np.flatnonzero(~apart & (sizes > 0) & (np.arange(n) != j))
        if len(sources):
            hits = sources[_mostly_inside(cells, sources, box, half, min_fraction)]
            out[hits, j] = out[j, hits] = True
    return out


def _mostly_inside(cells: PointCells, sources: np.ndarray, box: Box, half: np.ndarray,
                   min_fraction: float) -> np.ndarray:
    """(S,) bool: at least `min_fraction` of the points of each source set lie strictly inside `box`
    with half extents `half` (3,), metres. Cells wholly inside or outside the box bound each count
    from both sides; sets the bounds do not decide are counted point by point with the test of
    `inside_fraction`, so the answers are the same."""
    centre = np.asarray(box.center, dtype=np.float64)
    rotation = np.asarray(box.rotation, dtype=np.float64)
    per_source = cells.first[sources + 1] - cells.first[sources]
    cell = np.repeat(cells.first[sources] - np.cumsum(per_source) + per_source, per_source)
    cell = cell + np.arange(per_source.sum())  # the cells of the sources, source by source
    source_of = np.repeat(np.arange(len(sources)), per_source)
    local = np.abs(transform(cells.cell_center[cell] - centre, rotation))  # (C, 3)
    # A point within r of its cell centre is within r * |column k| of it along box axis k.
    reach = cells.cell_radius[cell, None] * np.linalg.norm(rotation, axis=0) * (1 + 1e-9) + _CELL_SLACK_M
    whole = _below(local + reach, half)
    split = ~whole & _below(local - reach, half)
    size = cells.cell_size[cell]
    total = np.bincount(source_of, weights=size, minlength=len(sources))
    low = np.bincount(source_of, weights=np.where(whole, size, 0), minlength=len(sources))
    high = low + np.bincount(source_of, weights=np.where(split, size, 0), minlength=len(sources))
    out = low / total >= min_fraction
    undecided = ~out & (high / total >= min_fraction)
    if undecided.any():
        check = split & undecided[source_of]
        rows = cells.rows(cell[check])
        local = np.abs(transform(cells.points[rows] - centre, rotation))
        inside = _below(local, half)
        count = low + np.bincount(np.repeat(source_of[check], size[check]), weights=inside, minlength=len(sources))
        out[undecided] = count[undecided] / total[undecided] >= min_fraction
    return out


def _below(values: np.ndarray, half: np.ndarray) -> np.ndarray:
    """(M,) bool: values (M, 3) < half (3,) on every axis (three comparisons, no length-3 reduction)."""
    return (values[:, 0] < half[0]) & (values[:, 1] < half[1]) & (values[:, 2] < half[2])


def _aabb(box: Box) -> tuple[np.ndarray, np.ndarray]:
    corners = box.corners()
    return corners.min(axis=0), corners.max(axis=0)
