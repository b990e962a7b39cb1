"""Render the dataset card (README.md) of a build from `dataset_card.md` and the build report.

The card's YAML front matter declares one `configs:` entry per question type, `all` and `frames`
(so `datasets.load_dataset(out_dir, config)` works locally and on the Hub) plus the Hub's
DatasetCardData fields. The body states this build's real statistics, the exact command and
settings, the leakage rule and the terms of every source dataset its scans came from
(`vsi100k.card_sources`). Pure text: no Hub access here.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from string import Template

from vsi100k.card_sources import SOURCE_TERMS, license_fields, sources_of, sources_phrase, splits_text, terms_section
from vsi100k.dataset.schema import (
    ALL_CONFIG,
    CARD_FILE,
    FRAMES_CONFIG,
    SPLITS,
    all_questions_glob,
    frames_shard_glob,
    question_shard_glob,
)

PRETTY_NAME = "vsi100k"
# The Hub's size_categories buckets (upper bounds, exclusive) and their names.
SIZE_BUCKETS = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)
LEAKAGE_RULE = (
    "The 88 ScanNet scenes of VSI-Bench all come from ScanNet's official validation split. A `train` "
    "split of this dataset holds only scenes of `scannetv2_train.txt`, and never a scene of "
    "`scannetv2_val.txt` or any other scan of the same room (same `sceneXXXX` prefix), so a model "
    "trained on it can be evaluated on VSI-Bench without leakage. The same holds per source for "
    "VSI-Bench's ScanNet++ and ARKitScenes scenes, which come from those datasets' validation splits: "
    "a `train` split never takes a scene of ScanNet++'s `nvs_sem_val.txt`, nor an ARKitScenes video of "
    "the `Validation` fold or of the same visit (room) as one."
)


def size_category(n_rows: int) -> str:
    """The Hub's size category of a dataset with `n_rows` rows, e.g. "1K<n<10K"."""
    for bound, name in SIZE_BUCKETS:
        if n_rows < bound:
            return name
    return "n>10M"


def dataset_configs(question_counts: dict[str, dict[str, int]], frame_counts: dict[str, int],
                    build_id: str | None = None) -> list[dict]:
    """The `configs:` entries: `all` (default), one per question type, then `frames`.

    question_counts: question type -> split -> rows. frame_counts: split -> scenes. A split is
    declared only where it has rows, so no config announces an empty split. build_id: named in each
    config's `description`. `datasets` keys its cache of a local folder by the folder's name and the
    card's configs (descriptions included), not by the files' content: with the build id in them, a
    rebuild into the same folder gets its own cache entry instead of the previous build's rows (or a
    NonMatchingSplitsSizesError), in a fresh or a warm HF_HOME alike.
    """

    def described(entry: dict, what: str) -> dict:
        if build_id is None:
            return entry
        return {"config_name": entry["config_name"], "description": f"{what} of vsi100k build {build_id}",
                **{k: v for k, v in entry.items() if k != "config_name"}}

    all_splits = [s for s in SPLITS if any(counts.get(s, 0) > 0 for counts in question_counts.values())]
    configs = []
    if all_splits:
        configs.append(described(
            {
                "config_name": ALL_CONFIG,
                "default": True,
                "data_files": [{"split": s, "path": all_questions_glob(s)} for s in all_splits],
            }, "Questions of every type"))
    for question_type in sorted(question_counts):
        splits = [s for s in SPLITS if question_counts[question_type].get(s, 0) > 0]
        if splits:
            configs.append(described(
                {
                    "config_name": question_type,
                    "data_files": [{"split": s, "path": question_shard_glob(question_type, s)} for s in splits],
                }, f"{question_type} questions"))
    frame_splits = [s for s in SPLITS if frame_counts.get(s, 0) > 0]
    if frame_splits:
        configs.append(described(
            {
                "config_name": FRAMES_CONFIG,
                "data_files": [{"split": s, "path": frames_shard_glob(s)} for s in frame_splits],
            }, "Sampled frames per scene"))
    return configs


def front_matter(report: dict, *, frames_included: bool = True) -> dict:
    """The YAML front matter (DatasetCardData-style fields plus `configs`) of a build's card.
    frames_included: False for a release without images (no `frames` config is declared)."""
    question_counts = report["questions"]["by_type"]
    total = sum(sum(c.values()) for c in question_counts.values())
    sources = sources_of(report)
    return {
        "pretty_name": PRETTY_NAME,
        **license_fields(sources),
        "language": ["en"],
        "task_categories": ["visual-question-answering"],
        "size_categories": [size_category(total)],
        "source_datasets": [SOURCE_TERMS[name].hub_name for name in sources],
        "tags": ["spatial-reasoning", "3d", *sources, "vsi-bench"],
        "configs": dataset_configs(question_counts, report["frames"]["by_split"] if frames_included else {},
                                   report.get("build_id")),
    }


def release_note(report: dict, *, frames_included: bool = True, repo_id: str | None = None) -> str:
    """The card's first lines when the folder is not a plain build ("" for one).

    frames_included=False: a release without images; says so and gives the one command that rebuilds
    the frames from the user's own scans (`repo_id`: the release's Hub id). A partial rehydration
    (report key `scenes_not_rehydrated`) names the scans whose frames could not be rebuilt."""
    if not frames_included:
        target = repo_id or "<repo_id or release folder>"
        return (
            "**Frames are not included in this release.** It holds the questions and a frames manifest "
            "(`frames_manifest.json`) naming exactly which frames of which scans they refer to, not the scans' "
            "images. Rebuild the identical frames from your own copy of the scans with:\n\n"
            f"```bash\nvsi100k rehydrate {target} --scenes /path/to/your/scans --out ./{PRETTY_NAME}-data\n```\n\n"
        )
    missing = report.get("scenes_not_rehydrated") or []
    if missing:
        shown = ", ".join(f"`{s}`" for s in missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
        return (f"**Partial rehydration:** the frames of {len(missing)} scan(s) could not be rebuilt from the local "
                f"scans ({shown}; reasons in `build_report.json`, key `rehydration`); their questions have no frames "
                "row.\n\n")
    return ""


def render_card(report: dict, template: str | None = None, *, frames_included: bool = True,
                repo_id: str | None = None) -> str:
    """The README.md text of a build. report: the build report (as in build_report.json).
    frames_included / repo_id: see `release_note` (a release without images)."""
    import yaml

    if template is None:
        template = resources.files("vsi100k").joinpath("dataset_card.md").read_text()
    settings = report["settings"]
    sources = sources_of(report)
    values = {
        "front_matter": yaml.safe_dump(front_matter(report, frames_included=frames_included), sort_keys=False,
                                       allow_unicode=True).rstrip("\n"),
        "release_note": release_note(report, frames_included=frames_included, repo_id=repo_id),
        "pretty_name": PRETTY_NAME,
        "version": report["vsi100k_version"],
        "build_id": report["build_id"],
        "n_frames_setting": str(settings["frames"]["n_frames"]),
        "frame_width": str(settings["frames"]["max_width"]),
        "frame_height": str(settings["frames"]["max_height"]),
        "loading_example": loading_example(report),
        "scene_summary": scene_summary(report),
        "questions_table": questions_table(report["questions"]["by_type"]),
        "answers_table": answers_table(report["answers"], report.get("answer_priors"), report["skipped"],
                                       report["questions"]["by_type"]) + answer_words_text(report.get("answer_words")),
        "skips_table": skips_table(report["skipped"]) + grounding_text(report.get("grounding"), settings["frames"]["n_frames"]),
        "size_summary": size_summary(report["sizes"]),
        "command": report["command"],
        "settings_json": json.dumps(settings, indent=2, sort_keys=True),
        "leakage": leakage_text(report["leakage"]),
        "sources": sources_phrase(sources),
        "split_lists": splits_text(sources),
        "terms": terms_section(sources),
    }
    try:
        return Template(template).substitute(values)
    except KeyError as missing:
        raise ValueError(f"dataset card template uses an unknown field ${missing.args[0]}") from None


def write_card(out_dir: Path, report: dict) -> Path:
    """Render the card into `<out_dir>/README.md` (temporary name, then rename)."""
    path = Path(out_dir) / CARD_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(render_card(report), encoding="utf-8")
    tmp.replace(path)
    return path


def loading_example(report: dict) -> str:
    types = sorted(report["questions"]["by_type"])
    example_type = types[0] if types else "object_counting"
    return "\n".join(
        [
            "from datasets import load_dataset",
            "",
            'questions = load_dataset("<repo_id or build folder>", "all", split="train")',
            f'one_type = load_dataset("<repo_id or build folder>", "{example_type}", split="train")',
            'frames = load_dataset("<repo_id or build folder>", "frames", split="train")  # join on scene_name',
            "",
            "# or joined with their frames (decoded on access) by this project's loader:",
            "from vsi100k.dataset.load import load_samples",
            'samples = load_samples("<repo_id or build folder>", "all", "train", num_frames=16)',
            'sample = samples[0]  # question columns + "prompt" (text) + "images" (list of PIL images)',
        ]
    )


def scene_summary(report: dict) -> str:
    scenes = report["scenes"]
    lines = [
        f"- Scenes: {scenes['ok']} built of {scenes['total']} found ({scenes['failed']} failed).",
        "- Scenes per split: "
        + ", ".join(f"{split} {scenes['by_split'].get(split, 0)}" for split in SPLITS)
        + ".",
        f"- Questions: {report['questions']['total']}.",
    ]
    without = report.get("scenes_without_frames", [])
    if without:
        lines.append(f"- Scans without a colour stream: {len(without)} (no frames row; their frame-based question "
                     "types were skipped with the reason `no_colour_stream`): " + ", ".join(f"`{s}`" for s in without) + ".")
    unposed = report.get("frames_without_pose") or {}
    if unposed:
        lines.append("- Frames left out of sampling for want of a camera pose (image-folder streams): "
                     + ", ".join(f"`{s}` {n}" for s, n in unposed.items()) + ".")
    orientation = report.get("frame_orientation") or {}
    turned = {deg: n for deg, n in sorted((orientation.get("by_rotation_deg") or {}).items(), key=lambda kv: int(kv[0]))
              if deg != "0"}  # in degree order, whether the report was just made or read back from JSON
    if turned or orientation.get("with_stated_rotation"):
        disagree = orientation.get("disagreements") or {}
        lines.append(
            "- Frames turned upright from the camera poses (clockwise): "
            + (", ".join(f"{deg} degrees: {n} scans" for deg, n in turned.items()) or "none")
            + f"; the source's `sky_direction` states another turn for {len(disagree)} of "
            f"{orientation.get('with_stated_rotation', 0)} scans"
            + (": " + ", ".join(f"`{s}` (poses {d['applied']}, stated {d['stated']})" for s, d in disagree.items())
               if disagree else "")
            + "."
        )
    faults = report.get("annotation_faults") or {}
    if faults.get("scans_with_faults"):
        unknown = ", ".join(f"`{label}` ({n})" for label, n in faults["unknown_labels"].items()) or "none"
        lines.append(
            f"- Annotation faults in {faults['scans_with_faults']} scans: raw labels absent from ScanNet's label "
            f"table: {unknown}; segGroups sharing an objectId merged into one object: "
            f"{faults['merged_object_ids']}; repeated segGroups dropped: {faults['duplicated_groups']}."
        )
    for failure in report.get("failed_scenes", []):
        lines.append(f"  - failed `{failure['scene']}`: {failure['reason']}")
    return "\n".join(lines)


def questions_table(by_type: dict[str, dict[str, int]]) -> str:
    header = "| question type | " + " | ".join(SPLITS) + " | total |"
    rule = "|---|" + "---:|" * (len(SPLITS) + 1)
    rows = [header, rule]
    totals = dict.fromkeys(SPLITS, 0)
    for question_type in sorted(by_type):
        counts = by_type[question_type]
        for split in SPLITS:
            totals[split] += counts.get(split, 0)
        cells = " | ".join(str(counts.get(split, 0)) for split in SPLITS)
        rows.append(f"| {question_type} | {cells} | {sum(counts.values())} |")
    cells = " | ".join(str(totals[split]) for split in SPLITS)
    rows.append(f"| **all** | {cells} | {sum(totals.values())} |")
    return "\n".join(rows)


def answers_table(answers: dict[str, dict], priors: dict[str, dict] | None = None,
                  skipped: dict[str, dict[str, int]] | None = None,
                  by_type: dict[str, dict[str, int]] | None = None) -> str:
    """The answer distributions, then (when the report has them) the answer priors with the blind
    baseline, and the questions dropped because two definitions of the answer disagree."""
    if not answers:
        return "No questions."
    parts = [_distribution_table(answers)]
    if priors:
        parts.append(priors_table(priors))
    if skipped is not None:
        parts.append(ambiguity_table(skipped, by_type or {}))
    return "\n\n".join(parts)


def priors_table(priors: dict[str, dict]) -> str:
    """Per type: answer-word and letter shares and the blind (answer-only) baseline."""
    rows = [
        "Blind baseline: the accuracy of the best answer-only predictor (always the most frequent "
        "answer word or letter of a choice type; always the per-type median of a number type, scored "
        "by mean relative accuracy), computed on this build.",
        "",
        "| question type | questions | answer words | correct letters | blind baseline | chance |",
        "|---|---:|---|---|---:|---:|",
    ]
    for question_type in sorted(priors):
        p = priors[question_type]
        if p["kind"] == "choice":
            # by share, then name: the same text from the report in memory and from build_report.json
            words = ", ".join(f"{w} {100 * v:.1f}%" for w, v in sorted(p["word_shares"].items(), key=lambda kv: (-kv[1], kv[0])))
            letters = ", ".join(f"{l} {100 * v:.1f}%" for l, v in sorted(p["letter_shares"].items()))
            rows.append(f"| {question_type} | {p['questions']} | {words} | {letters} | "
                        f"{100 * p['blind_baseline']:.1f}% ({p['blind_predictor']}) | {100 * p['chance']:.1f}% |")
        else:
            rows.append(f"| {question_type} | {p['questions']} | median {p['median']:g} | - | "
                        f"MRA {p['blind_baseline']:.3f} | - |")
    return "\n".join(rows)


def ambiguity_table(skipped: dict[str, dict[str, int]], by_type: dict[str, dict[str, int]]) -> str:
    """Candidates dropped as `definition_ambiguous` per type, next to the questions kept."""
    rows = ["Answers computed under the VSI-Bench definitions and under exact geometry (gravity-aligned "
            "boxes, closest points of the objects, overlapping solids 0 apart); a candidate whose two "
            "answers disagree (numbers: beyond the relative tolerance; choices: another option) is dropped "
            "as `definition_ambiguous`.", ""]
    dropped = {t: r.get("definition_ambiguous", 0) for t, r in skipped.items()}
    if not any(dropped.values()):
        rows.append("No candidate was dropped as `definition_ambiguous`.")
        return "\n".join(rows)
    rows += ["| question type | dropped as definition_ambiguous | questions kept |", "|---|---:|---:|"]
    for question_type in sorted(dropped):
        if dropped[question_type]:
            kept = sum(by_type.get(question_type, {}).values())
            rows.append(f"| {question_type} | {dropped[question_type]} | {kept} |")
    return "\n".join(rows)


def _distribution_table(answers: dict[str, dict]) -> str:
    rows = ["| question type | answers |", "|---|---|"]
    for question_type in sorted(answers):
        stats = answers[question_type]
        if stats["kind"] == "choice":
            letters = ", ".join(f"{letter} {n}" for letter, n in sorted(stats["letters"].items()))
            top = ", ".join(f"{answer} ({n})" for answer, n in stats["top_answers"])
            text = f"correct letter: {letters}; most frequent answers: {top}"
        else:
            text = (
                f"min {stats['min']:g}, median {stats['median']:g}, mean {stats['mean']:.3g}, "
                f"max {stats['max']:g}"
            )
        rows.append(f"| {question_type} | {text} |")
    return "\n".join(rows)


def skips_table(skipped: dict[str, dict[str, int]]) -> str:
    if not any(skipped.values()):
        return "No candidate was skipped."
    rows = ["| question type | reason | candidates |", "|---|---|---:|"]
    for question_type in sorted(skipped):
        for reason, n in sorted(skipped[question_type].items()):
            rows.append(f"| {question_type} | {reason} | {n} |")
    return "\n".join(rows)


def size_summary(sizes: dict) -> str:
    return "\n".join(
        [
            f"- Frames' own bytes (JPEG payloads): {_mib(sizes['frame_image_bytes'])}.",
            f"- Published frames shards: {_mib(sizes['frame_shard_bytes'])}; questions shards: "
            f"{_mib(sizes['question_shard_bytes'])}; total published: {_mib(sizes['published_bytes'])} "
            f"({sizes['published_over_frames']:.3f} x the frames' own bytes).",
            f"- Had the frames been embedded in every question row: about "
            f"{_mib(sizes['embedded_estimate_bytes'])} ({sizes['embedded_over_published']:.1f} x larger).",
        ]
    )


def _mib(n_bytes: int) -> str:
    return f"{n_bytes / 2**20:.2f} MiB"


def leakage_text(leakage: dict) -> str:
    lines = [LEAKAGE_RULE, ""]
    if leakage["override"]:
        scenes = ", ".join(f"`{s}`" for s in leakage["overridden_scenes"]) or "none"
        lines.append(
            "**This build overrode the rule** (`--allow-val-in-train`): its train split may contain "
            f"validation scenes or scans of validation rooms: {scenes}. Do not evaluate a model "
            "trained on it on VSI-Bench."
        )
    else:
        lines.append("This build enforced the rule: no train scene shares a room with a validation scene.")
    return "\n".join(lines)


def answer_words_text(words: dict | None) -> str:
    """The answer-word pass per closed-answer type (direction words, route turn sequences): the most
    frequent word's share per split and in all, and splits too small to balance ("" when not recorded)."""
    if not words:
        return ""
    rows = ["", "", "Answer words of the closed-answer types (direction words, route turn sequences): per split "
            "the most frequent answer word is right in at most chance + 5 points of the questions; the "
            "questions over it were dropped as `answer_share_cap`. A split with fewer questions than the "
            "minimum count is too small to balance alone (one question moves a share by more than the margin); "
            "such splits are balanced together with the rest of the build.", "",
            "| question type | split | questions | most frequent answer | share | chance | status |",
            "|---|---|---:|---|---:|---:|---|"]
    for question_type in sorted(words):
        for split, w in sorted(words[question_type].items()):
            status = w["status"].replace("_", " ")
            if w["status"] == "too_small":
                status += f" (< {w['min_count']})"
            if w.get("missing_words"):
                status += ": never the answer: " + ", ".join(w["missing_words"])
            rows.append(f"| {question_type} | {split} | {w['questions']} | {w['top_word']} | "
                        f"{100 * w['top_share']:.1f}% | {100 * w['chance']:.1f}% | {status} |")
    return "\n".join(rows)


def grounding_text(grounding: dict | None, n_frames: int) -> str:
    """The grounding rule's effect: shares, candidates dropped as `not_in_frames` per type, and the
    scans whose questions were not frame-checked ("" when not recorded)."""
    if not grounding:
        return ""
    lines = ["", ""]
    if not grounding["enabled"]:
        lines.append("Questions were not frame-checked (grounding off): a question may name an object that no "
                     "stored frame shows.")
        return "\n".join(lines)
    lines.append(
        f"Grounded questions: on the {grounding['frame_checked_scans']} scans whose frames were ray-cast, every "
        "object a question names (counting: every instance of the category) covers at least its type's share of "
        f"at least one of the {n_frames} frames stored per scene, else the candidate was dropped as "
        f"`not_in_frames`. The rule refers to all {n_frames} stored frames: a trainer that feeds a subset "
        "(e.g. every second frame) may leave out the frames that show an object.")
    not_checked = grounding["not_frame_checked"]
    if not_checked:
        lines.append(f"Not frame-checked ({len(not_checked)} scans without a colour stream or camera poses; their "
                     "questions were kept as generated): " + ", ".join(f"`{s}`" for s in not_checked) + ".")
    lines += ["", "| question type | share of a frame | candidates | dropped as not_in_frames | dropped share |",
              "|---|---:|---:|---:|---:|"]
    for question_type, row in sorted(grounding["by_type"].items()):
        lines.append(f"| {question_type} | {100 * grounding['shares'][question_type]:.1f}% | {row['candidates']} | "
                     f"{row['not_in_frames']} | {100 * row['dropped_share']:.1f}% |")
    return "\n".join(lines)
