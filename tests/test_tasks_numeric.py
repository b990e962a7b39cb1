"""Number questions on hand-built scenes: counting, size, absolute distance, room size."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from test_tasks_support import make_facts

from vsi100k.facts.schema import Box
from vsi100k.tasks import object_abs_distance, object_counting, object_size_estimation, room_size_estimation
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig

CFG = QuestionConfig()

# chair x3, sofa x2, table, lamp, tv (unique), an uncategorised wall.
SCENE = make_facts(
    "scene0100_00",
    [
        ("chair", (0.0, 0.0, 0.45), (0.5, 0.5, 0.9)),
        ("chair", (1.0, 0.0, 0.45), (0.5, 0.5, 0.9)),
        ("chair", (2.0, 0.0, 0.45), (0.5, 0.5, 0.9)),
        ("sofa", (0.0, 3.0, 0.4), (2.0, 0.9, 0.8)),
        ("sofa", (3.0, 3.0, 0.4), (2.0, 0.9, 0.8)),
        ("table", (1.0, 1.0, 0.375), (1.2, 0.8, 0.75)),  # x [0.4, 1.6], y [0.6, 1.4]
        ("lamp", (3.0, 1.0, 0.775), (0.3, 0.3, 1.55)),  # x [2.85, 3.15]: 1.25 m from the table
        ("tv", (1.0, 1.5, 0.9), (0.9, 0.1, 0.5)),  # y [1.45, 1.55]: 0.05 m from the table
        (None, (5.0, 5.0, 1.0), (0.1, 4.0, 2.0)),
    ],
    room_area_m2=23.46,
)


def run(module, facts, cfg=CFG, seed=0):
    items = list(module.generate(facts, cfg, np.random.default_rng(seed)))
    questions = [i for i in items if isinstance(i, Question)]
    skips = Counter(i.reason for i in items if isinstance(i, Skip))
    return questions, skips


def check_numeric_options(q: Question):
    assert q.answer_kind == "number"
    assert q.ground_truth == q.answer
    assert len(q.options) == 4
    assert q.options["ABCD".index(q.correct_option)] == f"{q.correct_option}. {q.answer}"
    assert len({o.split(". ", 1)[1] for o in q.options}) == 4


def test_counting_asks_only_categories_with_two_or_more():
    questions, skips = run(object_counting, SCENE)
    answers = {q.details["category"]: q.answer for q in questions}
    assert answers == {"chair": "3", "sofa": "2"}
    assert skips == Counter({"fewer_than_min_instances": 3})  # table, lamp, tv
    by_cat = {q.details["category"]: q for q in questions}
    assert by_cat["chair"].question == "How many chair(s) are in this room?"
    assert by_cat["chair"].instance_ids == (1, 2, 3)
    for q in questions:
        check_numeric_options(q)


def test_size_is_the_longest_side_in_whole_centimetres_of_unique_objects():
    questions, skips = run(object_size_estimation, SCENE)
    answers = {q.details["category"]: q.answer for q in questions}
    assert answers == {"table": "120", "lamp": "155", "tv": "90"}
    assert skips == Counter({"not_unique": 2})
    for q in questions:
        check_numeric_options(q)
        values = [float(o.split(". ", 1)[1]) for o in q.options if not o.startswith(q.correct_option)]
        truth = float(q.answer)
        assert all(0.4 * truth <= v <= 1.8 * truth for v in values)  # size distractor range


def test_size_uses_the_facts_box_method():
    table = SCENE.object(6)
    rotated = Box(center=np.array([1.0, 1.0, 0.375]), extent=np.array([1.5, 0.5, 0.75]), rotation=np.eye(3))
    objects = tuple(
        replace(o, boxes={**o.boxes, "oriented": rotated}) if o.instance_id == table.instance_id else o for o in SCENE.objects
    )
    oriented = replace(SCENE, objects=objects, box_method="oriented")
    questions, _ = run(object_size_estimation, oriented)
    assert {q.details["category"]: q.answer for q in questions}["table"] == "150"


def test_size_skips_degenerate_boxes():
    facts = make_facts("scene0101_00", [("lamp", (0, 0, 0), (0.004, 0.004, 0.004))])
    questions, skips = run(object_size_estimation, facts)
    assert questions == [] and skips == Counter({"degenerate_box": 1})


def test_abs_distance_pairs_of_unique_objects_and_too_close():
    questions, skips = run(object_abs_distance, SCENE)
    answers = {frozenset((q.details["object_1"], q.details["object_2"])): q.answer for q in questions}
    # table-lamp 1.25 m (rounds half up to 1.3); lamp-tv: dx 2.85-1.45=1.4, dy 0 -> 1.4; table-tv 0.05 -> too close
    assert answers == {frozenset({"table", "lamp"}): "1.3", frozenset({"lamp", "tv"}): "1.4"}
    assert skips == Counter({"too_close": 1, "not_unique": 2})
    for q in questions:
        check_numeric_options(q)
        assert q.question == (
            "Measuring from the closest point of each object, what is the direct distance between the "
            f"{q.details['object_1']} and the {q.details['object_2']} (in meters)?"
        )


def test_abs_distance_names_both_orders_over_seeds():
    orders = set()
    for seed in range(20):
        questions, _ = run(object_abs_distance, SCENE, seed=seed)
        orders.update((q.details["object_1"], q.details["object_2"]) for q in questions)
    assert ("table", "lamp") in orders and ("lamp", "table") in orders


def test_room_size_one_decimal_and_missing_area():
    questions, skips = run(room_size_estimation, SCENE)
    assert len(questions) == 1 and not skips
    assert questions[0].answer == "23.5"
    check_numeric_options(questions[0])
    empty = replace(SCENE, room_area_m2=0.0)
    questions, skips = run(room_size_estimation, empty)
    assert questions == [] and skips == Counter({"no_room_area": 1})
    nan = replace(SCENE, room_area_m2=float("nan"))
    assert run(room_size_estimation, nan)[1] == Counter({"no_room_area": 1})


def test_counting_min_instances_is_configurable():
    questions, _ = run(object_counting, SCENE, cfg=QuestionConfig(count_min_instances=1))
    assert {q.details["category"]: q.answer for q in questions} == {
        "chair": "3", "sofa": "2", "table": "1", "lamp": "1", "tv": "1",
    }


@pytest.mark.parametrize("module", [object_counting, object_size_estimation, object_abs_distance, room_size_estimation])
def test_same_rng_same_output(module):
    first, _ = run(module, SCENE, seed=5)
    second, _ = run(module, SCENE, seed=5)
    assert first == second
