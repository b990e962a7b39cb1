"""Benchmark: questions per second from facts, and output size per scene.

Setup (not timed in the figures): writes N synthetic ScanNet-format scenes (`vsi100k.synth`, no
rendering) and extracts their facts once (default: oriented boxes, 5 cm box grid; see the options).
Then, for each mix preset and for "all candidates" (every cap 10k), times `generate_questions` over
all scenes (best of --repeats) and serialises the questions as JSON lines.

Prints: scenes, questions, questions/s, ms/scene, JSON-lines bytes per scene and per question,
candidates examined per second (kept + every named skip), and the all-candidates / capped ratio.

    python bench/questions_speed.py [--scenes 100] [--repeats 3] [--facts DIR]
                                    [--box-method axis_aligned] [--distance-method closest_points]

--facts DIR benchmarks existing facts instead of synthetic scenes: a `facts/` folder of
`<scene_id>.json` files, as `vsi100k build` and `vsi100k facts --out OUT` (OUT/facts) write it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from vsi100k.facts.schema import SceneFacts
from vsi100k.pipeline.from_facts import FACTS_GLOB, read_facts_file
from vsi100k.tasks.config import MIXES, QuestionConfig
from vsi100k.tasks.generate import generate_questions
from vsi100k.tasks.io import dumps_question
from vsi100k.tasks.registry import TASKS


def synthetic_facts(n_scenes: int, workdir: Path, box_method: str, distance_method: str) -> list[SceneFacts]:
    from vsi100k.facts.extract import FactsConfig, extract_facts
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.synth import generate_scenes

    t0 = time.perf_counter()
    generate_scenes(workdir, n_scenes, seed=0, render=False)
    t1 = time.perf_counter()
    facts_cfg = FactsConfig(box_method=box_method, distance_method=distance_method)
    facts = [extract_facts(load_scene(d), facts_cfg) for d in find_scenes(workdir)]
    t2 = time.perf_counter()
    print(f"setup: synth {t1 - t0:.1f} s, facts {t2 - t1:.1f} s ({(t2 - t1) / max(1, len(facts)):.2f} s/scene)")
    return facts


def run(facts: list[SceneFacts], cfg: QuestionConfig, repeats: int) -> dict:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        results = [generate_questions(f, cfg) for f in facts]
        best = min(best, time.perf_counter() - t0)
    questions = [q for qs, _ in results for q in qs]
    skipped = sum(sum(s.values()) for _, s in results)
    t0 = time.perf_counter()
    size = sum(len(dumps_question(q).encode()) + 1 for q in questions)
    write_s = time.perf_counter() - t0
    return {"seconds": best, "questions": len(questions), "candidates": len(questions) + skipped,
            "bytes": size, "write_s": write_s}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--facts", type=Path, default=None)
    parser.add_argument("--box-method", default="oriented", help="facts box method of the synthetic scenes")
    parser.add_argument("--distance-method", default="box_grid", help="facts distance method of the synthetic scenes")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vsi100k-bench-") as tmp:
        if args.facts is not None:
            facts = [read_facts_file(p) for p in sorted(args.facts.glob(FACTS_GLOB))]
        else:
            facts = synthetic_facts(args.scenes, Path(tmp), args.box_method, args.distance_method)
    n = len(facts)
    if n == 0:
        print("no facts to benchmark", file=sys.stderr)
        return 1
    objects = sum(sum(o.category is not None for o in f.objects) for f in facts) / n
    print(f"{n} scenes, {objects:.1f} categorised objects per scene")
    print(f"{'run':<16}{'questions':>10}{'q/s':>10}{'ms/scene':>10}{'cand/s':>11}{'bytes/scene':>13}{'bytes/q':>9}{'write q/s':>11}")
    figures = {}
    configs = {name: QuestionConfig(mix=name) for name in MIXES}
    configs["all candidates"] = QuestionConfig(caps={t: 10_000 for t in TASKS})
    for name, cfg in configs.items():
        r = run(facts, cfg, args.repeats)
        figures[name] = r
        qps = r["questions"] / r["seconds"]
        print(
            f"{name:<16}{r['questions']:>10}{qps:>10.0f}{1000 * r['seconds'] / n:>10.2f}"
            f"{r['candidates'] / r['seconds']:>11.0f}{r['bytes'] / n:>13.0f}{r['bytes'] / max(1, r['questions']):>9.0f}"
            f"{r['questions'] / max(r['write_s'], 1e-9):>11.0f}"
        )
    capped, full = figures["vsi100k"], figures["all candidates"]
    print(f"ratio all-candidates / vsi100k: time x{full['seconds'] / capped['seconds']:.2f}, "
          f"questions x{full['questions'] / max(1, capped['questions']):.1f}")
    print(f"projected vsi100k mix over 1,201 ScanNet train scans: {1201 * capped['seconds'] / n:.1f} s, "
          f"{1201 * capped['bytes'] / n / 1e6:.1f} MB of JSON lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
