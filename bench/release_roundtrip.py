"""Benchmark: a release without images and its rehydration, on synthetic scans of all three sources.

Writes --per-source synthetic scans of each source (ScanNet `.sens`, ScanNet++ iPhone video,
ARKitScenes `lowres_wide` images), builds them (--frames frames per scan), writes the upload tree of
`vsi100k push --without-frames --dry-run`, rehydrates it from the same scans with an empty cache,
and prints: the upload size with and without frames, the manifest's size per scan, the CPU time of
the build and of the rehydration (`time.process_time`, one process), and whether every file of the
rehydrated folder equals the build's byte for byte.

    python bench/release_roundtrip.py [--per-source 2] [--frames 8] [--seed 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-source", type=int, default=2)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()

    from vsi100k import hub
    from vsi100k.dataset.manifest import MANIFEST_FILE
    from vsi100k.frames.config import FramesConfig
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import run_build
    from vsi100k.release.rehydrate import RehydrateConfig, rehydrate
    from vsi100k.synth import SynthConfig, generate_scenes
    from vsi100k.synth.arkitscenes_writer import generate_arkitscenes_scenes
    from vsi100k.synth.scannetpp_writer import generate_scannetpp_scenes

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        scans = tmp / "scans"
        video = SynthConfig(n_frames=4 * args.frames, color_size=(320, 240), depth_size=(80, 60))
        generate_scenes(scans, args.per_source, seed=args.seed, n_frames=4 * args.frames)
        generate_scannetpp_scenes(scans, args.per_source, seed=args.seed, config=video)
        generate_arkitscenes_scenes(scans, args.per_source, seed=args.seed, config=video)
        cfg = BuildConfig(scenes_dir=scans, out_dir=tmp / "full", cache_dir=tmp / "cache", split="train",
                          allow_val_in_train=True, frames=FramesConfig(n_frames=args.frames))
        started = time.process_time()
        run_build(cfg, progress=False)
        build_cpu = time.process_time() - started
        full_tree, frameless_tree = tmp / "tree-full", tmp / "tree-frameless"
        hub.dry_run(cfg.out_dir, full_tree, "me/bench", redistribution_rights=True)
        hub.dry_run(cfg.out_dir, frameless_tree, "me/bench", without_frames=True)
        started = time.process_time()
        result = rehydrate(RehydrateConfig(frameless_tree, scans, tmp / "rehydrated", cache_dir=tmp / "cache2"))
        rehydrate_cpu = time.process_time() - started
        files = lambda folder: {p.relative_to(folder).as_posix(): p.read_bytes()  # noqa: E731
                                for p in sorted(folder.rglob("*")) if p.is_file()}
        identical = files(cfg.out_dir) == files(result.out_dir)
        n_scans = len(result.rebuilt) + len(result.problems)
        full, frameless = tree_bytes(full_tree), tree_bytes(frameless_tree)
        print(f"scans: {n_scans} ({args.per_source} per source), {args.frames} frames each, video frames 320x240")
        print(f"upload with frames: {full / 1024:.1f} KiB; without frames: {frameless / 1024:.1f} KiB "
              f"({100 * frameless / full:.1f} %)")
        print(f"manifest: {(frameless_tree / MANIFEST_FILE).stat().st_size / n_scans / 1024:.2f} KiB per scan")
        print(f"CPU: build {build_cpu:.1f} s, rehydrate {rehydrate_cpu:.1f} s (empty cache, one process)")
        print(f"rehydrated {len(result.rebuilt)}/{n_scans} scans; byte-identical to the build: {identical}")


if __name__ == "__main__":
    main()
