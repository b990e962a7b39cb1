"""The build report: scenes ok / failed (with reasons), questions per type, rejected candidates per
reason, answer distributions and published sizes. Written as build_report.json, printed as a table,
and the source of every number in the dataset card.

The JSON holds only what the inputs and settings determine (no timings, no cache hits), so a resumed
build writes the same bytes as an uninterrupted one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from statistics import median

from vsi100k import __version__
from vsi100k.dataset.schema import REPORT_FILE, SPLITS
from vsi100k.dataset.write import WrittenDataset
from vsi100k.metrics import mean_relative_accuracy
from vsi100k.tasks.answer_cap import answer_word_balance

TOP_ANSWERS = 5
FIXED_WORDS_MAX = 4  # a choice type whose options use at most this many words has a fixed answer set
OPEN_WORDS_SHOWN = 10  # answer words listed for open-vocabulary choice types (categories, orderings)


def answer_stats(rows: Iterable[Mapping]) -> dict[str, dict]:
    """Per question type: for choice types the correct-letter counts and the most frequent answers;
    for number types min / median / mean / max of the answer."""
    by_type: dict[str, list[Mapping]] = {}
    for row in rows:
        by_type.setdefault(row["question_type"], []).append(row)
    stats: dict[str, dict] = {}
    for question_type in sorted(by_type):
        group = by_type[question_type]
        if group[0]["answer_kind"] == "choice":
            letters = Counter(row["ground_truth"] for row in group)
            answers = Counter(row["answer"] for row in group)
            top = sorted(answers.items(), key=lambda item: (-item[1], item[0]))[:TOP_ANSWERS]
            stats[question_type] = {
                "kind": "choice",
                "letters": dict(sorted(letters.items())),
                "top_answers": [[answer, n] for answer, n in top],
            }
        else:
            values = [float(row["answer"]) for row in group]
            stats[question_type] = {
                "kind": "number",
                "min": min(values),
                "median": float(median(values)),
                "mean": round(sum(values) / len(values), 6),
                "max": max(values),
            }
    return stats


def _option_word(option: str) -> str:
    """"A. left" -> "left"."""
    return option.split(". ", 1)[1] if ". " in option else option


def answer_priors(rows: Iterable[Mapping]) -> dict[str, dict]:
    """What an answer-only (blind) model could learn from the build, per question type.

    Choice types: "questions"; "chance" = 1 / number of options; "letter_shares" (share of each
    correct letter among all letters offered); "word_shares" (share of each correct answer word;
    for types with a fixed answer set, e.g. "left" / "right" / "back", every word of the set,
    else the `OPEN_WORDS_SHOWN` most frequent); "fixed_words" (whether the set is fixed);
    "max_word_deviation" (fixed sets: largest |share - 1/len(set)|, else None);
    "max_letter_deviation" (largest |share - chance|); "blind_baseline": accuracy of the best of
    the answer-only predictors "always the most frequent word" and "always the most frequent
    letter"; "blind_predictor": which one ("word: left" / "letter: B").
    Number types: "questions", "median" of the answers and "blind_baseline" = mean relative
    accuracy (VSI-Bench's, ten thresholds) of always answering that per-type median.
    Shares are fractions in [0, 1], rounded to 6 decimals.
    """
    by_type: dict[str, list[Mapping]] = {}
    for row in rows:
        by_type.setdefault(row["question_type"], []).append(row)
    out: dict[str, dict] = {}
    for question_type in sorted(by_type):
        group = by_type[question_type]
        n = len(group)
        if group[0]["answer_kind"] != "choice":
            values = [float(row["answer"]) for row in group]
            middle = float(median(values))
            score = sum(mean_relative_accuracy(middle, v) for v in values if v > 0) / n
            out[question_type] = {"kind": "number", "questions": n, "median": middle,
                                  "blind_baseline": round(score, 6)}
            continue
        n_options = max(len(row["options"]) for row in group)
        letters_offered = "ABCD"[:n_options]
        letters = Counter(row["ground_truth"] for row in group)
        words = Counter(row["answer"] for row in group)
        option_words = sorted({_option_word(o) for row in group for o in row["options"]})
        fixed = len(option_words) <= FIXED_WORDS_MAX
        if fixed:
            shown = {w: words.get(w, 0) for w in option_words}
        else:
            shown = dict(sorted(words.items(), key=lambda item: (-item[1], item[0]))[:OPEN_WORDS_SHOWN])
        top_word, top_word_n = min(words.items(), key=lambda item: (-item[1], item[0]))
        top_letter, top_letter_n = min(((l, letters.get(l, 0)) for l in letters_offered), key=lambda item: (-item[1], item[0]))
        by_word = top_word_n >= top_letter_n
        out[question_type] = {
            "kind": "choice",
            "questions": n,
            "chance": round(1.0 / n_options, 6),
            "letter_shares": {l: round(letters.get(l, 0) / n, 6) for l in letters_offered},
            "word_shares": {w: round(k / n, 6) for w, k in shown.items()},
            "fixed_words": fixed,
            "max_word_deviation": (round(max(abs(k / n - 1 / len(option_words)) for k in shown.values()), 6)
                                   if fixed else None),
            "max_letter_deviation": round(max(abs(letters.get(l, 0) / n - 1 / n_options) for l in letters_offered), 6),
            "blind_baseline": round(max(top_word_n, top_letter_n) / n, 6),
            "blind_predictor": f"word: {top_word}" if by_word else f"letter: {top_letter}",
        }
    return out


def ambiguity_stats(skipped: Mapping[str, Mapping[str, int]], kept: Mapping[str, int]) -> dict[str, dict]:
    """Per question type with any drop: candidates dropped as "definition_ambiguous" and questions kept.

    skipped: question type -> reason -> count (the report's "skipped"); kept: question type -> count.
    """
    out = {}
    for question_type in sorted(skipped):
        dropped = int(skipped[question_type].get("definition_ambiguous", 0))
        if dropped:
            out[question_type] = {"definition_ambiguous": dropped, "kept": int(kept.get(question_type, 0))}
    return out


def size_stats(written: WrittenDataset, questions_per_scene: Mapping[str, int], frame_bytes_per_scene: Mapping[str, int]) -> dict:
    """Published bytes against the frames' own bytes, and what embedding frames per question would cost."""
    published = written.question_bytes + written.frame_shard_bytes
    embedded = written.question_bytes + sum(
        n * frame_bytes_per_scene.get(scene, 0) for scene, n in questions_per_scene.items()
    )
    frames = written.frame_image_bytes
    return {
        "frame_image_bytes": frames,
        "frame_shard_bytes": written.frame_shard_bytes,
        "question_shard_bytes": written.question_bytes,
        "published_bytes": published,
        "published_over_frames": round(published / frames, 6) if frames else 0.0,
        "embedded_estimate_bytes": embedded,
        "embedded_over_published": round(embedded / published, 6) if published else 0.0,
    }


def fault_summary(faults: Mapping[str, Mapping | None]) -> dict:
    """Annotation faults over the build: totals and, per scan with any, what was found and done.

    Raw labels absent from the label table keep their object but give it no category (so it is in no
    question); segGroups sharing an objectId are merged into one object; repeated segGroups dropped.
    """
    per_scan = {}
    for scene_id, fault in sorted(faults.items()):
        if not fault:
            continue
        if fault["unknown_labels"] or fault["merged_groups"] or fault["duplicated_groups"]:
            per_scan[scene_id] = {
                "unknown_labels": list(fault["unknown_labels"]),
                "merged_object_ids": list(fault["merged_object_ids"]),
                "duplicated_groups": int(fault["duplicated_groups"]),
            }
    labels = Counter(label for item in per_scan.values() for label in item["unknown_labels"])
    return {
        "scans_with_faults": len(per_scan),
        "unknown_labels": dict(sorted(labels.items())),
        "merged_object_ids": sum(len(item["merged_object_ids"]) for item in per_scan.values()),
        "duplicated_groups": sum(item["duplicated_groups"] for item in per_scan.values()),
        "per_scan": per_scan,
    }


def orientation_summary(rotations: Mapping[str, tuple[int, int | None]]) -> dict:
    """Scenes per applied turn ("0", "90", "180", "270"), and the scenes whose metadata states another
    turn than the one decided from the poses: scene id -> {"applied": deg, "stated": deg}."""
    by_turn = Counter(str(int(applied)) for applied, _ in rotations.values())
    disagreements = {s: {"applied": int(applied), "stated": int(stated)} for s, (applied, stated) in sorted(rotations.items())
                     if stated is not None and int(stated) != int(applied)}
    stated = sum(1 for _, value in rotations.values() if value is not None)
    return {"by_rotation_deg": {deg: by_turn[deg] for deg in ("0", "90", "180", "270") if by_turn[deg]},
            "with_stated_rotation": stated, "disagreements": disagreements}


def make_report(
    *,
    build_id: str,
    command: str,
    settings: Mapping,
    scene_splits: Mapping[str, str],
    failed: Mapping[str, str],
    question_rows: Mapping[str, list[Mapping]],
    skipped: Mapping[str, Mapping[str, int]],
    written: WrittenDataset,
    frame_bytes_per_scene: Mapping[str, int],
    leakage_override: bool,
    overridden_scenes: Iterable[str] = (),
    scenes_without_frames: Iterable[str] = (),
    annotation_faults: Mapping[str, Mapping | None] | None = None,
    scene_sources: Mapping[str, str] | None = None,
    frames_without_pose: Mapping[str, int] | None = None,
    frame_rotations: Mapping[str, tuple[int, int | None]] | None = None,
    grounding: Mapping | None = None,
) -> dict:
    """Assemble the report.

    scene_splits: scene id -> split of every scene that was built. failed: scene id -> reason.
    question_rows: split -> question rows. skipped: question type -> reason -> dropped candidates.
    scenes_without_frames: built scans that had no colour stream (no frames row, frame-free questions).
    annotation_faults: scene id -> its `AnnotationFaults` JSON (None or absent: not recorded).
    scene_sources: scene id -> source name ("scannet", ...) of every built scene (None: all ScanNet).
    frames_without_pose: scene id -> frames of its stream left out of sampling for want of a pose.
    frame_rotations: scene id -> (clockwise turn applied to make its frames upright, the turn its
        source's metadata states or None) for every scene with frames.
    grounding: `vsi100k.tasks.report.grounding_summary` of the build (None: not recorded).
    "answer_words": per closed-answer type and split, the most frequent word's share and whether the
    split was balanced or too small (`vsi100k.tasks.answer_cap.answer_word_balance`).
    """

    all_rows = [row for split in SPLITS for row in question_rows.get(split, [])]
    per_scene = Counter(row["scene_name"] for row in all_rows)
    by_split = Counter(scene_splits.values())
    sources = scene_sources if scene_sources is not None else dict.fromkeys(scene_splits, "scannet")
    by_source = Counter(sources[s] for s in scene_splits)
    without = sorted(scenes_without_frames)
    return {
        "vsi100k_version": __version__,
        "build_id": build_id,
        "command": command,
        "settings": dict(settings),
        "scenes": {
            "total": len(scene_splits) + len(failed),
            "ok": len(scene_splits),
            "failed": len(failed),
            "by_split": {split: by_split[split] for split in SPLITS if by_split[split]},
            "by_source": dict(sorted(by_source.items())),
            "without_frames": len(without),
        },
        "scenes_without_frames": without,
        "frames_without_pose": {s: int(n) for s, n in sorted((frames_without_pose or {}).items()) if n},
        "frame_orientation": orientation_summary(frame_rotations or {}),
        "annotation_faults": fault_summary(annotation_faults or {}),
        "failed_scenes": [{"scene": scene, "reason": failed[scene]} for scene in sorted(failed)],
        "questions": {
            "total": len(all_rows),
            "by_type": {t: dict(c) for t, c in sorted(written.question_counts.items())},
        },
        "frames": {"by_split": dict(written.frame_counts)},
        "skipped": {t: dict(sorted(r.items())) for t, r in sorted(skipped.items()) if r},
        "answers": answer_stats(all_rows),
        "answer_priors": answer_priors(all_rows),
        "answer_words": answer_word_balance(all_rows, [split for split in SPLITS for _ in question_rows.get(split, [])]),
        "grounding": dict(grounding or {}),
        "sizes": size_stats(written, per_scene, frame_bytes_per_scene),
        "leakage": {"override": bool(leakage_override), "overridden_scenes": sorted(overridden_scenes)},
        "shards": [{"path": s.path, "rows": s.rows, "size_bytes": s.size_bytes} for s in written.shards],
    }


def write_report(out_dir: Path, report: Mapping) -> Path:
    """Write build_report.json (sorted keys, temporary name then rename)."""
    path = Path(out_dir) / REPORT_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    tmp.replace(path)
    return path


def read_report(out_dir: Path) -> dict:
    path = Path(out_dir) / REPORT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no build report (is this a `vsi100k build` output folder?)")
    return json.loads(path.read_text())
