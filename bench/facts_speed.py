"""Facts extraction time per scene against the time to read the scene's PLY (the floor).

Writes synthetic ScanNet-format scans of about 100k vertices and 40 box-shaped objects (floor,
walls and objects sampled on their surfaces, about two triangles per vertex like ScanNet meshes),
then times per scene: `read_ply` of the mesh, `load_scene` (mesh + segs + aggregation + txt),
`extract_facts` with the default methods, and the parts of it. Prints figures and ratios.

    python bench/facts_speed.py                 # 5 scenes, 100k vertices, 40 objects
    python bench/facts_speed.py --scenes 3 --vertices 200000 --objects 60
    python bench/facts_speed.py --synth         # the project's synthetic rooms (vsi100k.synth) instead
"""

from __future__ import annotations

import argparse
import statistics
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


def best_of(repeats: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def parts_breakdown(scene, cfg: FactsConfig, repeats: int) -> dict[str, float]:
    """Seconds of the parts of extract_facts (same work, timed separately)."""
    out = {}
    out["align+group"], (vertices, members) = best_of(repeats, lambda: (
        scene.aligned_vertices(), group_vertices(scene.seg_indices, [o.segments for o in scene.objects])))
    point_sets = [vertices[m] for m in members if len(m)]
    for method in ("axis_aligned", "gravity_aligned", "oriented"):
        out[f"box:{method}"], _ = best_of(repeats, lambda m=method: [box_geometry.box_from_points(p, m) for p in point_sets])
    out["box:oriented (numpy)"], _ = best_of(
        repeats, lambda: [box_geometry.minimal_oriented_box(p, "numpy") for p in point_sets])
    oriented = [box_geometry.box_from_points(p, "oriented") for p in point_sets[1:]]
    out["dist:box_grid"], _ = best_of(repeats, lambda: distance_geometry.box_grid_distances(oriented, cfg.grid_step_m))
    out["dist:closest_points"], _ = best_of(repeats, lambda: distance_geometry.closest_points_distances(point_sets[1:]))
    out["dist:centers"], _ = best_of(repeats, lambda: distance_geometry.center_distances(oriented))

    def room():
        pick = np.random.default_rng(0).choice(len(vertices), size=min(10_000, len(vertices)), replace=False)
        return alpha_shape(vertices[pick, :2], cfg.room_alpha)

    out["room (alpha shape)"], _ = best_of(repeats, room)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenes", type=int, default=5)
    parser.add_argument("--vertices", type=int, default=100_000)
    parser.add_argument("--objects", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs per timing")
    parser.add_argument("--out", type=Path, default=Path("bench/out/facts_speed"))
    parser.add_argument("--synth", action="store_true", help="time vsi100k.synth rooms (80-140k vertices, ~17 objects)")
    args = parser.parse_args()

    cfg = FactsConfig()
    fast_cfg = FactsConfig(oriented_engine="numpy")
    rows = []
    parts_all: dict[str, list[float]] = {}
    if args.synth:
        from vsi100k.synth import generate_scenes

        directories = generate_scenes(args.out / "synth", args.scenes, seed=0, render=False)
    else:
        directories = []
        for k in range(args.scenes):
            directory = args.out / f"scene{9000 + k:04d}_00"
            if not directory.exists():
                build_scene(directory, directory.name, args.vertices, args.objects, seed=k)
            directories.append(directory)
    for directory in directories:
        scene_id = directory.name
        mesh = directory / f"{scene_id}_vh_clean_2.ply"
        read_ply(mesh, scene_id)  # warm the page cache
        ply_s, _ = best_of(args.repeats, lambda: read_ply(mesh, scene_id))
        load_s, scene = best_of(args.repeats, lambda: load_scene(directory))
        facts_s, facts = best_of(args.repeats, lambda: extract_facts(scene, cfg))
        fast_s, _ = best_of(args.repeats, lambda: extract_facts(scene, fast_cfg))
        for name, seconds in parts_breakdown(scene, cfg, args.repeats).items():
            parts_all.setdefault(name, []).append(seconds)
        rows.append((scene_id, len(scene.vertices), len(facts.objects), len(facts.distances_m), ply_s, load_s, facts_s,
                     fast_s))
        print(f"{scene_id}: {len(scene.vertices):,} vertices, {len(facts.objects)} objects, "
              f"{len(facts.distances_m)} pairs | read_ply {ply_s * 1e3:6.1f} ms | load_scene {load_s * 1e3:6.1f} ms | "
              f"facts {facts_s * 1e3:7.1f} ms ({facts_s / ply_s:6.1f}x read_ply) | "
              f"facts, numpy oriented engine {fast_s * 1e3:6.1f} ms ({fast_s / ply_s:5.1f}x)")
    ply = statistics.median(r[4] for r in rows)
    load = statistics.median(r[5] for r in rows)
    facts = statistics.median(r[6] for r in rows)
    fast = statistics.median(r[7] for r in rows)
    print()
    print(f"median per scene: read_ply {ply * 1e3:.1f} ms, load_scene {load * 1e3:.1f} ms, "
          f"extract_facts defaults (Open3D oriented boxes, box_grid distances) {facts * 1e3:.1f} ms, "
          f"with the numpy oriented engine {fast * 1e3:.1f} ms")
    print(f"RATIO facts / read_ply = {facts / ply:.2f}x (target <= 3x); facts / load_scene = {facts / load:.2f}x")
    print(f"RATIO facts (numpy oriented engine) / read_ply = {fast / ply:.2f}x; / load_scene = {fast / load:.2f}x")
    print("parts (median ms; extract_facts computes all three boxes and one distance method):")
    for name, values in parts_all.items():
        median = statistics.median(values)
        print(f"  {name:22s} {median * 1e3:8.1f} ms  ({median / ply:5.2f}x read_ply)")


if __name__ == "__main__":
    main()
