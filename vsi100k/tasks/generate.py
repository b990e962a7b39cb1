"""Run every registered question type over one scene's facts, with per-scene caps and seeding.

Randomness: one `np.random.Generator` per (seed, scene, question type), seeded with
[seed, crc32(scene_id), crc32(question_type)] (stable across runs and Python versions, unlike
`hash()`), so a type's questions do not change when other types or scenes are added. The per-scene
cap of a type is drawn from a second generator [seed, crc32(scene), crc32(type), 1]: with a
fractional cap x the scene keeps floor(x) questions, plus one with probability x - floor(x).
A task yields candidates in random order; on a frame-checked scan a candidate naming an object no
stored frame shows well enough is dropped first ("not_in_frames", `vsi100k.tasks.grounding`), so it
does not use up the cap; the first `cap` questions are kept and every further one is counted as the
skip reason "cap_reached", so a larger cap only ever appends questions.
"""

from __future__ import annotations

import math
import zlib
from collections import Counter
from dataclasses import replace

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.grounding import NOT_IN_FRAMES, frame_checked, unseen_objects
from vsi100k.tasks.io import DATASET_NAME
from vsi100k.tasks.registry import get_task

SkipCounts = Counter  # Counter[(question_type, reason)] -> number of dropped candidates
NO_COLOUR_STREAM = "no_colour_stream"  # skip reason of frame-based types on a scan without frames


def stable_hash(text: str) -> int:
    """A 32-bit hash of a string that is the same in every process (zlib.crc32 of its UTF-8)."""
    return zlib.crc32(text.encode("utf-8"))


def task_rng(seed: int, scene_id: str, question_type: str) -> np.random.Generator:
    """The generator a task gets for one scene."""
    return np.random.default_rng([seed, stable_hash(scene_id), stable_hash(question_type)])


def scene_cap(cap: float, seed: int, scene_id: str, question_type: str) -> int:
    """How many questions of a type one scene may keep, for a possibly fractional per-scene cap."""
    whole = math.floor(cap)
    fraction = cap - whole
    if fraction <= 0:
        return int(whole)
    draw = np.random.default_rng([seed, stable_hash(scene_id), stable_hash(question_type), 1]).random()
    return int(whole) + int(draw < fraction)


def question_id(scene_id: str, question_type: str, index: int) -> str:
    """`scene0000_00/object_counting/0003` (the dataset's id format)."""
    return f"{scene_id}/{question_type}/{index:04d}"


def generate_type(
    facts: SceneFacts, cfg: QuestionConfig, question_type: str, seed: int
) -> tuple[list[Question], SkipCounts]:
    """One type's questions for one scene, capped, with ids; and the skip counts."""
    task = get_task(question_type)
    cap = scene_cap(cfg.cap(question_type), seed, facts.scene_id, question_type)
    kept: list[Question] = []
    skips: SkipCounts = Counter()
    min_share = cfg.grounding_share_for(question_type) if frame_checked(facts) else None
    seen_text: set[tuple[str, tuple[str, ...]]] = set()
    for item in task.generate(facts, cfg, task_rng(seed, facts.scene_id, question_type)):
        if isinstance(item, Skip):
            if item.question_type != question_type:
                raise ValueError(f"task {question_type} yielded a Skip for {item.question_type!r}")
            skips[(question_type, item.reason)] += 1
            continue
        if item.question_type != question_type or item.scene_id != facts.scene_id:
            raise ValueError(
                f"task {question_type} yielded a question for {item.scene_id}/{item.question_type} "
                f"while generating {facts.scene_id}"
            )
        key = (item.question, item.options)
        if key in seen_text:
            raise ValueError(f"{facts.scene_id}: task {question_type} yielded the same question twice: {item.question!r}")
        seen_text.add(key)
        if min_share is not None and unseen_objects(item, facts, min_share):
            skips[(question_type, NOT_IN_FRAMES)] += 1
            continue
        if len(kept) >= cap:
            skips[(question_type, "cap_reached")] += 1
            continue
        kept.append(replace(item, question_id=question_id(facts.scene_id, question_type, len(kept))))
    return kept, skips


def generate_questions(
    facts: SceneFacts, cfg: QuestionConfig, seed: int | None = None, *, has_frames: bool = True
) -> tuple[list[Question], SkipCounts]:
    """All question types of `cfg` for one scene.

    seed: overrides `cfg.seed` when given.
    has_frames: False for a scan without a colour stream: the types that need frames are skipped
        with the reason "no_colour_stream" (one per type and scan).
    Returns the questions (registry order, then the task's order) and a Counter keyed by
    (question_type, reason) of every dropped candidate, "cap_reached" included. Each question's
    `dataset` is the facts' source (`extra["source"]`, written by the build for scans not from
    ScanNet; "scannet" when absent).
    """
    seed = cfg.seed if seed is None else seed
    questions: list[Question] = []
    skips: SkipCounts = Counter()
    for question_type in cfg.question_types():
        if not has_frames and get_task(question_type).needs_frames:
            skips[(question_type, NO_COLOUR_STREAM)] += 1
            continue
        kept, dropped = generate_type(facts, cfg, question_type, seed)
        source = facts.extra.get("source", DATASET_NAME)
        questions.extend(kept if source == DATASET_NAME else [replace(q, dataset=source) for q in kept])
        skips.update(dropped)
    return questions, skips
