"""No answer priors: balanced answer words and letters, the blind baseline, and (slow) the whole
faithful-answers contract on 30 noisy scan-profile synthetic scans."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from vsi100k.pipeline.report import ambiguity_stats, answer_priors
from vsi100k.tasks.options import balanced_by_answer


def test_balanced_by_answer_runs_complete_rounds_and_returns_the_rest():
    answers = ["front"] * 7 + ["back"] * 2 + ["left"] * 3
    order, left_over = balanced_by_answer(answers, ("front", "back", "left"), np.random.default_rng(0))
    assert len(order) == 6 and sorted(order + left_over) == list(range(12))
    for start in (0, 3):
        assert sorted(answers[k] for k in order[start:start + 3]) == ["back", "front", "left"]
    assert Counter(answers[k] for k in left_over) == Counter({"front": 5, "left": 1})
    # A word with no candidate at all means no round.
    assert balanced_by_answer(["front", "left"], ("front", "back", "left"), np.random.default_rng(0)) == ([], [0, 1])
    with pytest.raises(ValueError, match=r"answers \['up'\] are not among the answer words \['front', 'back'\]"):
        balanced_by_answer(["up"], ("front", "back"), np.random.default_rng(0))


def _row(question_type, answer, letter, options, kind="choice"):
    return {"question_type": question_type, "answer": answer, "ground_truth": letter, "options": options, "answer_kind": kind}


def test_answer_priors_values():
    opts = ["A. left", "B. right"]
    rows = ([_row("easy", "left", "A", opts)] * 3 + [_row("easy", "right", "B", opts[::-1])]
            + [_row("size", v, v, ["A. 1"], "number") for v in ("100", "100", "200")])
    stats = answer_priors(rows)
    easy = stats["easy"]
    assert easy["word_shares"] == {"left": 0.75, "right": 0.25} and easy["fixed_words"]
    assert easy["letter_shares"] == {"A": 0.75, "B": 0.25}
    assert easy["max_word_deviation"] == 0.25 and easy["max_letter_deviation"] == 0.25
    assert (easy["blind_baseline"], easy["blind_predictor"], easy["chance"]) == (0.75, "word: left", 0.5)
    # Median 100: exact on two answers (MRA 1), 50% off on the third (MRA 0.1).
    assert stats["size"] == {"kind": "number", "questions": 3, "median": 100.0, "blind_baseline": pytest.approx(0.7, abs=1e-6)}
    assert ambiguity_stats({"size": {"definition_ambiguous": 4, "too_close": 1}, "easy": {"x": 1}}, {"size": 3}) == {
        "size": {"definition_ambiguous": 4, "kept": 3}}


def test_card_renders_priors_and_ambiguity_tables():
    from vsi100k.card import answers_table

    opts = ["A. left", "B. right"]
    rows = [_row("object_rel_direction_easy", "left", "A", opts), _row("object_rel_direction_easy", "right", "B", opts[::-1])]
    text = answers_table({"object_rel_direction_easy": {"kind": "choice", "letters": {"A": 1, "B": 1}, "top_answers": [["left", 1]]}},
                         answer_priors(rows), {"object_abs_distance": {"definition_ambiguous": 3}},
                         {"object_abs_distance": {"train": 7}})
    assert "| object_rel_direction_easy | 2 | left 50.0%, right 50.0% | A 50.0%, B 50.0% | 50.0% (word: left) | 50.0% |" in text
    assert "| object_abs_distance | 3 | 7 |" in text


# ---------------------------------------------------------------- 30 noisy synthetic scans
N_SCANS = 30
CAP = 1000  # every question the scans can give (bench/answer_priors.py's default)
REL_SETS = 16  # relative-distance choice sets per target (the bench's default)


@pytest.fixture(scope="module")
def scan_build(tmp_path_factory):
    from vsi100k.facts.extract import extract_facts
    from vsi100k.scannet import find_scenes, load_scene
    from vsi100k.synth.truth import read_truth
    from vsi100k.synth.writer import generate_scenes, scan_profile

    root = tmp_path_factory.mktemp("scan_priors")
    generate_scenes(root, N_SCANS, 7, config=scan_profile(render=False))
    dirs = sorted(find_scenes(root))
    return [(extract_facts(load_scene(d)), read_truth(d)) for d in dirs]


@pytest.mark.slow
def test_scan_facts_are_exact_within_tolerances(scan_build):
    n_pairs = 0
    for facts, truth in scan_build:
        counts = Counter(o.category for o in facts.objects if o.category is not None)
        assert dict(sorted(counts.items())) == truth.counts
        for obj in truth.objects:
            if obj.category is not None:
                assert abs(facts.exact_box(obj.instance_id).size_m - obj.size_m) <= 0.02
        for (a, b), d in facts.exact_distances_m.items():
            assert abs(d - truth.distances_m[(a, b)]) <= 0.02, (facts.scene_id, a, b)
            n_pairs += 1
        assert abs(facts.room_area_m2 / truth.floor_area_m2 - 1) <= 0.03
    assert n_pairs > 500


@pytest.mark.slow
def test_no_answer_priors_and_both_definitions_agree_on_every_kept_question(scan_build):
    from vsi100k.dataset.rows import question_rows
    from vsi100k.tasks.build_passes import build_wide_passes
    from vsi100k.tasks.config import QuestionConfig
    from vsi100k.tasks.generate import generate_questions
    from vsi100k.tasks.registry import TASKS

    caps = {n: (1 if n == "room_size_estimation" else CAP) for n, t in TASKS.items() if not t.needs_frames and n in (
        "object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
        "object_rel_distance", "object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard")}
    cfg = QuestionConfig(caps=caps, rel_distance_sets_per_target=REL_SETS)
    rows, questions = [], []
    for facts, _ in scan_build:
        kept, _ = generate_questions(facts, cfg, has_frames=False)
        questions.extend(kept)
        rows.extend(question_rows(kept))
    for q in questions:
        if "definition_ambiguous" in q.details:
            assert q.details["definition_ambiguous"] is False, q.question_id
        if q.answer_kind == "choice" and "answer_exact" in q.details:
            assert q.details["answer_exact"] == q.answer
        if "value_exact" in q.details:
            assert abs(q.details["value"] - q.details["value_exact"]) <= 0.25 * q.details["value_exact"]
    _, rows, _ = build_wide_passes(rows, cfg.seed)  # as a build runs them before writing
    stats = answer_priors(rows)
    assert stats["object_rel_direction_easy"]["questions"] >= 200
    assert stats["object_rel_distance"]["questions"] >= 200
    for question_type, s in stats.items():
        if s["kind"] != "choice":
            continue
        assert s["blind_baseline"] <= s["chance"] + 0.05, (question_type, s)
        assert s["max_letter_deviation"] <= 0.03, (question_type, s)
        assert s["max_letter_deviation"] * s["questions"] < 1, (question_type, s)  # within one question per letter
        if s["fixed_words"]:
            assert s["max_word_deviation"] <= 0.05, (question_type, s)
