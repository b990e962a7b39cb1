"""The contract every question type implements.

A task module exposes ``generate(facts, cfg, rng) -> Iterator[Question | Skip]``: it proposes
candidates from one scene's facts and yields either a finished `Question` or a `Skip` naming why the
candidate was dropped. Tasks never read files and never build sentences themselves: wording comes
from `vsi100k.tasks.templates` (data files under `vsi100k/templates/`).

A task module exposes its question type(s) as `Task` values (`TASK`, or `TASKS` for a module with
several levels, such as relative direction), which `vsi100k.tasks.registry` collects by import.

Rules for `generate`: draw every random choice from `rng` only; yield candidates in a random order
(the caller keeps the first N questions as the per-scene cap); place the correct option with a
`vsi100k.tasks.options.LetterBalancer` only once a candidate is certain to become a question, so any
prefix of the questions is letter-balanced; never yield two identical questions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Literal, get_args

AnswerKind = Literal["choice", "number"]
ANSWER_KINDS: tuple[str, ...] = get_args(AnswerKind)


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
    details: slot values and the raw numbers behind the answer; every float held at 6 decimals.
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
    question_id: str = ""  # "<scene_id>/<question_type>/<NNNN>", unique within a build
    split: str | None = None  # "train" / "validation" / "test" after the leakage guard
    leakage_override: bool = False  # True when a val scene/room was put in train on explicit request
    dataset: str = "scannet"  # the scan's source, the `dataset` column ("scannet", "scannetpp", "arkitscenes")

    def __post_init__(self) -> None:
        object.__setattr__(self, "details", stored_details(self.details))


DETAIL_DECIMALS = 6  # the declared precision (vsi100k.facts.precision) of every float in `details`


def stored_details(value):
    """`value` (a question's details: dicts, lists and scalars) with every float at 6 decimal places
    (-0.0 as 0.0), so that a CPU's last-bit differences in an angle or a distance never reach a file."""
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return round(value, DETAIL_DECIMALS) + 0.0
    if isinstance(value, dict):
        return {key: stored_details(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [stored_details(item) for item in value]
    return value


@dataclass(frozen=True)
class Skip:
    """A dropped candidate and the named reason, e.g. Skip("object_abs_distance", "too_close")."""

    question_type: str
    reason: str
    detail: str = ""  # optional: which candidate, e.g. "sofa / tv / lamp"; not counted, for debugging and tests


@dataclass(frozen=True)
class Task:
    """One registered question type.

    question_type: the VSI-Bench id, e.g. "object_counting"; also its template's name.
    answer_kind: "choice" (ground truth is a letter) or "number".
    slots: the template's slots, checked when the template loads.
    answers: fixed option words (direction levels), else None.
    generate: (facts, cfg, rng) -> iterator of Question | Skip.
    needs_frames: the type reads what the frames stage adds to the facts (first appearances); a
        scan without a colour stream skips it with the reason "no_colour_stream".
    """

    question_type: str
    answer_kind: AnswerKind
    slots: tuple[str, ...]
    answers: tuple[str, ...] | None
    generate: Callable[..., Iterator[Question | Skip]]
    needs_frames: bool = False

    def __post_init__(self) -> None:
        if self.answer_kind not in ANSWER_KINDS:
            raise TypeError(
                f"task {self.question_type}: answer_kind must be one of {', '.join(ANSWER_KINDS)}, got {self.answer_kind!r}"
            )
