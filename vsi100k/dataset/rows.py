"""Rows of the two dataset parts, built from the pipeline's values and checked against the contract.

A question row comes from a `vsi100k.tasks.base.Question`; a frame row from one scene's sampled JPEG
frames. Nothing here touches files.
"""

from __future__ import annotations

from collections.abc import Sequence

from dataclasses import replace

from vsi100k.dataset.schema import ANSWER_KINDS, FRAME_SOURCES, QUESTION_COLUMNS
from vsi100k.facts import precision
from vsi100k.tasks.base import Question
from vsi100k.tasks.io import question_to_record  # the one serialiser of a question
JPEG_MAGIC = b"\xff\xd8"


def question_id(scene_name: str, question_type: str, index: int) -> str:
    """`scene0000_00/object_counting/0003`: stable id of the index-th question of a type in a scene."""
    if index < 0:
        raise ValueError(f"{scene_name}: question index must be >= 0, got {index}")
    return f"{scene_name}/{question_type}/{index:04d}"


def question_row(question: Question, index: int) -> dict:
    """The dataset row of one question (columns of `question_features()`).

    index: position of the question among its scene's questions of the same type (0-based); the
    row id is `question.question_id` when generation set one, which must agree with it.
    """
    expected_id = question_id(question.scene_id, question.question_type, index)
    if question.question_id and question.question_id != expected_id:
        raise ValueError(
            f"{question.scene_id}: question id {question.question_id!r} does not match its position "
            f"({expected_id!r}); keep each scene's questions in generation order"
        )
    if question.answer_kind not in ANSWER_KINDS:
        raise ValueError(
            f"{question.scene_id}: {question.question_type}: answer_kind {question.answer_kind!r} "
            f"is not one of {', '.join(ANSWER_KINDS)}"
        )
    record = question_to_record(replace(question, question_id=expected_id))
    return {column: record[column] for column in QUESTION_COLUMNS}


def question_rows(questions: Sequence[Question]) -> list[dict]:
    """Rows of one scene's questions, numbered per question type in the order given."""
    counters: dict[str, int] = {}
    rows = []
    for question in questions:
        index = counters.get(question.question_type, 0)
        counters[question.question_type] = index + 1
        rows.append(question_row(question, index))
    return rows


def frame_row(
    scene_name: str,
    *,
    frame_indices: Sequence[int],
    timestamps_s: Sequence[float],
    jpegs: Sequence[bytes],
    width: int,
    height: int,
    source: str,
    rotation_deg: int = 0,
) -> dict:
    """The frames row of one scene (columns of `frame_features()`).

    frame_indices: indices of the sampled frames in the source stream. timestamps_s: their times in
    seconds (stored at 1e-6 s). jpegs: the encoded frames, each `width` x `height` pixels. source:
    "sens", "mp4" or "images" (an image folder). rotation_deg: clockwise turn (0, 90, 180, 270)
    applied to the stored images to make them upright (ARKitScenes; 0 for streams stored upright).
    """
    if not (len(frame_indices) == len(timestamps_s) == len(jpegs)):
        raise ValueError(
            f"{scene_name}: {len(frame_indices)} frame indices, {len(timestamps_s)} timestamps and "
            f"{len(jpegs)} images; they must have the same length"
        )
    if not jpegs:
        raise ValueError(f"{scene_name}: no frames; a scene needs at least one sampled frame")
    if source not in FRAME_SOURCES:
        raise ValueError(f"{scene_name}: frame source {source!r} is not one of {', '.join(FRAME_SOURCES)}")
    if rotation_deg not in (0, 90, 180, 270):
        raise ValueError(f"{scene_name}: rotation_deg {rotation_deg!r} is not one of 0, 90, 180, 270")
    for position, data in enumerate(jpegs):
        if not bytes(data[:2]) == JPEG_MAGIC:
            raise ValueError(f"{scene_name}: frame {position} is not a JPEG image")
    return {
        "scene_name": scene_name,
        "frame_indices": [int(i) for i in frame_indices],
        "timestamps_s": [precision.time_s(t) for t in timestamps_s],
        "frames": [{"bytes": bytes(data), "path": None} for data in jpegs],
        "width": int(width),
        "height": int(height),
        "source": source,
        "rotation_deg": int(rotation_deg),
    }
