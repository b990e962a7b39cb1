"""End-to-end build throughput on synthetic scenes, with 1 and 2 workers.

Generates N synthetic scenes (rendered `.sens` streams) once, then times a cold build (empty cache)
with 1 worker and with 2 workers into separate output and cache folders, and a warm rebuild (all
scenes cached). Prints scenes per minute, questions per second, the 2-worker speedup, and checks
that both outputs are byte-identical.

    python bench/build_speed.py --scenes 20 --frames 16 --workdir /tmp/vsi100k-bench
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
import time
from pathlib import Path


def tree_digest(folder: Path) -> str:
    """Hash of the shards and facts (the card and report differ only in the recorded --out path)."""
    digest = hashlib.sha256()
    for path in sorted(p for sub in ("data", "facts") for p in (folder / sub).rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def timed_build(scenes: Path, out: Path, cache: Path, workers: int, frames: int):
    from vsi100k.build.config import BuildConfig
    from vsi100k.build.pipeline import run_build

    cfg = BuildConfig(scenes_dir=scenes, out_dir=out, cache_dir=cache, workers=workers, n_frames=frames)
    started = time.perf_counter()
    result = run_build(cfg, command=cfg.command(), progress=False)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=20, help="synthetic scenes to build")
    parser.add_argument("--frames", type=int, default=16, help="frames sampled per scene")
    parser.add_argument("--stream-frames", type=int, default=48, help="rendered frames per synthetic scan")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: a temporary folder)")
    args = parser.parse_args()

    from vsi100k.synth import generate_scenes

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vsi100k-bench-"))
    scenes = workdir / "scenes"
    if not scenes.is_dir():
        started = time.perf_counter()
        generate_scenes(scenes, args.scenes, args.seed, n_frames=args.stream_frames)
        print(f"generated {args.scenes} synthetic scenes in {time.perf_counter() - started:.1f} s")
    runs = {}
    for workers in (1, 2):
        out, cache = workdir / f"out-w{workers}", workdir / f"cache-w{workers}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        seconds, result = timed_build(scenes, out, cache, workers, args.frames)
        questions = result.report["questions"]["total"]
        ok = result.report["scenes"]["ok"]
        runs[workers] = seconds
        print(f"workers={workers}: {seconds:7.1f} s  {ok} scenes ok, {result.report['scenes']['failed']} failed, "
              f"{questions} questions  ->  {ok / seconds * 60:6.1f} scenes/min, {questions / seconds:7.1f} questions/s")
    print(f"speedup 2 workers vs 1: {runs[1] / runs[2]:.2f}x")
    seconds, result = timed_build(scenes, workdir / "out-w1", workdir / "cache-w1", 1, args.frames)
    print(f"warm rebuild (all cached): {seconds:.2f} s, {result.scenes_computed} scenes computed")
    same = tree_digest(workdir / "out-w1") == tree_digest(workdir / "out-w2")
    print(f"1-worker and 2-worker shards and facts byte-identical: {same}")
    sizes = result.report["sizes"]
    print(f"published {sizes['published_bytes'] / 2**20:.2f} MiB = {sizes['published_over_frames']:.3f} x the frames' "
          f"own {sizes['frame_image_bytes'] / 2**20:.2f} MiB; frames embedded per question: "
          f"{sizes['embedded_estimate_bytes'] / 2**20:.1f} MiB ({sizes['embedded_over_published']:.1f}x)")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
