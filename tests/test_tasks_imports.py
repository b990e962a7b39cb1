"""`vsi100k.tasks` reads top-down: shared pieces below the task modules, the registry and the
generator above them, and no import circles (each module imports alone in a fresh interpreter)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vsi100k" / "tasks"
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
TASK_MODULES = {"obj_appearance_order", "object_abs_distance", "object_counting", "object_rel_direction",
                "object_rel_distance", "object_size_estimation", "room_size_estimation", "route_planning"}
UPPER = {"registry", "generate"}  # collect / run the task modules
LOWER = set(MODULES) - TASK_MODULES - UPPER


def tasks_imports(module: str) -> set[str]:
    """The `vsi100k.tasks` modules a module imports anywhere (top level or inside functions)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "vsi100k.tasks":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("vsi100k.tasks."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[2] for a in node.names if a.name.startswith("vsi100k.tasks."))
    return found


def test_the_module_lists_cover_the_package():
    assert TASK_MODULES <= set(MODULES) and UPPER <= set(MODULES)
    assert {"names", "config", "common", "letters", "rewording", "answer_cap", "grounding"} <= LOWER


@pytest.mark.parametrize("module", sorted(LOWER))
def test_no_shared_module_imports_a_task_module_or_the_registry(module):
    assert not tasks_imports(module) & (TASK_MODULES | UPPER), (module, sorted(tasks_imports(module)))


@pytest.mark.parametrize("module", sorted(TASK_MODULES))
def test_task_modules_import_only_shared_modules(module):
    assert tasks_imports(module) <= LOWER, (module, sorted(tasks_imports(module) - LOWER))


def test_each_module_imports_alone():
    code = "; ".join(
        f"import subprocess, sys; r = subprocess.run([sys.executable, '-c', 'import vsi100k.tasks.{m}'], capture_output=True, text=True); "
        f"print('{m}', r.returncode, r.stderr.strip().splitlines()[-1:] )" for m in MODULES)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parents[1]).stdout
    failures = [line for line in out.splitlines() if " 0 " not in line]
    assert not failures, failures
    assert len(out.splitlines()) == len(MODULES)


def test_registry_and_names_agree():
    from vsi100k.tasks.names import CLOSED_ANSWER_TYPES, DIRECTION_TYPES, TASK_NAMES
    from vsi100k.tasks.registry import TASKS

    assert tuple(TASKS) == TASK_NAMES
    # the closed-answer types: fixed word sets (direction levels) and route planning's turn sequences
    assert {t for t, task in TASKS.items() if task.answers is not None} == set(DIRECTION_TYPES)
    assert set(CLOSED_ANSWER_TYPES) == set(DIRECTION_TYPES) | {"route_planning"}
