"""Templates: every registered type loads against its task's slots, renders VSI-Bench's exact wording,
and malformed templates fail at load time naming the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vsi100k.tasks.registry import TASK_NAMES, TASKS
from vsi100k.tasks.templates import TemplateError, load_template, parse_template, placeholders

SNAPSHOT = Path(__file__).parent / "snapshots" / "vsibench_wording.json"
VALID = {
    "question_type": "object_counting",
    "slots": ["category"],
    "question": "How many {category}(s) are in this room?",
    "answers": None,
}


def snapshot_cases():
    data = json.loads(SNAPSHOT.read_text())
    return [(name, case["slots"], case["expected"]) for name, case in data.items() if not name.startswith("_")]


def test_snapshot_covers_every_registered_type():
    assert sorted(name for name, _, _ in snapshot_cases()) == sorted(TASK_NAMES)


@pytest.mark.parametrize("name,slots,expected", snapshot_cases(), ids=[case[0] for case in snapshot_cases()])
def test_rendered_wording_is_vsibench_verbatim(name, slots, expected):
    template = load_template(name, tuple(slots), None if name not in TASKS else TASKS[name].answers)
    assert template.render(**slots) == expected


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_template_matches_the_task_slots(name):
    task = TASKS[name]
    template = load_template(name, task.slots, task.answers)
    assert sorted(template.slots) == sorted(task.slots)
    assert "VSI-Bench" in template.source


def test_placeholders_in_order():
    assert placeholders("a {x} b {y} {{literal}}", "t.json") == ["x", "y"]


def test_parse_template_accepts_a_valid_one():
    template = parse_template(VALID, "object_counting.json", ("category",))
    assert template.render(category="lamp") == "How many lamp(s) are in this room?"


@pytest.mark.parametrize(
    "change,message",
    [
        ({"question": "How many {category}(s) in {room}?"}, r"question uses placeholders \['category', 'room'\] but declares slots \['category'\]"),
        ({"slots": ["category", "room"], "question": "{category} {room}"}, r"slots \['category', 'room'\] do not match the task's slots \['category'\]"),
        ({"question_type": "object_size_estimation"}, r"question_type 'object_size_estimation' does not match the file name"),
        ({"slots": "category"}, r"slots must be a list of distinct names"),
        ({"slots": ["category", "category"]}, r"slots must be a list of distinct names"),
        ({"question": "  "}, r"question must be a non-empty string"),
        ({"question": "How many {category!r}?"}, r"placeholder \{category\} must be a plain name"),
        ({"question": "How many {category:>5}?"}, r"placeholder \{category\} must be a plain name"),
        ({"question": "How many {0}?"}, r"placeholder \{0\} must be a plain name"),
        ({"question": "How many {category?"}, r"question is not a valid format string"),
        ({"answers": ["left"]}, r"answers \('left',\) do not match the task's answer words None"),
        ({"answers": "left"}, r"answers must be a list of non-empty strings or null"),
    ],
)
def test_parse_template_errors_name_the_file(change, message):
    with pytest.raises(TemplateError, match=r"^object_counting\.json: " + message):
        parse_template({**VALID, **change}, "object_counting.json", ("category",))


def test_parse_template_missing_keys_and_non_object():
    with pytest.raises(TemplateError, match=r"object_counting\.json: missing keys \['slots'\]"):
        parse_template({k: v for k, v in VALID.items() if k != "slots"}, "object_counting.json", ("category",))
    with pytest.raises(TemplateError, match=r"object_counting\.json: expected a JSON object, got list"):
        parse_template([], "object_counting.json", ("category",))


def test_answer_words_must_match_the_task():
    data = {**VALID, "answers": ["left", "right"]}
    with pytest.raises(TemplateError, match=r"answers \('left', 'right'\) do not match the task's answer words \('right', 'left'\)"):
        parse_template(data, "object_counting.json", ("category",), ("right", "left"))


def test_load_template_checks_the_task_slots_and_missing_files():
    with pytest.raises(TemplateError, match=r"object_counting\.json: slots \['category'\] do not match the task's slots \['thing'\]"):
        load_template("object_counting", ("thing",))
    with pytest.raises(TemplateError, match=r"no_such_type\.json: no template file for question type 'no_such_type'"):
        load_template("no_such_type", ())


def test_render_errors():
    template = load_template("object_counting", ("category",))
    with pytest.raises(TemplateError, match=r"object_counting\.json: render got slots \['thing'\], the template has \['category'\]"):
        template.render(thing="chair")
    with pytest.raises(TemplateError, match=r"object_counting\.json: slot 'category' must be a non-empty string, got ''"):
        template.render(category="")
