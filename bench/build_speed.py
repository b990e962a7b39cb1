"""End-to-end build throughput: local executor with 1 and 2 workers, and the Ray executor.

Generates N synthetic scans once (the scan profile: non-box objects, noise, 60-180 s streams; about
65k-140k vertices each), then runs cold builds (empty caches, each a fresh `vsi100k build` process as a user runs it) in
interleaved rounds -- local 1
worker, local 2 workers, Ray with 2 CPUs -- so machine noise hits all three alike. Prints seconds
per run, the 2-worker speedup, Ray against local, a reseeded rebuild (questions only) and checks
that every output's shards and facts are byte-identical.

    python bench/build_speed.py --scenes 12 --frames 16 --rounds 2 --workdir /tmp/vsi100k-bench
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
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


def timed_build(scenes: Path, out: Path, cache: Path, frames: int, seed: int = 0, workers: int = 1,
                executor: str = "local") -> tuple[float, dict]:
    """Wall seconds of `vsi100k build` as a user runs it (a fresh process, imports included) and its report."""
    command = [sys.executable, "-m", "vsi100k", "build", "--scenes", str(scenes), "--out", str(out), "--cache-dir",
               str(cache), "--frames", str(frames), "--seed", str(seed), "--workers", str(workers), "--executor",
               executor, "--overwrite", "--no-progress"]
    started = time.perf_counter()
    ran = subprocess.run(command, capture_output=True, text=True)
    took = time.perf_counter() - started
    if ran.returncode != 0:
        raise SystemExit(f"build failed ({ran.returncode}): {ran.stderr[-2000:]}")
    return took, json.loads((out / "build_report.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=12, help="synthetic scans to build")
    parser.add_argument("--frames", type=int, default=16, help="frames sampled per scan")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of the three executors")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray executor")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here (default: a temporary folder)")
    args = parser.parse_args()

    from vsi100k.synth import generate_scenes
    from vsi100k.synth.writer import scan_profile

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="vsi100k-bench-"))
    scenes = workdir / "scenes"
    if not scenes.is_dir():
        started = time.perf_counter()
        generate_scenes(scenes, args.scenes, args.seed, config=scan_profile())
        print(f"generated {args.scenes} synthetic scans in {time.perf_counter() - started:.1f} s")
    variants = {"local-1": {"workers": 1}, "local-2": {"workers": 2}}
    if not args.no_ray:
        variants["ray-2"] = {"workers": 2, "executor": "ray"}
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    digests = set()
    for round_ in range(args.rounds):
        for name, execution in variants.items():
            out, cache = workdir / f"out-{name}", workdir / f"cache-{name}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(cache, ignore_errors=True)
            took, report = timed_build(scenes, out, cache, args.frames, **execution)
            seconds[name].append(took)
            digests.add(tree_digest(out))
            print(f"round {round_ + 1} {name:8s} {took:7.1f} s  {report['scenes']['ok']} scans ok, "
                  f"{report['questions']['total']} questions")
    median = {name: statistics.median(values) for name, values in seconds.items()}
    print(f"speedup local 2 workers vs 1: {median['local-1'] / median['local-2']:.2f}x")
    if "ray-2" in median:
        print(f"ray (2 CPUs) vs local (2 workers): {median['ray-2'] / median['local-2']:.2f}x the time")
    took, _ = timed_build(scenes, workdir / "out-local-2", workdir / "cache-local-2", args.frames,
                          seed=args.seed + 1, workers=2)
    print(f"reseeded rebuild (questions only; facts and frames from the cache): {took:.1f} s")
    print(f"outputs byte-identical across executors: {len(digests) == 1}")


if __name__ == "__main__":
    main()
