"""Per-question scores and the VSI-Bench summary (8 tasks + overall).

VSI-Bench's rules, as its official evaluation code applies them (see `vsi100k.metrics`):
multiple-choice types score 1/0 by `choice_exact_match` of the first word; numerical types score
`mean_relative_accuracy` of ``float()`` of the first word; in think/observe modes the ``<answer>`` body
is taken first; a task's score is the mean over its questions; the three relative-direction
levels are first averaged per level and then together into one task; overall is the mean over the
tasks present (VSI-Bench has all 8; a vsi100k build usually lacks route planning, and its overall is
then over the tasks it has — `Summary.tasks` lists them). Pure Python; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vsi100k.metrics import answer_text, choice_exact_match, mean_relative_accuracy, parse_number
from vsi100k.tasks.object_rel_direction import LEVELS
from vsi100k.tasks.registry import answer_kinds

# Number or choice, as the registered question types declare it (one source for generation and scoring).
_KINDS = answer_kinds()
NUMBER_TYPES = tuple(name for name, kind in _KINDS.items() if kind == "number")
CHOICE_TYPES = tuple(name for name, kind in _KINDS.items() if kind == "choice")
QUESTION_TYPES = NUMBER_TYPES + CHOICE_TYPES
DIRECTION_LEVELS = tuple(LEVELS)  # averaged into one task, as VSI-Bench reports them
DIRECTION_TASK = "object_rel_direction"

# The eight VSI-Bench tasks in the paper's column order, with its column titles.
TASKS: tuple[tuple[str, str], ...] = (
    ("object_counting", "Obj. Count"),
    ("object_abs_distance", "Abs. Dist."),
    ("object_size_estimation", "Obj. Size"),
    ("room_size_estimation", "Room Size"),
    ("object_rel_distance", "Rel. Dist."),
    (DIRECTION_TASK, "Rel. Dir."),
    ("route_planning", "Route Plan"),
    ("obj_appearance_order", "Appr. Order"),
)


def task_of(question_type: str) -> str:
    """The VSI-Bench task a question type counts towards (direction levels -> object_rel_direction)."""
    if question_type not in QUESTION_TYPES:
        raise ValueError(f"unknown question type {question_type!r}; valid: {list(QUESTION_TYPES)}")
    return DIRECTION_TASK if question_type in DIRECTION_LEVELS else question_type


def score_prediction(
    question_type: str, ground_truth: str, prediction: str | None, mode: str = "vanilla"
) -> tuple[str, float]:
    """(scored answer text, score in [0, 1]) of one prediction under VSI-Bench's rule for its type.

    ``mode`` is the prompt mode the prediction answered (vanilla: the text as it is, as VSI-Bench;
    think / observe: the ``<answer>`` body). A missing prediction (None) scores 0.
    """
    task_of(question_type)
    answer = answer_text(prediction, mode)
    if question_type in NUMBER_TYPES:
        return answer, mean_relative_accuracy(parse_number(answer), float(ground_truth))
    return answer, choice_exact_match(answer, ground_truth)


@dataclass(frozen=True)
class TaskScore:
    """One table column: mean score in [0, 1] over ``count`` questions (levels: per-level scores)."""

    score: float
    count: int
    levels: dict[str, "TaskScore"] = field(default_factory=dict)


@dataclass(frozen=True)
class Summary:
    """The VSI-Bench table: per-task scores (only tasks with questions) and their mean."""

    tasks: dict[str, TaskScore]
    overall: float
    count: int

    def to_dict(self) -> dict:
        """JSON-ready: scores in [0, 1] and in percent, counts, direction levels."""

        def one(task: TaskScore) -> dict:
            out = {"score": task.score, "percent": round(100 * task.score, 2), "count": task.count}
            if task.levels:
                out["levels"] = {name: one(level) for name, level in task.levels.items()}
            return out

        return {
            "overall": self.overall,
            "overall_percent": round(100 * self.overall, 2),
            "count": self.count,
            "tasks": {name: one(task) for name, task in self.tasks.items()},
            "missing_tasks": [name for name, _ in TASKS if name not in self.tasks],
        }


def summarize(records: Iterable[Mapping]) -> Summary:
    """The summary of scored records (each with ``question_type`` and ``score``).

    Raises ValueError for no records or an unknown question type.
    """
    by_type: dict[str, list[float]] = {}
    for record in records:
        task_of(record["question_type"])
        by_type.setdefault(record["question_type"], []).append(float(record["score"]))
    if not by_type:
        raise ValueError("no scored questions to summarize")

    def mean_of(scores: list[float]) -> TaskScore:
        return TaskScore(sum(scores) / len(scores), len(scores))

    tasks: dict[str, TaskScore] = {}
    for name, _ in TASKS:
        if name == DIRECTION_TASK:
            levels = {level: mean_of(by_type[level]) for level in DIRECTION_LEVELS if level in by_type}
            if levels:
                score = sum(level.score for level in levels.values()) / len(levels)
                tasks[name] = TaskScore(score, sum(level.count for level in levels.values()), levels)
        elif name in by_type:
            tasks[name] = mean_of(by_type[name])
    overall = sum(task.score for task in tasks.values()) / len(tasks)
    return Summary(tasks, overall, sum(len(v) for v in by_type.values()))
