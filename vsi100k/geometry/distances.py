"""Distances between objects (docs/definitions.md, "Distances"), single pairs and all pairs.

Three methods:
- box grid (default, VSI-Bench parity): each box's surface is sampled on a grid of at most
  `step_m` spacing and the distance is the minimum over pairs of samples;
- closest points: exact minimum distance between two objects' vertex sets (`closest_points`);
- centres: distance between box centres (the paper's VSI-100k).

The box surface grid of a box with extent e is the set of boundary points of the lattice with
n_k = ceil(e_k / step) + 1 evenly spaced coordinates per axis (spacing e_k / (n_k - 1) <= step):
every face is a full 2D grid including its edges and corners.

All-pairs versions avoid comparing every sample with every sample. For box grids: each face grid
is cut into patches; a patch's distance to another box's surface has a cheap lower bound
(convexity of the distance to a box, and 1-Lipschitz continuity); the nearest surface-grid sample
of a box to any point has a closed form (round each local coordinate to the lattice). So each
pair costs one exact pass over its best patch (an upper bound) and exact passes over the few
patches whose lower bound does not exceed it. Pure numpy/scipy; no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vsi100k.geometry.box import Box
from vsi100k.geometry.closest_points import (  # noqa: F401 (re-exported: one module for every distance)
    closest_points_distance,
    closest_points_distances,
    point_cells,
)
from vsi100k.geometry.plain import norm3, transform

DEFAULT_GRID_STEP_M = 0.05
_PATCH_SIDE = 8  # samples per patch side: 8 x 8 samples, about 0.35 m x 0.35 m at 5 cm
_CHUNK = 2048  # patches evaluated per vectorised batch (bounds memory)


# ---------------------------------------------------------------- box surface grids
def _lattice(extent: np.ndarray, step_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-axis sample counts (3,) int and spacings (3,) float (0 for a flat axis)."""
    extent = np.maximum(np.asarray(extent, dtype=np.float64), 0.0)
    counts = np.ceil(extent / step_m - 1e-9).astype(np.int64) + 1
    counts = np.maximum(counts, 1)
    spacing = np.where(counts > 1, extent / np.maximum(counts - 1, 1), 0.0)
    return counts, spacing


def _check_step(step_m: float) -> None:
    if not step_m > 0:
        raise ValueError(f"grid step must be > 0 metres, got {step_m!r}")


def box_surface_grid(box: Box, step_m: float = DEFAULT_GRID_STEP_M) -> np.ndarray:
    """(N, 3) world points: the box's surface grid (boundary lattice points, spacing <= step_m)."""
    _check_step(step_m)
    extent = np.asarray(box.extent, dtype=np.float64)
    counts, spacing = _lattice(extent, step_m)
    axes = [np.arange(n) * s - e / 2.0 for n, s, e in zip(counts, spacing, extent)]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, 3)
    index = np.stack(np.meshgrid(*[np.arange(n) for n in counts], indexing="ij"), axis=-1).reshape(-1, 3)
    on_boundary = ((index == 0) | (index == counts - 1)).any(axis=1)
    rotation, center = np.asarray(box.rotation, dtype=np.float64), np.asarray(box.center, dtype=np.float64)
    return transform(grid[on_boundary], rotation.T) + center


class _GridBoxes:
    """Boxes as arrays plus their surface grids cut into patches (all in one flat table)."""

    def __init__(self, boxes: Sequence[Box], step_m: float):
        self.centers = np.array([np.asarray(b.center, dtype=np.float64) for b in boxes]).reshape(-1, 3)
        self.rotations = np.array([np.asarray(b.rotation, dtype=np.float64) for b in boxes]).reshape(-1, 3, 3)
        self.extents = np.array([np.maximum(np.asarray(b.extent, dtype=np.float64), 0.0) for b in boxes]).reshape(-1, 3)
        lattices = [_lattice(e, step_m) for e in self.extents]
        self.counts = np.array([c for c, _ in lattices]).reshape(-1, 3)
        self.spacing = np.array([s for _, s in lattices]).reshape(-1, 3)
        owner, samples, centre, axis_u, axis_v, half_uv = [], [], [], [], [], []
        for i in range(len(self.extents)):
            parts = _box_patches(self.extents[i], self.counts[i], self.spacing[i])
            rot, ctr = self.rotations[i], self.centers[i]
            owner.append(np.full(len(parts[0]), i))
            samples.append(transform(parts[0], rot.T) + ctr)
            centre.append(transform(parts[1], rot.T) + ctr)
            axis_u.append(rot[:, parts[2]].T)
            axis_v.append(rot[:, parts[3]].T)
            half_uv.append(parts[4])
        self.owner = np.concatenate(owner)  # (P,) box index of each patch
        # (3, P, S) world samples (padded by repetition), one array per axis
        self.sample_axes = np.ascontiguousarray(np.concatenate(samples).transpose(2, 0, 1))
        self.patch_center = np.concatenate(centre)  # (P, 3)
        self.patch_u = np.concatenate(axis_u)  # (P, 3) unit side directions
        self.patch_v = np.concatenate(axis_v)
        self.patch_half = np.concatenate(half_uv)  # (P, 2) half side lengths along u, v

    def lower_bounds(self) -> np.ndarray:
        """(P, B): a lower bound of the distance from every sample of patch p to box b's surface.
        Axis by axis on (P, B) arrays (metres)."""
        q = self._in_box_frames(self.patch_center, self.centers)  # patch centres in box frames, 3 x (P, B)
        half = [self.extents[None, :, k] / 2.0 for k in range(3)]
        over = [np.maximum(np.abs(q[k]) - half[k], 0.0) for k in range(3)]
        solid = np.sqrt(over[0] * over[0] + over[1] * over[1] + over[2] * over[2])  # distance to the solid box
        depth = np.minimum(np.minimum(half[0] - np.abs(q[0]), half[1] - np.abs(q[1])), half[2] - np.abs(q[2]))
        to_surface = np.where(solid > 0, solid, depth)  # inside: distance to the surface
        radius = np.sqrt(np.sum(self.patch_half * self.patch_half, axis=1))[:, None]
        lipschitz = to_surface - radius
        # Distance to a convex set is convex: f(x) >= f(c) + g . (x - c), g its unit gradient at c.
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = [np.where(solid > 0, np.sign(q[k]) * over[k] / solid, 0.0) for k in range(3)]
        u_local = self._in_box_frames(self.patch_u)
        v_local = self._in_box_frames(self.patch_v)
        slack = (np.abs(grad[0] * u_local[0] + grad[1] * u_local[1] + grad[2] * u_local[2]) * self.patch_half[:, 0:1]
                 + np.abs(grad[0] * v_local[0] + grad[1] * v_local[1] + grad[2] * v_local[2]) * self.patch_half[:, 1:2])
        convex = np.where(solid > 0, solid - slack, -np.inf)
        return np.maximum(lipschitz, convex)

    def _in_box_frames(self, vectors: np.ndarray, origins: np.ndarray | None = None) -> list[np.ndarray]:
        """Coordinates of (P, 3) world vectors (points less `origins` (B, 3), when given) along
        every box's axes: 3 arrays (P, B)."""
        if origins is None:
            diff = [vectors[:, m, None] for m in range(3)]
        else:
            diff = [vectors[:, m, None] - origins[None, :, m] for m in range(3)]
        rot = self.rotations
        return [diff[0] * rot[None, :, 0, k] + diff[1] * rot[None, :, 1, k] + diff[2] * rot[None, :, 2, k]
                for k in range(3)]

    def exact(self, patches: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """(K,) minimum distance from the samples of patches[k] to box targets[k]'s surface grid."""
        out = np.empty(len(patches))
        for lo in range(0, len(patches), _CHUNK):
            p, t = patches[lo:lo + _CHUNK], targets[lo:lo + _CHUNK]
            # `transform(samples - centre, rotation)` one axis at a time: the same products and sums.
            offset = [self.sample_axes[m][p] - self.centers[t, m][:, None] for m in range(3)]  # 3 x (K, S)
            rot = self.rotations[t]
            local = [offset[0] * rot[:, 0, k, None] + offset[1] * rot[:, 1, k, None] + offset[2] * rot[:, 2, k, None]
                     for k in range(3)]
            out[lo:lo + _CHUNK] = np.sqrt(_nearest_grid_sq(local, self.extents[t], self.counts[t], self.spacing[t]))
        return out


def _nearest_grid_sq(local: list[np.ndarray], extent: np.ndarray, counts: np.ndarray,
                     spacing: np.ndarray) -> np.ndarray:
    """Squared distance from local points, given as their three coordinates (K, S) each, to the
    nearest surface-grid sample of their box, minimised over S: (K,). extent, counts, spacing: (K, 3).

    Per axis: the squared gap to the nearest lattice coordinate (dev) and to the nearer of the two
    faces across it (face); the nearest surface sample moves one axis onto a face:
    sum(dev) + min(face - dev). Axis by axis (elementwise, in axis order) rather than reductions
    over a length-3 axis: the same operations in the same order, without their per-element cost.
    """
    total = gain = None
    for k, x in enumerate(local):
        half = (extent[:, k] / 2.0)[:, None]
        step = np.where(spacing[:, k] > 0, spacing[:, k], 1.0)[:, None]
        index = np.clip(np.rint((x + half) / step), 0, (counts[:, k] - 1)[:, None])
        dev = (x - (index * spacing[:, k, None] - half)) ** 2
        face = (np.abs(x) - half) ** 2
        total = dev if total is None else total + dev
        gain = face - dev if gain is None else np.minimum(gain, face - dev)
    return np.maximum(total + gain, 0.0).min(axis=1)


def _box_patches(extent, counts, spacing):
    """Surface grid of one box in its own frame, cut into patches of up to _PATCH_SIDE^2 samples.

    Returns samples (P, S, 3), patch centres (P, 3), the local axis index of each patch's u and v
    sides (P,), (P,), and half side lengths (P, 2). Short patches repeat their last sample.
    """
    half = extent / 2.0
    coords = [np.arange(n) * s - h for n, s, h in zip(counts, spacing, half)]
    samples, centres, u_axes, v_axes, halves = [], [], [], [], []
    for k in range(3):
        m1, m2 = [m for m in range(3) if m != k]
        signs = (-1.0, 1.0) if counts[k] > 1 else (1.0,)
        idx1 = _tiles(counts[m1])
        idx2 = _tiles(counts[m2])
        c1, c2 = coords[m1][idx1], coords[m2][idx2]  # (T1, side), (T2, side)
        t1, t2 = len(c1), len(c2)
        grid = np.zeros((t1, t2, _PATCH_SIDE, _PATCH_SIDE, 3))
        grid[..., m1] = c1[:, None, :, None]
        grid[..., m2] = c2[None, :, None, :]
        mid = np.zeros((t1, t2, 3))
        mid[..., m1] = ((c1.max(axis=1) + c1.min(axis=1)) / 2.0)[:, None]
        mid[..., m2] = ((c2.max(axis=1) + c2.min(axis=1)) / 2.0)[None, :]
        hw = np.zeros((t1, t2, 2))
        hw[..., 0] = ((c1.max(axis=1) - c1.min(axis=1)) / 2.0)[:, None]
        hw[..., 1] = ((c2.max(axis=1) - c2.min(axis=1)) / 2.0)[None, :]
        for sign in signs:
            face = grid.copy()
            face[..., k] = sign * half[k]
            face_mid = mid.copy()
            face_mid[..., k] = sign * half[k]
            samples.append(face.reshape(t1 * t2, _PATCH_SIDE * _PATCH_SIDE, 3))
            centres.append(face_mid.reshape(-1, 3))
            u_axes.append(np.full(t1 * t2, m1))
            v_axes.append(np.full(t1 * t2, m2))
            halves.append(hw.reshape(-1, 2))
    return (np.concatenate(samples), np.concatenate(centres), np.concatenate(u_axes),
            np.concatenate(v_axes), np.concatenate(halves))


def _tiles(n: int) -> np.ndarray:
    """(T, _PATCH_SIDE) lattice indices of consecutive tiles over range(n), last index repeated."""
    starts = np.arange(0, n, _PATCH_SIDE)
    return np.minimum(starts[:, None] + np.arange(_PATCH_SIDE)[None, :], n - 1)


def box_grid_distances(boxes: Sequence[Box], step_m: float = DEFAULT_GRID_STEP_M) -> np.ndarray:
    """(n, n) symmetric matrix of box-grid distances (metres) between all boxes; zero diagonal.

    Equal (to float rounding) to the brute-force minimum over all pairs of the two boxes' surface
    grid samples (`box_surface_grid`).
    """
    _check_step(step_m)
    n = len(boxes)
    out = np.zeros((n, n))
    if n < 2:
        return out
    grid = _GridBoxes(boxes, step_m)
    bound = grid.lower_bounds()  # (P, n)
    sizes = np.bincount(grid.owner, minlength=n)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rows_i, cols_j = np.triu_indices(n, k=1)
    # Sample from the box with fewer patches; the nearest-sample formula handles the other box.
    source = np.where(sizes[rows_i] <= sizes[cols_j], rows_i, cols_j)
    target = np.where(source == rows_i, cols_j, rows_i)
    # Pass 1: the patch with the lowest bound gives a real distance, an upper bound of the minimum.
    best = np.empty(len(source), dtype=np.int64)
    for obj in range(n):
        sel = source == obj
        if sel.any():
            block = bound[first[obj]:first[obj] + sizes[obj]][:, target[sel]]
            best[sel] = first[obj] + np.argmin(block, axis=0)
    upper = grid.exact(best, target)
    # Pass 2: every patch whose lower bound does not exceed that upper bound.
    cand_patch, cand_pair = [], []
    for obj in range(n):
        pairs = np.flatnonzero(source == obj)
        if len(pairs) == 0:
            continue
        block = bound[first[obj]:first[obj] + sizes[obj]][:, target[pairs]]
        patch_i, pair_k = np.nonzero(block <= upper[pairs][None, :] + 1e-12)
        patch_i = patch_i + first[obj]
        keep = patch_i != best[pairs[pair_k]]
        cand_patch.append(patch_i[keep])
        cand_pair.append(pairs[pair_k[keep]])
    result = upper.copy()
    if cand_patch:
        patches, pairs = np.concatenate(cand_patch), np.concatenate(cand_pair)
        if len(patches):
            np.minimum.at(result, pairs, grid.exact(patches, target[pairs]))
    out[rows_i, cols_j] = result
    out[cols_j, rows_i] = result
    return out


def box_grid_distance(box_a: Box, box_b: Box, step_m: float = DEFAULT_GRID_STEP_M) -> float:
    """Box-grid distance between two boxes (metres): minimum over their surface grid samples."""
    return float(box_grid_distances([box_a, box_b], step_m)[0, 1])


# ---------------------------------------------------------------- centres
def center_distance(box_a: Box, box_b: Box) -> float:
    """Distance between two box centres, metres."""
    return norm3(np.asarray(box_a.center, dtype=float) - np.asarray(box_b.center, dtype=float))


def center_distances(boxes: Sequence[Box]) -> np.ndarray:
    """(n, n) matrix of distances between box centres, metres."""
    centres = np.array([np.asarray(b.center, dtype=float) for b in boxes]).reshape(-1, 3)
    return np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
