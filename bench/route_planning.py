"""Benchmark: route planning on synthetic scans: yield, skip reasons, answer priors, executor agreement.

Writes N synthetic ScanNet-format scans per profile (`vsi100k.synth`, no frames: route planning reads
facts only), extracts their facts with the default settings and runs the route planning task on each
scan with the build's generator (seed, scene, "route_planning"), every candidate kept (no cap). Prints
per profile:

- questions per scan, skip reasons, and the share of rooms with enough objects (>= 3 and >= 5
  unique categories) that got at least one question;
- turn-word shares: every fill-in, the first fill-in of each answer, the junction turns;
- answer-sequence shares, correct-letter shares and blind baselines against chance (25%): "most
  frequent answer sequence" (always answer it), "prior-ranked option" (pick the option whose turn
  sequence was most often right in the other half of the scans, two folds by scan), "fewest backs"
  (pick at random among the options with the fewest "Turn Back"), and "naive Bayes" (score each
  option by per-position word log-odds of answers vs distractors learnt on the other half);
- the share of answers that contain "back" against the share of distractors that do;
- the same first-word and sequence figures for the first question of each scan (what a per-scene
  cap of 1 keeps, e.g. the vsibench mix's 0.67);
- executor agreement: each kept question is parsed back from its rendered text and executed with
  every option (`free_space.execute_route`): the answer must reach the goal and no distractor may;
- what the build-wide answer-share cap (`vsi100k.tasks.answer_cap`) keeps of them;
- time per scan (question generation; facts extraction reported apart).

    python bench/route_planning.py [--scans 20] [--seed 0] [--profile clean|scan|both] [--scans-dir DIR]

--scans-dir reuses (or writes into) a folder of synthetic scans (one sub-folder per profile).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from vsi100k.geometry import free_space as fs
from vsi100k.tasks import route_planning as rp
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.common import CategoryIndex
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import task_rng

PROFILES = ("clean", "scan")
WORD_OF = {"Turn Left": "left", "Turn Right": "right", "Turn Back": "back"}
HEAD = re.compile(r"You are a robot beginning at the (.+?) and facing the (.+?)\. You want to navigate to the (.+?)\. ")
STEP = re.compile(r"(\d+)\. (\[please fill in\]|Go forward until the (.+?))(?= \d+\. |\. You have reached)")


def scan_facts(profile: str, n_scans: int, seed: int, scans_dir: Path) -> list:
    """Facts of n synthetic scans of a profile, written into scans_dir (kept when already there)."""
    from vsi100k.facts.extract import extract_facts
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.synth.writer import generate_scenes, scan_profile

    if not scans_dir.is_dir() or len(find_scenes(scans_dir)) < n_scans:
        config = scan_profile(render=False) if profile == "scan" else None
        generate_scenes(scans_dir, n_scans, seed, render=False, config=config)
    return [extract_facts(load_scene(d)) for d in sorted(find_scenes(scans_dir))[:n_scans]]


def turns_of(option_text: str) -> tuple[str, ...]:
    """"Turn Left, Turn Back" -> ("left", "back")."""
    return tuple(WORD_OF[w] for w in option_text.split(", "))


def option_turns(q: Question) -> dict[str, tuple[str, ...]]:
    """Letter -> turn words of each option."""
    return {o.split(". ", 1)[0]: turns_of(o.split(". ", 1)[1]) for o in q.options}


def parsed_steps(question: str, turns: tuple[str, ...]) -> list[tuple[str, str]]:
    """The rendered actions as executor steps, the blanks filled with `turns` in order."""
    body = question.split("'turn right.'): ", 1)[1]
    it = iter(turns)
    steps = [("turn", next(it)) if step == "[please fill in]" else ("forward", landmark) for _, step, landmark in STEP.findall(body)]
    if next(it, None) is not None:
        raise ValueError(f"more turns than blanks in {question!r}")
    return steps


def executor_agrees(facts, questions: list[Question]) -> int:
    """How many questions pass: the answer reaches the goal and no distractor does."""
    if not questions:
        return 0
    route_cfg = rp.RouteConfig()
    grid = rp.floor_map(facts, route_cfg)
    index = CategoryIndex(facts)
    footprints = {name: rp.footprint(facts, index.instance(name)) for name in index.unique_categories()}
    agree = 0
    for q in questions:
        _, facing, goal = HEAD.match(q.question).groups()
        start_xy = np.asarray(q.details["start_xy"], float)
        facing_xy = footprints[facing].mean(axis=0)
        reached = {
            letter: fs.execute_route(grid, start_xy, facing_xy, parsed_steps(q.question, turns), footprints, goal,
                                     route_cfg.beside_m).reached
            for letter, turns in option_turns(q).items()
        }
        agree += reached == {letter: letter == q.ground_truth for letter in reached}
    return agree


def shares(counter: Counter, keys=None) -> str:
    n = sum(counter.values())
    keys = list(keys) if keys is not None else [k for k, _ in counter.most_common()]
    return ", ".join(f"{k} {100 * counter[k] / n:.1f}%" for k in keys) if n else "-"


def seq_name(turns: tuple[str, ...]) -> str:
    return "-".join(t[0].upper() for t in turns)


def blind_baselines(per_scan: list[list[Question]]) -> dict[str, float]:
    """Accuracy of answer-only predictors (fractions); learnt predictors use two folds by scan."""
    questions = [q for qs in per_scan for q in qs]
    n = len(questions)
    answers = Counter(turns_of(q.answer) for q in questions)
    out = {"most frequent answer sequence": answers.most_common(1)[0][1] / n}
    folds = [[q for i, qs in enumerate(per_scan) if i % 2 == k for q in qs] for k in (0, 1)]
    prior_hits = nb_hits = 0.0
    for k in (0, 1):
        train, test = folds[1 - k], folds[k]
        prior = Counter(turns_of(q.answer) for q in train)
        right, wrong = Counter(), Counter()
        for q in train:
            for letter, turns in option_turns(q).items():
                (right if letter == q.ground_truth else wrong).update((i, t) for i, t in enumerate(turns))
        n_right, n_wrong = max(1, sum(right.values())), max(1, sum(wrong.values()))

        def log_odds(turns):
            return sum(math.log((right[(i, t)] + 1) / n_right) - math.log((wrong[(i, t)] + 1) / n_wrong)
                       for i, t in enumerate(turns))

        for q in test:
            options = option_turns(q)
            for score, hits in ((lambda t: prior[t], "prior"), (log_odds, "nb")):
                values = {letter: score(t) for letter, t in options.items()}
                best = [letter for letter, v in values.items() if v == max(values.values())]
                gain = (q.ground_truth in best) / len(best)
                if hits == "prior":
                    prior_hits += gain
                else:
                    nb_hits += gain
    out["prior-ranked option (2-fold)"] = prior_hits / n
    out["naive Bayes per position (2-fold)"] = nb_hits / n
    fewest = 0.0
    for q in questions:
        backs = {letter: t.count("back") for letter, t in option_turns(q).items()}
        best = [letter for letter, b in backs.items() if b == min(backs.values())]
        fewest += (q.ground_truth in best) / len(best)
    out["fewest backs"] = fewest / n
    return out


def report(profile: str, facts_list: list, seed: int, facts_s: float) -> None:
    cfg = QuestionConfig()
    per_scan: list[list[Question]] = []
    skips: Counter = Counter()
    seconds: list[float] = []
    agree = 0
    for facts in facts_list:
        t0 = time.perf_counter()
        items = list(rp.generate(facts, cfg, task_rng(seed, facts.scene_id, rp.QUESTION_TYPE)))
        seconds.append(time.perf_counter() - t0)
        qs = [i for i in items if isinstance(i, Question)]
        skips.update(i.reason for i in items if isinstance(i, Skip))
        per_scan.append(qs)
        agree += executor_agrees(facts, qs)
    questions = [q for qs in per_scan for q in qs]
    n = len(questions)
    counts = [len(qs) for qs in per_scan]
    print(f"\n=== {profile}: {len(facts_list)} scans (seed {seed}); facts {facts_s:.1f} s; "
          f"route generation {np.mean(seconds):.2f} s/scan (max {max(seconds):.2f})")
    print(f"questions: {n} ({np.mean(counts):.1f}/scan, min {min(counts)}, max {max(counts)})")
    for threshold in (3, 5):
        enough = [qs for f, qs in zip(facts_list, per_scan) if len(CategoryIndex(f).unique_categories()) >= threshold]
        got = sum(bool(qs) for qs in enough)
        print(f"rooms with >= {threshold} unique categories: {len(enough)}, with >= 1 question: {got}"
              + (f" ({100 * got / len(enough):.0f}%)" if enough else ""))
    print("skip reasons: " + ", ".join(f"{r} {c}" for r, c in skips.most_common()))
    if not n:
        return
    all_words = Counter(t for q in questions for t in turns_of(q.answer))
    first = Counter(turns_of(q.answer)[0] for q in questions)
    junction = Counter()  # the answer's turns after the one made toward the first leg (if a fill-in)
    for q in questions:
        turns = turns_of(q.answer)
        first_is_fill_in = len(turns) > len(q.details["landmarks"]) - 1
        junction.update(turns[1:] if first_is_fill_in else turns)
    print(f"turn words, every fill-in ({sum(all_words.values())}): {shares(all_words, rp.TURN_WORDS)}")
    print(f"turn words, first fill-in ({n}): {shares(first, rp.TURN_WORDS)}")
    print(f"turn words, junctions ({sum(junction.values())}): {shares(junction, rp.TURN_WORDS)}")
    sequences = Counter(seq_name(turns_of(q.answer)) for q in questions)
    top = ", ".join(f"{k} {100 * c / n:.1f}%" for k, c in sequences.most_common(8))
    print(f"answer sequences ({len(sequences)} distinct; top 8): {top}")
    lengths = Counter(len(turns_of(q.answer)) for q in questions)
    print(f"fill-ins per question: {shares(lengths, sorted(lengths))}")
    print(f"letters: {shares(Counter(q.ground_truth for q in questions), 'ABCD')}")
    back_answers = sum("back" in turns_of(q.answer) for q in questions) / n
    distractors = [t for q in questions for letter, t in option_turns(q).items() if letter != q.ground_truth]
    back_distractors = sum("back" in t for t in distractors) / len(distractors)
    print(f"contains 'back': answers {100 * back_answers:.1f}%, distractors {100 * back_distractors:.1f}%")
    print("blind baselines (chance 25.0%): "
          + ", ".join(f"{k} {100 * v:.1f}%" for k, v in blind_baselines(per_scan).items()))
    firsts = [qs[0] for qs in per_scan if qs]
    print(f"first question per scan ({len(firsts)}): first fill-in {shares(Counter(turns_of(q.answer)[0] for q in firsts), rp.TURN_WORDS)}; "
          f"top sequence {max(Counter(q.answer for q in firsts).values()) / len(firsts) * 100:.1f}%")
    from vsi100k.tasks.answer_cap import capped_indices
    from vsi100k.tasks.io import question_to_record

    kept, capped = capped_indices([question_to_record(q) for q in questions], seed)
    after = Counter(seq_name(turns_of(questions[k].answer)) for k in kept)
    print(f"after the build-wide answer-share cap: {len(kept)} kept ({capped['route_planning']} dropped), "
          f"top sequence {100 * max(after.values()) / max(len(kept), 1):.1f}% (chance 25.0%)")
    print(f"executor agreement: {agree} / {n}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", choices=(*PROFILES, "both"), default="both")
    parser.add_argument("--scans-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    profiles = PROFILES if args.profile == "both" else (args.profile,)
    with tempfile.TemporaryDirectory(prefix="vsi100k-route-") as tmp:
        root = args.scans_dir or Path(tmp)
        for profile in profiles:
            t0 = time.perf_counter()
            facts_list = scan_facts(profile, args.scans, args.seed, root / profile)
            report(profile, facts_list, args.seed, time.perf_counter() - t0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
