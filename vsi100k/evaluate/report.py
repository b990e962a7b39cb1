"""Evaluation outputs: the printed VSI-Bench table, summary.json, predictions.jsonl, and reading a
predictions file back.

predictions.jsonl has one JSON object per question: ``id``, ``question_type``, ``ground_truth``,
``prediction`` (the model's raw text, or null when missing), ``answer`` (the extracted answer) and
``score``. Any JSONL with ``id`` and ``prediction`` keys is a valid predictions file for
`vsi100k eval --predictions`, including this output itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

from vsi100k.evaluate.scoring import DIRECTION_LEVELS, DIRECTION_TASK, TASKS, Summary

PREDICTIONS_FILE = "predictions.jsonl"
SUMMARY_FILE = "summary.json"


def read_predictions(path: Path) -> dict[str, str | None]:
    """id -> prediction text from a JSONL file (a later line with the same id wins)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: predictions file not found")
    predictions: dict[str, str | None] = {}
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ValueError(f"{path}: line {number}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column "
                                 f"{exc.start + 1}); write the predictions file as UTF-8") from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}: line {number}: not JSON ({exc.msg})") from None
            if not isinstance(record, dict) or "id" not in record or "prediction" not in record:
                raise ValueError(f"{path}: line {number}: needs the keys 'id' and 'prediction'")
            value = record["prediction"]
            predictions[str(record["id"])] = None if value is None else str(value)
    if not predictions:
        raise ValueError(f"{path}: no predictions in the file")
    return predictions


def write_predictions(path: Path, records: Iterable[Mapping]) -> int:
    """Write scored records as JSONL; returns the number written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(dict(record), ensure_ascii=False) + "\n")
            count += 1
    return count


def write_summary(path: Path, summary: Summary, run: Mapping) -> dict:
    """Write summary.json (scores + the run's settings under "run"); returns what was written."""
    payload = {**summary.to_dict(), "run": dict(run)}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return payload


def summary_table(summary: Summary, title: str = "VSI-Bench", missing: Mapping[str, int] | None = None):
    """A rich `Table`: one column per VSI-Bench task (percent, "-" when absent) plus Overall.

    ``missing`` (task -> questions without a prediction, scored 0) adds a "missing" row when any.
    """
    from rich.table import Table

    table = Table(title=title)
    table.add_column("", style="bold")
    for _, heading in TASKS:
        table.add_column(heading, justify="right")
    table.add_column("Overall", justify="right", style="bold")

    def cell(name: str) -> str:
        task = summary.tasks.get(name)
        return "-" if task is None else f"{100 * task.score:.1f}"

    table.add_row("score", *[cell(name) for name, _ in TASKS], f"{100 * summary.overall:.1f}")
    table.add_row(
        "questions", *[str(summary.tasks[n].count) if n in summary.tasks else "0" for n, _ in TASKS], str(summary.count)
    )
    if missing and any(missing.values()):
        table.add_row(
            "missing", *[str(missing.get(name, 0)) for name, _ in TASKS], str(sum(missing.values())), style="red"
        )
    direction = summary.tasks.get(DIRECTION_TASK)
    if direction is not None and direction.levels:
        levels = ", ".join(
            f"{level.rsplit('_', 1)[1]} {100 * direction.levels[level].score:.1f}"
            for level in DIRECTION_LEVELS
            if level in direction.levels
        )
        table.caption = f"Rel. Dir. = mean of levels ({levels})"
    return table


def print_summary(
    summary: Summary, title: str = "VSI-Bench", console=None, missing: Mapping[str, int] | None = None
) -> None:
    """Print the table to ``console`` (a rich Console; stdout by default)."""
    from rich.console import Console

    (console or Console()).print(summary_table(summary, title, missing))
