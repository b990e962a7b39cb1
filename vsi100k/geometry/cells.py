"""Point sets grouped in cubic cells, for bounds that prune per-point work. Pure numpy; metres."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class PointCells:
    """All sets' points sorted by (set, cell of side `cell_m`), with per-cell arrays.

    points: (N, 3) sorted points; cell_owner (C,) set of each cell; cell_start, cell_size (C,)
    the cell's rows of `points`; cell_center (C, 3) mean point; cell_radius (C,) largest distance
    of a point of the cell to that mean (metres). Cells of set i are rows first[i]:first[i + 1].
    """

    def __init__(self, sets: Sequence[np.ndarray], cell_m: float):
        owner = np.repeat(np.arange(len(sets)), [len(p) for p in sets])
        pts = np.concatenate(sets)
        cell = np.floor((pts - pts.min(axis=0)) / cell_m).astype(np.int64)
        span = cell.max(axis=0) + 1
        key = ((owner * span[0] + cell[:, 0]) * span[1] + cell[:, 1]) * span[2] + cell[:, 2]
        order = np.argsort(key, kind="stable")
        key = key[order]
        self.points = pts[order]
        self.cell_start = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]]))
        self.cell_size = np.diff(np.append(self.cell_start, len(pts)))
        self.cell_owner = owner[order][self.cell_start]
        self.first = np.searchsorted(self.cell_owner, np.arange(len(sets) + 1))
        self.cell_center = np.add.reduceat(self.points, self.cell_start, axis=0) / self.cell_size[:, None]
        offset = self.points - np.repeat(self.cell_center, self.cell_size, axis=0)
        self.cell_radius = np.maximum.reduceat(np.sqrt(np.sum(offset * offset, axis=1)), self.cell_start)

    def rows(self, cells: np.ndarray) -> np.ndarray:
        """(M,) rows of `points` of the given cells (indices into the cell arrays), cell by cell."""
        starts, sizes = self.cell_start[cells], self.cell_size[cells]
        return np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
