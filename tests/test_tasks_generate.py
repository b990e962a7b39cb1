"""generate_questions: seeding, caps, determinism, letter balance, contract checks."""

from __future__ import annotations

import types
import zlib
from collections import Counter

import numpy as np
import pytest
from test_tasks_support import random_facts

from vsi100k.tasks import generate as gen
from vsi100k.tasks import registry
from vsi100k.tasks.base import Question, Skip
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
        module = types.SimpleNamespace(generate=fake)
        monkeypatch.setattr(gen, "get_task", lambda name, m=module: m)
        with pytest.raises(ValueError, match=message):
            generate_questions(facts, cfg)


def test_registered_but_missing_module(monkeypatch):
    monkeypatch.setattr(registry, "TASKS", {k: v for k, v in registry.TASKS.items() if k != "obj_appearance_order"})
    assert registry.missing_task_modules() == ("obj_appearance_order",)
    with pytest.raises(KeyError, match=r"'obj_appearance_order' is registered but vsi100k/tasks/obj_appearance_order.py is not installed"):
        registry.get_task("obj_appearance_order")


def test_registry_rejects_modules_breaking_the_contract(monkeypatch):
    fake = types.ModuleType("vsi100k.tasks.object_counting")
    monkeypatch.setattr(registry.importlib, "import_module", lambda name: fake)
    with pytest.raises(TypeError, match=r"vsi100k.tasks.object_counting does not follow the task contract: missing \['QUESTION_TYPE'"):
        registry._load("object_counting")
    for attr, value in (("QUESTION_TYPE", "x"), ("ANSWER_KIND", "choice"), ("SLOTS", ()), ("ANSWERS", None), ("generate", None)):
        setattr(fake, attr, value)
    with pytest.raises(TypeError, match=r"object_counting: QUESTION_TYPE is 'x', expected 'object_counting'"):
        registry._load("object_counting")
    fake.QUESTION_TYPE, fake.ANSWER_KIND = "object_counting", "text"
    with pytest.raises(TypeError, match=r"ANSWER_KIND must be 'choice' or 'number', got 'text'"):
        registry._load("object_counting")
