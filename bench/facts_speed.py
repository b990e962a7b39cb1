"""Facts extraction time per scene, per phase, before and after the speed-ups, against reading the PLY.

Writes synthetic ScanNet-format scans of about 100k vertices and 40 box-shaped objects (floor,
walls and objects sampled on their surfaces, about two triangles per vertex like ScanNet meshes),
then measures per scene, in CPU seconds of this process (`time.process_time`, best of --repeats;
the machine is shared, so wall time would measure the neighbours): `read_ply`, `load_scene`,
`extract_facts` with the default methods, and each phase of it. "before" runs the earlier
closest-point search (kept in tests/facts_parity_support.py), "after" today's; the two alternate
within each repeat, and their facts are compared value by value (1e-6 m / 1e-6 relative).
The other phases run today's code only and are timed once (their "before" = "after"; run this
script on an earlier checkout to compare them). One experiment is printed too: Open3D's minimal
box fed only the convex-hull vertices (faster? same values?).

    python bench/facts_speed.py                 # 5 scenes, 100k vertices, 40 objects
    python bench/facts_speed.py --scenes 3 --vertices 200000 --objects 60
    python bench/facts_speed.py --synth         # the project's scan-profile synthetic scans instead
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from vsi100k.facts.extract import FactsConfig, extract_facts
from vsi100k.scene import group_vertices
from vsi100k.facts.vocabulary import default_vocabulary
from vsi100k.geometry import boxes as box_geometry
from vsi100k.geometry import distances as distance_geometry
from vsi100k.geometry.alpha_shape import alpha_shape
from vsi100k.scannet import load_scene, write_scene_files
from vsi100k.scannet.ply import read_ply
from vsi100k.scene import SegGroup


def surface_samples(size: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """(count, 3) random points on the surface of a box of `size` centred at 0, area-weighted."""
    areas = np.array([size[1] * size[2], size[0] * size[2], size[0] * size[1]])
    axis = rng.choice(3, size=count, p=np.repeat(areas, 1) / areas.sum())
    local = rng.uniform(-0.5, 0.5, (count, 3))
    local[np.arange(count), axis] = rng.choice([-0.5, 0.5], count)
    return local * size


def build_scene(directory: Path, scene_id: str, n_vertices: int, n_objects: int, seed: int) -> None:
    """Write one synthetic scan with about n_vertices vertices and n_objects categorised objects."""
    rng = np.random.default_rng(seed)
    width, depth, height = rng.uniform(5, 8), rng.uniform(4, 6), 2.6
    names = [c for c in default_vocabulary().categories]
    parts, segs, groups = [], [], []
    shell_count = n_vertices // 3
    room = surface_samples(np.array([width, depth, height]), shell_count, rng) + [width / 2, depth / 2, height / 2]
    room = room[room[:, 2] < height - 1e-6]  # no ceiling, as most ScanNet meshes
    parts.append(room)
    segs.append(np.zeros(len(room), dtype=np.int64))
    groups.append(SegGroup(0, 0, (0,), "floor"))
    sizes = rng.uniform(0.3, 1.6, (n_objects, 3))
    areas = 2 * (sizes[:, 0] * sizes[:, 1] + sizes[:, 1] * sizes[:, 2] + sizes[:, 0] * sizes[:, 2])
    counts = np.maximum((areas / areas.sum() * (n_vertices - len(room))).astype(int), 8)
    for k in range(n_objects):
        yaw = rng.uniform(0, np.pi)
        c, s = np.cos(yaw), np.sin(yaw)
        rotation = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
        center = [rng.uniform(0.8, width - 0.8), rng.uniform(0.8, depth - 0.8), sizes[k, 2] / 2]
        pts = surface_samples(sizes[k], counts[k], rng) @ rotation.T + center
        parts.append(pts)
        # a few segments per object, as ScanNet over-segmentation gives
        segs.append(1 + 4 * k + rng.integers(0, 4, len(pts)))
        groups.append(SegGroup(k + 1, k + 1, tuple(range(1 + 4 * k, 5 + 4 * k)), names[k % len(names)]))
    vertices = np.concatenate(parts)
    faces = rng.integers(0, len(vertices), (2 * len(vertices), 3))
    write_scene_files(
        directory, scene_id, vertices=vertices, colors=np.full((len(vertices), 3), 180, np.uint8),
        faces=faces, seg_indices=np.concatenate(segs), seg_groups=groups, axis_alignment=np.eye(4),
        metadata={"sceneType": "Office"},
    )


def cpu_best(repeats: int, fn) -> tuple[float, object]:
    """Least CPU seconds of this process over `repeats` runs of fn, and fn's last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def interleaved(repeats: int, before, after) -> tuple[float, float, object, object]:
    """CPU seconds (least of `repeats`) of before and after, run alternately, and their results."""
    times: dict[str, list[float]] = {"before": [], "after": []}
    results = {}
    for _ in range(repeats):
        for name, fn in (("before", before), ("after", after)):
            start = time.process_time()
            results[name] = fn()
            times[name].append(time.process_time() - start)
    return min(times["before"]), min(times["after"]), results["before"], results["after"]


def largest_difference(new, old) -> float:
    """Largest difference between two facts JSON trees, relative for values above 1 (inf when the
    structure differs)."""
    if isinstance(old, dict):
        if not isinstance(new, dict) or sorted(new) != sorted(old):
            return float("inf")
        return max((largest_difference(new[k], old[k]) for k in old), default=0.0)
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return float("inf")
        return max((largest_difference(a, b) for a, b in zip(new, old)), default=0.0)
    if isinstance(old, (int, float)) and not isinstance(old, bool):
        return abs(new - old) / max(1.0, abs(old))
    return 0.0 if new == old else float("inf")


def box_difference(a, b) -> float:
    return max(float(np.abs(np.asarray(x) - np.asarray(y)).max())
               for x, y in ((a.center, b.center), (a.extent, b.extent), (a.rotation, b.rotation)))


def phases(scene, cfg: FactsConfig, repeats: int, earlier_closest) -> dict[str, tuple[float, float]]:
    """Phase -> (CPU seconds before, after) of the parts of extract_facts (same work, timed separately)."""
    from scipy.spatial import ConvexHull

    from vsi100k.geometry.overlap import overlap_matrix

    out: dict[str, tuple[float, float]] = {}
    vertices = scene.aligned_vertices()
    members = group_vertices(scene.seg_indices, [o.segments for o in scene.objects])
    point_sets = [vertices[m] for m in members if len(m)]
    for method in ("axis_aligned", "gravity_aligned", "oriented"):
        seconds, _ = cpu_best(repeats, lambda m=method: [box_geometry.box_from_points(p, m) for p in point_sets])
        out[f"box:{method}"] = (seconds, seconds)
    seconds, _ = cpu_best(repeats, lambda: [box_geometry.minimal_oriented_box(p, "numpy") for p in point_sets])
    out["box:oriented, numpy engine"] = (seconds, seconds)
    oriented = [box_geometry.box_from_points(p, "oriented") for p in point_sets]
    gravity = [box_geometry.gravity_aligned_box(p) for p in point_sets]
    seconds, _ = cpu_best(repeats, lambda: distance_geometry.box_grid_distances(oriented, cfg.grid_step_m))
    out["dist:box_grid"] = (seconds, seconds)
    before, after, old, new = interleaved(repeats, lambda: earlier_closest(point_sets),
                                          lambda: distance_geometry.closest_points_distances(point_sets, gravity))
    if not np.array_equal(old, new):
        raise SystemExit(f"{scene.scene_id}: closest-point distances differ by {np.abs(old - new).max():.3g} m")
    out["dist:closest_points"] = (before, after)
    seconds, _ = cpu_best(repeats, lambda: overlap_matrix(point_sets, gravity))
    out["overlap rule"] = (seconds, seconds)

    def room():
        pick = np.random.default_rng(cfg.room_sample_seed).choice(
            len(vertices), size=min(cfg.room_sample_count, len(vertices)), replace=False)
        return alpha_shape(vertices[pick, :2], cfg.room_alpha)

    seconds, _ = cpu_best(repeats, room)
    out["room (alpha shape)"] = (seconds, seconds)

    def hull_fed():
        return [box_geometry.minimal_oriented_box(p[ConvexHull(p).vertices]) for p in point_sets]

    seconds, boxes = cpu_best(repeats, hull_fed)
    out["experiment: Open3D fed hull vertices"] = (out["box:oriented"][0], seconds)
    out["experiment: its largest box difference (m)"] = (0.0, max(box_difference(a, b) for a, b in zip(boxes, oriented)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=5)
    parser.add_argument("--vertices", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3, help="least CPU time of this many runs per timing")
    parser.add_argument("--out", type=Path, default=Path("bench/out/facts_speed"))
    parser.add_argument("--synth", action="store_true", help="time scan-profile synthetic scans (vsi100k.synth)")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from facts_parity_support import earlier_closest_points_distances

    cfg = FactsConfig()
    if args.synth:
        from vsi100k.synth import generate_scenes
        from vsi100k.synth.writer import scan_profile

        directories = generate_scenes(args.out / "synth", args.scenes, seed=0, config=scan_profile(render=False))
    else:
        directories = []
        for k in range(args.scenes):
            directory = args.out / f"scene{9000 + k:04d}_00"
            if not directory.exists():
                build_scene(directory, directory.name, args.vertices, args.objects, seed=k)
            directories.append(directory)
    rows = []
    parts_all: dict[str, list[tuple[float, float]]] = {}
    box_geometry.minimal_oriented_box(np.random.default_rng(0).normal(size=(50, 3)))  # import Open3D once, untimed
    for directory in directories:
        scene_id = directory.name
        mesh = directory / f"{scene_id}_vh_clean_2.ply"
        read_ply(mesh, scene_id)  # warm the page cache
        ply_s, _ = cpu_best(args.repeats, lambda: read_ply(mesh, scene_id))
        load_s, scene = cpu_best(args.repeats, lambda: load_scene(directory))

        def earlier_facts():
            swapped = distance_geometry.closest_points_distances
            distance_geometry.closest_points_distances = (
                lambda sets, boxes=None, cells=None: earlier_closest_points_distances(sets))
            try:
                return extract_facts(scene, cfg)
            finally:
                distance_geometry.closest_points_distances = swapped

        before_s, after_s, old, new = interleaved(args.repeats, earlier_facts, lambda: extract_facts(scene, cfg))
        difference = largest_difference(new.to_json(), old.to_json())
        for name, pair in phases(scene, cfg, args.repeats, earlier_closest_points_distances).items():
            parts_all.setdefault(name, []).append(pair)
        rows.append((ply_s, load_s, before_s, after_s, difference))
        print(f"{scene_id}: {len(scene.vertices):,} vertices, {len(new.objects)} objects, {len(new.distances_m)} pairs | "
              f"read_ply {ply_s * 1e3:6.1f} ms | load_scene {load_s * 1e3:6.1f} ms | facts before {before_s * 1e3:7.1f} ms, "
              f"after {after_s * 1e3:7.1f} ms | largest value difference {difference:.2g}")
    ply, load, before, after = (statistics.median(r[k] for r in rows) for k in range(4))
    print()
    print("CPU seconds of this process, least of the repeats, median over scenes "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end)")
    print(f"median per scene: read_ply {ply * 1e3:.1f} ms, load_scene {load * 1e3:.1f} ms, extract_facts defaults "
          f"(Open3D oriented boxes, box_grid distances) before {before * 1e3:.1f} ms, after {after * 1e3:.1f} ms "
          f"({before / after:.2f}x); largest value difference {max(r[4] for r in rows):.2g} (declared precision 1e-6)")
    print(f"RATIO facts after / read_ply = {after / ply:.1f}x; / load_scene = {after / load:.2f}x")
    print(f"{'phase (median ms)':44s} {'before':>9s} {'after':>9s}")
    for name, pairs in parts_all.items():
        b, a = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        if name.endswith("(m)"):
            print(f"  {name:42s} {'':9s} {max(p[1] for p in pairs):9.2g}")
        else:
            print(f"  {name:42s} {b * 1e3:9.1f} {a * 1e3:9.1f}{'' if b == a else f'   ({b / a:.2f}x)'}")


if __name__ == "__main__":
    main()
