"""Write a dataset folder from the build cache alone, in scan order: facts, shards, report, card,
frames manifest.

Because only cached results are read, an interrupted build resumes to the same bytes and the
executor that computed them does not matter. Once every scan's questions are known, the build-wide
passes run (`final_rows`, `vsi100k.tasks.build_passes`); they rewrite the rows written,
never the cached per-scan results.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from vsi100k.dataset.schema import FACTS_DIR, SPLITS
from vsi100k.pipeline.cache import BuildCache, CachedScene
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.plan import build_id
from vsi100k.pipeline.report import make_report, write_report
from vsi100k.pipeline.stages import ScanJob, ScanSummary
from vsi100k.tasks.answer_cap import SKIP_REASON as ANSWER_CAP_REASON
from vsi100k.tasks.report import grounding_summary


def _unprocessed(job: ScanJob, summaries: dict[str, ScanSummary]) -> str:
    """Why a scan has no cached result: its summary's reason (an uncached failure)."""
    summary = summaries.get(job.scene_id)
    return (summary.reason if summary else None) or "no result (scan was not processed)"


def collect(cfg: BuildConfig, jobs: list[ScanJob], summaries: dict[str, ScanSummary]
            ) -> tuple[dict[str, CachedScene], dict[str, str]]:
    """(scene id -> ok cached result, scene id -> failure reason), in scan order."""
    cache = BuildCache(cfg.cache_root)
    entries: dict[str, CachedScene] = {}
    failed: dict[str, str] = {}
    for job in sorted(jobs, key=lambda j: j.scene_id):
        entry = cache.load_scene(job.scene_id, job.key)
        if entry is None:
            failed[job.scene_id] = _unprocessed(job, summaries)
        elif not entry.ok:
            failed[job.scene_id] = entry.result["reason"]
        else:
            entries[job.scene_id] = entry
    return entries, failed


def final_rows(rows_by_split: dict[str, list[dict]], seed: int) -> tuple[dict[str, list[dict]], Counter]:
    """The build's question rows after the build-wide passes (`vsi100k.tasks.build_passes`), split by
    split in the same order; and the rows the answer-share cap dropped, per question type."""
    from vsi100k.tasks.build_passes import build_wide_passes

    flat = [(split, row) for split, rows in rows_by_split.items() for row in rows]
    kept, rows, dropped = build_wide_passes([row for _, row in flat], seed, [split for split, _ in flat])
    out: dict[str, list[dict]] = {split: [] for split in rows_by_split}
    for k, row in zip(kept, rows):
        out[flat[k][0]].append(row)
    return out, dropped


def write_facts(target: Path, facts_by_scene: dict[str, dict]) -> None:
    """One `facts/<scene_id>.json` per scan (`SceneFacts.write`'s format)."""
    from vsi100k.facts.schema import SceneFacts

    folder = Path(target) / FACTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for scene_id, facts in facts_by_scene.items():
        SceneFacts.from_json(facts).write(folder / f"{scene_id}.json")


def checked_frames(entries: dict[str, CachedScene]) -> dict[str, dict]:
    """scene id -> the size and sha256 digests of the frames its worker decoded (`stages.frames_meta`),
    for `validate_output`'s `checked_frames`; scans whose frames were not all checked are left out."""
    out = {}
    for scene_id, entry in entries.items():
        meta = entry.result.get("frames") or {}
        if entry.has_frames and meta.get("jpeg_sha256"):
            out[scene_id] = {"width": meta["width"], "height": meta["height"], "jpeg_sha256": meta["jpeg_sha256"]}
    return out


def assemble(cfg: BuildConfig, jobs: list[ScanJob], summaries: dict[str, ScanSummary], command: str,
             target: Path, checked: dict | None = None) -> dict:
    """Write the whole dataset into `target` (a staging folder); returns the report.

    checked: when given, filled with `checked_frames` of the written scans, for the validation."""
    from vsi100k.card import write_card
    from vsi100k.dataset.rows import frame_row
    from vsi100k.dataset.write import write_dataset
    from vsi100k.pipeline.frames_manifest import write_build_manifest

    cache = BuildCache(cfg.cache_root)
    entries, failed = collect(cfg, jobs, summaries)
    if checked is not None:
        checked.update(checked_frames(entries))
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    write_facts(target, {scene_id: entry.result["facts"] for scene_id, entry in entries.items()})
    questions: dict[str, list[dict]] = {}
    skipped: dict[str, Counter] = {}
    scene_splits: dict[str, str] = {}
    frame_bytes: dict[str, int] = {}
    scans: list[dict] = []  # per scan, for the grounding summary
    for scene_id, entry in entries.items():
        split = entry.result["split"]
        scene_splits[scene_id] = split
        questions.setdefault(split, []).extend(entry.result["questions"])
        for qtype, reason, n in entry.result["skips"]:
            skipped.setdefault(qtype, Counter())[reason] += n
        scans.append({"scene": scene_id, "checked": bool(((entry.result["facts"].get("appearances") or {}).get("max_pixels"))),
                      "skips": Counter({(qtype, reason): n for qtype, reason, n in entry.result["skips"]}),
                      "kept": Counter(row["question_type"] for row in entry.result["questions"])})
    questions, capped = final_rows(questions, cfg.questions.seed)
    for qtype, n in capped.items():
        skipped.setdefault(qtype, Counter())[ANSWER_CAP_REASON] += n

    def frame_rows(split: str) -> Iterator[dict]:
        for scene_id, entry in entries.items():
            if entry.result["split"] != split or not entry.has_frames:
                continue
            meta = entry.result["frames"]
            jpegs = cache.frame_jpegs(entry)
            frame_bytes[scene_id] = sum(len(j) for j in jpegs)
            yield frame_row(scene_id, frame_indices=meta["frame_indices"], timestamps_s=meta["timestamps_s"],
                            jpegs=jpegs, width=meta["width"], height=meta["height"], source=meta["source"],
                            rotation_deg=meta.get("rotation_deg", 0))

    present = {entry.result["split"] for entry in entries.values()}
    written = write_dataset(target, questions, {split: frame_rows(split) for split in SPLITS if split in present})
    jobs_by_id = {job.scene_id: job for job in jobs}
    report = make_report(
        build_id=build_id(cfg, jobs),
        command=command,
        settings=cfg.settings(),
        scene_splits=scene_splits,
        failed=failed,
        question_rows=questions,
        skipped=skipped,
        written=written,
        frame_bytes_per_scene=frame_bytes,
        leakage_override=cfg.allow_val_in_train,
        overridden_scenes=[s for s in scene_splits if jobs_by_id[s].leakage_override],
        scenes_without_frames=[s for s, entry in entries.items() if not entry.has_frames],
        annotation_faults={s: entry.result["facts"].get("extra", {}).get("annotation_faults") for s, entry in entries.items()},
        scene_sources={s: jobs_by_id[s].source for s in scene_splits},
        frames_without_pose={s: entry.result["frames"].get("frames_without_pose", 0)
                             for s, entry in entries.items() if entry.has_frames},
        frame_rotations={s: (entry.result["frames"].get("rotation_deg", 0), entry.result["frames"].get("stated_rotation_deg"))
                         for s, entry in entries.items() if entry.has_frames},
        grounding=grounding_summary(scans, {t: cfg.questions.grounding_share_for(t) for t in cfg.questions.question_types()}),
    )
    write_report(target, report)
    write_card(target, report)
    write_build_manifest(cfg, jobs, target, report["build_id"])
    return report


def write_facts_only(cfg: BuildConfig, jobs: list[ScanJob], summaries: dict[str, ScanSummary], target: Path) -> dict:
    """The facts stage's output (`vsi100k facts`): `facts/<scene_id>.json` with each scan's split,
    plus `facts_report.json` listing failures. Returns that report."""
    cache = BuildCache(cfg.cache_root)
    facts: dict[str, dict] = {}
    failed: dict[str, str] = {}
    for job in sorted(jobs, key=lambda j: j.scene_id):
        value = cache.load_facts(job.scene_id, job.facts_key)
        if value is None:
            failed[job.scene_id] = _unprocessed(job, summaries)
        else:
            facts[job.scene_id] = replace(value, split=job.split).to_json()
    write_facts(target, facts)
    report = {"stage": "facts", "settings": cfg.facts.to_json(), "ok": sorted(facts),
              "failed_scenes": [{"scene": s, "reason": r} for s, r in sorted(failed.items())]}
    path = Path(target) / "facts_report.json"
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return report
