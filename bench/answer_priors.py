"""Benchmark: answer priors under both mixes, and definition-ambiguity drops on noisy synthetic scans.

Part 1 (both mixes, as a user runs them): --clean-scans clean synthetic scans (`vsi100k synth
--scenes 80 --seed 4242 --no-render`), their facts (`vsi100k facts`), then `vsi100k questions`
with `--mix vsibench` and with the default mix (`vsi100k.pipeline.from_facts.build_questions`,
splits from the scans' split lists, every build-wide pass). Prints per choice type: questions, the
most frequent answer word's share against chance (+5 points allowed, per `vsi100k.tasks.answer_cap`),
the letters, the blind baseline (best answer-only predictor) and what the answer-word pass dropped,
and the splits reported as too small to balance.

Part 2 (every question the scans can give):

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
                                  [--min-categories 10] [--clean-scans 80] [--clean-seed 4242]
                                  [--mixes vsibench,vsi100k]

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
from vsi100k.tasks.answer_cap import CAP_MARGIN, SKIP_REASON as CAP_REASON
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


def mix_reports(scans_dir: Path, work: Path, n_scans: int, seed: int, mixes: list[str]) -> dict[str, tuple[dict, list]]:
    """mix -> (questions report, question records) of `vsi100k questions --mix MIX` over the facts of
    n clean synthetic scans (written into scans_dir when absent)."""
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.from_facts import build_questions
    from vsi100k.pipeline.run import run_stage
    from vsi100k.scannet import find_scenes
    from vsi100k.sources import scene_rooms, split_lists
    from vsi100k.synth.writer import generate_scenes
    from vsi100k.tasks.io import question_to_record
    from vsi100k.tasks.leakage import SplitGuard

    scans_dir.mkdir(parents=True, exist_ok=True)
    if len(find_scenes(scans_dir)) < n_scans:
        generate_scenes(scans_dir, n_scans, seed, render=False)
    facts_out = work / "facts-run"
    run_stage(BuildConfig(scenes_dir=scans_dir, out_dir=facts_out, cache_dir=work / "cache"), "facts", progress=False)
    guard = SplitGuard(split_lists(scans_dir), scene_rooms=scene_rooms(scans_dir))
    out = {}
    for mix in mixes:
        result = build_questions(facts_out / "facts", QuestionConfig(mix=mix), guard=guard)
        out[mix] = (result.report, [question_to_record(q) for q in result.questions])
    return out


def print_mix(mix: str, report: dict, records: list) -> None:
    stats = answer_priors(records)
    print(f"\n--mix {mix}: {len(records)} questions; choice types (most frequent word vs chance + 5 pts, letters, "
          "blind baseline, dropped by the answer-word pass)")
    for question_type, s in stats.items():
        if s["kind"] != "choice":
            continue
        top_word, top_share = max(s["word_shares"].items(), key=lambda item: (item[1], item[0]))
        letters = " ".join(f"{l} {100 * v:.1f}" for l, v in s["letter_shares"].items())
        words = report["answer_words"].get(question_type, {})
        small = [f"{split} ({w['questions']})" for split, w in words.items() if w["status"] == "too_small"]
        ok = "ok" if top_share <= s["chance"] + CAP_MARGIN + 1e-9 else ("n<40" if s["questions"] < 40 else "OVER")
        print(f"- {question_type:28s} {s['questions']:4d} q  top {top_word!r} {_pct(top_share)} vs chance "
              f"{_pct(s['chance'])} [{ok}]  letters {letters}  blind {_pct(s['blind_baseline'])} "
              f"({s['blind_predictor']})  dropped {report['skips_per_type'].get(question_type, {}).get(CAP_REASON, 0)}"
              + (f"  too small to balance: {', '.join(small)}" if small else ""))
    print("  number types, blind MRA of the per-type median: "
          + ", ".join(f"{t} {s['blind_baseline']:.3f}" for t, s in stats.items() if s["kind"] == "number"))


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
    parser.add_argument("--clean-scans", type=int, default=80, help="clean synthetic scans of part 1 (0: skip it)")
    parser.add_argument("--clean-seed", type=int, default=4242)
    parser.add_argument("--mixes", default="vsibench,vsi100k")
    args = parser.parse_args(argv)
    if args.clean_scans:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            reports = mix_reports(Path(tmp) / "clean", Path(tmp), args.clean_scans, args.clean_seed,
                                  args.mixes.split(","))
            print(f"part 1: {args.clean_scans} clean synthetic scans (seed {args.clean_seed}), "
                  f"{time.perf_counter() - t0:.0f} s")
            for mix, (report, records) in reports.items():
                print_mix(mix, report, records)
        print("\npart 2:")
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
