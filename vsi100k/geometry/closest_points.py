"""Exact closest-point distances between many point sets, all pairs at once.

Every set gets a KD-tree and its points grouped in cubic cells of _CELL_M; one box per set (e.g.
its gravity-aligned box) bounds the distance from any cell or point to the set inside it. For a
pair (a, b): the points of a's cell nearest b's box give a true distance, an upper bound; the
closest pair has each of its points within that distance of the other set, so only points of
cells, and then points, whose bound does not exceed it can be one of them; the side with fewer
such points is queried against the other side's KD-tree. The steps run on all cells, points and
pairs in a few numpy calls per set, and the KD-tree queries are batched by target set.

The result is the brute-force minimum over all point pairs, bit for bit: bounds only choose which
points are queried, and a KD-tree distance is the same sum of squares as brute force's. Pure
numpy/scipy; no I/O. Points in metres.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

from vsi100k.geometry.box import Box
from vsi100k.geometry.cells import PointCells

_CELL_M = 0.2  # cell size grouping vertices for the pruning (metres; fastest on 100k-vertex scenes)
_BOUND_SLACK_M = 1e-9  # lower bounds are lowered by this much against float rounding (metres)
_BLOCK_ELEMENTS = 1 << 20  # cell x set bounds computed per block (bounds the temporaries' memory)


class _Frames:
    """One box per set: centres (n, 3), rotations (n, 3, 3), half extents (n, 3), and slack (n,):
    how far (metres, at least _BOUND_SLACK_M) the set's points reach outside its box, so the
    bounds hold for any box."""

    def __init__(self, sets: Sequence[np.ndarray], boxes: Sequence[Box] | None):
        if boxes is None:
            low = np.array([p.min(axis=0) for p in sets])
            high = np.array([p.max(axis=0) for p in sets])
            self.centres = (low + high) / 2.0
            self.rotations = np.repeat(np.eye(3)[None], len(sets), axis=0)
            self.halves = (high - low) / 2.0
        else:
            if len(boxes) != len(sets):
                raise ValueError(f"got {len(boxes)} boxes for {len(sets)} point sets; give one box per set")
            self.centres = np.array([np.asarray(b.center, dtype=np.float64) for b in boxes]).reshape(-1, 3)
            self.rotations = np.array([np.asarray(b.rotation, dtype=np.float64) for b in boxes]).reshape(-1, 3, 3)
            self.halves = np.array([np.asarray(b.extent, dtype=np.float64) / 2.0 for b in boxes]).reshape(-1, 3)
        owner = np.repeat(np.arange(len(sets)), [len(p) for p in sets])
        outside = self.distance(np.concatenate(sets), owner)
        starts = np.concatenate([[0], np.cumsum([len(p) for p in sets])[:-1]])
        self.slack = np.maximum.reduceat(outside, starts) + _BOUND_SLACK_M

    def distance(self, points: np.ndarray, box: np.ndarray) -> np.ndarray:
        """(...,) distance (metres) from points (..., 3) to the solid boxes `box` (...,), 0 inside."""
        # Axis by axis, gathering one number per point at a time: cheaper than (..., 3, 3) gathers
        # and reductions over length-3 axes.
        offset = [points[..., m] - self.centres[:, m][box] for m in range(3)]
        total = 0.0
        for k in range(3):
            column = self.rotations[:, :, k]
            local = offset[0] * column[:, 0][box] + offset[1] * column[:, 1][box] + offset[2] * column[:, 2][box]
            over = np.maximum(np.abs(local) - self.halves[:, k][box], 0.0)
            total = total + over * over
        return np.sqrt(total)


def closest_points_distance(points_a: np.ndarray, points_b: np.ndarray) -> float:
    """Exact minimum Euclidean distance between two point sets (Na, 3) and (Nb, 3), metres."""
    return float(closest_points_distances([points_a, points_b])[0, 1])


def point_cells(point_sets: Sequence[np.ndarray]) -> PointCells:
    """The cells `closest_points_distances` groups the sets (Ni, 3) in; build them once and pass
    them to it and to `vsi100k.geometry.overlap.overlap_matrix` for the same sets."""
    return PointCells([_checked(p) for p in point_sets], _CELL_M)


def closest_points_distances(point_sets: Sequence[np.ndarray], boxes: Sequence[Box] | None = None,
                             cells: PointCells | None = None) -> np.ndarray:
    """(n, n) symmetric matrix of exact minimum distances (metres) between point sets (Ni, 3).

    boxes: optional, one box per set (e.g. its gravity-aligned box): tighter boxes prune more, any
    box gives the same result (points outside it widen its bounds). Default: axis-aligned boxes.
    cells: the sets' `point_cells`, when the caller has them (built here otherwise).
    """
    sets = [_checked(p) for p in point_sets]
    n = len(sets)
    out = np.zeros((n, n))
    if n < 2:
        return out
    if cells is None:
        cells = PointCells(sets, _CELL_M)
    else:
        cells.require_built_from(sets)
    frames = _Frames(sets, boxes)
    trees = [cKDTree(p, leafsize=32, balanced_tree=False) for p in sets]  # the fastest here (same distances)
    bounds = _cell_bounds(cells, frames, n)
    upper = _upper_bounds(cells, bounds, trees)
    source, target, rows = _candidates(cells, frames, bounds, upper)
    found = _queried_minimum(cells, trees, upper, source, target, rows)
    return np.minimum(upper, found)


def _checked(points: np.ndarray) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 3 or len(pts) == 0:
        raise ValueError(f"expected a non-empty (N, 3) point set, got shape {pts.shape}")
    return pts


def _cell_bounds(cells: PointCells, frames: _Frames, n: int) -> np.ndarray:
    """(C, n) lower bound (metres) of the distance from any point of each cell to each set inside its
    box; computed in blocks of cells so that the temporaries stay near _BLOCK_ELEMENTS numbers."""
    out = np.empty((len(cells.cell_center), n))
    step = max(1, _BLOCK_ELEMENTS // n)
    for lo in range(0, len(out), step):
        centre, radius = cells.cell_center[lo:lo + step], cells.cell_radius[lo:lo + step]
        out[lo:lo + step] = (frames.distance(centre[:, None, :], np.arange(n)[None, :])
                             - radius[:, None] - frames.slack[None, :])
    return out


def _upper_bounds(cells: PointCells, bounds: np.ndarray, trees: Sequence[cKDTree]) -> np.ndarray:
    """(n, n) symmetric true distances (metres, 0 diagonal): for i < j, the least distance from the
    points of i's cell of least bound to j to set j. One KD-tree query per target set."""
    n = len(trees)
    best = np.empty((n, n), dtype=np.int64)  # best[i, j]: i's cell of least bound to j
    for i in range(n):
        best[i] = cells.first[i] + np.argmin(bounds[cells.first[i]:cells.first[i + 1]], axis=0)
    upper = np.zeros((n, n))
    for j in range(1, n):
        chosen = best[:j, j]
        sizes = cells.cell_size[chosen]
        found, _ = trees[j].query(cells.points[cells.rows(chosen)])
        upper[:j, j] = np.minimum.reduceat(found, np.cumsum(sizes) - sizes)
    return upper + upper.T


def _candidates(cells: PointCells, frames: _Frames, bounds: np.ndarray,
                upper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points to query: source set (M,), target set (M,) and row of `cells.points` (M,) of
    every point of a source whose cell bound and own bound to the target do not exceed the pair's
    upper bound, from the side of each pair with fewer such points."""
    n = len(upper)
    near = bounds <= upper[cells.cell_owner]  # (C, n)
    near[np.arange(len(near)), cells.cell_owner] = False
    parts = []
    for i in range(n):
        cell, target = np.nonzero(near[cells.first[i]:cells.first[i + 1]])
        cell += cells.first[i]
        rows = cells.rows(cell)
        target = np.repeat(target, cells.cell_size[cell])
        keep = frames.distance(cells.points[rows], target) - frames.slack[target] <= upper[i, target]
        parts.append((np.full(int(keep.sum()), i), target[keep], rows[keep]))
    source, target, rows = (np.concatenate(p) for p in zip(*parts))
    count = np.bincount(source * n + target, minlength=n * n).reshape(n, n)
    lower = np.arange(n)[:, None] < np.arange(n)[None, :]
    # Query from i (i < j) when it has no more points than j (either side gives the same distance).
    queried = np.where(lower, count <= count.T, count < count.T)
    keep = queried[source, target]
    return source[keep], target[keep], rows[keep]


def _queried_minimum(cells: PointCells, trees: Sequence[cKDTree], upper: np.ndarray, source: np.ndarray,
                     target: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """(n, n) symmetric least KD-tree distance (metres) from the candidate points to their target
    sets (inf for pairs without candidates or none within the bound). One query per target set,
    searching no farther than the largest upper bound among its pairs."""
    n = len(trees)
    found = np.full(n * n, np.inf)
    order = np.argsort(target, kind="stable")
    source, target, rows = source[order], target[order], rows[order]
    edges = np.searchsorted(target, np.arange(n + 1))
    for t in range(n):
        lo, hi = edges[t], edges[t + 1]
        if lo == hi:
            continue
        radius = float(upper[source[lo:hi], t].max())
        distance, _ = trees[t].query(cells.points[rows[lo:hi]], distance_upper_bound=radius * (1 + 1e-9) + 1e-12)
        np.minimum.at(found, source[lo:hi] * n + t, distance)
    found = found.reshape(n, n)
    return np.minimum(found, found.T)
