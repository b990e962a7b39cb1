"""The explicit registry of question types: VSI-Bench id -> task module.

Every module follows the contract in `vsi100k.tasks.base` (QUESTION_TYPE, ANSWER_KIND, SLOTS,
ANSWERS, generate(facts, cfg, rng)). The order of TASK_NAMES is the generation and report order.

obj_appearance_order is written by the frames stage (`vsi100k/tasks/obj_appearance_order.py`,
reading first-appearance times that the frames stage adds to the facts). It is registered here by
name and imported when that module is installed; until then `get_task` says so and configs that ask
for it generate nothing for it (`missing_task_modules()` lists it for reports).
"""

from __future__ import annotations

import importlib
import importlib.util
from types import MappingProxyType, ModuleType

TASK_NAMES: tuple[str, ...] = (
    "object_counting",
    "object_size_estimation",
    "object_abs_distance",
    "room_size_estimation",
    "object_rel_distance",
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
    "obj_appearance_order",
)

# Modules owned by other stages: registered when present (see the module docstring).
OPTIONAL_TASKS: frozenset[str] = frozenset({"obj_appearance_order"})

REQUIRED_ATTRIBUTES = ("QUESTION_TYPE", "ANSWER_KIND", "SLOTS", "ANSWERS", "generate")


def _load(name: str) -> ModuleType | None:
    module_name = f"vsi100k.tasks.{name}"
    if name in OPTIONAL_TASKS and importlib.util.find_spec(module_name) is None:
        return None
    module = importlib.import_module(module_name)
    missing = [attr for attr in REQUIRED_ATTRIBUTES if not hasattr(module, attr)]
    if missing:
        raise TypeError(f"{module_name} does not follow the task contract: missing {missing}")
    if module.QUESTION_TYPE != name:
        raise TypeError(f"{module_name}: QUESTION_TYPE is {module.QUESTION_TYPE!r}, expected {name!r}")
    if module.ANSWER_KIND not in ("choice", "number"):
        raise TypeError(f"{module_name}: ANSWER_KIND must be 'choice' or 'number', got {module.ANSWER_KIND!r}")
    return module


def _build() -> MappingProxyType:
    loaded = {name: _load(name) for name in TASK_NAMES}
    return MappingProxyType({name: module for name, module in loaded.items() if module is not None})


TASKS: MappingProxyType = _build()


def missing_task_modules() -> tuple[str, ...]:
    """Registered names whose module is not installed (optional tasks of other stages)."""
    return tuple(name for name in TASK_NAMES if name not in TASKS)


def get_task(name: str) -> ModuleType:
    """The task module of a question type; unknown names fail with the list of valid ones."""
    if name in TASKS:
        return TASKS[name]
    if name in TASK_NAMES:
        raise KeyError(
            f"question type {name!r} is registered but vsi100k/tasks/{name}.py is not installed; "
            f"available: {', '.join(TASKS)}"
        )
    raise KeyError(f"unknown question type {name!r}; valid names: {', '.join(TASK_NAMES)}")
