"""Parity with the installed lmms-eval: every prediction kind a real model emits scores exactly as
lmms-eval 0.7.3's own ``vsibench_process_results`` scores it (rule "lmms-eval"), and as the original
thinking-in-space rule does (rule "thinking-in-space", composed from the same file's helpers); the table
equals lmms-eval's own aggregation; the GRPO accuracy reward gives the same numbers."""

from __future__ import annotations

import pytest

from lmms_oracle import (
    MRA_KEY,
    choice_predictions,
    lmms_eval_version,
    lmms_score,
    number_predictions,
    original_rule_score,
    vsibench_utils,
)
from vsi100k.evaluate.scoring import score_prediction, summarize
from vsi100k.metrics import LMMS_EVAL_VERSION, accuracy_reward, first_number
from vsi100k.train.rewards import make_accuracy_reward

NUMBER_TRUTHS = {
    "object_counting": ["1", "2", "3", "4", "7", "13", "21"],
    "object_abs_distance": ["0.3", "1.3", "2.0", "2.5", "4.1"],
    "object_size_estimation": ["8", "45", "100", "150", "321"],
    "room_size_estimation": ["9.5", "12.0", "20.5", "45.3"],
}
CHOICE_TRUTHS = {
    "object_rel_distance": "ABCD",
    "object_rel_direction_easy": "AB",
    "object_rel_direction_medium": "ABC",
    "object_rel_direction_hard": "ABCD",
    "route_planning": "ABCD",
    "obj_appearance_order": "ABCD",
}


def all_docs() -> list[tuple[dict, str]]:
    """(VSI-Bench doc, prediction) for every question type, truth and prediction kind."""
    cases = []
    qid = 0
    for question_type, truths in NUMBER_TRUTHS.items():
        for truth in truths:
            for prediction in number_predictions(truth):
                cases.append(({"id": qid, "question_type": question_type, "ground_truth": truth}, prediction))
                qid += 1
    for question_type, letters in CHOICE_TRUTHS.items():
        for truth in letters:
            for prediction in choice_predictions(truth, letters):
                cases.append(({"id": qid, "question_type": question_type, "ground_truth": truth}, prediction))
                qid += 1
    return cases


CASES = all_docs()


def test_the_installed_lmms_eval_is_the_version_the_rule_names():
    assert lmms_eval_version() == LMMS_EVAL_VERSION


def test_every_prediction_scores_as_lmms_eval_scores_it():
    agree, differ = 0, []
    for doc, prediction in CASES:
        ours = score_prediction(doc["question_type"], doc["ground_truth"], prediction, "vanilla", "lmms-eval")[1]
        theirs, _ = lmms_score(doc, prediction)
        if ours == theirs:
            agree += 1
        else:
            differ.append((doc["question_type"], doc["ground_truth"], prediction, ours, theirs))
    assert differ == []
    assert agree == len(CASES) > 2000


def test_every_prediction_scores_as_the_original_rule_scores_it():
    differ = [
        (doc, prediction)
        for doc, prediction in CASES
        if score_prediction(doc["question_type"], doc["ground_truth"], prediction, "vanilla", "thinking-in-space")[1]
        != original_rule_score(doc, prediction)
    ]
    assert differ == []


def test_the_rules_part_on_number_sentences_words_and_outer_spaces_only():
    """Choices differ only where the answer has outer whitespace (lmms-eval's harness strips it); numbers
    also where the first word is not a plain number."""
    parted = {
        (doc["question_type"], prediction)
        for doc, prediction in CASES
        if score_prediction(doc["question_type"], doc["ground_truth"], prediction, scoring="lmms-eval")[1]
        != score_prediction(doc["question_type"], doc["ground_truth"], prediction, scoring="thinking-in-space")[1]
    }
    choices = {prediction for question_type, prediction in parted if question_type not in NUMBER_TRUTHS}
    assert choices and all(prediction != prediction.strip() for prediction in choices)
    predictions = {prediction for _, prediction in parted}
    for kind in ("There are 3 of them.", "three", "twenty-one", "about 3", "1e3", "I count 2 chairs."):
        assert kind in predictions
    assert "3 meters" not in predictions and "3" not in predictions  # both read 3


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("There are 3 of them.", 3.0),
        ("three", 3.0),
        ("Twenty One", 21.0),
        ("twenty-one", 21.0),
        ("three hundred and twenty-one", 321.0),
        ("a hundred", 100.0),
        ("two thousand and twelve", 2012.0),
        ("one chair, 2 tables", 1.0),  # the word comes first
        ("eleven 4 twelve", 23.0),  # digits do not end a word run
        ("someone saw seven", 7.0),  # "someone" is one word, not "one"
        ("1e3", 1.0),
        ("3,000", 3.0),
        ("-2.5 m", -2.5),
        (".5", 5.0),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_first_number_reads_like_lmms_eval(text, value):
    assert first_number(text) == value
    assert vsibench_utils().extract_number(text) == value


def test_table_equals_lmms_eval_aggregation():
    records, results = [], []
    for doc, prediction in CASES:
        _, processed = lmms_score(doc, prediction)
        results.append(processed)
        records.append(
            {
                "question_type": doc["question_type"],
                "score": score_prediction(doc["question_type"], doc["ground_truth"], prediction)[1],
            }
        )
    summary = summarize(records)
    utils = vsibench_utils()
    theirs = utils._compute_all_subscores(results)
    for name, task in summary.tasks.items():
        key = name if name == "object_rel_direction" else f"{name}_{MRA_KEY if name in NUMBER_TRUTHS else 'accuracy'}"
        key = "object_rel_direction_accuracy" if name == "object_rel_direction" else key
        assert task.score == pytest.approx(theirs[key], abs=1e-12), name
    assert summary.overall == pytest.approx(theirs["overall"], abs=1e-12)
    assert round(summary.overall, 6) == utils.vsibench_aggregate_overall(results)
    assert round(summary.tasks["object_counting"].score, 6) == utils.vsibench_aggregate_object_counting_mra(results)
    assert summary.to_dict()["scoring"] == {"rule": "lmms-eval", "follows": f"lmms-eval {LMMS_EVAL_VERSION}"}


def test_grpo_accuracy_reward_scores_as_lmms_eval():
    reward = make_accuracy_reward("vanilla", "mra", "lmms-eval")
    docs = CASES[::7]
    targets = [doc["ground_truth"] for doc, _ in docs]
    kinds = ["number" if doc["question_type"] in NUMBER_TRUTHS else "letter" for doc, _ in docs]
    completions = [[{"role": "assistant", "content": prediction}] for _, prediction in docs]
    got = reward(completions=completions, target=targets, target_kind=kinds)
    assert got == [lmms_score(doc, prediction)[0] for doc, prediction in docs]
    # think mode: the <answer> body is read by the same rule
    assert accuracy_reward("<think>x</think><answer>There are three.</answer>", "3", "number", "think") == 1.0
    assert accuracy_reward("<think>x</think><answer>There are three.</answer>", "3", "number", "think",
                           scoring="thinking-in-space") == 0.0


def test_unknown_scoring_rule_is_refused():
    with pytest.raises(ValueError, match=r"unknown scoring rule 'vlmeval'; valid: \['lmms-eval', 'thinking-in-space'\]"):
        score_prediction("object_rel_distance", "A", "A", scoring="vlmeval")
    with pytest.raises(ValueError, match=r"unknown scoring rule 'vlmeval'"):
        make_accuracy_reward("vanilla", "mra", "vlmeval")
    with pytest.raises(ValueError, match=r"unknown scoring rule 'vlmeval'"):
        summarize([{"question_type": "object_counting", "score": 1.0}], scoring="vlmeval")


def test_lmms_eval_harness_strips_answers():
    """lmms-eval's ConfigurableTask strips generated text before the task's process_results sees it."""
    from lmms_eval.api.task import ConfigurableTask

    class Bare:  # just what ConfigurableTask.process_results reads
        OUTPUT_TYPE = "generate_until"

        class config:
            process_results = staticmethod(vsibench_utils().vsibench_process_results)

    doc = {"question_type": "object_rel_distance", "ground_truth": "B"}
    processed = ConfigurableTask.process_results(Bare(), dict(doc), [" B\n"])["vsibench_overall"]
    assert processed["prediction"] == "B" and processed["accuracy"] == 1.0
    assert score_prediction("object_rel_distance", "B", " B\n", scoring="lmms-eval")[1] == 1.0
    assert score_prediction("object_rel_distance", "B", " B\n", scoring="thinking-in-space")[1] == 0.0


def test_score_answer_refuses_an_unknown_answer_kind():
    from vsi100k.metrics import score_answer

    with pytest.raises(ValueError, match=r"unknown answer kind 'free'; valid: \['choice', 'number'\]"):
        score_answer("3", "3", "free")
