"""The questions build report: counts per type, per split and per skip reason, answer balance.

`build_report` returns plain JSON data (the dataset card reads it); `report_table` renders the same
numbers as a rich table for the terminal. Nothing here generates questions.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from vsi100k.tasks.answer_cap import answer_word_balance
from vsi100k.tasks.base import Question
from vsi100k.tasks.grounding import NOT_IN_FRAMES


def _sorted_counts(counter: Counter | dict) -> dict:
    return {key: counter[key] for key in sorted(counter)}


def _word_record(question: Question) -> dict:
    return {"question_type": question.question_type, "answer": question.answer, "options": list(question.options)}


def build_report(
    questions: Sequence[Question],
    skips: Counter,
    *,
    question_types: Iterable[str],
    n_scenes: int,
    scene_errors: Sequence[dict] = (),
    config: dict | None = None,
    leakage: dict | None = None,
    grounding: dict | None = None,
) -> dict:
    """Summarise one build.

    skips: Counter keyed by (question_type, reason). question_types: the types the config asked for
    (listed even with zero questions). scene_errors: [{"scene", "file", "problem"}] of scenes that
    could not be read. config / leakage: recorded verbatim. "answer_words": per closed-answer type
    and split, the most frequent answer word's share and whether the split was balanced or too small
    (`vsi100k.tasks.answer_cap.answer_word_balance`). grounding: `grounding_summary`'s result.
    """
    types = list(question_types)
    per_type = Counter(q.question_type for q in questions)
    per_split: dict[str, Counter] = defaultdict(Counter)
    letters: dict[str, Counter] = defaultdict(Counter)
    choice_answers: dict[str, Counter] = defaultdict(Counter)
    numbers: dict[str, list[float]] = defaultdict(list)
    for q in questions:
        per_split[str(q.split)][q.question_type] += 1
        letters[q.question_type][q.correct_option] += 1
        if q.answer_kind == "choice":
            choice_answers[q.question_type][q.answer] += 1
        else:
            numbers[q.question_type].append(float(q.answer))
    skip_table: dict[str, Counter] = defaultdict(Counter)
    for (qtype, reason), count in skips.items():
        skip_table[qtype][reason] += count
    numeric_summary = {
        qtype: {
            "min": min(values),
            "median": statistics.median(values),
            "max": max(values),
            "mean": statistics.fmean(values),
        }
        for qtype, values in sorted(numbers.items())
    }
    return {
        "scenes": n_scenes,
        "scene_errors": list(scene_errors),
        "questions": len(questions),
        "questions_per_type": {t: per_type.get(t, 0) for t in types},
        "questions_per_split": {split: _sorted_counts(c) for split, c in sorted(per_split.items())},
        "skips_per_type": {t: _sorted_counts(skip_table.get(t, Counter())) for t in types},
        "correct_letters": {t: _sorted_counts(letters[t]) for t in types if t in letters},
        "choice_answers": {t: _sorted_counts(c) for t, c in sorted(choice_answers.items())},
        "numeric_answers": numeric_summary,
        "answer_words": answer_word_balance([_word_record(q) for q in questions], [q.split for q in questions]),
        "config": config or {},
        "leakage": leakage or {},
        "grounding": grounding or {},
    }


def grounding_summary(scans: Iterable[Mapping], shares: Mapping[str, float | None]) -> dict:
    """What the grounding rule (`vsi100k.tasks.grounding`) did over a build, per question type.

    scans: one mapping per built scan: "scene" (id), "checked" (its frames were ray-cast and its
    candidates checked), "kept" (question type -> questions it kept before the build-wide passes),
    "skips" (Counter keyed by (question type, reason)). shares: question type -> the share of a
    frame its named objects must cover (None: not checked, e.g. grounding off).
    Returns {"enabled", "shares", "frame_checked_scans", "not_frame_checked" (scene ids), "by_type":
    type -> {"candidates" (on checked scans: dropped + kept + cut by the per-scene cap),
    "not_in_frames", "dropped_share" (fraction, 6 decimals)}}.
    """
    checked_shares = {t: s for t, s in shares.items() if s is not None}
    by_type: dict[str, Counter] = defaultdict(Counter)
    unchecked: list[str] = []
    n_checked = 0
    for scan in scans:
        if not scan["checked"]:
            unchecked.append(str(scan["scene"]))
            continue
        n_checked += 1
        for qtype in checked_shares:
            dropped = int(scan["skips"].get((qtype, NOT_IN_FRAMES), 0))
            passed = int(scan["kept"].get(qtype, 0)) + int(scan["skips"].get((qtype, "cap_reached"), 0))
            by_type[qtype]["candidates"] += dropped + passed
            by_type[qtype][NOT_IN_FRAMES] += dropped
    return {
        "enabled": bool(checked_shares),
        "shares": {t: float(s) for t, s in checked_shares.items()},
        "frame_checked_scans": n_checked,
        "not_frame_checked": sorted(unchecked),
        "by_type": {
            t: {"candidates": c["candidates"], NOT_IN_FRAMES: c[NOT_IN_FRAMES],
                "dropped_share": round(c[NOT_IN_FRAMES] / c["candidates"], 6) if c["candidates"] else 0.0}
            for t, c in by_type.items()
        },
    }


def write_report(path: Path, report: dict) -> None:
    """Write the report as indented JSON with sorted keys, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def report_table(report: dict):
    """A rich Table: one row per type with its questions, letters and skip reasons."""
    from rich.table import Table

    table = Table(title=f"questions from {report['scenes']} scenes")
    table.add_column("question type")
    table.add_column("questions", justify="right")
    table.add_column("correct letters")
    table.add_column("skipped (reason: count)")
    for qtype, count in report["questions_per_type"].items():
        letters = report["correct_letters"].get(qtype, {})
        skips = report["skips_per_type"].get(qtype, {})
        table.add_row(
            qtype,
            str(count),
            " ".join(f"{k}:{v}" for k, v in letters.items()),
            ", ".join(f"{reason}: {n}" for reason, n in sorted(skips.items(), key=lambda kv: (-kv[1], kv[0]))),
        )
    table.add_row("total", str(report["questions"]), "", "", end_section=True)
    return table
