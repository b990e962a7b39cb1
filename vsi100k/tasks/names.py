"""The question-type names, in generation and report order: the bottom floor of `vsi100k.tasks`.

Configs, reports and the build-wide passes need the names without importing the task modules (which
import the config); `vsi100k.tasks.registry` checks at import that its tasks carry exactly these
names in this order. Imports nothing of the project.
"""

from __future__ import annotations

DIRECTION_TYPES: tuple[str, ...] = (
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
)
TASK_NAMES: tuple[str, ...] = (
    "object_counting",
    "object_size_estimation",
    "object_abs_distance",
    "room_size_estimation",
    "object_rel_distance",
    *DIRECTION_TYPES,
    "obj_appearance_order",
    "route_planning",
)
# Choice types whose answers come from a small closed set (direction words, turn sequences): the
# build-wide answer-word pass (`vsi100k.tasks.answer_cap`) balances them. The other choice types
# answer with object names or orderings of them, an open set.
CLOSED_ANSWER_TYPES: tuple[str, ...] = (*DIRECTION_TYPES, "route_planning")
