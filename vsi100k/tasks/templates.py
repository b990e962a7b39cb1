"""Question wording: load, validate and render the templates under `vsi100k/templates/*.json`.

This is the only place that turns slot values into sentences. A template file looks like::

    {"question_type": "object_counting",
     "slots": ["category"],
     "question": "How many {category}(s) are in this room?",
     "answers": null,
     "source": "VSI-Bench ..."}

`slots` must list exactly the `{placeholders}` of `question`, and both must equal the slots the
task declares; `answers` (the fixed option words of direction questions) must equal the task's
words when the task has any. Files are read through importlib.resources so an installed wheel works.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Mapping, Sequence

from vsi100k.errors import Vsi100kError


class TemplateError(Vsi100kError, ValueError):
    """A template file is missing or does not match its task. The message names the file."""


@dataclass(frozen=True)
class Template:
    """One question type's wording."""

    question_type: str
    slots: tuple[str, ...]
    question: str
    answers: tuple[str, ...] | None
    source: str

    def render(self, **values: str) -> str:
        """Fill every slot; values must be non-empty strings and name exactly this template's slots."""
        if set(values) != set(self.slots):
            raise TemplateError(
                f"{self.question_type}.json: render got slots {sorted(values)}, the template has {sorted(self.slots)}"
            )
        for name, value in values.items():
            if not isinstance(value, str) or not value.strip():
                raise TemplateError(f"{self.question_type}.json: slot {name!r} must be a non-empty string, got {value!r}")
        return self.question.format(**values)


def placeholders(text: str, filename: str) -> list[str]:
    """Names of the `{placeholders}` in a template string, in order; only plain names are allowed."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(f"{filename}: question is not a valid format string ({exc})") from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise TemplateError(f"{filename}: placeholder {{{name}}} must be a plain name without format spec or conversion")
        names.append(name)
    return names


def parse_template(
    data: Mapping,
    filename: str,
    expected_slots: Sequence[str],
    expected_answers: Sequence[str] | None = None,
) -> Template:
    """Validate one template's JSON content against the task's slots (and answer words)."""
    if not isinstance(data, Mapping):
        raise TemplateError(f"{filename}: expected a JSON object, got {type(data).__name__}")
    missing = [key for key in ("question_type", "slots", "question") if key not in data]
    if missing:
        raise TemplateError(f"{filename}: missing keys {missing}")
    question_type = data["question_type"]
    if f"{question_type}.json" != filename:
        raise TemplateError(f"{filename}: question_type {question_type!r} does not match the file name")
    slots = data["slots"]
    if not isinstance(slots, list) or not all(isinstance(s, str) for s in slots) or len(set(slots)) != len(slots):
        raise TemplateError(f"{filename}: slots must be a list of distinct names, got {slots!r}")
    question = data["question"]
    if not isinstance(question, str) or not question.strip():
        raise TemplateError(f"{filename}: question must be a non-empty string")
    used = placeholders(question, filename)
    if sorted(set(used)) != sorted(slots):
        raise TemplateError(f"{filename}: question uses placeholders {sorted(set(used))} but declares slots {sorted(slots)}")
    if sorted(slots) != sorted(expected_slots):
        raise TemplateError(f"{filename}: slots {sorted(slots)} do not match the task's slots {sorted(expected_slots)}")
    answers = data.get("answers")
    if answers is not None:
        if not isinstance(answers, list) or not all(isinstance(a, str) and a for a in answers):
            raise TemplateError(f"{filename}: answers must be a list of non-empty strings or null, got {answers!r}")
        answers = tuple(answers)
    expected = tuple(expected_answers) if expected_answers is not None else None
    if answers != expected:
        raise TemplateError(f"{filename}: answers {answers} do not match the task's answer words {expected}")
    return Template(
        question_type=question_type,
        slots=tuple(slots),
        question=question,
        answers=answers,
        source=str(data.get("source", "")),
    )


@lru_cache(maxsize=None)
def _read(question_type: str) -> dict:
    filename = f"{question_type}.json"
    path = resources.files("vsi100k").joinpath("templates", filename)
    if not path.is_file():
        raise TemplateError(f"{filename}: no template file for question type {question_type!r} in vsi100k/templates/")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{filename}: not valid JSON ({exc})") from exc


def load_template(
    question_type: str,
    slots: Sequence[str],
    answers: Sequence[str] | None = None,
) -> Template:
    """The validated template of a question type (package data, cached after the first read)."""
    return parse_template(_read(question_type), f"{question_type}.json", slots, answers)
