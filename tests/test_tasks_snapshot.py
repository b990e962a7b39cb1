"""Snapshot of a whole generated scene: wording, options, letters, ids and numbers are a reviewed diff.

The facts are hand-built (tests/test_tasks_support.py), so only question generation is under test.
To accept an intended change: VSI100K_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_tasks_snapshot.py
and review the diff of tests/snapshots/questions_scene0042_00.jsonl.
"""

from __future__ import annotations

import os
from pathlib import Path

from test_tasks_support import random_facts

from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_questions
from vsi100k.tasks.io import dumps_question

SNAPSHOT = Path(__file__).parent / "snapshots" / "questions_scene0042_00.jsonl"


def render() -> str:
    facts = random_facts("scene0042_00", 42, n_objects=16)
    questions, _ = generate_questions(facts, QuestionConfig(seed=0, mix="vsibench"))
    return "".join(dumps_question(q) + "\n" for q in questions)


def test_generated_scene_matches_snapshot():
    text = render()
    if os.environ.get("VSI100K_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.write_text(text, encoding="utf-8")
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert text == expected, f"generated questions changed; see the module docstring to review and update {SNAPSHOT.name}"
    types = {line.split('"question_type":"')[1].split('"')[0] for line in expected.splitlines()}
    assert types >= {"object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
                     "object_rel_distance", "object_rel_direction_hard"}
