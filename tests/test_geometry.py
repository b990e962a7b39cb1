"""Boxes and distances (vsi100k.geometry.boxes / distances) against analytic and brute-force truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from vsi100k.facts.schema import Box
from vsi100k.geometry import (
    axis_aligned_box,
    box_from_points,
    box_grid_distance,
    box_grid_distances,
    box_surface_grid,
    center_distance,
    center_distances,
    closest_points_distance,
    closest_points_distances,
    gravity_aligned_box,
    min_area_rectangle,
    minimal_oriented_box,
)


def yaw_matrix(yaw: float) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def box_points(center, size, rotation, rng, n=300) -> np.ndarray:
    """Corners plus random points on the surface of a box (world frame)."""
    size = np.asarray(size, dtype=float)
    signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
    local = rng.uniform(-0.5, 0.5, (n, 3))
    axis = rng.integers(0, 3, n)
    local[np.arange(n), axis] = rng.choice([-0.5, 0.5], n)
    local = np.concatenate([signs * 0.5, local]) * size
    return local @ np.asarray(rotation).T + np.asarray(center, dtype=float)


def random_box(rng, yaw_only: bool) -> Box:
    if yaw_only:
        rotation = yaw_matrix(rng.uniform(0, np.pi))
    else:
        rotation = Rotation.random(random_state=int(rng.integers(2**31))).as_matrix()
    return Box(center=rng.uniform(0, 3, 3), extent=rng.uniform(0.02, 1.4, 3), rotation=rotation)


def brute_grid_distance(a: Box, b: Box, step: float = 0.05) -> float:
    return float(cKDTree(box_surface_grid(b, step)).query(box_surface_grid(a, step))[0].min())


def inside_box(box: Box, points: np.ndarray, tol: float = 1e-7) -> bool:
    local = (points - box.center) @ np.asarray(box.rotation)
    return bool(np.all(np.abs(local) <= np.asarray(box.extent) / 2 + tol))


# ---------------------------------------------------------------- boxes
def test_axis_aligned_box_is_min_max():
    pts = np.array([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5], [0.5, 0.0, 3.0]])
    box = axis_aligned_box(pts)
    np.testing.assert_allclose(box.extent, [1.0, 2.0, 2.5])
    np.testing.assert_allclose(box.center, [0.5, 0.0, 1.75])
    np.testing.assert_array_equal(box.rotation, np.eye(3))
    assert box.size_m == pytest.approx(2.5)


@pytest.mark.parametrize("yaw", [0.0, 0.3, 1.2, -0.7, np.pi / 2])
def test_gravity_aligned_box_recovers_yawed_box(yaw):
    rng = np.random.default_rng(1)
    pts = box_points([1.0, 2.0, 0.4], [1.6, 0.7, 0.8], yaw_matrix(yaw), rng)
    box = gravity_aligned_box(pts)
    np.testing.assert_allclose(box.extent, [1.6, 0.7, 0.8], atol=1e-9)
    np.testing.assert_allclose(box.center, [1.0, 2.0, 0.4], atol=1e-9)
    rot = np.asarray(box.rotation)
    np.testing.assert_allclose(rot[:, 2], [0, 0, 1])
    np.testing.assert_allclose(rot[2, :2], [0, 0])
    assert np.linalg.det(rot) == pytest.approx(1.0)
    assert rot[0, 0] >= 0  # long side points to +x
    # long side is parallel to the box's yaw direction
    assert abs(rot[:2, 0] @ np.array([np.cos(yaw), np.sin(yaw)])) == pytest.approx(1.0, abs=1e-9)
    assert inside_box(box, pts)


def test_gravity_aligned_box_of_table_is_its_top_footprint():
    """A table (top + leg) gets the rectangle of its top and the full height."""
    rng = np.random.default_rng(2)
    top = box_points([0.0, 0.0, 0.75], [1.2, 0.8, 0.04], np.eye(3), rng)
    leg = box_points([0.55, 0.35, 0.36], [0.04, 0.04, 0.72], np.eye(3), rng)
    box = gravity_aligned_box(np.concatenate([top, leg]))
    np.testing.assert_allclose(box.extent, [1.2, 0.8, 0.77], atol=1e-9)


def test_min_area_rectangle_of_rotated_rectangle_and_degenerate_sets():
    rng = np.random.default_rng(3)
    rot = yaw_matrix(0.5)[:2, :2]
    pts = rng.uniform(-0.5, 0.5, (400, 2)) * [3.0, 1.0]
    pts = np.concatenate([pts, np.array([[-1.5, -0.5], [1.5, -0.5], [1.5, 0.5], [-1.5, 0.5]])]) @ rot.T + [2, 1]
    center, extent, axes = min_area_rectangle(pts)
    np.testing.assert_allclose(extent, [3.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(center, [2, 1], atol=1e-9)
    np.testing.assert_allclose(axes.T @ axes, np.eye(2), atol=1e-12)
    line = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    _, extent, axes = min_area_rectangle(line)
    np.testing.assert_allclose(extent, [np.sqrt(8), 0.0], atol=1e-12)
    _, extent, _ = min_area_rectangle(np.array([[1.0, 2.0]]))
    np.testing.assert_allclose(extent, [0.0, 0.0])


def test_minimal_oriented_box_of_rotated_box():
    rng = np.random.default_rng(4)
    rotation = Rotation.from_euler("xyz", [0.3, -0.2, 0.9]).as_matrix()
    pts = box_points([0.5, -1.0, 2.0], [1.4, 0.6, 0.3], rotation, rng)
    box = minimal_oriented_box(pts)
    np.testing.assert_allclose(sorted(box.extent), [0.3, 0.6, 1.4], atol=1e-6)
    np.testing.assert_allclose(box.center, [0.5, -1.0, 2.0], atol=1e-6)
    assert np.linalg.det(box.rotation) == pytest.approx(1.0)
    assert inside_box(box, pts, tol=1e-6)
    # never larger than the axis-aligned box
    assert np.prod(box.extent) <= np.prod(axis_aligned_box(pts).extent) + 1e-9


def test_minimal_oriented_box_of_flat_and_tiny_sets():
    rng = np.random.default_rng(5)
    flat = np.c_[rng.uniform(0, 2, (50, 1)), rng.uniform(0, 1, (50, 1)), np.full((50, 1), 0.7)]
    flat = np.concatenate([flat, [[0, 0, 0.7], [2, 0, 0.7], [2, 1, 0.7], [0, 1, 0.7]]])
    box = minimal_oriented_box(flat)
    np.testing.assert_allclose(box.extent, [2.0, 1.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(box.center, [1.0, 0.5, 0.7], atol=1e-9)
    assert inside_box(box, flat)
    single = minimal_oriented_box(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(single.extent, [0, 0, 0])
    np.testing.assert_allclose(single.center, [1, 2, 3])
    pair = minimal_oriented_box(np.array([[0.0, 0.0, 0.0], [0.0, 3.0, 4.0]]))
    np.testing.assert_allclose(pair.extent, [5.0, 0.0, 0.0], atol=1e-12)
    for box in (single, pair):
        assert np.linalg.det(box.rotation) == pytest.approx(1.0)


def test_box_from_points_dispatch_and_errors():
    pts = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 2.0, 1.0]])
    assert box_from_points(pts, "axis_aligned").size_m == pytest.approx(3.0)
    with pytest.raises(ValueError, match="unknown box method 'obb'; choose one of oriented, axis_aligned, gravity_aligned"):
        box_from_points(pts, "obb")
    with pytest.raises(ValueError, match=r"expected a non-empty \(N, 3\) array of points, got shape \(0, 3\)"):
        axis_aligned_box(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="points contain NaN or infinite coordinates"):
        gravity_aligned_box(np.array([[0.0, np.nan, 0.0]]))


# ---------------------------------------------------------------- box grids
def test_box_surface_grid_counts_and_spacing():
    box = Box(center=np.zeros(3), extent=np.array([1.0, 0.5, 0.25]), rotation=np.eye(3))
    grid = box_surface_grid(box, 0.05)
    # lattice 21 x 11 x 6 minus its interior 19 x 9 x 4
    assert len(grid) == 21 * 11 * 6 - 19 * 9 * 4
    on_face = np.isclose(np.abs(grid), box.extent / 2).any(axis=1)
    assert on_face.all()
    nearest = cKDTree(grid).query(grid, k=2)[0][:, 1]
    assert nearest.max() <= 0.05 + 1e-12


def test_box_grid_distance_of_aligned_boxes_is_the_gap():
    a = Box(center=np.array([0.5, 0.25, 0.4]), extent=np.array([1.0, 0.5, 0.8]), rotation=np.eye(3))
    b = Box(center=np.array([2.25, 0.25, 0.2]), extent=np.array([0.5, 0.5, 0.4]), rotation=np.eye(3))
    assert box_grid_distance(a, b) == pytest.approx(1.0, abs=1e-12)
    # B's lattice shifted by half a step in y: the gap grows to sqrt(1 + 0.025^2)
    c = Box(center=np.array([2.25, 0.275, 0.2]), extent=np.array([0.5, 0.5, 0.4]), rotation=np.eye(3))
    assert box_grid_distance(a, c) == pytest.approx(np.hypot(1.0, 0.025), abs=1e-12)


def test_box_grid_distance_of_nested_boxes_is_between_surfaces():
    outer = Box(center=np.zeros(3), extent=np.array([2.0, 2.0, 2.0]), rotation=np.eye(3))
    inner = Box(center=np.array([0.3, 0.0, 0.0]), extent=np.array([0.4, 0.4, 0.4]), rotation=np.eye(3))
    # inner's +x face at 0.5, outer's at 1.0
    assert box_grid_distance(inner, outer) == pytest.approx(0.5, abs=1e-12)


def test_box_grid_distances_equal_brute_force():
    rng = np.random.default_rng(6)
    boxes = [random_box(rng, yaw_only=k % 2 == 0) for k in range(14)]
    # a nested pair, a touching pair and a far parallel pair
    boxes.append(Box(center=boxes[0].center, extent=np.asarray(boxes[0].extent) * 0.5, rotation=boxes[0].rotation))
    boxes.append(Box(center=np.array([0.0, 0.0, 0.0]), extent=np.array([1.0, 1.0, 1.0]), rotation=np.eye(3)))
    boxes.append(Box(center=np.array([1.0, 0.2, 0.1]), extent=np.array([1.0, 0.6, 0.5]), rotation=yaw_matrix(0.1)))
    boxes.append(Box(center=np.array([6.0, 0.3, 0.0]), extent=np.array([1.0, 2.0, 1.0]), rotation=np.eye(3)))
    # degenerate boxes of tiny objects: flat, a segment, a point
    boxes.append(Box(center=np.array([2.0, 2.0, 1.0]), extent=np.array([0.5, 0.3, 0.0]), rotation=yaw_matrix(0.2)))
    boxes.append(Box(center=np.array([0.5, 2.5, 0.2]), extent=np.array([0.0, 0.33, 0.0]), rotation=np.eye(3)))
    boxes.append(Box(center=np.array([1.5, 1.0, 2.0]), extent=np.zeros(3), rotation=np.eye(3)))
    matrix = box_grid_distances(boxes)
    assert matrix.shape == (len(boxes), len(boxes))
    np.testing.assert_array_equal(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), 0.0)
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert matrix[i, j] == pytest.approx(brute_grid_distance(boxes[i], boxes[j]), abs=1e-9), (i, j)


def test_box_grid_distance_other_step_and_errors():
    rng = np.random.default_rng(7)
    a, b = random_box(rng, False), random_box(rng, True)
    assert box_grid_distance(a, b, 0.1) == pytest.approx(brute_grid_distance(a, b, 0.1), abs=1e-9)
    assert box_grid_distances([a]).shape == (1, 1)
    with pytest.raises(ValueError, match="grid step must be > 0 metres, got 0"):
        box_grid_distances([a, b], 0)
    with pytest.raises(ValueError, match="grid step must be > 0 metres, got -1"):
        box_surface_grid(a, -1)


# ---------------------------------------------------------------- vertex sets and centres
def test_closest_points_distance_known_and_brute_force():
    a = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    b = np.array([[4.0, 4.0, 0.0], [1.0, 3.0, 4.0], [3.0, 0.0, 0.0]])
    assert closest_points_distance(a, b) == pytest.approx(2.0)
    rng = np.random.default_rng(8)
    sets = [rng.normal(size=(int(rng.integers(1, 1500)), 3)) * rng.uniform(0.05, 0.6) + rng.uniform(0, 3, 3)
            for _ in range(9)]
    sets.append(sets[0] + 0.01)  # interleaved with set 0
    matrix = closest_points_distances(sets)
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            truth = cKDTree(sets[j]).query(sets[i])[0].min()
            assert matrix[i, j] == pytest.approx(truth, abs=1e-12)
            assert matrix[j, i] == matrix[i, j]


def test_closest_points_errors():
    with pytest.raises(ValueError, match=r"expected a non-empty \(N, 3\) point set, got shape \(0, 3\)"):
        closest_points_distance(np.zeros((0, 3)), np.zeros((2, 3)))


def test_center_distances():
    boxes = [Box(center=np.array(c, dtype=float), extent=np.ones(3), rotation=np.eye(3))
             for c in ([0, 0, 0], [3, 4, 0], [0, 0, 2])]
    matrix = center_distances(boxes)
    np.testing.assert_allclose(matrix, [[0, 5, 2], [5, 0, np.sqrt(29)], [2, np.sqrt(29), 0]])
    assert center_distance(boxes[0], boxes[1]) == pytest.approx(5.0)


def test_minimal_oriented_box_is_canonical_and_repeatable():
    """Open3D returns the same box with changing axis order and signs; we store one form."""
    rng = np.random.default_rng(9)
    pts = box_points([3.5, 2.6, 0.3], [0.3, 0.3, 0.6], yaw_matrix(0.4), rng)
    boxes = [minimal_oriented_box(pts) for _ in range(12)]
    assert len({str(b.to_json()) for b in boxes}) == 1
    box = boxes[0]
    assert list(box.extent) == sorted(box.extent, reverse=True)
    np.testing.assert_allclose(box.extent, [0.6, 0.3, 0.3], atol=1e-6)
    np.testing.assert_allclose(box.rotation.T @ box.rotation, np.eye(3), atol=1e-9)
    assert np.linalg.det(box.rotation) == pytest.approx(1.0)


def test_numpy_engine_is_exact_for_boxes_and_close_to_open3d():
    rng = np.random.default_rng(10)
    rotation = Rotation.from_euler("xyz", [0.5, 0.1, -1.1]).as_matrix()
    pts = box_points([1.0, 0.0, 0.5], [0.9, 0.4, 0.2], rotation, rng)
    fast = minimal_oriented_box(pts, engine="numpy")
    np.testing.assert_allclose(fast.extent, [0.9, 0.4, 0.2], atol=1e-9)
    np.testing.assert_allclose(fast.center, [1.0, 0.0, 0.5], atol=1e-9)
    assert inside_box(fast, pts)
    assert np.linalg.det(fast.rotation) == pytest.approx(1.0)
    # a noisy scanned box: within 0.5% of Open3D's exact minimal volume, and never below it
    noisy = box_points([0, 0, 0], [1.2, 0.7, 0.5], yaw_matrix(0.8), rng, n=2000) + rng.normal(0, 0.003, (2008, 3))
    exact_volume = np.prod(minimal_oriented_box(noisy).extent)
    fast_volume = np.prod(minimal_oriented_box(noisy, engine="numpy").extent)
    assert exact_volume * (1 - 1e-6) <= fast_volume <= exact_volume * 1.005
    assert inside_box(minimal_oriented_box(noisy, engine="numpy"), noisy)
    with pytest.raises(ValueError, match="unknown oriented-box engine 'cgal'; choose one of open3d, numpy"):
        minimal_oriented_box(pts, engine="cgal")


def test_open3d_engine_recovers_dense_grid_boxes_it_cannot_box():
    """Open3D returns an empty box for dense box-surface grids (many coplanar hull points); the
    default engine then falls back to the hull-frame search, exact for such boxes."""
    import open3d as o3d

    truth = Box(center=np.array([1.0, 2.0, 0.5]), extent=np.array([1.3, 0.7, 0.4]), rotation=yaw_matrix(0.35))
    pts = box_surface_grid(truth, 0.05).astype(np.float32).astype(np.float64)  # as read from a PLY
    raw = o3d.geometry.OrientedBoundingBox.create_from_points_minimal(o3d.utility.Vector3dVector(pts))
    assert np.any(np.asarray(raw.extent) <= 1e-4)  # the Open3D failure this guards against
    box = minimal_oriented_box(pts)
    np.testing.assert_allclose(box.extent, [1.3, 0.7, 0.4], atol=1e-6)
    np.testing.assert_allclose(box.center, truth.center, atol=1e-6)
    assert inside_box(box, pts, tol=1e-6)


# ---------------------------------------------------------------- overlap of solids
def _box_surface_points(center, extent, step=0.02):
    """Surface points (N, 3) of an axis-aligned box, about `step` apart."""
    from vsi100k.geometry.box import Box
    from vsi100k.geometry.distances import box_surface_grid

    return box_surface_grid(Box(np.asarray(center, float), np.asarray(extent, float), np.eye(3)), step)


def test_pillow_inside_a_sofa_box_overlaps_and_a_chair_beside_it_does_not():
    from vsi100k.geometry.boxes import gravity_aligned_box
    from vsi100k.geometry.distances import closest_points_distances
    from vsi100k.geometry.overlap import inside_fraction, overlap_matrix

    # Sofa: seat (top at 0.45 m), back and two arms; its box spans 2.0 x 0.9 x 0.85 m.
    sofa = np.concatenate([
        _box_surface_points((0.0, 0.0, 0.225), (2.0, 0.9, 0.45)),
        _box_surface_points((0.0, -0.4, 0.65), (2.0, 0.1, 0.4)),
        _box_surface_points((-0.95, 0.0, 0.55), (0.1, 0.9, 0.2)),
        _box_surface_points((0.95, 0.0, 0.55), (0.1, 0.9, 0.2)),
    ])
    # A pillow floating 6 cm above the seat (annotation gap), inside the sofa's box.
    pillow = _box_surface_points((0.3, 0.0, 0.59), (0.4, 0.4, 0.16))
    chair = _box_surface_points((1.5, 0.0, 0.45), (0.5, 0.5, 0.9))  # 0.05 m beside the right arm
    points = [sofa, pillow, chair]
    boxes = [gravity_aligned_box(p) for p in points]
    assert inside_fraction(pillow, boxes[0]) == 1.0
    assert inside_fraction(chair, boxes[0]) == 0.0
    overlaps = overlap_matrix(points, boxes)
    assert overlaps.tolist() == [[False, True, False], [True, False, False], [False, False, False]]
    closest = closest_points_distances(points)
    assert closest[0, 1] == pytest.approx(0.06, abs=0.005)  # the vertex sets leave a gap; the solids do not
    # A corner poking in is not containment: half the fraction rule's threshold is not reached.
    poking = _box_surface_points((1.2, 0.0, 0.45), (0.5, 0.5, 0.9))
    assert 0 < inside_fraction(poking, boxes[0]) < 0.5
    assert not overlap_matrix([sofa, poking], [boxes[0], gravity_aligned_box(poking)])[0, 1]


def test_overlap_errors():
    from vsi100k.geometry.box import Box
    from vsi100k.geometry.overlap import overlap_matrix

    box = Box(np.zeros(3), np.ones(3), np.eye(3))
    with pytest.raises(ValueError, match=r"got 1 point sets but 2 boxes; pass one box per object"):
        overlap_matrix([np.zeros((1, 3))], [box, box])
    with pytest.raises(ValueError, match=r"min_fraction must be in \(0, 1\], got 0"):
        overlap_matrix([np.zeros((1, 3))], [box], min_fraction=0)
    with pytest.raises(ValueError, match=r"margin_m must be >= 0 metres, got -1"):
        overlap_matrix([np.zeros((1, 3))], [box], margin_m=-1)
