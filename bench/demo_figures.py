"""The README's figures about the built-in demo (`vsi100k build` with no options), from a cold build.

Builds the demo exactly as README command 1 does (6 synthetic scans, 48 rendered frames each, 32
sampled, the vsibench mix) into a fresh cache, then prints what the README states: questions in all
and per task, which of VSI-Bench's eight tasks it shows (and why one is missing), and the published
size against the frames' own bytes and against frames embedded in every question row. The same
figures are checked against the README by tests/test_build.py on the same build, so they cannot go
stale. Wall seconds (noisy on a shared machine) are printed for information only.

    python bench/demo_figures.py --workdir /tmp/vsi100k-demo-figures
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path


# VSI-Bench's eight tasks (the three direction levels are one task)
VSIBENCH_TASKS = ("object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation",
                  "object_rel_distance", "object_rel_direction", "route_planning", "obj_appearance_order")


def demo_figures(report: dict) -> dict:
    """The README's demo figures from a demo build's report (shared with the test)."""
    by_type = {qtype: sum(counts.values()) for qtype, counts in report["questions"]["by_type"].items()}
    tasks = {task: sum(n for qtype, n in by_type.items() if qtype.startswith(task)) for task in VSIBENCH_TASKS}
    sizes = report["sizes"]
    return {
        "scans": report["scenes"]["ok"],
        "questions": report["questions"]["total"],
        "configs": len(by_type) + 2,  # + all + frames
        "tasks": tasks,
        "missing_tasks": sorted(task for task, n in tasks.items() if n == 0),
        "published_over_frames": round(sizes["published_over_frames"], 2),
        "embedded_over_frames": round(sizes["embedded_estimate_bytes"] / sizes["frame_image_bytes"], 1),
        "route_planning_rejections": dict(sorted(report["skipped"].get("route_planning", {}).items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temporary one)")
    args = parser.parse_args()
    from vsi100k.pipeline.demo import run_demo

    work = args.workdir or Path(tempfile.mkdtemp(prefix="vsi100k-demo-"))
    shutil.rmtree(work / "cache", ignore_errors=True)
    started = time.perf_counter()
    result, _ = run_demo(out_dir=work / "dataset", cache_dir=work / "cache", progress=False)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    run_demo(out_dir=work / "dataset", cache_dir=work / "cache", progress=False)
    warm = time.perf_counter() - started
    figures = demo_figures(result.report)
    print(json.dumps(figures, indent=1))
    print(f"cold build {cold:.1f} s, rerun {warm:.1f} s (wall, in-process; noisy)")


if __name__ == "__main__":
    main()
