"""The faster facts code stores the same values as before, at the declared precision (1e-6 m or
1e-6 relative): against facts pinned by the earlier code (`tests/data/facts_parity.json`, see
`facts_parity_support.py`), and the closest-point search against the earlier search (kept in
that module) and brute force."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from facts_parity_support import earlier_closest_points_distances, hand_built_scene, parity_scenes, vertex_digest
from vsi100k.facts.extract import extract_facts
from vsi100k.geometry.distances import closest_points_distances

PINNED = Path(__file__).parent / "data" / "facts_parity.json"
ABS, REL = 1e-6, 1e-6


def assert_same_values(new, old, where: str) -> None:
    """Equal structure; numbers equal within ABS or REL; everything else equal."""
    if isinstance(old, dict):
        assert isinstance(new, dict) and sorted(new) == sorted(old), where
        for key in old:
            assert_same_values(new[key], old[key], f"{where}.{key}")
    elif isinstance(old, list):
        assert isinstance(new, list) and len(new) == len(old), where
        for k, (a, b) in enumerate(zip(new, old)):
            assert_same_values(a, b, f"{where}[{k}]")
    elif isinstance(old, float) or (isinstance(new, float) and isinstance(old, int) and not isinstance(old, bool)):
        assert abs(new - old) <= max(ABS, REL * abs(old)), f"{where}: {new!r} != {old!r}"
    else:
        assert new == old, f"{where}: {new!r} != {old!r}"


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    return parity_scenes(tmp_path_factory.mktemp("parity"))


def test_facts_equal_the_pinned_facts_of_the_earlier_code(scenes):
    pinned = json.loads(PINNED.read_text())
    assert sorted(pinned) == sorted(s.scene_id for s in scenes)
    for scene in scenes:
        entry = pinned[scene.scene_id]
        assert vertex_digest(scene) == entry["vertices_sha256"], (
            f"{scene.scene_id}: the pinned scene changed (synthetic generator or hand-built shapes); "
            "re-pin with the earlier facts code, see tests/facts_parity_support.py")
        facts = extract_facts(scene).to_json()
        assert_same_values(facts, entry["facts"], scene.scene_id)
        assert facts["overlapping_pairs"] == entry["facts"]["overlapping_pairs"]


def test_closest_points_equal_the_earlier_search_and_brute_force(scenes):
    from vsi100k.geometry.boxes import gravity_aligned_box
    from vsi100k.scene import group_vertices

    for scene in scenes:
        vertices = scene.aligned_vertices()
        members = group_vertices(scene.seg_indices, [o.segments for o in scene.objects])
        sets = [vertices[m] for m in members if len(m)]
        earlier = earlier_closest_points_distances(sets)
        np.testing.assert_array_equal(closest_points_distances(sets), earlier)
        np.testing.assert_array_equal(closest_points_distances(sets, [gravity_aligned_box(p) for p in sets]), earlier)
    scene = hand_built_scene()
    vertices = scene.aligned_vertices()
    sets = [vertices[scene.seg_indices == k] for k in np.unique(scene.seg_indices)]
    matrix = closest_points_distances(sets)
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            gaps = np.sqrt(((sets[i][:, None, :] - sets[j][None, :, :]) ** 2).sum(axis=2))
            assert matrix[i, j] == gaps.min()


def test_closest_points_with_boxes_that_do_not_hold_the_points():
    """Boxes only prune: a box too small for its set (or misplaced) widens its bounds, never changes the result."""
    from vsi100k.geometry.box import Box

    rng = np.random.default_rng(3)
    sets = [rng.normal(size=(400, 3)) * 0.3 + centre for centre in ([0, 0, 0], [1.5, 0, 0], [0, 2, 0.5], [0.2, 0.1, 0])]
    wrong = [Box(center=np.array([5.0, 5.0, 5.0]), extent=np.full(3, 0.01), rotation=np.eye(3)) for _ in sets]
    truth = np.array([[cKDTree(b).query(a)[0].min() if i != j else 0.0 for j, b in enumerate(sets)]
                      for i, a in enumerate(sets)])
    np.testing.assert_array_equal(closest_points_distances(sets, wrong), truth)
    np.testing.assert_array_equal(closest_points_distances(sets), truth)
    with pytest.raises(ValueError, match="got 1 boxes for 4 point sets; give one box per set"):
        closest_points_distances(sets, wrong[:1])


def test_closest_points_and_overlap_with_a_stray_vertex_kilometres_away():
    """A broken mesh's stray vertex far away widens the cell grid enormously; results stay exact."""
    from vsi100k.geometry.box import Box
    from vsi100k.geometry.distances import point_cells
    from vsi100k.geometry.overlap import overlap_matrix

    rng = np.random.default_rng(5)
    sets = [rng.normal(size=(30, 3)) * 0.2 + [k * 0.5, 0.0, 0.0] for k in range(6)]
    sets[0] = np.vstack([sets[0], [[1e6, -1e6, 1e6]]])
    truth = np.array([[cKDTree(b).query(a)[0].min() if i != j else 0.0 for j, b in enumerate(sets)]
                      for i, a in enumerate(sets)])
    np.testing.assert_array_equal(closest_points_distances(sets), truth)
    boxes = [Box(center=p.mean(axis=0), extent=np.ptp(p, axis=0), rotation=np.eye(3)) for p in sets]
    np.testing.assert_array_equal(overlap_matrix(sets, boxes, cells=point_cells(sets)), overlap_matrix(sets, boxes))


def test_cells_of_other_point_sets_are_refused():
    from vsi100k.geometry.distances import point_cells
    from vsi100k.geometry.overlap import overlap_matrix

    rng = np.random.default_rng(6)
    sets = [rng.normal(size=(20, 3)) + k for k in range(3)]
    other = point_cells(sets[:2])
    with pytest.raises(ValueError, match="build them from the same point sets"):
        closest_points_distances(sets, cells=other)
    with pytest.raises(ValueError, match="build them from the same point sets"):
        overlap_matrix(sets, [None] * 3, cells=other)
