"""The contract every question type implements.

A task module exposes ``generate(facts, cfg, rng) -> Iterator[Question | Skip]``: it proposes
candidates from one scene's facts and yields either a finished `Question` or a `Skip` naming why the
candidate was dropped. Tasks never read files and never build sentences themselves: wording comes
from `vsi100k.tasks.templates` (data files under `vsi100k/templates/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

AnswerKind = Literal["choice", "number"]


@dataclass(frozen=True)
class Question:
    """One generated question, ready for the dataset.

    question: VSI-Bench wording, without the options.
    options: VSI-Bench options, e.g. ("A. chair", "B. table", ...); for number questions the four
        numeric options (truth + 3 distractors) in the same "A. 1.5" form.
    ground_truth: as VSI-Bench: the correct letter for choice types, the number (as text) for
        numeric types.
    answer: the paper's option-free answer: the word for choice types, the number for numeric.
    answer_kind: "choice" or "number".
    correct_option: letter of the correct option (for number questions too).
    instance_ids: objects the question is about, for previews and checkers.
    """

    scene_id: str
    question_type: str
    question: str
    options: tuple[str, ...]
    ground_truth: str
    answer: str
    answer_kind: AnswerKind
    correct_option: str
    instance_ids: tuple[int, ...] = ()
    details: dict = field(default_factory=dict)  # slot values and raw numbers, for reports/checkers


@dataclass(frozen=True)
class Skip:
    """A dropped candidate and the named reason, e.g. Skip("object_abs_distance", "too_close")."""

    question_type: str
    reason: str
