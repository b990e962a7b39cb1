"""generate_questions: seeding, caps, determinism, letter balance, contract checks."""

from __future__ import annotations

import importlib
import zlib
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from test_tasks_support import make_facts, random_facts

from vsi100k.tasks import generate as gen
from vsi100k.tasks import registry
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_questions, scene_cap, stable_hash, task_rng
from vsi100k.tasks.io import dumps_question

BIG = {name: 1000 for name in registry.TASKS}
SCENES = [random_facts(f"scene{i:04d}_00", i, n_objects=14) for i in range(12)]


def as_bytes(questions):
    return "\n".join(dumps_question(q) for q in questions).encode()


def test_stable_hash_is_crc32_not_python_hash():
    assert stable_hash("scene0000_00") == zlib.crc32(b"scene0000_00")
    a = task_rng(0, "scene0000_00", "object_counting").random()
    b = np.random.default_rng([0, zlib.crc32(b"scene0000_00"), zlib.crc32(b"object_counting")]).random()
    assert a == b


def test_rebuilding_gives_byte_identical_output():
    cfg = QuestionConfig(seed=4, caps=BIG)
    first = b"".join(as_bytes(generate_questions(f, cfg)[0]) for f in SCENES)
    second = b"".join(as_bytes(generate_questions(f, cfg)[0]) for f in SCENES)
    assert first == second and len(first) > 10_000


def test_seed_argument_overrides_config_and_changes_output():
    cfg = QuestionConfig(seed=1, caps=BIG)
    assert as_bytes(generate_questions(SCENES[0], cfg, seed=2)[0]) == as_bytes(
        generate_questions(SCENES[0], QuestionConfig(seed=2, caps=BIG))[0]
    )
    assert as_bytes(generate_questions(SCENES[0], cfg)[0]) != as_bytes(generate_questions(SCENES[0], cfg, seed=2)[0])


def test_a_type_does_not_depend_on_other_types():
    only_hard = QuestionConfig(caps={**{n: 0 for n in registry.TASKS}, "object_rel_direction_hard": 1000})
    all_types = QuestionConfig(caps=BIG)
    for facts in SCENES[:4]:
        alone = generate_questions(facts, only_hard)[0]
        together = [q for q in generate_questions(facts, all_types)[0] if q.question_type == "object_rel_direction_hard"]
        assert alone == together


def test_caps_keep_a_prefix_and_count_cap_reached():
    big = QuestionConfig(caps=BIG)
    small = QuestionConfig(caps={**BIG, "object_abs_distance": 3})
    for facts in SCENES[:4]:
        all_q, all_skips = generate_questions(facts, big)
        capped, capped_skips = generate_questions(facts, small)
        full = [q for q in all_q if q.question_type == "object_abs_distance"]
        kept = [q for q in capped if q.question_type == "object_abs_distance"]
        assert kept == full[:3]
        assert capped_skips[("object_abs_distance", "cap_reached")] == max(0, len(full) - 3)
        assert all_skips[("object_abs_distance", "cap_reached")] == 0


def test_question_ids_and_order():
    questions, _ = generate_questions(SCENES[0], QuestionConfig(caps=BIG))
    order = [registry.TASK_NAMES.index(q.question_type) for q in questions]
    assert order == sorted(order)
    per_type = Counter()
    for q in questions:
        assert q.question_id == f"{q.scene_id}/{q.question_type}/{per_type[q.question_type]:04d}"
        per_type[q.question_type] += 1
    assert len({q.question for q in questions}) == len(questions)


def test_fractional_caps_hit_their_mean():
    caps = [scene_cap(2.25, 0, f"scene{i:04d}_00", "object_counting") for i in range(2000)]
    assert set(caps) == {2, 3}
    assert abs(np.mean(caps) - 2.25) < 0.03
    assert scene_cap(2.0, 0, "scene0000_00", "object_counting") == 2


def test_vsi100k_mix_caps_per_scene():
    cfg = QuestionConfig(mix="vsi100k")
    counts = Counter()
    for facts in SCENES:
        counts.update(q.question_type for q in generate_questions(facts, cfg)[0])
    assert counts["room_size_estimation"] == len(SCENES)
    assert all(counts[t] <= (int(cfg.cap(t)) + 1) * len(SCENES) for t in counts)
    assert "obj_appearance_order" not in counts


def test_correct_letters_are_balanced_over_400_four_option_questions():
    cfg = QuestionConfig(seed=0)  # the vsi100k mix: capped, so balance must hold for kept prefixes
    letters = {"choice": Counter(), "number": Counter()}
    for i in range(60):
        facts = random_facts(f"scene{i:04d}_01", 1000 + i, n_objects=16)
        for q in generate_questions(facts, cfg)[0]:
            if len(q.options) == 4:
                letters[q.answer_kind][q.correct_option] += 1
    for kind in ("choice", "number"):  # choice: rel. distance + hard direction; number: the numeric options
        total = sum(letters[kind].values())
        assert total >= 400
        for letter in "ABCD":
            assert abs(letters[kind][letter] / total - 0.25) <= 0.03, (kind, letters[kind])


def test_task_contract_violations_raise(monkeypatch):
    facts = SCENES[0]

    def twice(facts, cfg, rng):
        q = Question(facts.scene_id, "object_counting", "Q?", ("A. 1",), "1", "1", "number", "A")
        yield q
        yield q

    def wrong_type(facts, cfg, rng):
        yield Skip("room_size_estimation", "x")

    def wrong_scene(facts, cfg, rng):
        yield Question("scene9999_00", "object_counting", "Q?", ("A. 1",), "1", "1", "number", "A")

    cfg = QuestionConfig(caps={**{n: 0 for n in registry.TASKS}, "object_counting": 5})
    for fake, message in (
        (twice, r"scene0000_00: task object_counting yielded the same question twice: 'Q\?'"),
        (wrong_type, r"task object_counting yielded a Skip for 'room_size_estimation'"),
        (wrong_scene, r"task object_counting yielded a question for scene9999_00/object_counting while generating scene0000_00"),
    ):
        task = Task("object_counting", "number", ("category",), None, fake)
        monkeypatch.setattr(gen, "get_task", lambda name, t=task: t)
        with pytest.raises(ValueError, match=message):
            generate_questions(facts, cfg)


def appearance_facts(scene_id="scene0050_00"):
    """Facts with first appearances attached, so obj_appearance_order has candidates."""
    first_s = {"door": 0.0, "table": 2.0, "lamp": 5.0, "bed": 9.0, "sofa": 12.0}
    facts = make_facts(scene_id, [(c, (float(i), 0.5 * i, 0.5), (0.4, 0.4, 0.4)) for i, c in enumerate(sorted(first_s))])
    from vsi100k.facts.schema import Appearances

    return replace(facts, appearances=Appearances(first_s=first_s, first_frame={c: 0 for c in first_s},
                                                  min_pixel_fraction=0.005, n_frames=32, frames_with_pose=32,
                                                  ray_grid=(160, 120)))


def test_scan_without_frames_skips_only_the_frame_types():
    cfg = QuestionConfig(caps=BIG)
    facts = appearance_facts()
    with_frames, skips = generate_questions(facts, cfg)
    assert sum(q.question_type == "obj_appearance_order" for q in with_frames) == 5  # C(5, 4) sets
    without, no_frame_skips = generate_questions(facts, cfg, has_frames=False)
    assert without == [q for q in with_frames if q.question_type != "obj_appearance_order"]
    assert no_frame_skips[("obj_appearance_order", "no_colour_stream")] == 1
    assert gen.NO_COLOUR_STREAM == "no_colour_stream"
    assert {k: v for k, v in no_frame_skips.items() if k[0] != "obj_appearance_order"} == {
        k: v for k, v in skips.items() if k[0] != "obj_appearance_order"
    }
    assert not any(k[0] == "obj_appearance_order" and k[1] != "no_colour_stream" for k in no_frame_skips)
    # a type left out of the mix is not reported as skipped for lack of frames
    _, vsi100k_skips = generate_questions(facts, QuestionConfig(mix="vsi100k"), has_frames=False)
    assert not any(qtype == "obj_appearance_order" for qtype, _ in vsi100k_skips)


def test_only_appearance_order_needs_frames():
    assert [name for name, task in registry.TASKS.items() if task.needs_frames] == ["obj_appearance_order"]


def test_registry_is_explicit_and_ordered():
    from vsi100k.tasks import object_counting, object_rel_direction

    assert registry.TASK_NAMES == tuple(registry.TASKS) == (
        "object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
        "object_rel_distance", "object_rel_direction_easy", "object_rel_direction_medium",
        "object_rel_direction_hard", "obj_appearance_order", "route_planning",
    )
    assert registry.get_task("object_counting") is object_counting.TASK
    assert registry.get_task("object_rel_direction_hard") is object_rel_direction.TASKS[2]
    assert registry.answer_kinds()["object_abs_distance"] == "number"
    assert registry.answer_kinds()["object_rel_direction_easy"] == "choice"
    with pytest.raises(TypeError):
        registry.TASKS["x"] = registry.TASKS["object_counting"]  # read-only mapping


def test_task_rejects_an_unknown_answer_kind():
    with pytest.raises(TypeError, match=r"task object_counting: answer_kind must be one of choice, number, got 'text'"):
        Task("object_counting", "text", ("category",), None, lambda facts, cfg, rng: iter(()))


def test_registry_rejects_two_tasks_with_one_question_type(monkeypatch):
    from vsi100k.tasks import object_counting, object_size_estimation

    monkeypatch.setattr(object_counting, "TASK", replace(object_counting.TASK, question_type="object_size_estimation"))
    try:
        with pytest.raises(TypeError, match=r"registered tasks \['object_size_estimation', "
                                            r"'object_size_estimation', 'object_abs_distance'.*differ from "
                                            r"vsi100k.tasks.names.TASK_NAMES"):
            importlib.reload(registry)
    finally:
        monkeypatch.undo()
        importlib.reload(registry)
    assert registry.TASKS["object_counting"] is object_counting.TASK
    assert registry.TASKS["object_size_estimation"] is object_size_estimation.TASK
