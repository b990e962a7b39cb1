"""Per-question scores and the VSI-Bench summary (8 tasks + overall).

VSI-Bench's rules under a named scoring rule (`vsi100k.metrics.SCORING_RULES`, "lmms-eval" by default):
multiple-choice types score 1/0 by `choice_exact_match` of the first word; numerical types score
`mean_relative_accuracy` of the number the rule reads (lmms-eval: the first number anywhere, words
included; thinking-in-space: ``float()`` of the first word); in think/observe modes the ``<answer>``
body is taken first; a task's score is the mean over its questions; the three relative-direction
levels are first averaged per level and then together into one task; overall is the mean over the
tasks present (VSI-Bench has all 8; a vsi100k build usually lacks route planning, and its overall is
then over the tasks it has — `Summary.tasks` lists them). The arithmetic is `vsi100k.metrics`'s, the
same the exported lmms-eval task runs. Pure Python; no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vsi100k.metrics import (
    DEFAULT_SCORING,
    DIRECTION_LEVELS as METRIC_LEVELS,
    SCORING_LABELS,
    answer_text,
    number_of,
    score_answer,
    vsibench_means,
)
from vsi100k.tasks.object_rel_direction import LEVELS
from vsi100k.tasks.registry import answer_kinds

# Number or choice, as the registered question types declare it (one source for generation and scoring).
_KINDS = answer_kinds()
NUMBER_TYPES = tuple(name for name, kind in _KINDS.items() if kind == "number")
CHOICE_TYPES = tuple(name for name, kind in _KINDS.items() if kind == "choice")
QUESTION_TYPES = NUMBER_TYPES + CHOICE_TYPES
DIRECTION_LEVELS = tuple(LEVELS)  # averaged into one task, as VSI-Bench reports them
if DIRECTION_LEVELS != METRIC_LEVELS:
    raise ImportError(f"direction levels {DIRECTION_LEVELS} differ from the metrics' {METRIC_LEVELS}")
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
    question_type: str,
    ground_truth: str,
    prediction: str | None,
    mode: str = "vanilla",
    scoring: str = DEFAULT_SCORING,
) -> tuple[str, float]:
    """(scored answer text, score in [0, 1]) of one prediction under VSI-Bench's rule for its type.

    ``mode`` is the prompt mode the prediction answered (vanilla: the text as it is, as VSI-Bench;
    think / observe: the ``<answer>`` body). ``scoring`` names the rule ("lmms-eval" or
    "thinking-in-space"). A missing prediction (None) scores 0.
    """
    task_of(question_type)
    number_of("", scoring)  # an unknown rule fails before any answer is read
    answer = answer_text(prediction, mode)
    kind = "number" if question_type in NUMBER_TYPES else "choice"
    return answer, score_answer(answer, ground_truth, kind, scoring)


def scoring_label(scoring: str) -> str:
    """How tables and summaries name a rule: "lmms-eval 0.7.3" or "thinking-in-space (original VSI-Bench code)"."""
    number_of("", scoring)
    return SCORING_LABELS[scoring]


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
    scoring: str = DEFAULT_SCORING

    def to_dict(self) -> dict:
        """JSON-ready: scores in [0, 1] and in percent, counts, direction levels."""

        def one(task: TaskScore) -> dict:
            out = {"score": task.score, "percent": round(100 * task.score, 2), "count": task.count}
            if task.levels:
                out["levels"] = {name: one(level) for name, level in task.levels.items()}
            return out

        return {
            "scoring": {"rule": self.scoring, "follows": scoring_label(self.scoring)},
            "overall": self.overall,
            "overall_percent": round(100 * self.overall, 2),
            "count": self.count,
            "tasks": {name: one(task) for name, task in self.tasks.items()},
            "missing_tasks": [name for name, _ in TASKS if name not in self.tasks],
        }


def summarize(records: Iterable[Mapping], scoring: str = DEFAULT_SCORING) -> Summary:
    """The summary of scored records (each with ``question_type`` and ``score``), labelled with the
    rule they were scored by. Scores come from `vsi100k.metrics.vsibench_means`.

    Raises ValueError for no records or an unknown question type.
    """
    scoring_label(scoring)
    by_type: dict[str, list[float]] = {}
    for record in records:
        task_of(record["question_type"])
        by_type.setdefault(record["question_type"], []).append(float(record["score"]))
    means, overall = vsibench_means(by_type)
    tasks: dict[str, TaskScore] = {}
    for name, _ in TASKS:
        if name not in means:
            continue
        if name == DIRECTION_TASK:
            levels = {
                level: TaskScore(sum(by_type[level]) / len(by_type[level]), len(by_type[level]))
                for level in DIRECTION_LEVELS
                if level in by_type
            }
            tasks[name] = TaskScore(means[name], sum(level.count for level in levels.values()), levels)
        else:
            tasks[name] = TaskScore(means[name], len(by_type[name]))
    return Summary(tasks, overall, sum(len(v) for v in by_type.values()), scoring)
