"""The build-wide letter pass: every choice type's correct letters balanced within one question per
letter over a whole build, answers unchanged, reproducible, and applied by `build` and `questions`."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from vsi100k.tasks.build_passes import questions_after_build_passes
from vsi100k.tasks.letters import balance_letters, correct_position, relettered
from vsi100k.tasks.rewording import relist_choices
from vsi100k.tasks.options import LETTERS, rebalanced_positions

REL_TEXT = ("Measuring from the closest point of each object, which of these objects ({}) is the closest to the "
            "{}?")


def spread(counts: Counter, letters: str) -> int:
    return max(counts.get(l, 0) for l in letters) - min(counts.get(l, 0) for l in letters)


# ---- positions -------------------------------------------------------------------------------------
def test_rebalanced_positions_moves_as_few_as_needed():
    rng = np.random.default_rng(0)
    new = rebalanced_positions([0] * 10, 4, rng)
    assert sorted(Counter(new).values()) == [2, 2, 3, 3]
    assert sum(1 for p in new if p != 0) == 7  # the 3 that stay are the surplus of letter A
    balanced = [3, 1, 0, 2, 1, 2, 0, 3]
    assert rebalanced_positions(balanced, 4, np.random.default_rng(1)) == balanced  # already balanced: untouched
    # [0,0,0,1,1,1] over 3 letters: exactly one of the A's and one of the B's become C
    new = rebalanced_positions([0, 0, 0, 1, 1, 1], 3, np.random.default_rng(2))
    assert Counter(new) == Counter({0: 2, 1: 2, 2: 2})
    assert sum(a != b for a, b in zip(new, [0, 0, 0, 1, 1, 1])) == 2


def test_surplus_is_spread_over_groups_so_the_total_is_balanced_too():
    extras = [0, 0, 0, 0]
    rng = np.random.default_rng(3)
    total = Counter()
    for size in (5, 5, 5, 7, 1, 2):  # every group leaves a surplus
        group = rebalanced_positions([0] * size, 4, rng, extras)
        assert spread(Counter(group), range(4)) <= 1
        total.update(group)
    assert spread(total, range(4)) <= 1 and sum(total.values()) == 25
    assert sorted(extras) == [2, 2, 2, 3]  # surplus questions per letter (1 + 1 + 1 + 3 + 1 + 2 = 9 shared out)


def test_rebalanced_positions_errors():
    with pytest.raises(ValueError, match=r"n_options must be in 2\.\.4, got 5"):
        rebalanced_positions([0], 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"positions \[4\] are outside 0\.\.3"):
        rebalanced_positions([0, 4], 4, np.random.default_rng(0))


# ---- records ---------------------------------------------------------------------------------------
def rel_record(scene: str, k: int, words: list[str], correct: str, target: str = "bed") -> dict:
    """An object_rel_distance record whose correct option is `correct` (at its place in `words`)."""
    letter = LETTERS[words.index(correct)]
    return {
        "id": f"{scene}/object_rel_distance/{k:04d}", "scene_name": scene, "question_type": "object_rel_distance",
        "question": REL_TEXT.format(", ".join(words), target), "options": [f"{LETTERS[i]}. {w}" for i, w in enumerate(words)],
        "ground_truth": letter, "correct_option": letter, "answer": correct, "answer_kind": "choice",
        "details": {"category": target, "choice_distances_m": {w: 1.0 + i for i, w in enumerate(words)},
                    "answer_exact": correct, "answer_default": correct, "definition_ambiguous": False},
    }


def hard_record(scene: str, k: int, correct: str) -> dict:
    words = [correct] + [w for w in ("front-left", "front-right", "back-left", "back-right") if w != correct]
    return {
        "id": f"{scene}/object_rel_direction_hard/{k:04d}", "scene_name": scene,
        "question_type": "object_rel_direction_hard", "question": f"where is the lamp? ({scene} {k})",
        "options": [f"{LETTERS[i]}. {w}" for i, w in enumerate(words)], "ground_truth": "A", "answer": correct,
        "answer_kind": "choice",
    }


def skewed_build() -> list[dict]:
    """Every correct option at letter A (what per-scan balancing left alone could at worst give)."""
    pool = ["sofa", "tv", "lamp", "door", "chair", "table"]
    records = []
    for s in range(7):
        scene = f"scene{s:04d}_00"
        for k in range(5):
            words = [pool[(s + k + i) % 6] for i in range(4)]
            records.append(rel_record(scene, k, words, words[0]))
            records.append(hard_record(scene, k, ("front-left", "front-right", "back-left", "back-right")[(s + k) % 4]))
        records.append({"id": f"{scene}/object_counting/0000", "scene_name": scene, "question_type": "object_counting",
                        "question": "How many chair(s) are in this room?", "options": ["A. 2", "B. 3", "C. 4", "D. 5"],
                        "ground_truth": "2", "answer": "2", "answer_kind": "number"})
    return records


def test_skewed_letters_come_out_balanced_with_every_answer_unchanged():
    records = skewed_build()
    before = json.dumps(records, sort_keys=True)
    balanced = balance_letters(records, seed=0)
    assert json.dumps(records, sort_keys=True) == before  # the input (cached results) is not touched
    for question_type in ("object_rel_distance", "object_rel_direction_hard"):
        letters = Counter(r["ground_truth"] for r in balanced if r["question_type"] == question_type)
        assert sum(letters.values()) == 35 and spread(letters, "ABCD") <= 1, letters
    moved = 0
    for old, new in zip(records, balanced):
        assert new["id"] == old["id"] and new["answer"] == old["answer"]
        if old["answer_kind"] == "number":
            assert new is old
            continue
        # the option at the answer letter still says the answer; the same four words are offered
        assert new["options"][LETTERS.index(new["ground_truth"])] == f"{new['ground_truth']}. {old['answer']}"
        assert sorted(o[3:] for o in new["options"]) == sorted(o[3:] for o in old["options"])
        assert new.get("correct_option", new["ground_truth"]) == new["ground_truth"]
        if new["ground_truth"] == old["ground_truth"]:
            assert new is old
            continue
        moved += 1
        # only the correct option and the one at its new letter swapped places
        changed = [i for i, (a, b) in enumerate(zip(old["options"], new["options"])) if a[3:] != b[3:]]
        assert changed == sorted([0, LETTERS.index(new["ground_truth"])])
        if new["question_type"] == "object_rel_distance":
            words = [o[3:] for o in new["options"]]
            assert new["question"] == REL_TEXT.format(", ".join(words), "bed")  # the choice list follows the options
            assert list(new["details"]["choice_distances_m"]) == words
            assert new["details"]["choice_distances_m"] == old["details"]["choice_distances_m"]
            assert new["details"]["answer_exact"] == new["details"]["answer_default"] == new["answer"]
        else:
            assert new["question"] == old["question"]
    assert moved == 2 * (35 - 9)  # 9 of 35 stay at A in each type (35 = 4 x 8 + 3)
    assert json.dumps(balance_letters(records, seed=0), sort_keys=True) == json.dumps(balanced, sort_keys=True)
    assert json.dumps(balance_letters(records, seed=1), sort_keys=True) != json.dumps(balanced, sort_keys=True)


def test_each_split_and_the_whole_build_are_balanced():
    records = skewed_build()
    groups = ["train" if r["scene_name"] < "scene0004" else "validation" for r in records]
    balanced = balance_letters(records, 0, groups)
    for question_type in ("object_rel_distance", "object_rel_direction_hard"):
        for split in ("train", "validation"):
            letters = Counter(r["ground_truth"] for r, g in zip(balanced, groups) if g == split and r["question_type"] == question_type)
            assert spread(letters, "ABCD") <= 1, (split, letters)
        assert spread(Counter(r["ground_truth"] for r in balanced if r["question_type"] == question_type), "ABCD") <= 1


def test_order_of_the_records_does_not_change_the_result():
    records = skewed_build()
    shuffled = [records[int(i)] for i in np.random.default_rng(5).permutation(len(records))]
    by_id = {r["id"]: r for r in balance_letters(records, 0)}
    assert all(r == by_id[r["id"]] for r in balance_letters(shuffled, 0))


def test_question_values_go_through_the_same_pass():
    from vsi100k.tasks.io import record_to_question

    records = [{**r, "split": "train", "leakage_override": False, "instance_ids": [1], "dataset": "scannet",
                "details": r.get("details", {}), "correct_option": r["ground_truth"] if r["answer_kind"] == "choice" else "A"}
               for r in skewed_build()]
    questions = [record_to_question(r) for r in records]
    balanced, dropped = questions_after_build_passes(questions, 0)
    assert not dropped  # no route planning here: the cap drops nothing
    assert [q.question_id for q in balanced] == [q.question_id for q in questions]
    rows = balance_letters(records, 0, ["train"] * len(records))
    assert [(q.ground_truth, q.correct_option, q.options, q.question) for q in balanced] == [
        (r["ground_truth"], r["correct_option"], tuple(r["options"]), r["question"]) for r in rows]


def test_letter_pass_errors():
    good = rel_record("scene0000_00", 0, ["sofa", "tv", "lamp", "door"], "tv")
    with pytest.raises(ValueError, match=r"scene0000_00: question scene0000_00/object_rel_distance/0000: ground truth 'E' is not one of the letters ABCD"):
        correct_position({**good, "ground_truth": "E"})
    with pytest.raises(ValueError, match=r"ground truth 'AB' is not one of the letters ABCD"):
        correct_position({**good, "ground_truth": "AB"})
    with pytest.raises(ValueError, match=r"option 'A\. sofa' is not the answer 'tv'"):
        correct_position({**good, "ground_truth": "A", "correct_option": "A"})
    with pytest.raises(ValueError, match=r"correct_option 'C' differs from ground truth 'B'"):
        correct_position({**good, "correct_option": "C"})
    with pytest.raises(ValueError, match=r"option 2 'C\. tv' does not start with 'B\. '"):
        correct_position({**good, "options": ["A. sofa", "C. tv", "C. lamp", "D. door"]})
    with pytest.raises(ValueError, match=r"balance_letters: 1 group labels for 2 records"):
        balance_letters([good, good], 0, ["train"])
    with pytest.raises(ValueError, match=r"^scene0000_00: question scene0000_00/object_rel_distance/0000: "
                                         r"object_rel_distance: question 'What\?' does not list the choices"):
        relettered({**good, "question": "What?"}, 0, relist_choices)
    with pytest.raises(ValueError, match=r"object_rel_distance: \['sofa', 'tv'\] is not a reordering of the 4 choices"):
        relist_choices(good["question"], ["sofa", "tv", "lamp", "door"], ["sofa", "tv"])


# ---- through the build and the questions command ---------------------------------------------------
@pytest.fixture(scope="module")
def skewed_scans(tmp_path_factory):
    from vsi100k.synth import generate_scenes

    root = tmp_path_factory.mktemp("letters")
    generate_scenes(root / "scenes", 6, seed=3, render=False)
    return root


def _always_a(monkeypatch):
    """Per-scan letters skewed on purpose: every scan's balancer puts the correct option first."""
    from vsi100k.tasks.options import LetterBalancer

    monkeypatch.setattr(LetterBalancer, "next_position", lambda self: 0)


def test_build_with_skewed_scan_letters_writes_balanced_letters(skewed_scans, monkeypatch):
    from vsi100k.dataset.load import load_questions
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import run_build
    from vsi100k.tasks.config import QuestionConfig

    _always_a(monkeypatch)
    cfg = BuildConfig(scenes_dir=skewed_scans / "scenes", out_dir=skewed_scans / "out", cache_dir=skewed_scans / "cache",
                      questions=QuestionConfig(caps={"object_rel_distance": 20, "object_rel_direction_hard": 20,
                                                     "object_rel_direction_medium": 20, "object_counting": 5}))
    result = run_build(cfg, progress=False)
    assert result.problems == []
    cached = {}
    for entry in (cfg.cache_root / "scenes").glob("*/*/result.json"):  # the per-scan results, as generated
        for row in json.loads(entry.read_text())["questions"]:
            cached[row["id"]] = row
    assert cached and all(r["ground_truth"] == "A" for r in cached.values() if r["answer_kind"] == "choice")  # cache as generated
    checked = Counter()
    by_type = result.report["questions"]["by_type"]
    for question_type, at_least in (("object_rel_distance", 12), ("object_rel_direction_hard", 12),
                                    ("object_rel_direction_medium", 6)):
        rows = [row for split in sorted(by_type[question_type]) for row in load_questions(cfg.out_dir, question_type, split)]
        letters = Counter(row["ground_truth"] for row in rows)
        assert len(rows) >= at_least and spread(letters, LETTERS[:len(rows[0]["options"])]) <= 1, (question_type, letters)
        for row in rows:
            before = cached[row["id"]]
            assert row["answer"] == before["answer"]
            assert row["options"][LETTERS.index(row["ground_truth"])][3:] == before["options"][0][3:] == row["answer"]
            if question_type == "object_rel_distance":
                assert row["question"] == relist_choices(before["question"], [o[3:] for o in before["options"]],
                                                         [o[3:] for o in row["options"]])
            checked[question_type] += 1
    counting = [row for split in sorted(by_type["object_counting"]) for row in load_questions(cfg.out_dir, "object_counting", split)]
    assert all(row["ground_truth"] == row["answer"] == cached[row["id"]]["answer"] for row in counting)
    letters = result.report["answers"]["object_rel_direction_hard"]["letters"]  # the report counts the written rows
    assert spread(Counter(letters), "ABCD") <= 1 and sum(letters.values()) == checked["object_rel_direction_hard"]


def test_questions_command_balances_letters_the_same_way(skewed_scans, monkeypatch, tmp_path):
    from vsi100k.facts.extract import extract_facts
    from vsi100k.pipeline.from_facts import build_questions
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.tasks.config import QuestionConfig
    from vsi100k.tasks.io import read_questions

    _always_a(monkeypatch)
    facts_dir = tmp_path / "facts"
    facts_dir.mkdir()
    for scene_dir in sorted(find_scenes(skewed_scans / "scenes")):
        facts = extract_facts(load_scene(scene_dir))
        facts.write(facts_dir / f"{facts.scene_id}.json")
    cfg = QuestionConfig(caps={"object_rel_distance": 20, "object_rel_direction_hard": 20})
    built = build_questions(facts_dir, cfg, out=tmp_path / "q.jsonl")
    assert read_questions(tmp_path / "q.jsonl") == built.questions
    for question_type in ("object_rel_distance", "object_rel_direction_hard"):
        questions = [q for q in built.questions if q.question_type == question_type]
        letters = Counter(q.ground_truth for q in questions)
        assert len(questions) >= 8 and spread(letters, "ABCD") <= 1, letters
        for q in questions:
            assert q.options[LETTERS.index(q.correct_option)] == f"{q.correct_option}. {q.answer}"
            if question_type == "object_rel_distance":
                words = [o[3:] for o in q.options]
                assert list(q.details["choice_distances_m"]) == words
                assert q.answer == min(words, key=q.details["choice_distances_m"].get)
                assert f"({', '.join(words)})" in q.question
    again = build_questions(facts_dir, cfg)
    assert again.questions == built.questions
