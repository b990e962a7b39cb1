"""Speed of the synthetic scene writer, clean and scan profiles.

    python bench/synth_speed.py [--scenes 4] [--frames 96] [--seed 0] [--profiles clean,scan]

Per profile prints vertices per room, seconds per scan with and without rendering (whole scans
through `generate_scenes`, so the scan profile includes rounding, damage, masks and .sens), the
rendered frames per scan and the render cost per frame (ray casting, shading, JPEG, .sens and, in
the scan profile, the 2D instance masks). The clean profile renders `--frames` frames per scan; the
scan profile renders its 1-3 minute videos at 1 frame per second, 320 x 240.
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
    parser.add_argument("--profiles", default="clean,scan")
    args = parser.parse_args()

    from dataclasses import replace

    from vsi100k.synth.truth import read_truth
    from vsi100k.synth.writer import SynthConfig, generate_scenes, scan_profile

    for profile in args.profiles.split(","):
        cfg = scan_profile() if profile == "scan" else SynthConfig(n_frames=args.frames)
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            dirs = generate_scenes(Path(tmp) / "render", args.scenes, args.seed, config=cfg)
            whole = (time.perf_counter() - start) / args.scenes
            truths = [read_truth(d) for d in dirs]
            start = time.perf_counter()
            generate_scenes(Path(tmp) / "no_render", args.scenes, args.seed, config=replace(cfg, render=False))
            no_render = (time.perf_counter() - start) / args.scenes
        vertices = [t.n_vertices for t in truths]
        frames = [len(t.frame_times_s) for t in truths]
        per_frame = (whole - no_render) * args.scenes / max(sum(frames), 1)
        print(f"[{profile}] scenes {args.scenes}, colour {cfg.color_size[0]}x{cfg.color_size[1]}, "
              f"depth {cfg.depth_size[0]}x{cfg.depth_size[1]}")
        print(f"  vertices per room: mean {np.mean(vertices):.0f} (min {min(vertices)}, max {max(vertices)})")
        print(f"  frames per scan: mean {np.mean(frames):.0f} (min {min(frames)}, max {max(frames)})")
        print(f"  seconds per scan: {whole:.2f} with rendering, {no_render:.2f} without")
        print(f"  render cost: {per_frame * 1000:.1f} ms per frame")


if __name__ == "__main__":
    main()
