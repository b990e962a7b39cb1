"""A build at scale, measured: N real-size synthetic scans, cold, with 1 and 2 workers, and the
projection to ScanNet v2's 1,513 scans that the README quotes.

Generates max(N) scan-profile synthetic scans once (about 100k vertices and 15-25 objects each, noisy
non-box shapes, 1-3 minute 320x240 colour streams with depth and poses; `--max-scenes N` builds the
first N), then runs `vsi100k build` cold (empty cache and output, a fresh process as a user runs
it) for every (N, workers). For each run it prints: wall seconds and seconds per scan; CPU seconds
of the whole process tree (`getrusage` of the reaped children) and the cores they kept busy; the
peak resident memory of the build process and of its largest worker (VmHWM from /proc, polled);
the output's bytes. Then: the 1 -> 2 worker speedup at each N, how peak memory grows from the
smallest to the largest N, and the projection:

    full ScanNet v2 = serial CPU of the build process (fixed + 1,513 x per scan)
                    + (CPU of the workers (fixed + 1,513 x (per scan + extra))) / 2,

fitted on the smallest and largest N with 2 workers (CPU, not wall time, so that a busy machine
does not inflate it; the same fit on wall time is printed too),

where `extra` is the per-scan CPU a real ScanNet scan costs beyond a synthetic one, from figures
measured by the other benches (given as options, printed): facts of a 41-object 100k-vertex scan
(bench/facts_speed.py) against those of a synthetic scan measured here, sampling 32 frames of a
1296x968 .sens (bench/frames_speed.py) against sampling them here, and decoding the stored frames
at 640x480 (about 3 ms each) instead of 320x240 (measured here). Load averages are printed
before and after, since a shared machine slows every run.

    python bench/scale.py                                   # N = 12 and 48, 1 and 2 workers
    python bench/scale.py --scenes 4 8 --workdir /tmp/vsi100k-scale     # a quick smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

SCANNET_V2_SCANS = 1513
DECODES_PER_FRAME = 1  # on the workers: one decode serves the validation's check and the manifest's pixel checksums


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def _children(pid: int) -> list[int]:
    """Every live descendant of pid (from /proc/*/stat)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process so far (/proc/<pid>/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _peak_kib(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _role(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "other"
    if "resource_tracker" in command:
        return "tracker"
    return "worker" if "multiprocessing" in command or "spawn_main" in command else "other"


class TreeWatcher(threading.Thread):
    """Polls the peak RSS (VmHWM) and CPU seconds of a process and its descendants until stopped
    (the last poll before a process ends is its figure: at most `every_s` of CPU is missed)."""

    def __init__(self, pid: int, every_s: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.roles: dict[int, str] = {}
        self.peaks: dict[int, int] = {}
        self.cpu: dict[int, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in [self.pid, *_children(self.pid)]:
                if pid not in self.roles:
                    self.roles[pid] = "build" if pid == self.pid else _role(pid)
                peak, cpu = _peak_kib(pid), _cpu_s(pid)
                if peak is not None:
                    self.peaks[pid] = max(peak, self.peaks.get(pid, 0))
                if cpu is not None:
                    self.cpu[pid] = cpu
            self.done.wait(self.every_s)

    def peak_mib(self, role: str) -> float:
        values = [peak for pid, peak in self.peaks.items() if self.roles[pid] == role]
        return max(values) / 1024 if values else float("nan")

    def cpu_s(self, role: str) -> float:
        return sum(cpu for pid, cpu in self.cpu.items() if self.roles[pid] == role)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def engine_suffix(engine: str) -> str:
    """What a run's names add for a non-default oriented-box engine (default runs keep their old names)."""
    return "" if engine == "open3d" else f"-{engine}"


def run_tag(n: int, workers: int, engine: str) -> str:
    """Name of one run's output and cache folders."""
    return f"{n}-{workers}{engine_suffix(engine)}"


def cold_build(scenes: Path, workdir: Path, n: int, workers: int, frames: int, engine: str) -> dict:
    """One cold `vsi100k build` of the first n scans with this oriented-box engine; what it cost."""
    tag = run_tag(n, workers, engine)
    out, cache = workdir / f"out-{tag}", workdir / f"cache-{tag}"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    command = [sys.executable, "-m", "vsi100k", "build", "--scenes", str(scenes), "--out", str(out), "--cache-dir",
               str(cache), "--frames", str(frames), "--workers", str(workers), "--max-scenes", str(n),
               "--oriented-engine", engine, "--overwrite", "--no-progress"]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watcher = TreeWatcher(process.pid)
    watcher.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    watcher.done.set()
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"build of {n} scans with {workers} workers failed ({process.returncode}): {stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    result = {"n": n, "workers": workers, "wall_s": wall, "cpu_s": cpu, "build_cpu_s": watcher.cpu_s("build"),
              "worker_cpu_s": watcher.cpu_s("worker"), "build_mib": watcher.peak_mib("build"),
              "worker_mib": watcher.peak_mib("worker"), "bytes": folder_bytes(out),
              "frame_bytes": folder_bytes(out / "data" / "frames")}
    shutil.rmtree(cache, ignore_errors=True)
    return result


def synthetic_stage_seconds(scene_dirs: list[Path], frames: int, engine: str, repeats: int = 2) -> tuple[float, float]:
    """CPU seconds of the facts and of the frame sampling of a synthetic scan, in this process: per
    scan the least of `repeats` runs (a shared machine only adds time), then the mean over the scans."""
    from vsi100k.facts.extract import FactsConfig, extract_facts
    from vsi100k.frames.config import FramesConfig
    from vsi100k.frames.sources import sample_scene_frames
    from vsi100k.scannet import load_scene

    facts_cfg = FactsConfig(oriented_engine=engine)

    def least(fn) -> float:
        times = []
        for _ in range(repeats):
            started = time.process_time()
            fn()
            times.append(time.process_time() - started)
        return min(times)

    facts, sampling = [], []
    for scene_dir in scene_dirs:
        scene = load_scene(scene_dir)
        extract_facts(scene, facts_cfg)  # imports and first-call costs, untimed
        facts.append(least(lambda: extract_facts(scene, facts_cfg)))
        sampling.append(least(lambda: sample_scene_frames(scene, FramesConfig(n_frames=frames))))
    return sum(facts) / len(facts), sum(sampling) / len(sampling)


def decode_seconds(out: Path) -> float:
    """CPU seconds to decode one stored frame of this build (320x240 here), mean of 50."""
    import io

    import pyarrow.parquet as pq
    from PIL import Image

    shard = sorted((out / "data" / "frames").glob("*.parquet"))[0]
    data = pq.read_table(shard).to_pylist()[0]["frames"][0]["bytes"]
    started = time.process_time()
    for _ in range(50):
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    return (time.process_time() - started) / 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, nargs="+", default=[12, 48], help="scan counts N to build")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--frames", type=int, default=32, help="frames sampled per scan (the build's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/vsi100k-scale"))
    parser.add_argument("--resume", action="store_true",
                        help="reuse the runs recorded in <workdir>/runs.json by an earlier call (each line says its load)")
    parser.add_argument("--oriented-engine", choices=("open3d", "numpy"), default="open3d",
                        help="the builds' --oriented-engine (give --scannet-facts-s measured with the same engine)")
    parser.add_argument("--scannet-facts-s", type=float, default=1.80,
                        help="facts CPU seconds of a ScanNet-size scan (bench/facts_speed.py: 100k vertices, 41 objects)")
    parser.add_argument("--scannet-decode-ms", type=float, default=3.0,
                        help="CPU milliseconds to decode one stored 640x480 frame of a ScanNet build")
    parser.add_argument("--scannet-sampling-s", type=float, default=0.52,
                        help="CPU seconds to sample the frames of a 1296x968 .sens (bench/frames_speed.py)")
    args = parser.parse_args()

    from vsi100k.synth.writer import iter_generate_scenes, scan_profile

    scenes = args.workdir / "scenes"
    sizes = sorted(set(args.scenes))
    have = sorted(p for p in scenes.glob("scene*_*") if (p / f"{p.name}.sens").is_file()) if scenes.is_dir() else []
    if len(have) < sizes[-1]:
        started = time.perf_counter()
        for _ in iter_generate_scenes(scenes, sizes[-1], args.seed, scan_profile()):
            pass
        print(f"generated {sizes[-1]} scan-profile scans in {time.perf_counter() - started:.0f} s")
    print(f"before: {load_text()}")
    recorded_path = args.workdir / "runs.json"
    recorded = json.loads(recorded_path.read_text()) if args.resume and recorded_path.is_file() else {}
    runs = []
    for n in sizes:
        for workers in args.workers:
            key = f"{n}-{workers}-{args.frames}{engine_suffix(args.oriented_engine)}"
            if key in recorded:
                run = recorded[key]
            else:
                run = {**cold_build(scenes, args.workdir, n, workers, args.frames, args.oriented_engine), "load": load_text()}
                recorded[key] = run
                recorded_path.write_text(json.dumps(recorded, indent=1) + "\n")
            runs.append(run)
            print(f"N={n:3d} workers={workers}: {run['wall_s']:7.1f} s wall, {run['wall_s'] / n:5.2f} s/scan, "
                  f"CPU {run['cpu_s']:7.1f} s ({run['cpu_s'] / n:4.2f} s/scan; build process {run['build_cpu_s']:.1f} s, "
                  f"workers {run['worker_cpu_s']:.1f} s), {run['cpu_s'] / run['wall_s']:4.2f} cores "
                  f"busy | peak RSS build {run['build_mib']:5.0f} MiB, worker {run['worker_mib']:5.0f} MiB | output "
                  f"{run['bytes'] / 2**20:6.1f} MiB ({run['frame_bytes'] / 2**20:.1f} MiB frames) | after it: {run['load']}",
                  flush=True)
    print(f"after: {load_text()}")
    by = {(r["n"], r["workers"]): r for r in runs}
    for n in sizes:
        if (n, 1) in by and (n, 2) in by:
            one, two = by[(n, 1)], by[(n, 2)]
            busy_one, busy_two = one["cpu_s"] / one["wall_s"], two["cpu_s"] / two["wall_s"]
            cores = os.cpu_count() or 2
            print(f"N={n}: 1 -> 2 workers {one['wall_s'] / two['wall_s']:.2f}x in wall time; 1 worker keeps "
                  f"{busy_one:.2f} cores busy (its multi-threaded parts, e.g. Open3D's ray casting), so {cores} cores "
                  f"allow at most {min(2.0, cores / busy_one):.2f}x; 2 workers keep {busy_two:.2f} busy; the work itself "
                  f"{two['cpu_s'] / one['cpu_s']:.2f}x ({one['cpu_s']:.1f} -> {two['cpu_s']:.1f} s of CPU)")
    for workers in args.workers:
        small, large = by.get((sizes[0], workers)), by.get((sizes[-1], workers))
        if small and large and small is not large:
            for role in ("build", "worker"):
                key = f"{role}_mib"
                if small[key] == small[key]:  # not NaN
                    print(f"workers={workers}: peak RSS of the {role} process N={sizes[-1]} / N={sizes[0]}: "
                          f"{large[key] / small[key]:.2f}x ({small[key]:.0f} -> {large[key]:.0f} MiB)")
    if len(sizes) < 2 or (sizes[0], 2) not in by or (sizes[-1], 2) not in by:
        return
    small, large = by[(sizes[0], 2)], by[(sizes[-1], 2)]
    span = sizes[-1] - sizes[0]
    # the per-scan slope is the cost of scans sizes[0]+1..sizes[-1]: every 4th of those, for a mean like it
    facts_s, sampling_s = synthetic_stage_seconds(sorted(scenes.glob("scene*_*"))[sizes[0]:sizes[-1]:4], args.frames,
                                                    args.oriented_engine)
    small_decode_s, large_decode_s = decode_seconds(args.workdir / f"out-{run_tag(sizes[-1], 2, args.oriented_engine)}"), args.scannet_decode_ms / 1e3
    decode_extra = args.frames * DECODES_PER_FRAME * max(0.0, large_decode_s - small_decode_s)
    extra = (max(0.0, args.scannet_facts_s - facts_s) + max(0.0, args.scannet_sampling_s - sampling_s)
             + decode_extra)
    frame_bytes_per_scan = large["frame_bytes"] / sizes[-1]
    serial_bytes_s = SCANNET_V2_SCANS * frame_bytes_per_scan * 3 / 1e9  # 4x the pixels at 640x480, ~1 GB/s
    # CPU fit: the build process's CPU is serial, the workers' CPU is shared by 2 cores.
    build_slope = (large["build_cpu_s"] - small["build_cpu_s"]) / span
    build_fixed = small["build_cpu_s"] - sizes[0] * build_slope
    worker_slope = (large["worker_cpu_s"] - small["worker_cpu_s"]) / span
    worker_fixed = small["worker_cpu_s"] - sizes[0] * worker_slope
    cpu_total = (build_fixed + SCANNET_V2_SCANS * build_slope
                 + (worker_fixed + SCANNET_V2_SCANS * (worker_slope + extra)) / 2 + serial_bytes_s)
    wall_slope = (large["wall_s"] - small["wall_s"]) / span
    wall_fixed = small["wall_s"] - sizes[0] * wall_slope
    wall_total = wall_fixed + SCANNET_V2_SCANS * (wall_slope + extra / 2) + serial_bytes_s
    print()
    print(f"projection to ScanNet v2 ({SCANNET_V2_SCANS} scans) on 2 cores, --workers 2, fitted on N={sizes[0]} and "
          f"N={sizes[-1]}:")
    print(f"  CPU of the build process (serial): {build_fixed:.1f} s + {build_slope:.3f} s per scan; of the workers "
          f"(shared by 2 cores): {worker_fixed:.1f} s + {worker_slope:.2f} s per scan")
    print(f"  extra CPU per real scan: facts {args.scannet_facts_s:.2f} s (given) - {facts_s:.2f} s (synthetic, "
          f"measured here) + sampling {args.scannet_sampling_s:.2f} s (given) - {sampling_s:.2f} s (here) = "
          f"{extra - decode_extra:.2f} s; + decoding {args.frames} frames x {DECODES_PER_FRAME} (one decode for the "
          f"validation check and the manifest pixel checksums) at 640x480, {large_decode_s * 1e3:.1f} ms (given), instead of 320x240, "
          f"{small_decode_s * 1e3:.1f} ms: {decode_extra:.2f} s; {extra:.2f} s in all, on the workers")
    print(f"  frames stored at 640x480 instead of 320x240: about 4x the {frame_bytes_per_scan / 1e6:.2f} MB of JPEG "
          f"per scan, hashed and written serially at about 1 GB/s: +{serial_bytes_s:.0f} s")
    print("  assumed: visibility, questions and assembly per scan cost what they cost here (same mesh size, same "
          "frame count); ScanNet's .sens streams read from a local disk; the build process's CPU does not overlap "
          "the workers' (an upper bound) and the workers share the 2 cores evenly")
    print(f"  PROJECTED full ScanNet v2 build from CPU (a quiet 2-core machine): {cpu_total / 60:.1f} min")
    print(f"  the same from wall time on this machine at its load ({wall_fixed:.1f} s + {wall_slope:.2f} s per "
          f"scan): {wall_total / 60:.1f} min")


if __name__ == "__main__":
    main()
