"""The contract every question type implements.

A task module exposes ``generate(facts, cfg, rng) -> Iterator[Question | Skip]``: it proposes
candidates from one scene's facts and yields either a finished `Question` or a `Skip` naming why the
candidate was dropped. Tasks never read files and never build sentences themselves: wording comes
from `vsi100k.tasks.templates` (data files under `vsi100k/templates/`).

A task module (one per VSI-Bench question type, listed in `vsi100k.tasks.registry.TASKS`) defines:

    QUESTION_TYPE: str              # the VSI-Bench id, e.g. "object_counting"; also its template's name
    ANSWER_KIND: "choice" | "number"
    SLOTS: tuple[str, ...]          # the template's slots, checked when the template loads
    ANSWERS: tuple[str, ...] | None # fixed option words (direction levels), else None
    def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]

Rules for `generate`: draw every random choice from `rng` only; yield candidates in a random order
(the caller keeps the first N questions as the per-scene cap); place the correct option with a
`vsi100k.tasks.options.LetterBalancer` only once a candidate is certain to become a question, so any
prefix of the questions is letter-balanced; never yield two identical questions.
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
    # Filled by `vsi100k.tasks.generate` / the build, never by task modules:
    question_id: str = ""  # "<scene_id>:<question_type>:<n>", unique within a build
    split: str | None = None  # "train" / "validation" / "test" after the leakage guard
    leakage_override: bool = False  # True when a val scene/room was put in train on explicit request


@dataclass(frozen=True)
class Skip:
    """A dropped candidate and the named reason, e.g. Skip("object_abs_distance", "too_close")."""

    question_type: str
    reason: str
    detail: str = ""  # optional: which candidate, e.g. "sofa / tv / lamp"; not counted, for debugging and tests
