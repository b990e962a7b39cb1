"""The build-wide answer-word pass over every closed-answer type (vsi100k.tasks.answer_cap): hand-worked
cases, the minimum count, pooled small splits, determinism, and both mixes on clean synthetic scans."""

from __future__ import annotations

from collections import Counter

import pytest

from vsi100k.tasks.answer_cap import (
    CAP_MARGIN,
    SKIP_REASON,
    answer_word_balance,
    capped_indices,
    min_balance_count,
)

HARD = ("front-left", "front-right", "back-left", "back-right")
MEDIUM = ("left", "right", "back")


def _records(question_type: str, words: tuple[str, ...], counts: dict[str, int], split: str = "train",
             start: int = 0) -> list[dict]:
    out = []
    n = start
    for word, count in counts.items():
        for _ in range(count):
            out.append({"question_type": question_type, "answer": word, "answer_kind": "choice",
                        "options": [f"{'ABCD'[i]}. {w}" for i, w in enumerate(words)],
                        "scene_name": f"scene{n:04d}_00", "id": f"scene{n:04d}_00/{question_type}/0000", "split": split})
            n += 1
    return out


def _kept_words(records, kept, split=None):
    return Counter(records[k]["answer"] for k in kept if split is None or records[k]["split"] == split)


def test_minimum_count_is_where_one_extra_question_stays_within_the_margin():
    # (n + k - 1) / (k n) <= 1/k + 0.05  <=>  n >= (k - 1) / (0.05 k)
    assert [min_balance_count(k) for k in (2, 3, 4)] == [10, 14, 15]
    for k in (2, 3, 4):
        n = min_balance_count(k)
        assert (n + k - 1) / (k * n) <= 1 / k + CAP_MARGIN + 1e-12
        assert (n - 1 + k - 1) / (k * (n - 1)) > 1 / k + CAP_MARGIN
    with pytest.raises(ValueError, match="at least 2 options, got 1"):
        min_balance_count(1)


def test_hard_direction_by_hand():
    records = _records("object_rel_direction_hard", HARD, {"front-left": 8, "front-right": 4, "back-left": 4, "back-right": 4})
    kept, dropped = capped_indices(records, seed=0, groups=[r["split"] for r in records])
    # c = 6 keeps 6 of 18 = 33% > 30%; c = 5 keeps 5 of 17 = 29.4%: three front-left questions go
    assert _kept_words(records, kept) == {"front-left": 5, "front-right": 4, "back-left": 4, "back-right": 4}
    assert dropped == {"object_rel_direction_hard": 3}
    status = answer_word_balance([records[k] for k in kept], ["train"] * len(kept))
    assert status["object_rel_direction_hard"]["train"]["status"] == "balanced"
    assert status["object_rel_direction_hard"]["train"]["top_share"] == round(5 / 17, 6)
    assert SKIP_REASON == "answer_share_cap"


def test_small_split_gives_up_only_what_the_whole_build_needs():
    train = _records("object_rel_direction_hard", HARD, {w: 5 for w in HARD})
    validation = _records("object_rel_direction_hard", HARD, {"back-right": 6}, split="validation", start=100)
    records = train + validation
    kept, dropped = capped_indices(records, seed=1, groups=[r["split"] for r in records])
    # the 6 validation questions are too few to balance alone (< 15); with train's 5 of each kept,
    # 5 + c <= 0.30 (20 + c) gives c = 1: one back-right stays (6 of 21 = 28.6%)
    assert _kept_words(records, kept, "train") == {w: 5 for w in HARD}
    assert _kept_words(records, kept, "validation") == {"back-right": 1}
    assert dropped == {"object_rel_direction_hard": 5}
    status = answer_word_balance([records[k] for k in kept], [records[k]["split"] for k in kept])
    assert status["object_rel_direction_hard"]["validation"]["status"] == "too_small"
    assert status["object_rel_direction_hard"]["all"]["status"] == "balanced"
    assert status["object_rel_direction_hard"]["all"]["top_share"] == round(6 / 21, 6)


def test_a_type_too_small_in_the_whole_build_is_left_and_reported():
    records = _records("object_rel_direction_medium", MEDIUM, {"right": 7, "left": 3, "back": 1})
    kept, dropped = capped_indices(records, seed=0, groups=["train"] * len(records))
    assert kept == list(range(len(records))) and not dropped
    status = answer_word_balance(records, ["train"] * len(records))["object_rel_direction_medium"]
    assert status["train"] == {"questions": 11, "n_options": 3, "chance": round(1 / 3, 6), "top_word": "right",
                               "top_share": round(7 / 11, 6), "min_count": 14, "missing_words": [], "status": "too_small"}


def test_a_word_never_right_is_reported_and_the_present_words_equalised():
    records = _records("object_rel_direction_medium", MEDIUM, {"left": 12, "right": 8})
    kept, dropped = capped_indices(records, seed=0, groups=["train"] * len(records))
    assert _kept_words(records, kept) == {"left": 8, "right": 8} and dropped == {"object_rel_direction_medium": 4}
    status = answer_word_balance([records[k] for k in kept], ["train"] * len(kept))["object_rel_direction_medium"]["train"]
    assert status["status"] == "missing_words" and status["missing_words"] == ["back"]


def test_open_answer_types_are_not_touched():
    records = _records("object_rel_distance", ("sofa", "tv", "lamp", "door"), {"sofa": 30, "tv": 2})
    kept, dropped = capped_indices(records, seed=0)
    assert kept == list(range(32)) and not dropped
    assert answer_word_balance(records) == {}


def test_pass_is_seeded_and_independent_of_record_order():
    records = _records("object_rel_direction_easy", ("left", "right"), {"left": 30, "right": 12})
    first, _ = capped_indices(records, seed=5)
    assert capped_indices(records, seed=5)[0] == first
    assert capped_indices(list(reversed(records)), seed=5)[0] == sorted(len(records) - 1 - k for k in first)
    assert len({tuple(capped_indices(records, seed=s)[0]) for s in range(6)}) > 1
    # 0.55 (L + 12) >= L  ->  L <= 14.67: 14 left, 12 right
    assert _kept_words(records, first) == {"left": 14, "right": 12}


def test_balance_report_labels_must_match():
    with pytest.raises(ValueError, match="answer words: 1 group labels for 2 records"):
        answer_word_balance(_records("route_planning", HARD, {"front-left": 2}), ["train"])


# ---------------------------------------------------------------- both mixes, clean synthetic scans
N_SCANS = 40


@pytest.fixture(scope="module")
def clean_facts(tmp_path_factory):
    from vsi100k.facts.extract import extract_facts
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.synth import generate_scenes

    root = tmp_path_factory.mktemp("clean_words")
    generate_scenes(root, N_SCANS, seed=4242, render=False)
    return [extract_facts(load_scene(d)) for d in sorted(find_scenes(root))]


@pytest.mark.slow
@pytest.mark.parametrize("mix", ["vsibench", "vsi100k"])
def test_no_answer_word_prior_under_either_mix(clean_facts, mix):
    from dataclasses import replace

    from vsi100k.tasks.build_passes import questions_after_build_passes
    from vsi100k.tasks.config import QuestionConfig
    from vsi100k.tasks.generate import generate_questions

    cfg = QuestionConfig(seed=4242, mix=mix)
    questions = []
    for n, facts in enumerate(clean_facts):
        kept, _ = generate_questions(facts, cfg, has_frames=False)
        questions += [replace(q, split="train" if n % 4 else "validation") for q in kept]
    final, dropped = questions_after_build_passes(questions, cfg.seed)
    assert sum(dropped.values()) > 0  # the pass had work to do
    records = [{"question_type": q.question_type, "answer": q.answer, "options": list(q.options)} for q in final]
    status = answer_word_balance(records, [q.split for q in final])
    assert {"object_rel_direction_easy", "object_rel_direction_hard"} <= set(status)
    for question_type, splits in status.items():
        for split, s in splits.items():
            if s["questions"] >= s["min_count"] and not s["missing_words"]:
                assert s["top_share"] <= s["chance"] + CAP_MARGIN + 1e-9, (mix, question_type, split, s)
            # independent of the report: count the words of the final questions
            words = Counter(q.answer for q in final if q.question_type == question_type
                            and (split == "all" or q.split == split))
            assert s["top_share"] == round(max(words.values()) / sum(words.values()), 6)
        assert splits["all"]["status"] in ("balanced", "too_small", "missing_words"), (mix, question_type, splits["all"])
    letters = Counter(q.correct_option for q in final if q.answer_kind == "choice" and len(q.options) == 4)
    assert all(abs(n / sum(letters.values()) - 0.25) <= 0.03 for n in letters.values())


def test_card_table_names_small_splits_and_missing_words():
    from vsi100k.card import answer_words_text

    words = answer_word_balance(
        _records("object_rel_direction_medium", MEDIUM, {"left": 4, "right": 4})
        + _records("object_rel_direction_hard", HARD, {"front-left": 5, "front-right": 5, "back-left": 5}, start=50),
        ["validation"] * 8 + ["train"] * 15)
    text = answer_words_text(words)
    assert ("| object_rel_direction_medium | validation | 8 | left | 50.0% | 33.3% | too small (< 14): "
            "never the answer: back |") in text
    assert "| object_rel_direction_hard | train | 15 | back-left | 33.3% | 25.0% | missing words: never the answer: back-right |" in text
    assert answer_words_text(None) == ""
