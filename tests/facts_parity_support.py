"""Scenes whose facts are pinned in `tests/data/facts_parity.json`, and the script that wrote it.

The pinned facts were computed by the facts code before its speed-ups (Open3D's minimal box on
every vertex, closest points pruned by 20 cm cells only); `test_facts_parity.py` checks that
today's code stores the same values at the declared precision. The scenes: two scan-profile
synthetic scans (non-box shapes, noise, clutter) and one hand-built room of awkward shapes
(touching and interpenetrating boxes, a pillow on a sofa, an object inside another's box, a flat picture, a 3-vertex object, a
dense box-surface grid that Open3D cannot box, yawed and tilted boxes).

    PYTHONPATH=<checkout of the code to pin> python tests/facts_parity_support.py tests/data/facts_parity.json
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

SCAN_SEED = 11
SCAN_COUNT = 2


def earlier_closest_points_distances(point_sets) -> np.ndarray:
    """The closest-point search before box bounds pruned it (20 cm cells of the smaller set, each
    cell's centre queried against the other set's KD-tree), kept here as the reference."""
    cell_m = 0.20

    def cells(pts):
        _, cell_of, sizes = np.unique(np.floor(pts / cell_m).astype(np.int64), axis=0, return_inverse=True,
                                      return_counts=True)
        cell_of = cell_of.ravel()
        order = np.argsort(cell_of, kind="stable")
        centre = np.zeros((len(sizes), 3))
        np.add.at(centre, cell_of, pts)
        centre /= sizes[:, None]
        radius = np.zeros(len(sizes))
        np.maximum.at(radius, cell_of, np.linalg.norm(pts - centre[cell_of], axis=1))
        return pts[order], np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes, centre, radius

    def distance(small, small_cells, tree):
        sorted_pts, start, sizes, centre, radius = small_cells
        to_other, _ = tree.query(centre)
        upper = float(np.min(to_other + radius))
        keep = np.flatnonzero(to_other - radius <= upper + 1e-12)
        index = np.repeat(start[keep] - np.cumsum(np.concatenate([[0], sizes[keep][:-1]])), sizes[keep])
        index = index + np.arange(sizes[keep].sum())
        found, _ = tree.query(sorted_pts[index], distance_upper_bound=upper * (1 + 1e-9) + 1e-12)
        return float(found.min())

    sets = [np.asarray(p, dtype=np.float64) for p in point_sets]
    trees = [cKDTree(p) for p in sets]
    grouped = [cells(p) for p in sets]
    n = len(sets)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            a, b = (i, j) if len(sets[i]) <= len(sets[j]) else (j, i)
            out[i, j] = out[j, i] = distance(sets[a], grouped[a], trees[b])
    return out


def vertex_digest(scene) -> str:
    """sha256 of a scene's raw float32 vertices and segment ids: the pinned facts belong to these."""
    digest = hashlib.sha256(np.ascontiguousarray(scene.vertices, dtype=np.float32).tobytes())
    digest.update(np.ascontiguousarray(scene.seg_indices, dtype=np.int64).tobytes())
    return digest.hexdigest()


def _yaw_tilt(yaw: float, tilt: float = 0.0) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    rz = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    ct, st = np.cos(tilt), np.sin(tilt)
    rx = np.array([[1.0, 0.0, 0.0], [0.0, ct, -st], [0.0, st, ct]])
    return rz @ rx


def _surface(size, count: int, rng: np.random.Generator) -> np.ndarray:
    size = np.asarray(size, dtype=float)
    local = rng.uniform(-0.5, 0.5, (count, 3))
    local[np.arange(count), rng.integers(0, 3, count)] = rng.choice([-0.5, 0.5], count)
    return local * size


def hand_built_scene():
    """A 5 m x 4 m room of awkward shapes (aligned frame = raw frame), as a `Scene`."""
    from vsi100k.geometry.box import Box
    from vsi100k.geometry.distances import box_surface_grid
    from vsi100k.scene import Scene, SegGroup

    rng = np.random.default_rng(5)
    gx, gy = np.meshgrid(np.linspace(0, 5, 101), np.linspace(0, 4, 81))
    parts = [np.c_[gx.ravel(), gy.ravel(), np.zeros(gx.size)]]
    labels = ["floor"]
    shapes = [  # label, centre, size, yaw, tilt, vertices
        ("sofa", [1.5, 1.0, 0.4], [2.0, 0.9, 0.8], 0.0, 0.0, 3000),
        ("pillow", [1.3, 1.0, 0.86], [0.45, 0.4, 0.14], 0.3, 0.0, 600),  # rests on the sofa's top
        ("table", [3.5, 1.2, 0.375], [1.2, 0.7, 0.75], 0.7, 0.0, 2500),
        ("chair", [3.5, 2.0, 0.45], [0.5, 0.5, 0.9], 0.7, 0.0, 1500),  # pokes into the table
        ("trash can", [0.4, 3.5, 0.3], [0.3, 0.3, 0.6], 1.1, 0.2, 900),  # tilted
        ("lamp", [4.6, 3.6, 0.8], [0.25, 0.25, 1.6], 0.0, 0.0, 700),
        ("backpack", [2.5, 3.0, 0.2], [0.35, 0.25, 0.4], 2.0, 0.35, 500),
        ("keyboard", [1.0, 1.0, 0.5], [0.45, 0.15, 0.04], 0.2, 0.0, 300),  # inside the sofa's box
    ]
    for label, centre, size, yaw, tilt, count in shapes:
        parts.append(_surface(size, count, rng) @ _yaw_tilt(yaw, tilt).T + np.asarray(centre))
        labels.append(label)
    parts.append(np.c_[rng.uniform(1.0, 2.0, 400), np.full(400, 3.99), rng.uniform(1.2, 1.9, 400)])  # flat picture
    labels.append("picture")
    parts.append(np.array([[4.0, 0.3, 1.0], [4.05, 0.3, 1.0], [4.0, 0.34, 1.02]]))  # 3 vertices
    labels.append("clock")
    grid = Box(center=np.array([2.4, 2.0, 0.3]), extent=np.array([0.8, 0.5, 0.6]), rotation=_yaw_tilt(0.35))
    parts.append(box_surface_grid(grid, 0.05))  # Open3D returns an empty box for this grid
    labels.append("nightstand")
    vertices = np.concatenate(parts).astype(np.float32)
    seg = np.concatenate([np.full(len(p), k + 1, dtype=np.int64) for k, p in enumerate(parts)])
    groups = tuple(SegGroup(k, k, (k + 1,), label) for k, label in enumerate(labels))
    return Scene(
        scene_id="scene0900_00", directory=Path("scene0900_00"), vertices=vertices,
        colors=np.full((len(vertices), 4), 255, np.uint8), faces=np.zeros((0, 3), np.int32),
        seg_indices=seg, seg_groups=groups, axis_alignment=np.eye(4),
    )


def parity_scenes(folder: Path) -> list:
    """The pinned scenes: SCAN_COUNT scan-profile scans written into `folder`, and the hand-built room."""
    from vsi100k.scannet import load_scene
    from vsi100k.synth import generate_scenes
    from vsi100k.synth.writer import scan_profile

    folder = Path(folder)
    directories = generate_scenes(folder, SCAN_COUNT, SCAN_SEED, config=scan_profile(render=False))
    return [load_scene(d) for d in directories] + [hand_built_scene()]


def main(target: Path) -> None:
    import tempfile

    from vsi100k.facts.extract import extract_facts

    with tempfile.TemporaryDirectory() as tmp:
        pinned = {}
        for scene in parity_scenes(Path(tmp)):
            facts = extract_facts(scene)
            pinned[scene.scene_id] = {"vertices_sha256": vertex_digest(scene), "facts": facts.to_json()}
    Path(target).write_text(json.dumps(pinned, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
