"""Bounding boxes of point sets: axis-aligned, gravity-aligned (yaw only) and minimal oriented.

All functions take (N, 3) points in metres (aligned frame, z up) and return a
`vsi100k.geometry.box.Box` whose `extent` holds full side lengths along the columns of `rotation`.
Rotations are proper (det +1). Open3D is imported only by `minimal_oriented_box`.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import ConvexHull, QhullError

from vsi100k.geometry.box import BOX_METHODS, Box

# Point sets thinner than this across their flattest direction are flat (metres): no scan is that
# smooth, and Qhull (inside Open3D) only warns about or fails on such sets.
FLAT_TOLERANCE_M = 1e-4


def _as_points(points: np.ndarray, dim: int) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != dim or len(pts) == 0:
        raise ValueError(f"expected a non-empty (N, {dim}) array of points, got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        raise ValueError("points contain NaN or infinite coordinates")
    return pts


def axis_aligned_box(points: np.ndarray) -> Box:
    """Axis-aligned box of (N, 3) points: rotation = identity, extent = max - min (metres)."""
    pts = _as_points(points, 3)
    low, high = pts.min(axis=0), pts.max(axis=0)
    return Box(center=(low + high) / 2.0, extent=high - low, rotation=np.eye(3))


def min_area_rectangle(points_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-area enclosing rectangle of (N, 2) points (rotating calipers over the convex hull).

    Returns center (2,), extent (2,) with extent[0] >= extent[1] (metres), and axes (2, 2) whose
    columns are the unit side directions: axes[:, 0] is the long side, pointing to +x (angle in
    (-pi/2, pi/2]), and axes[:, 1] is it turned 90 degrees counter-clockwise. Collinear or single
    points give a zero-width rectangle along their line.
    """
    pts = _as_points(points_xy, 2)
    origin = pts.mean(axis=0)
    local = pts - origin
    hull = _hull_2d(local)
    u = _candidate_directions_2d(local, hull)
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)
    candidates = local if hull is None else hull
    # Project the hull vertices on every candidate frame: (D, H) per axis.
    proj_u = u @ candidates.T
    proj_v = v @ candidates.T
    ext_u = proj_u.max(axis=1) - proj_u.min(axis=1)
    ext_v = proj_v.max(axis=1) - proj_v.min(axis=1)
    # Ties (e.g. the edges of a rectangle) resolve to the smallest angle: candidates are sorted.
    best = int(np.argmin(np.round(ext_u * ext_v, 12)))
    axis_u, axis_v = u[best], v[best]
    width_u, width_v = ext_u[best], ext_v[best]
    mid_u = (proj_u[best].max() + proj_u[best].min()) / 2.0
    mid_v = (proj_v[best].max() + proj_v[best].min()) / 2.0
    center = origin + mid_u * axis_u + mid_v * axis_v
    if width_v > width_u:
        axis_u, axis_v = axis_v, -axis_u
        width_u, width_v = width_v, width_u
    if axis_u[0] < 0 or (axis_u[0] == 0 and axis_u[1] < 0):
        axis_u, axis_v = -axis_u, -axis_v
    return center, np.array([width_u, width_v]), np.stack([axis_u, axis_v], axis=1)


def _hull_2d(local: np.ndarray) -> np.ndarray | None:
    """Convex hull vertices (counter-clockwise) of centred (N, 2) points; None when they are
    (nearly) collinear, e.g. a wall seen from above."""
    if len(local) < 3:
        return None
    _, _, vt = np.linalg.svd(local, full_matrices=False)
    if np.ptp(local @ vt[1]) <= FLAT_TOLERANCE_M:
        return None
    try:
        return local[ConvexHull(local).vertices]
    except QhullError:
        return None


def _candidate_directions_2d(local: np.ndarray, hull: np.ndarray | None) -> np.ndarray:
    """Unit directions (D, 2), one of which is a side of the minimal rectangle: the hull edge
    directions folded into [0, pi/2), or the principal direction of (nearly) collinear points."""
    if hull is not None:
        edges = np.roll(hull, -1, axis=0) - hull
        edges = edges[np.linalg.norm(edges, axis=1) > 0]
        angles = np.unique(np.round(np.mod(np.arctan2(edges[:, 1], edges[:, 0]), np.pi / 2.0), 12))
        if len(angles):
            return np.stack([np.cos(angles), np.sin(angles)], axis=1)
    if np.allclose(local, 0.0):
        return np.array([[1.0, 0.0]])
    _, _, vt = np.linalg.svd(local, full_matrices=False)
    return vt[:1] / np.linalg.norm(vt[0])


def gravity_aligned_box(points: np.ndarray) -> Box:
    """Yaw-only box of (N, 3) points: minimum-area rectangle of the xy convex hull x the z range.

    rotation columns: long horizontal side, short horizontal side (90 degrees counter-clockwise),
    +z. extent: (length, width, height) in metres, length >= width.
    """
    pts = _as_points(points, 3)
    center_xy, extent_xy, axes = min_area_rectangle(pts[:, :2])
    z_low, z_high = pts[:, 2].min(), pts[:, 2].max()
    rotation = np.zeros((3, 3))
    rotation[:2, :2] = axes
    rotation[2, 2] = 1.0
    return Box(
        center=np.array([center_xy[0], center_xy[1], (z_low + z_high) / 2.0]),
        extent=np.array([extent_xy[0], extent_xy[1], z_high - z_low]),
        rotation=rotation,
    )


ORIENTED_ENGINES = ("open3d", "numpy")
_FRAME_BLOCK = 2_000_000  # frame x hull-vertex projections per vectorised block (bounds memory)


def minimal_oriented_box(points: np.ndarray, engine: str = "open3d") -> Box:
    """Minimal-volume oriented box of (N, 3) points, in `canonical_box` form.

    engine "open3d" (default; VSI-Bench built its boxes with Open3D's minimal oriented box): calls
    `OrientedBoundingBox.create_from_points_minimal`, which is what
    `PointCloud.get_minimal_oriented_bounding_box` runs. In Open3D 0.20 that is Jylanki's
    minimum-volume search, run with tolerances: about 20-50 ms for an object with a few hundred
    hull vertices, and not always the minimum (bench/oriented_engines.py: on noisy scan-like
    objects a box with a face flush with a hull facet is smaller for most objects, by up to 0.3%
    of the volume).

    engine "numpy": Open3D's older approximation (before Jylanki's search), vectorised: one frame
    per convex-hull triangle edge (first axis along the edge, third along the triangle normal)
    plus the axis-aligned frame, keeping the smallest volume. Tried on all three edges of every
    triangle, so it never depends on Qhull's vertex order. About 4x faster; exact when a box's
    corners are among the points; on points sampled from a box's faces up to 0.4% more volume
    than Open3D's (about 1 mm), on noisy scan-like objects up to 6% (about 3 mm).

    Fewer than 4 points, or flat sets (Open3D returns an empty box for those), get the
    minimum-area rectangle in their own plane with zero thickness, whatever the engine.
    """
    if engine not in ORIENTED_ENGINES:
        raise ValueError(f"unknown oriented-box engine {engine!r}; choose one of {', '.join(ORIENTED_ENGINES)}")
    pts = _as_points(points, 3)
    centred = pts - pts.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    spread = np.ptp(centred @ vt.T, axis=0) if len(pts) > 1 else np.zeros(1)
    if len(pts) < 4 or len(spread) < 3 or spread[2] <= FLAT_TOLERANCE_M:
        return _flat_box(pts, vt)
    if engine == "open3d":
        return _open3d_minimal_box(pts)
    try:
        hull = ConvexHull(pts)
    except QhullError:
        try:
            hull = ConvexHull(pts, qhull_options="QJ")
        except QhullError:
            return _flat_box(pts, vt)
    return _hull_frame_box(pts[hull.vertices], pts[hull.simplices])


def _open3d_minimal_box(pts: np.ndarray) -> Box:
    import open3d as o3d

    o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)  # the fallback below covers its warning
    vectors = o3d.utility.Vector3dVector(pts)
    try:
        obb = o3d.geometry.OrientedBoundingBox.create_from_points_minimal(vectors, robust=False)
    except RuntimeError:
        obb = o3d.geometry.OrientedBoundingBox.create_from_points_minimal(vectors, robust=True)
    extent = np.array(obb.extent, dtype=np.float64)
    if not np.all(np.isfinite(extent)) or np.any(extent <= FLAT_TOLERANCE_M):
        # Open3D 0.19/0.20 returns an empty box ("Invalid oriented bounding box") for some dense,
        # box-shaped point sets (many coplanar hull points); the hull-frame search is exact for those.
        hull = ConvexHull(pts, qhull_options="QJ")
        return _hull_frame_box(pts[hull.vertices], pts[hull.simplices])
    return canonical_box(np.array(obb.center, dtype=np.float64), extent, np.array(obb.R, dtype=np.float64))


def _hull_frame_box(hull_points: np.ndarray, triangles: np.ndarray) -> Box:
    """Smallest box over the frames of hull triangles (F, 3, 3) with each edge as first axis,
    plus the axis-aligned frame; hull_points (H, 3) are the hull vertices."""
    a, b, c = triangles[:, 0], triangles[:, 1], triangles[:, 2]
    normal = np.cross(b - a, c - a)
    norm = np.linalg.norm(normal, axis=1)
    keep = norm > 0
    normal = normal[keep] / norm[keep, None]
    first = np.concatenate([(b - a)[keep], (c - b)[keep], (a - c)[keep]])
    third = np.concatenate([normal, normal, normal])
    length = np.linalg.norm(first, axis=1)
    ok = length > 0
    first, third = first[ok] / length[ok, None], third[ok]
    frames = np.concatenate([np.eye(3)[None], np.stack([first, np.cross(third, first), third], axis=1)])
    best_volume, best = np.inf, None
    block = max(1, _FRAME_BLOCK // max(len(hull_points), 1))
    for lo in range(0, len(frames), block):
        rows = frames[lo:lo + block]  # (K, 3, 3), rows are the frame axes
        proj = rows @ hull_points.T  # (K, 3, H)
        low, high = proj.min(axis=2), proj.max(axis=2)
        volume = np.prod(high - low, axis=1)
        k = int(np.argmin(volume))
        if volume[k] < best_volume:
            best_volume, best = volume[k], (rows[k], low[k], high[k])
    rows, low, high = best
    return canonical_box(rows.T @ ((low + high) / 2.0), high - low, rows.T)


def canonical_box(center: np.ndarray, extent: np.ndarray, rotation: np.ndarray) -> Box:
    """One fixed representation of a box (which has 48 equivalent axis orders and signs).

    Open3D's minimal box comes back with its axes in an order and with signs that change from call
    to call, even for the same points (ties between hull faces that give the same box). Here: axes
    sorted by extent, longest first (ties broken by the axis components); each of the first two
    axes has its largest component positive; the third is their cross product (det +1). Values are
    rounded to 1e-12 so that equal boxes serialise to equal bytes.
    """
    rotation = np.array(rotation, dtype=np.float64)
    extent = np.array(extent, dtype=np.float64)
    for k in range(3):
        column = rotation[:, k]
        if column[np.argmax(np.round(np.abs(column), 9))] < 0:
            rotation[:, k] = -column
    order = sorted(range(3), key=lambda k: (-round(float(extent[k]), 9), tuple(-np.round(rotation[:, k], 9))))
    rotation, extent = rotation[:, order], extent[order]
    rotation[:, 2] = np.cross(rotation[:, 0], rotation[:, 1])
    return Box(center=np.round(np.asarray(center, dtype=np.float64), 12) + 0.0, extent=np.round(extent, 12) + 0.0,
               rotation=np.round(rotation, 12) + 0.0)


def _flat_box(pts: np.ndarray, vt: np.ndarray) -> Box:
    """Box of a flat, collinear or tiny (N, 3) point set: minimal rectangle in its best-fit plane."""
    origin = pts.mean(axis=0)
    basis = np.zeros((3, 3))
    basis[: len(vt)] = vt
    if len(vt) < 3 or np.linalg.norm(basis[1]) == 0:
        basis = np.eye(3) if len(pts) == 1 else _complete_basis(basis[0])
    else:
        basis[2] = np.cross(basis[0], basis[1])
    in_plane = (pts - origin) @ basis[:2].T
    center_2d, extent_2d, axes_2d = min_area_rectangle(in_plane)
    axis_u = basis[:2].T @ axes_2d[:, 0]
    axis_v = basis[:2].T @ axes_2d[:, 1]
    normal = np.cross(axis_u, axis_v)
    heights = (pts - origin) @ normal
    thickness = heights.max() - heights.min()
    center = origin + basis[:2].T @ center_2d + normal * (heights.max() + heights.min()) / 2.0
    return canonical_box(center, np.array([extent_2d[0], extent_2d[1], thickness]),
                         np.stack([axis_u, axis_v, normal], axis=1))


def _complete_basis(first: np.ndarray) -> np.ndarray:
    """(3, 3) orthonormal rows starting with `first`."""
    first = first / np.linalg.norm(first)
    helper = np.array([0.0, 0.0, 1.0]) if abs(first[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    second = np.cross(helper, first)
    second /= np.linalg.norm(second)
    return np.stack([first, second, np.cross(first, second)])


_BUILDERS = {
    "oriented": minimal_oriented_box,
    "axis_aligned": axis_aligned_box,
    "gravity_aligned": gravity_aligned_box,
}


def box_from_points(points: np.ndarray, method: str, oriented_engine: str = "open3d") -> Box:
    """Box of (N, 3) points by one of BOX_METHODS ("oriented", "axis_aligned", "gravity_aligned");
    `oriented_engine` is passed to `minimal_oriented_box` for "oriented"."""
    if method not in _BUILDERS:
        raise ValueError(f"unknown box method {method!r}; choose one of {', '.join(BOX_METHODS)}")
    if method == "oriented":
        return minimal_oriented_box(points, oriented_engine)
    return _BUILDERS[method](points)
