"""2D alpha shapes (vsi100k.geometry.alpha_shape): known areas and parity with the `alphashape` package."""

from __future__ import annotations

import alphashape  # test-only dependency: the tool VSI-Bench used
import numpy as np
import pytest

from vsi100k.geometry.alpha_shape import alpha_shape, alpha_shape_area, alpha_shape_outline, simplify_ring


# alphashape builds numpy.matrix objects internally; their deprecation warnings are not ours.
pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")

PARITY_REL = 0.005  # the parity tolerance; in practice the areas agree to float rounding


def reference_area(points: np.ndarray, alpha: float) -> float:
    return float(alphashape.alphashape(points, alpha).area)


def ring_area(ring: np.ndarray) -> float:
    """Signed shoelace area of a closed ring (first point repeated last); > 0 counter-clockwise."""
    x, y = ring[:, 0], ring[:, 1]
    return float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) / 2.0)


def random_point_sets():
    rng = np.random.default_rng(0)
    for n, scale in [(5, 1.0), (40, 0.4), (300, 2.0), (1500, 3.0), (1500, 8.0)]:
        yield f"uniform-{n}-{scale}", rng.uniform(0, scale, (n, 2))
    clusters = np.concatenate([rng.normal(c, 0.3, (400, 2)) for c in ([0, 0], [2, 1], [4, -1])])
    yield "clusters", clusters
    theta, radius = rng.uniform(0, 2 * np.pi, 2500), rng.uniform(1.0, 1.4, 2500)
    yield "annulus", np.c_[radius * np.cos(theta), radius * np.sin(theta)]  # a hole the reference fills
    room = np.concatenate([rng.uniform([0, 0], [5, 3], (3000, 2)), rng.uniform([5, 1], [7, 2], (600, 2))])
    yield "l-shaped-room", room


@pytest.mark.parametrize("name,points", list(random_point_sets()), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("alpha", [5.0, 1.5])
def test_area_matches_alphashape_package_on_random_sets(name, points, alpha):
    ours = alpha_shape_area(points, alpha)
    theirs = reference_area(points, alpha)
    assert ours == pytest.approx(theirs, rel=PARITY_REL, abs=1e-12)


def test_area_of_a_dense_grid_square_is_exact():
    g = np.linspace(0.0, 2.0, 41)  # 5 cm grid: every Delaunay triangle has circumradius 0.035 m
    pts = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    shape = alpha_shape(pts, 5.0)
    assert shape.area_m2 == pytest.approx(4.0, abs=1e-9)
    assert len(shape.outline) == 1
    ring = shape.outline[0]
    np.testing.assert_array_equal(ring[0], ring[-1])
    assert ring_area(ring) == pytest.approx(4.0, abs=1e-9)  # counter-clockwise, encloses the shape


def test_alpha_controls_which_triangles_stay():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 0.5]])
    # four triangles, each with circumradius 0.5: kept below 1/alpha = 0.5 only when alpha < 2
    assert alpha_shape_area(square, 1.9) == pytest.approx(1.0)
    assert alpha_shape_area(square, 2.0) == 0.0
    assert alpha_shape_area(square, 0.0) == pytest.approx(1.0)  # alpha 0 = convex hull
    assert alpha_shape_outline(square, 2.0) == []


def test_outlines_of_two_islands_sum_to_the_area():
    rng = np.random.default_rng(1)
    g = np.linspace(0.0, 1.0, 21)
    block = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    pts = np.concatenate([block, block + [3.0, 0.0]]) + rng.normal(0, 1e-4, (2 * len(block), 2))
    shape = alpha_shape(pts, 5.0)
    assert len(shape.outline) == 2
    assert sum(ring_area(r) for r in shape.outline) == pytest.approx(shape.area_m2, rel=1e-12)
    assert shape.area_m2 == pytest.approx(2.0, abs=0.01)


def test_enclosed_hole_is_filled_like_the_reference():
    g = np.linspace(0.0, 3.0, 61)
    pts = np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)
    hole = np.all(np.abs(pts - 1.5) < 0.8, axis=1)
    ring = pts[~hole]
    # the 1.5 m empty square would be dropped by a plain "sum of kept triangles"
    assert alpha_shape_area(ring, 5.0) == pytest.approx(9.0, abs=1e-9)
    assert alpha_shape_area(ring, 5.0) == pytest.approx(reference_area(ring, 5.0), rel=1e-9)


def test_simplify_ring_keeps_corners_within_tolerance():
    rng = np.random.default_rng(2)
    t = np.linspace(0, 1, 50, endpoint=False)
    edges = [np.c_[t, 0 * t], np.c_[1 + 0 * t, t], np.c_[1 - t, 1 + 0 * t], np.c_[0 * t, 1 - t]]
    ring = np.concatenate(edges) + rng.uniform(-0.003, 0.003, (200, 2))
    ring = np.vstack([ring, ring[:1]])
    simple = simplify_ring(ring, 0.01)
    np.testing.assert_array_equal(simple[0], simple[-1])
    assert len(simple) == 5  # the four corners, closed
    np.testing.assert_allclose(np.sort(simple[:-1], axis=0), [[0, 0], [0, 0], [1, 1], [1, 1]], atol=0.01)
    # every dropped vertex lies within the tolerance of the simplified outline
    assert len(simplify_ring(ring, 0.0)) == len(ring)
    assert ring_area(simple) == pytest.approx(ring_area(ring), abs=0.03)
    with pytest.raises(ValueError, match="tolerance_m must be >= 0, got -0.1"):
        simplify_ring(ring, -0.1)


def test_tiny_and_degenerate_inputs():
    tri = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 1.0]])
    assert alpha_shape_area(tri, 5.0) == pytest.approx(1.0)  # < 4 points: convex hull, as the reference
    assert alpha_shape_area(tri[:2], 5.0) == 0.0
    assert alpha_shape_area(np.zeros((0, 2)), 5.0) == 0.0
    line = np.c_[np.linspace(0, 1, 10), np.linspace(0, 2, 10)]
    assert alpha_shape_area(line, 5.0) == 0.0
    assert alpha_shape_outline(line, 5.0) == []


def test_errors():
    with pytest.raises(ValueError, match=r"expected \(N, 2\) points, got shape \(4, 3\)"):
        alpha_shape_area(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="points contain NaN or infinite coordinates"):
        alpha_shape_area(np.array([[0.0, 0.0], [np.inf, 1.0], [1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"alpha must be >= 0 \(1/m\), got -1"):
        alpha_shape_area(np.zeros((4, 2)), alpha=-1)


def room_points(scene_dir, count=10_000, seed=0) -> np.ndarray:
    from vsi100k.scannet import load_scene

    vertices = load_scene(scene_dir).aligned_vertices()
    pick = np.random.default_rng(seed).choice(len(vertices), size=min(count, len(vertices)), replace=False)
    return vertices[pick, :2]


def test_area_matches_alphashape_package_on_synthetic_rooms(synthetic_root):
    from vsi100k.scannet import find_scenes

    for scene_dir in find_scenes(synthetic_root)[:2]:
        xy = room_points(scene_dir)
        assert alpha_shape_area(xy, 5.0) == pytest.approx(reference_area(xy, 5.0), rel=PARITY_REL), scene_dir.name


@pytest.mark.slow
def test_area_matches_alphashape_package_on_all_synthetic_rooms(synthetic_root):
    from vsi100k.scannet import find_scenes

    for scene_dir in find_scenes(synthetic_root)[2:]:
        xy = room_points(scene_dir)
        assert alpha_shape_area(xy, 5.0) == pytest.approx(reference_area(xy, 5.0), rel=PARITY_REL), scene_dir.name
