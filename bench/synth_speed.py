"""Speed of the synthetic scene writer: seconds per scene, split by stage, and mesh sizes.

    python bench/synth_speed.py [--scenes 4] [--frames 96] [--seed 0]

Prints per-stage seconds per scene (layout, mesh, truth distances, rendering incl. JPEG and
.sens, whole scene through `generate_scenes`), vertices and faces per scene, and rendering
throughput in rays per second, plus the ratio of rendering to the rest.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=4)
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from vsi100k.synth.layout import generate_layout
    from vsi100k.synth.mesh import build_room_mesh
    from vsi100k.synth.render import MeshRenderer
    from vsi100k.synth.trajectory import generate_trajectory
    from vsi100k.synth.truth import pairwise_distances
    from vsi100k.synth.writer import SynthConfig, annotate, cameras, generate_scenes, truth_objects

    cfg = SynthConfig(n_frames=args.frames)
    stage = {"layout": 0.0, "mesh": 0.0, "distances": 0.0, "raycast+shade": 0.0}
    vertices, faces = [], []
    for index in range(args.scenes):
        rng = np.random.default_rng([args.seed, 99, index])
        start = time.perf_counter()
        layout = generate_layout(rng, cfg.layout)
        stage["layout"] += time.perf_counter() - start
        start = time.perf_counter()
        mesh = build_room_mesh(layout, rng, cfg.mesh)
        stage["mesh"] += time.perf_counter() - start
        vertices.append(len(mesh.vertices))
        faces.append(len(mesh.faces))
        start = time.perf_counter()
        pairwise_distances(truth_objects(layout, mesh, annotate(mesh, layout, rng, cfg)))
        stage["distances"] += time.perf_counter() - start
        trajectory = generate_trajectory(layout, args.frames, rng, cfg.trajectory)
        start = time.perf_counter()
        renderer = MeshRenderer(mesh.vertices, mesh.faces, mesh.colors, np.zeros(len(mesh.faces), np.int64))
        for _ in renderer.render(trajectory.poses, *cameras(cfg)):
            pass
        stage["raycast+shade"] += time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        generate_scenes(Path(tmp), args.scenes, args.seed, n_frames=args.frames)
        whole = (time.perf_counter() - start) / args.scenes
        start = time.perf_counter()
        generate_scenes(Path(tmp) / "no_render", args.scenes, args.seed, render=False)
        no_render = (time.perf_counter() - start) / args.scenes

    n = args.scenes
    rays = args.frames * cfg.color_size[0] * cfg.color_size[1]  # depth pixels reuse colour rays
    print(f"scenes: {n}, frames: {args.frames}, colour {cfg.color_size[0]}x{cfg.color_size[1]}, "
          f"depth {cfg.depth_size[0]}x{cfg.depth_size[1]}")
    print(f"vertices per scene: mean {np.mean(vertices):.0f} (min {min(vertices)}, max {max(vertices)}); "
          f"faces mean {np.mean(faces):.0f}")
    for name, seconds in stage.items():
        print(f"  {name:>14}: {seconds / n:6.2f} s/scene")
    render_s = stage["raycast+shade"] / n
    print(f"  ray casting + shading: {rays / render_s / 1e6:.1f} M rays/s ({rays / 1e6:.1f} M rays per scene)")
    print(f"whole scene written (generate_scenes): {whole:.2f} s/scene; without rendering: {no_render:.2f} s/scene")
    print(f"ratio rendering+sens / everything else: {(whole - no_render) / no_render:.1f}x")


if __name__ == "__main__":
    main()
