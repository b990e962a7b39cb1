"""The pipeline run from facts onward (`vsi100k questions`): split guard, generation, JSON lines, report.

Reads `<facts_dir>/<scene_id>.json` (one `SceneFacts` per file: the `facts/` folder that `vsi100k
build` and `vsi100k facts` write), sorted by scene id. A file that
cannot be read is recorded in the report as a scene error and the build goes on; a leakage refusal
stops the build (it is a decision about the whole split, not a bad file). Once every scene's
questions are known, the build-wide passes run as in `vsi100k build` (`vsi100k.tasks.build_passes`:
the answer-share cap, then the letter pass).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from vsi100k.errors import SceneError
from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question
from vsi100k.tasks.answer_cap import SKIP_REASON as ANSWER_CAP_REASON
from vsi100k.tasks.build_passes import questions_after_build_passes
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_questions
from vsi100k.tasks.io import write_questions
from vsi100k.tasks.leakage import SplitGuard
from vsi100k.tasks.grounding import frame_checked
from vsi100k.tasks.report import build_report, grounding_summary, write_report

# `<scene_id>.json` for a scan id of any source: ScanNet `sceneXXXX_YY`, ScanNet++'s 10 hexadecimal
# characters, ARKitScenes' numeric video ids; reports and other JSON files are not facts.
FACTS_NAME = re.compile(r"(scene\d{4}_\d{2}|[0-9a-f]{10}|\d+)\.json")


def facts_files(facts_dir: Path) -> list[Path]:
    """The facts files of a facts folder (`FACTS_NAME`), sorted by name."""
    return sorted(p for p in Path(facts_dir).glob("*.json") if FACTS_NAME.fullmatch(p.name))


@dataclass(frozen=True)
class QuestionsBuild:
    """What `build_questions` produced."""

    questions: list[Question]
    skips: Counter
    report: dict


def read_facts_file(path: Path) -> SceneFacts:
    """One facts file, or a SceneError naming the file and what is wrong with it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SceneError(path.name.split(".")[0], path, f"cannot read facts JSON ({exc})") from exc
    fallback_id = path.name.split(".")[0]
    scene_id = data.get("scene_id", fallback_id) if isinstance(data, dict) else fallback_id
    if not isinstance(data, dict) or "objects" not in data or "scene_id" not in data:
        raise SceneError(str(scene_id), path, "not a facts file (needs scene_id and objects); re-run `vsi100k facts`")
    try:
        return SceneFacts.from_json(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise SceneError(str(scene_id), path, f"malformed facts ({type(exc).__name__}: {exc})") from exc


def build_questions(
    facts_dir: Path,
    cfg: QuestionConfig,
    *,
    guard: SplitGuard | None = None,
    requested_split: str | None = None,
    out: Path | None = None,
    report_path: Path | None = None,
    on_scene: Callable[[str], None] | None = None,
) -> QuestionsBuild:
    """Generate questions for every facts file in `facts_dir`.

    guard: split lists and the override flag (None: facts splits only, no lists).
    requested_split: put every scene in this split ("train"/"val"/"test") instead of its own.
    out / report_path: when given, the JSON lines and the report JSON are written there.
    on_scene: called with each scene id (or file name) after it is done, for progress bars.
    """
    facts_dir = Path(facts_dir)
    if not facts_dir.is_dir():
        raise FileNotFoundError(f"facts folder {facts_dir} does not exist; run `vsi100k facts` first")
    guard = guard or SplitGuard()
    loaded: list[tuple[Path, SceneFacts]] = []
    errors: list[dict] = []
    paths = facts_files(facts_dir)
    if not paths:
        raise FileNotFoundError(f"{facts_dir}: no <scene_id>.json facts files; run `vsi100k facts --out DIR` (or a build) first")
    for path in paths:
        try:
            loaded.append((path, read_facts_file(path)))
        except SceneError as exc:
            errors.append({"scene": exc.scene_id, "file": path.name, "problem": exc.problem})
            if on_scene:
                on_scene(path.name)
    ids = [facts.scene_id for _, facts in loaded]
    duplicated = sorted({s for s in ids if ids.count(s) > 1})
    if duplicated:
        raise ValueError(f"{facts_dir}: several facts files describe scenes {duplicated}; keep one file per scene")
    loaded.sort(key=lambda item: item[1].scene_id)
    sources = {facts.scene_id: facts.extra["source"] for _, facts in loaded if "source" in facts.extra}
    if sources:  # refusals name each scan's own source
        guard = replace(guard, scene_sources={**guard.scene_sources, **sources})

    questions: list[Question] = []
    skips: Counter = Counter()
    scans: list[dict] = []  # per scan, for the grounding summary
    overridden: list[dict] = []
    split_sources: Counter = Counter()
    for path, facts in loaded:
        decision = guard.assign(facts.scene_id, facts_split=facts.split, requested=requested_split, path=path)
        split_sources[decision.source] += 1
        if decision.leakage_override:
            overridden.append({"scene": facts.scene_id, "reason": decision.val_evidence})
        scene_questions, scene_skips = generate_questions(facts, cfg)
        questions.extend(
            replace(q, split=decision.split, leakage_override=decision.leakage_override) for q in scene_questions
        )
        skips.update(scene_skips)
        scans.append({"scene": facts.scene_id, "checked": frame_checked(facts), "skips": scene_skips,
                      "kept": Counter(q.question_type for q in scene_questions)})
        if on_scene:
            on_scene(facts.scene_id)

    questions, capped = questions_after_build_passes(questions, cfg.seed)
    skips.update({(qtype, ANSWER_CAP_REASON): n for qtype, n in capped.items()})
    report = build_report(
        questions,
        skips,
        question_types=cfg.question_types(),
        n_scenes=len(loaded),
        scene_errors=errors,
        config=cfg.to_json(),
        grounding=grounding_summary(scans, {t: cfg.grounding_share_for(t) for t in cfg.question_types()}),
        leakage={
            "split_lists": guard.has_lists,
            "requested_split": requested_split,
            "allow_val_in_train": guard.allow_val_in_train,
            "overridden_scenes": overridden,
            "split_sources": dict(sorted(split_sources.items())),
            "rule": "a train split never contains a ScanNet val scene or another scan of a val room (sceneXXXX prefix)",
        },
    )
    if out is not None:
        write_questions(out, questions)
    if report_path is not None:
        write_report(report_path, report)
    return QuestionsBuild(questions, skips, report)
