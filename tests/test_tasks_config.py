"""QuestionConfig checks, mix presets and the registry's errors."""

from __future__ import annotations

import pytest

from vsi100k.errors import ConfigError
from vsi100k.tasks.config import MIXES, QuestionConfig
from vsi100k.tasks.registry import TASK_NAMES, TASKS, get_task


def test_defaults_are_spec_section_4():
    cfg = QuestionConfig()
    assert cfg.abs_distance_min_m == 0.2
    assert cfg.rel_distance_nearest_min_m == 0.15
    assert cfg.rel_distance_gap_for(40.0) == 0.15
    assert cfg.rel_distance_gap_for(40.01) == 0.30
    assert cfg.direction_boundary_margin_deg == 10.0
    assert (cfg.direction_pair_min_m, cfg.direction_pair_max_m) == (0.3, 5.0)
    assert cfg.direction_max_corners_outside == 2
    assert (cfg.distractor_low, cfg.distractor_high) == (0.25, 1.75)
    assert (cfg.size_distractor_low, cfg.size_distractor_high) == (0.4, 1.8)


def test_vsi100k_mix_has_the_papers_proportions():
    per_scene = MIXES["vsi100k"].per_scene()
    totals = {name: cap * 1201 for name, cap in per_scene.items()}
    assert totals["object_counting"] == pytest.approx(6_400)
    assert totals["object_abs_distance"] == pytest.approx(75_000)
    assert totals["object_rel_distance"] == pytest.approx(13_000)
    assert totals["object_size_estimation"] == pytest.approx(13_000)
    assert totals["room_size_estimation"] == pytest.approx(1_500)
    direction = sum(v for k, v in totals.items() if k.startswith("object_rel_direction"))
    assert direction == pytest.approx(8_000)
    assert "obj_appearance_order" not in per_scene  # not part of VSI-100k


def test_vsibench_mix_totals_5130_with_route_planning():
    preset = MIXES["vsibench"]
    assert sum(preset.totals.values()) == 5130 and preset.totals["route_planning"] == 194
    assert preset.per_scene()["room_size_estimation"] == pytest.approx(1.0)


def test_caps_override_the_mix_and_zero_disables():
    cfg = QuestionConfig(mix="vsibench", caps={"object_counting": 7, "object_abs_distance": 0})
    assert cfg.cap("object_counting") == 7
    assert cfg.cap("object_size_estimation") == pytest.approx(953 / 288)
    assert "object_abs_distance" not in cfg.question_types()
    assert cfg.question_types()[0] == "object_counting"
    assert list(cfg.question_types()) == [t for t in TASK_NAMES if t != "object_abs_distance"]
    assert QuestionConfig(mix="vsi100k").cap("obj_appearance_order") == 0


def test_to_json_records_the_effective_caps():
    data = QuestionConfig(seed=3, caps={"room_size_estimation": 1}).to_json()
    assert data["seed"] == 3 and data["mix"] == "vsi100k"
    assert data["caps"]["room_size_estimation"] == 1
    assert data["caps"]["object_abs_distance"] == pytest.approx(75_000 / 1201)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"seed": -1}, r"seed must be a non-negative integer, got -1"),
        ({"mix": "paper"}, r"unknown mix 'paper'; choose one of \['vsi100k', 'vsibench'\]"),
        ({"caps": {"no_such_type": 1}}, r"caps name unknown question types \['no_such_type'\]; valid names"),
        ({"caps": {"object_counting": -1}}, r"caps\['object_counting'\] must be a finite number >= 0, got -1"),
        ({"count_min_instances": 0}, r"count_min_instances must be an integer >= 1, got 0"),
        ({"rel_distance_sets_per_target": 0}, r"rel_distance_sets_per_target must be an integer >= 1, got 0"),
        ({"direction_max_corners_outside": 9}, r"direction_max_corners_outside must be an integer in \[0, 8\], got 9"),
        ({"abs_distance_min_m": 0}, r"QuestionConfig.abs_distance_min_m must be a positive finite number, got 0"),
        ({"direction_boundary_margin_deg": 45}, r"direction_boundary_margin_deg must be in \[0, 45\)"),
        ({"direction_pair_min_m": 5.0}, r"direction_pair_min_m \(5.0\) must be below direction_pair_max_m \(5.0\)"),
        ({"distractor_low": 1.1}, r"distractor_low \(1.1\) must be below 1 and distractor_high \(1.75\) above 1"),
        ({"size_distractor_high": 0.9}, r"size_distractor_low \(0.4\) must be below 1 and size_distractor_high \(0.9\) above 1"),
        ({"distractor_min_ratio": 1.0}, r"distractor_min_ratio must be above 1 \(1.2 = 20% apart\), got 1.0"),
    ],
)
def test_config_errors_say_what_to_change(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        QuestionConfig(**kwargs)


def test_get_task_unknown_name_lists_valid_names():
    task = get_task("object_counting")
    assert task.question_type == "object_counting" and task.answer_kind == "number"
    assert task is TASKS["object_counting"]
    with pytest.raises(KeyError, match=r"unknown question type 'no_such_type'; valid names: object_counting, object_size_estimation"):
        get_task("no_such_type")
