"""Benchmark: how many questions name objects the stored frames do not show, per type.

Writes N scan-profile synthetic scans with rendered colour streams (`vsi100k.synth`,
`scan_profile()`: non-box objects, scan noise, holes, a hand-held trajectory), builds them with
`vsi100k build` settings (frames sampled, visibility ray-cast, --mix as given) with the grounding
rule on, and prints:
- the build report's grounding summary: per type, candidates on frame-checked scans and the share
  dropped as "not_in_frames" at the default shares (`vsi100k.tasks.grounding.GROUNDING_SHARES`);
- a sweep: with grounding off and every per-scene cap at --cap, the share of each type's candidates
  that would be dropped at shares of 0.1% ... 10% of a frame, and the share naming an object that no
  stored frame shows at all (the numbers the default shares were chosen from).

    python bench/grounding.py [--scans 8] [--seed 3] [--frames 32] [--mix vsibench] [--cap 1000]
                              [--min-categories 10] [--scans-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

SWEEP = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)


def write_scans(scans_dir: Path, n_scans: int, seed: int, min_categories: int) -> None:
    from vsi100k.scannet import find_scenes
    from vsi100k.synth.layout import LayoutConfig
    from vsi100k.synth.writer import generate_scenes, scan_profile

    scans_dir.mkdir(parents=True, exist_ok=True)
    if len(find_scenes(scans_dir)) < n_scans:
        generate_scenes(scans_dir, n_scans, seed, config=scan_profile(layout=LayoutConfig(min_categories=min_categories)))


def sweep(facts_list: list, cap: float, seed: int) -> dict[str, Counter]:
    """type -> Counter: "candidates", "unseen" (an object no frame shows), and each sweep share ->
    candidates with a named object below it (grounding off, every cap at `cap`)."""
    from vsi100k.tasks.config import QuestionConfig
    from vsi100k.tasks.generate import generate_questions
    from vsi100k.tasks.grounding import GROUNDING_SHARES, frame_checked, unseen_objects

    cfg = QuestionConfig(seed=seed, grounding=False,
                         caps={t: (1 if t == "room_size_estimation" else cap) for t in GROUNDING_SHARES})
    out: dict[str, Counter] = defaultdict(Counter)
    for facts in facts_list:
        if not frame_checked(facts):
            continue
        questions, _ = generate_questions(facts, cfg)
        for q in questions:
            row = out[q.question_type]
            row["candidates"] += 1
            row["unseen"] += bool(unseen_objects(q, facts, 1e-12))
            for share in SWEEP:
                row[share] += bool(unseen_objects(q, facts, share))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=8)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--frames", type=int, default=32)
    parser.add_argument("--mix", default="vsibench")
    parser.add_argument("--cap", type=float, default=1000, help="per-scene cap of every type in the sweep")
    parser.add_argument("--min-categories", type=int, default=10,
                        help="rooms with at least this many categories (0: the scan profile's own rooms)")
    parser.add_argument("--scans-dir", type=Path, default=None)
    args = parser.parse_args(argv)

    from vsi100k.facts.schema import SceneFacts
    from vsi100k.frames.config import FramesConfig
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import run_build
    from vsi100k.tasks.config import QuestionConfig

    with tempfile.TemporaryDirectory() as tmp:
        scans_dir = args.scans_dir or Path(tmp) / "scans"
        t0 = time.perf_counter()
        write_scans(scans_dir, args.scans, args.seed, args.min_categories)
        t1 = time.perf_counter()
        cfg = BuildConfig(scenes_dir=scans_dir, out_dir=Path(tmp) / "out", cache_dir=Path(tmp) / "cache",
                          frames=FramesConfig(n_frames=args.frames), max_scenes=args.scans,
                          questions=QuestionConfig(seed=args.seed, mix=args.mix))
        report = run_build(cfg, progress=False).report
        t2 = time.perf_counter()
        facts_list = [SceneFacts.from_json(__import__("json").loads(p.read_text()))
                      for p in sorted((Path(tmp) / "out" / "facts").glob("*.json"))]
        swept = sweep(facts_list, args.cap, args.seed)
    g = report["grounding"]
    print(f"{args.scans} scan-profile scans with frames (seed {args.seed}, {args.frames} frames, "
          f"rooms of >= {args.min_categories} categories), mix {args.mix}: {report['questions']['total']} questions; "
          f"scans {t1 - t0:.0f} s, build {t2 - t1:.0f} s")
    print(f"frame-checked scans: {g['frame_checked_scans']}, not frame-checked: {len(g['not_frame_checked'])}")
    print("\nbuild (defaults): candidates on frame-checked scans, dropped as not_in_frames")
    for qtype, row in g["by_type"].items():
        print(f"- {qtype:30s} share {100 * g['shares'][qtype]:4.1f}%: {row['not_in_frames']:4d} / "
              f"{row['candidates']:4d} = {100 * row['dropped_share']:5.1f}%")
    print(f"\nsweep (grounding off, cap {args.cap:g}): share of candidates naming an object below the share "
          "of every stored frame")
    print(f"  {'type':30s} {'cands':>6s} {'unseen':>7s} " + " ".join(f"{100 * s:>6.1f}%" for s in SWEEP))
    for qtype, row in swept.items():
        n = row["candidates"]
        print(f"  {qtype:30s} {n:6d} {100 * row['unseen'] / n:6.1f}% "
              + " ".join(f"{100 * row[s] / n:6.1f}%" for s in SWEEP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
