"""Benchmark: seconds to sample 32 frames from a `.sens` and ray-cast visibility, per scene.

Builds a ScanNet-scale scan in a scratch folder (a 6 x 5 m room with furniture, ~200k triangles;
a `.sens` of 1296 x 968 JPEG colour + 640 x 480 depth frames, walking a circle), then times:
  1. sampling 32 frames (indexing the stream by seeking + reading and resizing 32 colour frames),
  2. visibility (Open3D ray casting at 1/4 resolution from the 32 poses),
  3. a second run of the pipeline's frames stage (`run_scan`, stopping after frames) on the scan:
     both come from the build cache (what rebuilding questions costs).
Prints seconds, bytes read as a share of the file, and ratios. Page cache is warm (the file was just
written), so stream figures are CPU-bound lower bounds for cold disks.

    python bench/frames_speed.py [--frames 1500] [--n-frames 32] [--downscale 4] [--scenes 2]
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from vsi100k.frames import FramesConfig
from vsi100k.scannet import SensReader
from vsi100k.frames.sens_frames import sample_sens
from vsi100k.frames.visibility import compute_visibility
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.plan import plan_jobs
from vsi100k.pipeline.stages import run_scan
from vsi100k.scannet import SensFrame, SensHeader, load_scene, write_scene_files, write_sens
from vsi100k.scene import SegGroup

COLOR_W, COLOR_H, DEPTH_W, DEPTH_H = 1296, 968, 640, 480


def grid_box(center, size, cells):
    """Vertices and triangles of a box's six faces, each split into cells x cells quads."""
    verts, faces = [], []
    t = np.linspace(-0.5, 0.5, cells + 1)
    uu, vv = np.meshgrid(t, t)
    for axis in range(3):
        for sign in (-0.5, 0.5):
            pts = np.zeros((uu.size, 3))
            others = [a for a in range(3) if a != axis]
            pts[:, axis] = sign
            pts[:, others[0]], pts[:, others[1]] = uu.ravel(), vv.ravel()
            base = sum(len(v) for v in verts)
            idx = np.arange(uu.size).reshape(cells + 1, cells + 1) + base
            a, b, c, d = idx[:-1, :-1].ravel(), idx[:-1, 1:].ravel(), idx[1:, 1:].ravel(), idx[1:, :-1].ravel()
            faces.append(np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)]))
            verts.append(pts * np.asarray(size) + np.asarray(center))
    return np.concatenate(verts), np.concatenate(faces)


def build_scan(folder: Path, scene_id: str, n_frames: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    parts = [("floor", (3, 2.5, -0.05), (6, 5, 0.1), 60), ("ceiling", (3, 2.5, 2.75), (6, 5, 0.1), 60),
             ("wall", (-0.05, 2.5, 1.35), (0.1, 5, 2.7), 40), ("wall", (6.05, 2.5, 1.35), (0.1, 5, 2.7), 40),
             ("wall", (3, -0.05, 1.35), (6, 0.1, 2.7), 40), ("wall", (3, 5.05, 1.35), (6, 0.1, 2.7), 40)]
    labels = ["chair", "table", "lamp", "sofa", "bed", "desk", "door", "window", "tv", "pillow", "plant", "monitor"]
    for k in range(24):
        size = rng.uniform(0.3, 1.2, 3)
        center = (rng.uniform(0.8, 5.2), rng.uniform(0.8, 4.2), size[2] / 2)
        parts.append((labels[k % len(labels)], center, size, 20))
    verts, faces, segs, groups = [], [], [], []
    offset = 0
    for k, (label, center, size, cells) in enumerate(parts):
        v, f = grid_box(center, size, cells)
        verts.append(v)
        faces.append(f + offset)
        segs.append(np.full(len(v), k))
        groups.append(SegGroup(k, k, (k,), label))
        offset += len(v)
    angle = np.radians(20)
    align = np.eye(4)
    align[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    align[:3, 3] = [0.4, -0.3, 0.0]
    aligned = np.concatenate(verts)
    raw = (aligned - align[:3, 3]) @ np.linalg.inv(align[:3, :3]).T
    write_scene_files(folder, scene_id, vertices=raw, colors=np.full((len(raw), 3), 180, np.uint8),
                      faces=np.concatenate(faces), seg_indices=np.concatenate(segs), seg_groups=groups,
                      axis_alignment=align, metadata={"colorWidth": str(COLOR_W), "colorHeight": str(COLOR_H)})
    k_color = np.array([[1170.0, 0, 647.5, 0], [0, 1170.0, 483.5, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    k_depth = np.array([[577.0, 0, 319.5, 0], [0, 577.0, 239.5, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    header = SensHeader(k_color, np.eye(4), k_depth, np.eye(4), COLOR_W, COLOR_H, DEPTH_W, DEPTH_H)
    y, x = np.mgrid[0:COLOR_H, 0:COLOR_W] / COLOR_W
    payloads = []
    for k in range(8):
        img = np.stack([128 + 90 * np.sin(5 * x + 3 * y + k + c) for c in range(3)], -1) + rng.normal(0, 3, (COLOR_H, COLOR_W, 3))
        buf = io.BytesIO()
        Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=90)
        payloads.append(buf.getvalue())
    dy, dx = np.mgrid[0:DEPTH_H, 0:DEPTH_W]
    depth = (2000 + 500 * np.sin(dx / 50) + rng.normal(0, 4, (DEPTH_H, DEPTH_W))).astype(np.uint16)

    def frames():
        for i in range(n_frames):
            yaw = 2 * np.pi * i / n_frames
            forward = np.array([np.cos(yaw), np.sin(yaw), -0.15])
            forward /= np.linalg.norm(forward)
            right = np.cross(forward, [0, 0, 1.0])
            right /= np.linalg.norm(right)
            down = np.cross(forward, right)
            pose = np.eye(4)
            pose[:3, :3] = np.stack([right, down, forward], 1)
            pose[:3, 3] = [3 + 1.2 * np.cos(yaw + 2), 2.5 + 1.0 * np.sin(yaw + 2), 1.5]
            raw_pose = np.linalg.inv(align) @ pose
            yield SensFrame(raw_pose, payloads[i % 8], depth, 0, 0)

    write_sens(folder / f"{scene_id}.sens", header, frames())
    return folder


class CountingFile:
    def __init__(self, path):
        self._raw = open(path, "rb", buffering=0)
        self.bytes_read = 0

    def read(self, n=-1):
        data = self._raw.read(n)
        self.bytes_read += len(data)
        return data

    def seek(self, offset, whence=0):
        return self._raw.seek(offset, whence)

    def tell(self):
        return self._raw.tell()

    def close(self):
        self._raw.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1500, help="frames in each .sens (ScanNet: 1-6k)")
    parser.add_argument("--n-frames", type=int, default=32, help="frames to sample (VSI-Bench: 32)")
    parser.add_argument("--downscale", type=int, default=4, help="visibility grid = colour resolution / this")
    parser.add_argument("--scenes", type=int, default=2, help="scans to build and time")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "frames_speed")
    args = parser.parse_args(argv)

    shutil.rmtree(args.out, ignore_errors=True)
    t0 = time.perf_counter()
    import open3d as o3d  # imported once per process; not part of the per-scene figures

    warm = o3d.t.geometry.RaycastingScene()  # the first cast starts Open3D's thread pool
    warm.add_triangles(o3d.core.Tensor(np.eye(3, dtype=np.float32)), o3d.core.Tensor(np.array([[0, 1, 2]], np.uint32)))
    warm.cast_rays(o3d.core.Tensor(np.array([[0, 0, -1, 0.3, 0.3, 1]], np.float32)))
    print(f"import open3d + first ray cast: {time.perf_counter() - t0:.2f} s (once per process)")
    cfg = FramesConfig(n_frames=args.n_frames, visibility_downscale=args.downscale)
    build_cfg = BuildConfig(args.out / "scans", args.out / "dataset", frames=cfg, cache_dir=args.out / "cache")
    rows = []
    for s in range(args.scenes):
        scene_id = f"scene{9000 + s:04d}_00"
        t0 = time.perf_counter()
        build_scan(args.out / "scans" / scene_id, scene_id, args.frames, seed=s)
        build_s = time.perf_counter() - t0
        scene = load_scene(args.out / "scans" / scene_id)
        size = scene.sens_path.stat().st_size
        opened = []
        t0 = time.perf_counter()
        frames = sample_sens(scene.sens_path, scene_id, cfg, open_sens=SensReader, opener=lambda p: opened.append(CountingFile(p)) or opened[-1])
        sample_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        vis = compute_visibility(scene, frames, cfg)
        vis_s = time.perf_counter() - t0
        job = next(j for j in plan_jobs(build_cfg) if j.scene_id == scene_id)
        miss = run_scan(job, build_cfg, "frames")  # fills the cache
        assert miss.status == "ok" and miss.computed == ("frames", "visibility"), miss
        t0 = time.perf_counter()
        hit = run_scan(job, build_cfg, "frames")
        cached_s = time.perf_counter() - t0
        assert hit.status == "ok" and hit.cached and not hit.computed, hit
        seen = int((vis.pixel_counts.sum(axis=0) > 0).sum())
        rows.append((sample_s, vis_s, cached_s))
        print(f"{scene_id}: {args.frames} frames, {size / 1e6:.0f} MB .sens, {len(scene.faces):,} triangles "
              f"(built in {build_s:.1f} s)")
        print(f"  sample {len(frames)} frames -> {frames.width}x{frames.height}: {sample_s:.3f} s; "
              f"read {opened[0].bytes_read / 1e6:.2f} MB = {100 * opened[0].bytes_read / size:.2f} % of the file")
        print(f"  visibility {vis.grid_width}x{vis.grid_height} rays x {len(frames)} frames "
              f"({vis.rays_per_frame * len(frames) / 1e6:.1f} M rays): {vis_s:.3f} s; {seen} of {len(vis.instance_ids)} instances seen")
        print(f"  total {sample_s + vis_s:.3f} s per scene; from cache {cached_s:.3f} s "
              f"({(sample_s + vis_s) / cached_s:.0f}x faster)")
    sample_s, vis_s, cached_s = np.mean(rows, axis=0)
    print(f"mean over {len(rows)} scenes: sample {sample_s:.3f} s + visibility {vis_s:.3f} s = {sample_s + vis_s:.3f} s "
          f"per scene (visibility/sample = {vis_s / sample_s:.2f}); cache hit {cached_s:.3f} s")
    print(f"=> 1,513 ScanNet scans at this rate: {(sample_s + vis_s) * 1513 / 60:.1f} min (this machine, one process)")
    shutil.rmtree(args.out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
