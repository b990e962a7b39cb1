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
        self.set_sizes = np.array([len(p) for p in sets])
        owner = np.repeat(np.arange(len(sets)), self.set_sizes)
        pts = np.concatenate(sets)
        cell = np.floor((pts - pts.min(axis=0)) / cell_m).astype(np.int64)
        # Sorted by (set, cell x, y, z) column by column: one packed key could overflow int64 when a
        # stray vertex lies kilometres away.
        order = np.lexsort((cell[:, 2], cell[:, 1], cell[:, 0], owner))
        owner, cell = owner[order], cell[order]
        self.points = pts[order]
        changed = (owner[1:] != owner[:-1]) | np.any(cell[1:] != cell[:-1], axis=1)
        self.cell_start = np.flatnonzero(np.concatenate([[True], changed]))
        self.cell_size = np.diff(np.append(self.cell_start, len(pts)))
        self.cell_owner = owner[self.cell_start]
        self.first = np.searchsorted(self.cell_owner, np.arange(len(sets) + 1))
        self.cell_center = np.add.reduceat(self.points, self.cell_start, axis=0) / self.cell_size[:, None]
        offset = self.points - np.repeat(self.cell_center, self.cell_size, axis=0)
        self.cell_radius = np.maximum.reduceat(np.sqrt(np.sum(offset * offset, axis=1)), self.cell_start)

    def require_built_from(self, sets: Sequence[np.ndarray]) -> None:
        """ValueError unless these cells were built from point sets of the sizes of `sets`."""
        sizes = [len(p) for p in sets]
        if list(self.set_sizes) != sizes:
            raise ValueError(f"the point cells hold sets of {list(self.set_sizes)[:8]} points, not of "
                             f"{sizes[:8]}; build them from the same point sets (point_cells)")

    def rows(self, cells: np.ndarray) -> np.ndarray:
        """(M,) rows of `points` of the given cells (indices into the cell arrays), cell by cell."""
        starts, sizes = self.cell_start[cells], self.cell_size[cells]
        return np.repeat(starts - np.cumsum(sizes) + sizes, sizes) + np.arange(sizes.sum())
