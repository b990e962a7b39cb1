"""Exact distance between solid oriented boxes: hand-worked cases, the separating-axis overlap
rule, and random rotations checked against dense sampling and alternating projections."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from vsi100k.geometry.box import Box
from vsi100k.geometry.box_distance import box_arrays, box_distance_matrix, point_box_distance, segment_distance


def box_distance(a: Box, b: Box) -> float:
    return float(box_distance_matrix([a, b])[0][0, 1])


def boxes_overlap(a: Box, b: Box) -> bool:
    """Overlapping or touching (distance 0)."""
    return bool(box_distance_matrix([a, b])[1][0, 1])


def point_box_distances(points: np.ndarray, box: Box) -> np.ndarray:
    return point_box_distance(np.asarray(points, float)[None], *box_arrays([box]))[0]

SQ2 = math.sqrt(2.0)


def cube(center, side=1.0, rotation=None) -> Box:
    return Box(np.asarray(center, float), np.full(3, side), np.eye(3) if rotation is None else np.asarray(rotation))


def rot(axis: str, degrees: float) -> np.ndarray:
    return Rotation.from_euler(axis, degrees, degrees=True).as_matrix()


@pytest.mark.parametrize("offset, expected", [
    ((3, 0, 0), 2.0),                 # face to face
    ((3, 3, 0), 2 * SQ2),             # edge to edge, parallel edges
    ((3, 3, 3), 2 * math.sqrt(3)),    # vertex to vertex
    ((0, 0, -2.25), 1.25),            # below
])
def test_axis_aligned_cubes(offset, expected):
    assert box_distance(cube((0, 0, 0)), cube(offset)) == pytest.approx(expected, abs=1e-12)


def test_vertex_of_a_rotated_cube_to_a_face():
    # B turned 45 degrees about z: its nearest vertex is at x = 2 - sqrt(2)/2, A's face at x = 0.5
    d = box_distance(cube((0, 0, 0)), cube((2, 0, 0), rotation=rot("z", 45)))
    assert d == pytest.approx(1.5 - SQ2 / 2, abs=1e-12)


def test_crossing_edges():
    # A turned 45 degrees about x (top edge along x at z = sqrt(2)/2), B turned 45 degrees about y
    # (bottom edge along y at z = sqrt(2) + 0.3 - sqrt(2)/2): the closest points are the crossing
    # of the two edges, 0.3 apart; no vertex is that close to the other solid
    a = cube((0, 0, 0), rotation=rot("x", 45))
    b = cube((0, 0, SQ2 + 0.3), rotation=rot("y", 45))
    assert box_distance(a, b) == pytest.approx(0.3, abs=1e-12)
    assert min(point_box_distances(a.corners(), b).min(), point_box_distances(b.corners(), a).min()) > 0.35


def test_touching_overlapping_and_nested():
    a = cube((0, 0, 0))
    touching = cube((1, 0, 0))
    assert box_distance(a, touching) == 0.0 and boxes_overlap(a, touching)  # touching solids are 0 apart
    assert box_distance(a, cube((1.001, 0, 0))) == pytest.approx(0.001, abs=1e-12)
    assert not boxes_overlap(a, cube((1.001, 0, 0)))
    overlapping = cube((0.5, 0.2, 0))
    assert box_distance(a, overlapping) == 0.0 and boxes_overlap(a, overlapping)
    nested = cube((0.1, 0, 0), side=0.2, rotation=rot("z", 30))
    assert box_distance(a, nested) == 0.0 and boxes_overlap(a, nested) and boxes_overlap(nested, a)


def test_crossed_slabs_overlap_without_a_vertex_inside():
    # a plus sign: no corner of either box lies in the other, and no two edges meet
    a = Box(np.zeros(3), np.array([4.0, 0.4, 0.2]), np.eye(3))
    b = Box(np.zeros(3), np.array([0.4, 4.0, 1.0]), np.eye(3))
    assert point_box_distances(a.corners(), b).min() > 0 and point_box_distances(b.corners(), a).min() > 0
    assert boxes_overlap(a, b) and box_distance(a, b) == 0.0


def test_segment_distances():
    p0, p1 = np.array([[0.0, 0, 0], [0, 0, 0], [0, 0, 0]]), np.array([[1.0, 0, 0], [1, 0, 0], [0, 0, 0]])
    q0 = np.array([[0.5, 1, 2], [2.0, 1, 0], [3.0, 4, 0]])   # crossing above / parallel beyond the end / a point
    q1 = np.array([[0.5, -1, 2], [3.0, 1, 0], [3.0, 4, 0]])
    np.testing.assert_allclose(segment_distance(p0, p1, q0, q1), [2.0, SQ2, 5.0], atol=1e-12)


def _surface_samples(box: Box, n: int) -> np.ndarray:
    """Points on the box surface: an n x n grid on each face."""
    t = np.linspace(-0.5, 0.5, n)
    u, v = np.meshgrid(t, t, indexing="ij")
    u, v = u.ravel(), v.ravel()
    faces = []
    for axis in range(3):
        others = [k for k in range(3) if k != axis]
        for sign in (-0.5, 0.5):
            local = np.zeros((len(u), 3))
            local[:, axis] = sign
            local[:, others[0]], local[:, others[1]] = u, v
            faces.append(local)
    local = np.concatenate(faces) * box.extent
    return local @ box.rotation.T + box.center


def _alternating_projections(a: Box, b: Box, iterations: int = 4000) -> float:
    """Distance of two convex sets by alternating projections (converges from above)."""
    def project(point, box):
        local = np.clip((point - box.center) @ box.rotation, -box.extent / 2, box.extent / 2)
        return local @ box.rotation.T + box.center
    x = a.center.copy()
    for _ in range(iterations):
        y = project(x, b)
        moved = project(y, a)
        if np.linalg.norm(moved - x) < 1e-13:
            break
        x = moved
    return float(np.linalg.norm(x - project(x, b)))


def _inside(points: np.ndarray, box: Box) -> np.ndarray:
    local = (points - box.center) @ box.rotation
    return np.all(np.abs(local) < box.extent / 2, axis=1)


@pytest.mark.parametrize("seed", range(12))
def test_random_rotations_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = 41
    for _ in range(6):
        a = Box(rng.uniform(-1, 1, 3), rng.uniform(0.2, 1.5, 3), Rotation.random(random_state=rng).as_matrix())
        b = Box(rng.uniform(-1, 1, 3) * rng.uniform(0.2, 2.5), rng.uniform(0.2, 1.5, 3),
                Rotation.random(random_state=rng).as_matrix())
        exact = box_distance(a, b)
        sa, sb = _surface_samples(a, n), _surface_samples(b, n)
        brute = float(cKDTree(sa).query(sb)[0].min())
        spacing = (np.linalg.norm(a.extent) + np.linalg.norm(b.extent)) / (n - 1)
        overlapping = boxes_overlap(a, b)
        # dense solids: a sample of one strictly inside the other proves overlap, and vice versa
        grid = np.linspace(-0.49, 0.49, 15)
        solid_a = (np.stack(np.meshgrid(grid, grid, grid), -1).reshape(-1, 3) * a.extent) @ a.rotation.T + a.center
        solid_b = (np.stack(np.meshgrid(grid, grid, grid), -1).reshape(-1, 3) * b.extent) @ b.rotation.T + b.center
        sampled_overlap = bool(_inside(solid_a, b).any() or _inside(solid_b, a).any())
        if sampled_overlap:
            assert overlapping and exact == 0.0
        if exact > 0:
            assert not overlapping
            assert exact <= brute + 1e-9            # sampling can only overestimate
            assert brute <= exact + spacing          # ... by at most the sample spacing
            assert exact == pytest.approx(_alternating_projections(a, b), abs=1e-6)


def test_matrix_is_symmetric_and_flags_overlaps():
    boxes = [cube((0, 0, 0)), cube((3, 0, 0)), cube((0.5, 0, 0))]
    distances, overlaps = box_distance_matrix(boxes)
    np.testing.assert_allclose(distances, [[0, 2, 0], [2, 0, 1.5], [0, 1.5, 0]], atol=1e-12)
    assert overlaps.tolist() == [[False, False, True], [False, False, False], [True, False, False]]
