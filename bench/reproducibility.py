"""Is a build the same wherever it runs? Builds the same synthetic scans several ways and compares every file.

Runs (each in its own folder, with its own cache, so nothing is shared but the inputs' seeds):
- lock / all CPUs: a venv from requirements/lock.txt (the reference);
- lock / 1 CPU: the same venv under `taskset -c 0`;
- lock / AVX2: the same venv with numpy's AVX-512 code paths disabled and OpenBLAS's Haswell kernel
  (what a CPU without AVX-512 runs);
- oldest / all CPUs and oldest / 1 CPU: a venv with the oldest version of every dependency that
  pyproject.toml allows (`name==lower bound`; their own dependencies resolved by pip).
Each run writes 2 synthetic scans of each source (ScanNet .sens, ScanNet++ mp4, ARKitScenes PNGs) with
`vsi100k synth` and builds each source's dataset (frames included) with `vsi100k build`. The venvs
hold the package's base dependencies only (a build needs no torch); vsi100k itself comes from this
checkout (PYTHONPATH).

Printed, per file of the synthetic scans and of the datasets: whether its bytes equal the
reference's, and if not whether its values do (parquet: every row; JSON: the parsed document; mp4:
every decoded frame; PNG/JPEG: the pixels). Run with a python that has pyarrow, av and Pillow:

    python bench/reproducibility.py                      # venvs and runs under /tmp/vsi100k-repro
    python bench/reproducibility.py --work /tmp/repro/bench --runs lock-all lock-1cpu
    python bench/reproducibility.py --reuse          # keep the runs already complete under --work
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("scannet", "scannetpp", "arkitscenes")
# Another CPU's code paths on this one: numpy's AVX-512 kernels off, OpenBLAS's Haswell (AVX2) kernel.
AVX2_ENV = {"NPY_DISABLE_CPU_FEATURES": "AVX512F AVX512CD AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL",
            "OPENBLAS_CORETYPE": "Haswell"}
RUNS = {  # name -> (venv, pin the process to CPU 0, extra environment)
    "lock-all": ("lock", False, {}),
    "lock-1cpu": ("lock", True, {}),
    "lock-avx2": ("lock", False, AVX2_ENV),
    "oldest-all": ("oldest", False, {}),
    "oldest-1cpu": ("oldest", True, {}),
}
REFERENCE = "lock-all"
SHOWN_VERSIONS = ("numpy", "scipy", "open3d", "av", "pyarrow", "datasets", "pillow", "huggingface_hub", "typer")


def base_requirements() -> list[str]:
    """pyproject's [project] dependencies, as written (e.g. "numpy>=1.26")."""
    return list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def oldest_pins(requirements: list[str]) -> list[str]:
    """`name==lower bound` for every requirement (a requirement without a lower bound is kept as is)."""
    pins = []
    for requirement in requirements:
        match = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)", requirement)
        pins.append(f"{match.group(1)}=={match.group(2)}" if match else requirement)
    return pins


def ensure_venv(path: Path, kind: str) -> Path:
    """Create the venv `kind` ("lock" or "oldest") at `path` unless it exists; returns its python."""
    python = path / "bin" / "python"
    if python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    requirements = base_requirements()
    if kind == "lock":
        args = ["-c", str(ROOT / "requirements" / "lock.txt"), *requirements]
    else:
        args = oldest_pins(requirements)
    print(f"installing the {kind} venv: pip install {' '.join(args)}", flush=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *args], check=True)
    return python


def versions(python: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, sys; "
            "print(json.dumps({n: m.version(n) for n in sys.argv[1:]}))")
    out = subprocess.run([str(python), "-c", code, *SHOWN_VERSIONS], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def run_builds(python: Path, folder: Path, one_cpu: bool, scenes: int, frames: int, reuse: bool,
               extra_env: dict[str, str]) -> float:
    """Synthetic scans and datasets of every source into `folder`; returns the wall seconds (0 when
    `reuse` and the folder holds a complete run)."""
    done = folder / "complete.json"
    settings = {"scenes": scenes, "frames": frames, "env": extra_env}
    if reuse and done.is_file() and json.loads(done.read_text()) == settings:
        return 0.0
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT), VSI100K_CACHE=str(folder / "cache"), **extra_env)
    prefix = ["taskset", "-c", "0"] if one_cpu else []
    start = time.perf_counter()
    for source in SOURCES:
        commands = [
            ["synth", "--out", f"scans-{source}", "--scenes", str(scenes), "--seed", "0",
             "--frames", str(frames), "--source", source],
            ["build", "--scenes", f"scans-{source}", "--out", f"out-{source}", "--frames", "8",
             "--mix", "vsibench", "--split", "train", "--allow-val-in-train", "--no-progress"],
        ]
        for command in commands:
            result = subprocess.run([*prefix, str(python), "-m", "vsi100k", *command], cwd=folder, env=env,
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"{folder.name}: vsi100k {' '.join(command)} failed:\n{result.stderr[-3000:]}")
    done.write_text(json.dumps(settings))
    return time.perf_counter() - start


def output_files(folder: Path) -> dict[str, Path]:
    """Relative path -> file, for every file of the scans and datasets (the cache left out)."""
    files = {}
    for top in sorted(folder.iterdir()):
        if top.name.startswith(("scans-", "out-")):
            for path in sorted(top.rglob("*")):
                if path.is_file():
                    files[path.relative_to(folder).as_posix()] = path
    return files


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def values(path: Path):
    """A comparable value of the file's content, or None when no reader applies (bytes only)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if suffix == ".json":
        return json.loads(path.read_text())
    if suffix in (".mp4", ".mkv"):
        import av

        with av.open(str(path)) as container:
            return [hashlib.sha256(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in container.decode(video=0)]
    if suffix in (".png", ".jpg", ".jpeg"):
        import numpy as np
        from PIL import Image

        with Image.open(path) as image:
            return hashlib.sha256(np.asarray(image).tobytes()).hexdigest()
    return None


SIZE_KEY = re.compile(r"(bytes|_over_)")  # report keys that state a file's size (they follow the bytes)
SIZE_LINE = re.compile(r"MiB|x larger|x the frames")  # card lines that state sizes


def without_sizes(value, path: Path):
    """A build's report, marker or card with the stated byte sizes left out (they follow the bytes)."""
    if path.name == "README.md":
        return [line for line in path.read_text().splitlines() if not SIZE_LINE.search(line)]
    if path.name == ".vsi100k.json":
        return {k: (sorted(v) if k == "files" else v) for k, v in value.items()}

    def strip(item):
        if isinstance(item, dict):
            return {k: strip(v) for k, v in item.items() if not SIZE_KEY.search(k)}
        if isinstance(item, list):
            return [strip(v) for v in item]
        return item

    return strip(value)


def largest_difference(a, b) -> float | None:
    """Largest |a - b| over the numbers of two JSON documents of the same shape (None: shapes differ)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return None
        parts = [largest_difference(a[k], b[k]) for k in a]
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return None
        parts = [largest_difference(x, y) for x, y in zip(a, b)]
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(float(a) - float(b))
    else:
        return 0.0 if a == b else None
    return None if None in parts else max(parts, default=0.0)


def compare(reference: dict[str, Path], other: dict[str, Path]) -> dict[str, str]:
    """Relative path -> "bytes" (identical), "values" (same content, other bytes), "values, sizes
    aside" (a report, marker or card equal but for the byte sizes it states), "numbers within X"
    (JSON of the same shape whose numbers differ by at most X), "DIFFERS", "missing" or "extra"."""
    out = {}
    for name in sorted(set(reference) | set(other)):
        if name not in other:
            out[name] = "missing"
        elif name not in reference:
            out[name] = "extra"
        elif sha(reference[name]) == sha(other[name]):
            out[name] = "bytes"
        else:
            path = reference[name]
            a, b = values(path), values(other[name])
            if path.name == "README.md":
                a, b = without_sizes(None, path), without_sizes(None, other[name])
                out[name] = "text, sizes aside" if a == b else "DIFFERS"
            elif a == b and a is not None:
                out[name] = "values"
            elif path.name in ("build_report.json", ".vsi100k.json") and \
                    without_sizes(a, path) == without_sizes(b, other[name]):
                out[name] = "values, sizes aside"
            elif path.suffix == ".json" and largest_difference(a, b) is not None:
                out[name] = f"numbers within {largest_difference(a, b):.0e}"
            else:
                out[name] = "bytes differ" if a is None else "DIFFERS"
    return out


def group(name: str) -> str:
    """Files of the same kind in one line: scene ids and shard numbers folded."""
    name = re.sub(r"scene\d{4}_\d{2}", "<scene>", name)
    name = re.sub(r"/[0-9a-f]{10}/", "/<scene>/", name)
    name = re.sub(r"/\d{8}/", "/<video>/", name)
    name = re.sub(r"\d{8}_\d+\.\d+\.(png|pincam)$", r"<frame>.\1", name)
    return name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/vsi100k-repro"), help="venvs and runs go here")
    parser.add_argument("--runs", nargs="+", choices=list(RUNS), default=list(RUNS))
    parser.add_argument("--scenes", type=int, default=2, help="synthetic scans per source")
    parser.add_argument("--frames", type=int, default=24, help="rendered frames per scan")
    parser.add_argument("--reuse", action="store_true", help="keep runs already complete under --work")
    args = parser.parse_args()
    runs = [REFERENCE, *[r for r in args.runs if r != REFERENCE]]
    pythons, files = {}, {}
    for run in runs:
        kind, one_cpu, extra_env = RUNS[run]
        if kind not in pythons:
            pythons[kind] = ensure_venv(args.work / f"venv-{kind}", kind)
            shown = ", ".join(f"{n} {v}" for n, v in versions(pythons[kind]).items())
            print(f"venv {kind}: {shown}", flush=True)
        seconds = run_builds(pythons[kind], args.work / "runs" / run, one_cpu, args.scenes, args.frames, args.reuse,
                             extra_env)
        files[run] = output_files(args.work / "runs" / run)
        cpus = "1 (taskset -c 0)" if one_cpu else os.cpu_count()
        print(f"run {run}: {len(files[run])} files" + (f" in {seconds:.0f} s" if seconds else " (reused)")
              + f" (CPUs: {cpus}"
              + "".join(f", {k}={v}" for k, v in extra_env.items()) + ")",
              flush=True)
    others = runs[1:]
    results = {run: compare(files[REFERENCE], files[run]) for run in others}
    rows: dict[str, list[list[str]]] = {}
    for name in sorted(files[REFERENCE]):
        rows.setdefault(group(name), []).append([results[run].get(name, "missing") for run in others])
    print(f"\nCompared with {REFERENCE} (per kind of file; 'bytes' = identical bytes, 'values' = same content, other bytes):")
    width = max(len(g) for g in rows) + 2
    print("file".ljust(width) + "".join(run.ljust(32) for run in others))
    for name, states in rows.items():
        cells = []
        for k in range(len(others)):
            seen = sorted({s[k] for s in states})
            cells.append(("/".join(seen) + (f" ({len(states)})" if len(states) > 1 else "")).ljust(32))
        print(name.ljust(width) + "".join(cells))
    print("\nSummary:")
    for run in others:
        counts: dict[str, int] = {}
        for state in results[run].values():
            counts[state] = counts.get(state, 0) + 1
        print(f"  {run}: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))


if __name__ == "__main__":
    main()
