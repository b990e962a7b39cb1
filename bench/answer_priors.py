"""Benchmark: answer priors and definition-ambiguity drops on noisy synthetic scans.

Writes N scan-profile synthetic scans (`vsi100k.synth`, `scan_profile(render=False)`: non-box
objects, scan noise, holes; no frames, so appearance order is not generated), extracts their facts
with the default settings (oriented boxes, 5 cm box grid, exact distances alongside) and generates
questions with every per-scene cap set to --cap (room size: 1) and --rel-sets choice sets per
relative-distance target, so each choice type gets every question its scans can give; then runs
the build-wide passes a build runs before writing (`vsi100k.tasks.build_passes`: the answer-share
cap, then the letter pass).
Then prints, per choice type: the answer-word shares, the correct-letter shares,
the blind baseline (best answer-only predictor, `vsi100k.pipeline.report.answer_priors`) against
chance, and, per type, the candidates dropped as "definition_ambiguous" next to the questions kept.
Number types get the blind baseline of answering the per-type median (mean relative accuracy).

    python bench/answer_priors.py [--scans 30] [--seed 7] [--cap 1000] [--rel-sets 16] [--scans-dir DIR]
                                  [--min-categories 10]

--scans-dir reuses (or writes into) a folder of synthetic scans instead of a temporary one (its scans
are used as they are, whatever --min-categories says). --min-categories (default 10) draws rooms
holding at least that many categories, closer to ScanNet rooms (10-80 objects) than the scan
profile's own rooms (about 3.5 unique categories, 0 keeps those), which give too few medium and
hard direction questions to measure shares over 200 (they need triangles of unique objects with a
wide angle, see docs/definitions.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from vsi100k.dataset.rows import question_rows
from vsi100k.pipeline.report import ambiguity_stats, answer_priors
from vsi100k.tasks.answer_cap import SKIP_REASON as CAP_REASON
from vsi100k.tasks.build_passes import build_wide_passes
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_questions
from vsi100k.tasks.registry import TASKS


def scan_facts(n_scans: int, seed: int, scans_dir: Path, min_categories: int = 0) -> list:
    """Facts of n scan-profile synthetic scans written into scans_dir (kept when already there);
    min_categories > 0 draws rooms holding at least that many categories (`LayoutConfig`)."""
    from vsi100k.facts.extract import extract_facts
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.synth.layout import LayoutConfig
    from vsi100k.synth.writer import generate_scenes, scan_profile

    Path(scans_dir).mkdir(parents=True, exist_ok=True)
    if len(find_scenes(scans_dir)) < n_scans:
        config = scan_profile(render=False, layout=LayoutConfig(min_categories=min_categories))
        generate_scenes(scans_dir, n_scans, seed, config=config)
    return [extract_facts(load_scene(d)) for d in sorted(find_scenes(scans_dir))[:n_scans]]


def priors(facts_list: list, cap: float, seed: int = 0, rel_sets: int = 16) -> tuple[dict, dict, int, dict]:
    """(answer_priors, ambiguity_stats, questions, type -> skip reason -> count) over all scans with every cap set to `cap` and
    `rel_sets` choice sets per relative-distance target, after the build-wide passes (answer-share cap,
    then letters)."""
    caps = {name: (1 if name == "room_size_estimation" else cap) for name, task in TASKS.items() if not task.needs_frames}
    cfg = QuestionConfig(seed=seed, caps=caps, rel_distance_sets_per_target=rel_sets)
    rows, skips = [], Counter()
    for facts in facts_list:
        questions, dropped = generate_questions(facts, cfg, has_frames=False)
        rows.extend(question_rows(questions))
        skips.update(dropped)
    _, rows, capped = build_wide_passes(rows, seed)
    skips.update({(question_type, CAP_REASON): n for question_type, n in capped.items()})
    skipped: dict[str, dict[str, int]] = {}
    for (question_type, reason), n in skips.items():
        skipped.setdefault(question_type, {})[reason] = n
    kept = Counter(row["question_type"] for row in rows)
    return answer_priors(rows), ambiguity_stats(skipped, kept), len(rows), skipped


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cap", type=float, default=1000, help="per-scene cap of every type (room size: 1)")
    parser.add_argument("--rel-sets", type=int, default=16, help="choice sets tried per relative-distance target")
    parser.add_argument("--scans-dir", type=Path, default=None)
    parser.add_argument("--min-categories", type=int, default=10,
                        help="rooms with at least this many categories (0: the scan profile's own rooms)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        scans_dir = args.scans_dir or Path(tmp) / "scans"
        t0 = time.perf_counter()
        facts_list = scan_facts(args.scans, args.seed, scans_dir, args.min_categories)
        t1 = time.perf_counter()
        stats, ambiguity, n_rows, skipped = priors(facts_list, args.cap, rel_sets=args.rel_sets)
        t2 = time.perf_counter()
    print(f"{args.scans} scan-profile scans (seed {args.seed}), cap {args.cap:g} per type and scan, "
          f"{args.rel_sets} relative-distance choice sets per target: "
          f"{n_rows} questions; scans + facts {t1 - t0:.1f} s, questions {t2 - t1:.1f} s")
    print("\nchoice types: answer words, letters, blind baseline vs chance")
    for question_type, s in stats.items():
        if s["kind"] != "choice":
            continue
        words = ", ".join(f"{w} {_pct(v)}" for w, v in s["word_shares"].items())
        letters = ", ".join(f"{l} {_pct(v)}" for l, v in s["letter_shares"].items())
        word_dev = "n/a (open answer set)" if s["max_word_deviation"] is None else f"{100 * s['max_word_deviation']:.1f} pts"
        print(f"- {question_type} ({s['questions']} questions)\n"
              f"    words:   {words}\n    letters: {letters}\n"
              f"    max deviation: words {word_dev}, letters {100 * s['max_letter_deviation']:.1f} pts\n"
              f"    blind baseline {_pct(s['blind_baseline'])} ({s['blind_predictor']}) vs chance {_pct(s['chance'])}\n"
              f"    dropped: {', '.join(f'{r} {n}' for r, n in sorted(skipped.get(question_type, {}).items()))}")
    print("\nnumber types: blind baseline = MRA of answering the per-type median")
    for question_type, s in stats.items():
        if s["kind"] == "number":
            print(f"- {question_type} ({s['questions']} questions): median {s['median']:g}, blind MRA {s['blind_baseline']:.3f}")
    print("\ndefinition_ambiguous drops per type (candidates dropped / questions kept)")
    for question_type in TASKS:
        if question_type in ambiguity:
            a = ambiguity[question_type]
            print(f"- {question_type}: {a['definition_ambiguous']} / {a['kept']}")
        elif not TASKS[question_type].needs_frames:
            print(f"- {question_type}: 0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
