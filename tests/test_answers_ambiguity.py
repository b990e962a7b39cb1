"""Faithful answers: every answer under the default and the exact definitions; disagreeing
candidates are dropped as definition_ambiguous, or kept with both answers on request."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from test_tasks_support import make_facts

from vsi100k.errors import ConfigError
from vsi100k.facts.schema import Box, SceneFacts
from vsi100k.tasks.ambiguity import numbers_disagree, relative_difference
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.registry import get_task

CUBE = (0.2, 0.2, 0.2)


def run(task_name, facts, cfg=QuestionConfig()):
    return list(get_task(task_name).generate(facts, cfg, np.random.default_rng(0)))


def test_relative_difference_is_measured_against_the_exact_value():
    assert relative_difference(1.25, 1.0) == pytest.approx(0.25)
    assert relative_difference(0.75, 1.0) == pytest.approx(0.25)
    assert relative_difference(0.0, 0.0) == 0.0
    assert relative_difference(0.2, 0.0) == float("inf")
    assert not numbers_disagree(1.25, 1.0, 0.25) and numbers_disagree(1.26, 1.0, 0.25)


def test_distance_dropped_when_exact_differs_by_more_than_25_percent():
    # sofa-tv box distance 2.8 m; exact (closest points) 1.2 m: the wording's answer is 1.2 m.
    objects = [("sofa", (0.0, 0.0, 0.4), CUBE), ("tv", (0.0, 3.0, 0.4), CUBE)]
    facts = make_facts("scene0500_00", objects, exact_distances_m={(1, 2): 1.2})
    assert [(i.reason) for i in run("object_abs_distance", facts) if isinstance(i, Skip)] == ["definition_ambiguous"]
    kept = [i for i in run("object_abs_distance", facts, QuestionConfig(keep_ambiguous=True)) if isinstance(i, Question)]
    assert len(kept) == 1
    assert kept[0].answer == "2.8"
    assert (kept[0].details["answer_exact"], kept[0].details["answer_default"]) == ("1.2", "2.8")
    assert kept[0].details["definition_ambiguous"] is True
    # Within 25% (2.8 vs 2.4: 16.7%) the question stays, with both answers recorded.
    facts = make_facts("scene0500_00", objects, exact_distances_m={(1, 2): 2.4})
    (q,) = [i for i in run("object_abs_distance", facts) if isinstance(i, Question)]
    assert (q.answer, q.details["answer_exact"], q.details["definition_ambiguous"]) == ("2.8", "2.4", False)
    # A looser tolerance keeps the 1.2 m case.
    facts = make_facts("scene0500_00", objects, exact_distances_m={(1, 2): 1.2})
    assert any(isinstance(i, Question) for i in run("object_abs_distance", facts, QuestionConfig(ambiguity_tolerance=1.5)))


def test_overlapping_objects_are_zero_apart_and_make_distance_ambiguous():
    objects = [("sofa", (0.0, 0.0, 0.4), (2.0, 0.9, 0.8)), ("pillow", (0.0, 0.0, 1.2), CUBE)]
    facts = make_facts("scene0501_00", objects, exact_distances_m={(1, 2): 0.0})
    assert facts.distance_m(1, 2) == pytest.approx(0.3)  # default: 0.3 m; exact: overlapping, 0 m
    skips = [i for i in run("object_abs_distance", facts) if isinstance(i, Skip)]
    assert [s.reason for s in skips] == ["definition_ambiguous"]


def _with_gravity_box(facts: SceneFacts, instance_id: int, box: Box) -> SceneFacts:
    objects = tuple(
        replace(o, boxes={**o.boxes, "gravity_aligned": box}) if o.instance_id == instance_id else o for o in facts.objects
    )
    return replace(facts, objects=objects)


def test_size_dropped_when_the_gravity_aligned_box_disagrees():
    # A tilted oriented box reports 93 cm where the gravity-aligned box has 70 cm (33% off).
    facts = make_facts("scene0502_00", [("toilet", (1.0, 1.0, 0.4), (0.93, 0.4, 0.5))], box_method="oriented")
    flat = Box(center=np.array([1.0, 1.0, 0.4]), extent=np.array([0.70, 0.4, 0.5]), rotation=np.eye(3))
    items = run("object_size_estimation", _with_gravity_box(facts, 1, flat))
    assert [i.reason for i in items if isinstance(i, Skip)] == ["definition_ambiguous"]
    near = Box(center=np.array([1.0, 1.0, 0.4]), extent=np.array([0.80, 0.4, 0.5]), rotation=np.eye(3))
    (q,) = [i for i in run("object_size_estimation", _with_gravity_box(facts, 1, near)) if isinstance(i, Question)]
    assert (q.answer, q.details["answer_exact"]) == ("93", "80")


def test_rel_distance_dropped_when_another_choice_is_closest_exactly():
    # The chair's box is nearest the tv by default (0.5 m) but the table is nearest exactly (0.435 m
    # against the chair's 0.647 m): a chair whose box covers empty space.
    objects = [("tv", (0.0, 0.0, 1.0), CUBE), ("chair", (0.7, 0.0, 1.0), CUBE), ("table", (0.0, 1.0, 1.0), CUBE),
               ("lamp", (3.0, 0.0, 1.0), CUBE), ("bed", (0.0, -4.0, 1.0), CUBE)]
    facts = make_facts("scene0503_00", objects, exact_distances_m={(1, 2): 0.647, (1, 3): 0.435})
    items = run("object_rel_distance", facts)
    target_tv = [i for i in items if isinstance(i, Skip) and i.reason == "definition_ambiguous"]
    assert [s.detail for s in target_tv] == ["tv: chair by default, table exactly"]
    kept = [i for i in run("object_rel_distance", facts, QuestionConfig(keep_ambiguous=True))
            if isinstance(i, Question) and i.details["category"] == "tv"]
    assert [(q.answer, q.details["answer_exact"]) for q in kept] == [("chair", "table")]


def test_direction_dropped_when_the_gravity_aligned_centre_changes_the_sector():
    objects = [("sofa", (0.0, 0.0, 0.4), CUBE), ("tv", (0.0, 3.0, 1.0), CUBE), ("lamp", (-1.0, 1.5, 0.8), CUBE)]
    facts = make_facts("scene0504_00", objects)
    moved = Box(center=np.array([1.0, 1.5, 0.8]), extent=np.array(CUBE), rotation=np.eye(3))
    facts = _with_gravity_box(facts, 3, moved)  # exactly, the lamp is to the right
    items = [i for i in run("object_rel_direction_medium", facts) if i.detail == "sofa / tv / lamp"
             or (isinstance(i, Question) and i.details["querying_object"] == "lamp" and i.details["positioning_object"] == "sofa")]
    assert [i.reason for i in items] == ["definition_ambiguous"]


def test_ambiguity_config_errors():
    with pytest.raises(ConfigError, match=r"ambiguity_tolerance must be a finite fraction >= 0"):
        QuestionConfig(ambiguity_tolerance=-0.1)
    with pytest.raises(ConfigError, match=r"keep_ambiguous must be True or False"):
        QuestionConfig(keep_ambiguous="yes")


def test_version_1_facts_load_but_have_no_exact_distances():
    facts = make_facts("scene0505_00", [("sofa", (0.0, 0.0, 0.4), CUBE), ("tv", (0.0, 3.0, 0.4), CUBE)])
    data = facts.to_json()
    assert data["schema_version"] == 2 and data["exact_distances_m"] == [[1, 2, pytest.approx(2.8)]]
    assert SceneFacts.from_json(data).exact_distances_m == facts.exact_distances_m
    old = {k: v for k, v in data.items() if k not in ("exact_distances_m", "overlapping_pairs")} | {"schema_version": 1}
    loaded = SceneFacts.from_json(old)
    assert loaded.distance_m(1, 2) == pytest.approx(2.8)
    with pytest.raises(ValueError, match=r"scene0505_00: facts schema_version 1 carry no exact distances; re-run `vsi100k facts`"):
        loaded.exact_distance_m(1, 2)
