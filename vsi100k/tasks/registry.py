"""The explicit registry of question types: VSI-Bench id -> `Task`, built from imports.

The order of `TASKS` is the generation and report order, that of `vsi100k.tasks.names.TASK_NAMES`.
Adding a question type means writing its module (see `vsi100k.tasks.base`) and listing its `TASK`
here and its name in `vsi100k.tasks.names`; nothing is looked up by name.
"""

from __future__ import annotations

from types import MappingProxyType

from vsi100k.tasks import (
    obj_appearance_order,
    object_abs_distance,
    object_counting,
    object_rel_direction,
    object_rel_distance,
    object_size_estimation,
    room_size_estimation,
    route_planning,
)
from vsi100k.tasks.base import Task
from vsi100k.tasks.names import TASK_NAMES

_ORDER: tuple[Task, ...] = (
    object_counting.TASK,
    object_size_estimation.TASK,
    object_abs_distance.TASK,
    room_size_estimation.TASK,
    object_rel_distance.TASK,
    *object_rel_direction.TASKS,
    obj_appearance_order.TASK,
    route_planning.TASK,
)

TASKS: MappingProxyType[str, Task] = MappingProxyType({task.question_type: task for task in _ORDER})
if tuple(task.question_type for task in _ORDER) != TASK_NAMES:
    raise TypeError(f"registered tasks {[t.question_type for t in _ORDER]} differ from vsi100k.tasks.names.TASK_NAMES "
                    f"{list(TASK_NAMES)}; list a new type in both, in the same order")


def get_task(name: str) -> Task:
    """The task of a question type; an unknown name fails with the list of valid ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise KeyError(f"unknown question type {name!r}; valid names: {', '.join(TASK_NAMES)}") from None


def answer_kinds() -> dict[str, str]:
    """question type -> "choice" | "number", for every registered type (the evaluator's source)."""
    return {name: task.answer_kind for name, task in TASKS.items()}
