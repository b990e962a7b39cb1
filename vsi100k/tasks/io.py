"""Questions as JSON lines: one question per line, sorted keys, written atomically; and read back.

The record uses VSI-Bench's column names (`id`, `dataset`, `scene_name`, `question_type`,
`question`, `options`, `ground_truth`) plus `answer` (the option-free answer), `answer_kind`,
`correct_option`, `instance_ids`, `split`, `leakage_override` and `details` (slot values and the raw
numbers behind the answer, every float at 6 decimal places: `Question` holds them so). Same
questions in, same bytes out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from vsi100k.tasks.base import Question, stored_details

DATASET_NAME = "scannet"
RECORD_KEYS = (
    "answer",
    "answer_kind",
    "correct_option",
    "dataset",
    "details",
    "ground_truth",
    "id",
    "instance_ids",
    "leakage_override",
    "options",
    "question",
    "question_type",
    "scene_name",
    "split",
)


def question_to_record(question: Question) -> dict:
    """The JSON record of one question."""
    return {
        "id": question.question_id,
        "dataset": question.dataset,
        "scene_name": question.scene_id,
        "question_type": question.question_type,
        "question": question.question,
        "options": list(question.options),
        "ground_truth": question.ground_truth,
        "answer": question.answer,
        "answer_kind": question.answer_kind,
        "correct_option": question.correct_option,
        "instance_ids": [int(i) for i in question.instance_ids],
        "split": question.split,
        "leakage_override": bool(question.leakage_override),
        "details": stored_details(question.details),
    }



def record_to_question(record: dict, *, where: str = "record") -> Question:
    """Inverse of `question_to_record`; `where` names the file and line in errors."""
    missing = [key for key in RECORD_KEYS if key not in record]
    if missing:
        raise ValueError(f"{where}: question record misses keys {missing}")
    return Question(
        scene_id=record["scene_name"],
        question_type=record["question_type"],
        question=record["question"],
        options=tuple(record["options"]),
        ground_truth=record["ground_truth"],
        answer=record["answer"],
        answer_kind=record["answer_kind"],
        correct_option=record["correct_option"],
        instance_ids=tuple(int(i) for i in record["instance_ids"]),
        details=record["details"],
        question_id=record["id"],
        split=record["split"],
        leakage_override=bool(record["leakage_override"]),
        dataset=record["dataset"],
    )


def dumps_question(question: Question) -> str:
    """One line of JSON (no newline), keys sorted, UTF-8 text kept as is."""
    return json.dumps(question_to_record(question), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_questions(path: Path, questions: Iterable[Question]) -> int:
    """Write questions as JSON lines atomically (temporary file, then rename). Returns the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        for question in questions:
            handle.write(dumps_question(question))
            handle.write("\n")
            count += 1
    tmp.replace(path)
    return count


def read_questions(path: Path) -> list[Question]:
    """Read a JSON lines file written by `write_questions`."""
    path = Path(path)
    questions = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path.name}: line {number}: not valid JSON ({exc.msg})") from exc
            questions.append(record_to_question(record, where=f"{path.name}: line {number}"))
    return questions
