"""The oriented-box engines compared: CPU time, how far their boxes are from the smallest box known,
and how many questions of a build change with the engine.

Open3D's minimal oriented box (engine "open3d", the default) is most of the facts time of a scan.
This bench gives the figures needed to choose an engine:

1. Per object, on scan-profile synthetic scans (noisy, non-box shapes) and on box-shaped objects
   sampled on their faces (bench/facts_speed.py's scenes): CPU seconds of each engine, and the
   volume of each engine's box against the smallest box found by any method, including an exact
   search over every box with a face flush with a convex-hull facet (`face_flush_box`, here only:
   the minimal box is either of that kind or has three faces each flush with a hull edge, which
   this search does not try, so it is a witness of a smaller box, not the minimum). Open3D 0.20's
   search is Jylanki's, with tolerances; where the face-flush witness is smaller, Open3D's box was
   not the minimum.
2. Per build (the CLI, `--oriented-engine open3d` vs `numpy`, same scans and seed, no frames): how
   many questions are the same, how many changed their answer, how many exist in one build only.

    python bench/oriented_engines.py                    # 12 scan-profile scans, 2 box scenes
    python bench/oriented_engines.py --scans 24 --workers 2
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy.spatial import ConvexHull

from vsi100k.geometry.boxes import minimal_oriented_box
from vsi100k.scene import group_vertices


def face_flush_box(points: np.ndarray) -> tuple[float, np.ndarray]:
    """Volume (m3) and sorted extents (3,) of the smallest box of (N, 3) points that has a face flush
    with a facet of their convex hull: per distinct facet normal, the minimum-area rectangle of the
    projection, whose sides lie along projected silhouette edges (edges between a facet facing the
    normal and one facing away)."""
    hull = ConvexHull(points)
    vertices = points[hull.vertices]
    index = np.full(len(points), -1)
    index[hull.vertices] = np.arange(len(hull.vertices))
    triangles = index[hull.simplices]
    normals = hull.equations[:, :3]
    edges = np.concatenate([triangles[:, [0, 1]], triangles[:, [1, 2]], triangles[:, [2, 0]]])
    faces = np.tile(np.arange(len(triangles)), 3)
    edges = np.sort(edges, axis=1)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    edges, faces = edges[order][0::2], np.stack([faces[order][0::2], faces[order][1::2]], axis=1)
    directions = vertices[edges[:, 1]] - vertices[edges[:, 0]]
    best_volume, best_extent = np.inf, None
    for normal in np.unique(np.round(normals, 12), axis=0):
        facing = normals[faces] @ normal  # (E, 2)
        silhouette = facing[:, 0] * facing[:, 1] <= 0
        second = np.cross(normal, directions[silhouette])
        length = np.linalg.norm(second, axis=1)
        second = second[length > 1e-12] / length[length > 1e-12, None]
        if not len(second):
            continue
        third = np.cross(normal, second)
        depth = np.ptp(vertices @ normal)
        width = np.ptp(second @ vertices.T, axis=1)
        height = np.ptp(third @ vertices.T, axis=1)
        k = int(np.argmin(width * height))
        volume = depth * width[k] * height[k]
        if volume < best_volume:
            best_volume, best_extent = volume, np.sort([depth, width[k], height[k]])[::-1]
    return float(best_volume), best_extent


def object_point_sets(scene) -> list[np.ndarray]:
    """(N, 3) aligned vertices of each object with at least 4 points."""
    vertices = scene.aligned_vertices()
    members = group_vertices(scene.seg_indices, [o.segments for o in scene.objects])
    return [vertices[m] for m in members if len(m) >= 4]


def compare_objects(label: str, point_sets: list[np.ndarray]) -> None:
    """Print engine times and volume gaps for one family of objects."""
    seconds = {"open3d": 0.0, "numpy": 0.0, "face-flush search": 0.0}
    gaps = {name: [] for name in seconds}
    extent_mm = []
    for points in point_sets:
        volumes, extents = {}, {}
        for engine in ("open3d", "numpy"):
            start = time.process_time()
            box = minimal_oriented_box(points, engine)
            seconds[engine] += time.process_time() - start
            volumes[engine], extents[engine] = float(np.prod(box.extent)), np.asarray(box.extent)
        start = time.process_time()
        volumes["face-flush search"], _ = face_flush_box(points)
        seconds["face-flush search"] += time.process_time() - start
        smallest = min(volumes.values())
        for name, volume in volumes.items():
            gaps[name].append(volume / smallest - 1.0)
        extent_mm.append(1000.0 * float(np.abs(extents["numpy"] - extents["open3d"]).max()))
    n = len(point_sets)
    print(f"\n{label}: {n} objects")
    print(f"  {'method':<20} {'CPU ms/object':>13} {'smallest':>9} {'median gap':>11} {'max gap':>9}")
    for name in seconds:
        smallest_count = sum(g <= 1e-9 for g in gaps[name])
        print(f"  {name:<20} {1000 * seconds[name] / n:13.1f} {smallest_count:>5} of {n:<3}"
              f"{100 * statistics.median(gaps[name]):10.4f}% {100 * max(gaps[name]):8.4f}%")
    print(f"  numpy vs open3d extents: median {statistics.median(extent_mm):.3f} mm, max {max(extent_mm):.3f} mm")
    open3d_over = [g for g in gaps["open3d"] if g > 1e-9]
    print(f"  open3d's box is larger than the smallest found for {len(open3d_over)} of {n} objects"
          + (f" (by up to {100 * max(open3d_over):.3f}% of volume)" if open3d_over else ""))


def build(scans: Path, out: Path, engine: str, workers: int, mix: str) -> None:
    command = [sys.executable, "-m", "vsi100k", "build", "--scenes", str(scans), "--out", str(out),
               "--cache-dir", str(out.parent / f"cache-{engine}"), "--oriented-engine", engine,
               "--workers", str(workers), "--mix", mix, "--no-visibility", "--overwrite"]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def read_questions(folder: Path) -> dict[str, tuple[str, str]]:
    """Question id -> (question text, answer) over every split of a build."""
    import pyarrow.parquet as pq

    rows = {}
    for shard in sorted((folder / "data" / "questions").rglob("*.parquet")):
        table = pq.read_table(shard, columns=["id", "question", "answer"]).to_pydict()
        rows.update({i: (q, a) for i, q, a in zip(table["id"], table["question"], table["answer"])})
    return rows


def compare_builds(scans: Path, workdir: Path, workers: int, mix: str) -> None:
    """Build the same scans with both engines; count same, changed and one-sided questions."""
    outs = {}
    for engine in ("open3d", "numpy"):
        outs[engine] = workdir / f"build-{engine}"
        start = time.perf_counter()
        build(scans, outs[engine], engine, workers, mix)
        print(f"  build with --oriented-engine {engine}: {time.perf_counter() - start:.1f} s wall")
    a, b = read_questions(outs["open3d"]), read_questions(outs["numpy"])
    shared = a.keys() & b.keys()
    same = sum(a[k] == b[k] for k in shared)
    answer = sum(a[k][0] == b[k][0] and a[k][1] != b[k][1] for k in shared)
    print(f"  questions: open3d {len(a)}, numpy {len(b)}; same id, text and answer {same}; "
          f"same question, other answer {answer}; other text {len(shared) - same - answer}; "
          f"only with open3d {len(a.keys() - b.keys())}; only with numpy {len(b.keys() - a.keys())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=12, help="scan-profile synthetic scans")
    parser.add_argument("--box-scenes", type=int, default=2, help="bench/facts_speed.py box-shaped scenes")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out/oriented_engines"))
    args = parser.parse_args()

    from vsi100k.scannet import load_scene
    from vsi100k.synth import generate_scenes
    from vsi100k.synth.writer import scan_profile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from facts_speed import build_scene

    scans = args.workdir / "scans"
    directories = generate_scenes(scans, args.scans, seed=0, config=scan_profile(render=False))
    minimal_oriented_box(np.random.default_rng(0).normal(size=(50, 3)))  # import Open3D once, untimed
    compare_objects("scan-profile objects (noisy, non-box shapes)",
                    [p for d in directories for p in object_point_sets(load_scene(d))])
    boxes = []
    for k in range(args.box_scenes):
        directory = args.workdir / "boxes" / f"scene{9000 + k:04d}_00"
        if not directory.exists():
            build_scene(directory, directory.name, 100_000, 40, seed=k)
        boxes.extend(object_point_sets(load_scene(directory)))
    compare_objects("box-shaped objects sampled on their faces (100k-vertex scenes)", boxes)
    print(f"\nbuilds of the {args.scans} scan-profile scans (default mix, seed 0, no frames):")
    compare_builds(scans, args.workdir, args.workers, "vsi100k")


if __name__ == "__main__":
    main()
