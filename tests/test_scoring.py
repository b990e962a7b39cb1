"""VSI-Bench scoring by hand: per-question rules, the 8-task table and the predictions file round trip."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from vsi100k.evaluate.report import print_summary, read_predictions, write_predictions, write_summary
from vsi100k.evaluate.scoring import score_prediction, summarize, task_of

# A VSI-Bench-like question table with one predictions file in the think mode (the <answer> body is
# scored; untagged text is scored whole), scored by hand below with the thinking-in-space rule ("<=",
# float() of the first word); q04 is the one answer the lmms-eval rule reads differently (150 -> 1.0).
QUESTIONS = [
    # id, question_type, ground_truth, prediction
    ("q01", "object_counting", "4", "4"),  # 1.0
    ("q02", "object_counting", "4", "<answer>5</answer>"),  # err 0.25 <= 0.5 .. 0.25 -> 0.6
    ("q03", "object_abs_distance", "2.0", "2.1 meters"),  # err 0.05 (float 0.050000000000000044) -> 1.0
    ("q04", "object_size_estimation", "150", "about 150"),  # no number first -> 0.0
    ("q05", "room_size_estimation", "20.0", "29"),  # err 0.45 > 1 - 0.55 = 0.44999999999999996 -> 0.1
    ("q06", "object_rel_distance", "B", "B. table"),  # 1
    ("q07", "object_rel_distance", "C", "b"),  # 0
    ("q08", "object_rel_direction_easy", "A", "a."),  # 1
    ("q09", "object_rel_direction_medium", "C", "A"),  # 0
    ("q10", "object_rel_direction_medium", "C", "C"),  # 1
    ("q11", "object_rel_direction_hard", "D", ""),  # empty -> 0
    ("q12", "route_planning", "A", "A"),  # 1
    ("q13", "obj_appearance_order", "D", None),  # missing prediction -> 0
    ("q14", "obj_appearance_order", "B", "<think>bed first</think><answer>B</answer>"),  # 1
]
EXPECTED = {
    "object_counting": (1.0 + 0.6) / 2,  # 0.8
    "object_abs_distance": 1.0,
    "object_size_estimation": 0.0,
    "room_size_estimation": 0.1,
    "object_rel_distance": 0.5,
    "object_rel_direction": (1.0 + 0.5 + 0.0) / 3,  # levels averaged first: easy 1, medium 0.5, hard 0
    "route_planning": 1.0,
    "obj_appearance_order": 0.5,
}
EXPECTED_OVERALL = (0.8 + 1.0 + 0.0 + 0.1 + 0.5 + 0.5 + 1.0 + 0.5) / 8  # 0.55


def scored_records(predictions: dict[str, str | None]) -> list[dict]:
    records = []
    for qid, qtype, truth, _ in QUESTIONS:
        answer, score = score_prediction(qtype, truth, predictions.get(qid), "think", "thinking-in-space")
        records.append(
            {
                "id": qid,
                "question_type": qtype,
                "ground_truth": truth,
                "prediction": predictions.get(qid),
                "answer": answer,
                "score": score,
            }
        )
    return records


def test_predictions_file_scored_by_hand(tmp_path):
    path = tmp_path / "preds.jsonl"
    lines = [json.dumps({"id": qid, "prediction": pred}) for qid, _, _, pred in QUESTIONS if pred is not None]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")  # q13 absent, trailing blank line
    summary = summarize(scored_records(read_predictions(path)))
    assert set(summary.tasks) == set(EXPECTED)
    for task, value in EXPECTED.items():
        assert summary.tasks[task].score == pytest.approx(value), task
    assert summary.overall == pytest.approx(EXPECTED_OVERALL)
    assert summary.count == 14
    levels = summary.tasks["object_rel_direction"].levels
    assert {k: v.score for k, v in levels.items()} == {
        "object_rel_direction_easy": 1.0,
        "object_rel_direction_medium": 0.5,
        "object_rel_direction_hard": 0.0,
    }
    assert summary.tasks["object_rel_direction"].count == 4


def test_direction_levels_are_averaged_before_the_task():
    # 3 easy questions all right, 1 hard question wrong: per-question mean would be 0.75, VSI-Bench says 0.5
    records = [{"question_type": "object_rel_direction_easy", "score": 1.0}] * 3 + [
        {"question_type": "object_rel_direction_hard", "score": 0.0}
    ]
    summary = summarize(records)
    assert summary.tasks["object_rel_direction"].score == pytest.approx(0.5)
    assert summary.overall == pytest.approx(0.5)


def test_overall_is_over_present_tasks_only():
    summary = summarize(
        [
            {"question_type": "object_counting", "score": 1.0},
            {"question_type": "room_size_estimation", "score": 0.2},
        ]
    )
    assert summary.overall == pytest.approx(0.6)
    assert summary.to_dict()["missing_tasks"] == [
        "object_abs_distance",
        "object_size_estimation",
        "object_rel_distance",
        "object_rel_direction",
        "route_planning",
        "obj_appearance_order",
    ]


def test_score_prediction_rules():
    assert score_prediction("object_counting", "3", "3 chairs") == ("3 chairs", 1.0)
    assert score_prediction("object_counting", "2", "3") == ("3", pytest.approx(0.1))  # official "<="
    assert score_prediction("object_rel_distance", "A", "<answer> a </answer>", "think") == ("a", 1.0)
    assert score_prediction("object_rel_distance", "A", "<answer> a </answer>", "vanilla")[1] == 0.0
    assert score_prediction("room_size_estimation", "10", None) == ("", 0.0)
    assert task_of("object_rel_direction_hard") == "object_rel_direction"


def test_scoring_errors(tmp_path):
    with pytest.raises(ValueError, match=r"unknown question type 'object_colour'; valid: \['object_counting'"):
        score_prediction("object_colour", "A", "A")
    with pytest.raises(ValueError, match="no scored questions to summarize"):
        summarize([])


def test_read_predictions_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nope\.jsonl: predictions file not found"):
        read_predictions(tmp_path / "nope.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "q1", "prediction": "A"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl: line 2: not JSON"):
        read_predictions(bad)
    keys = tmp_path / "keys.jsonl"
    keys.write_text('{"id": "q1", "answer": "A"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"keys\.jsonl: line 1: needs the keys 'id' and 'prediction'"):
        read_predictions(keys)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"empty\.jsonl: no predictions in the file"):
        read_predictions(empty)


def test_outputs_round_trip_and_table(tmp_path):
    predictions = {qid: pred for qid, _, _, pred in QUESTIONS}
    records = scored_records(predictions)
    assert write_predictions(tmp_path / "predictions.jsonl", records) == 14
    # our own output is a valid predictions file and scores the same
    again = summarize(scored_records(read_predictions(tmp_path / "predictions.jsonl")))
    assert again.overall == pytest.approx(EXPECTED_OVERALL)
    payload = write_summary(tmp_path / "summary.json", again, {"model": "tiny"})
    on_disk = json.loads((tmp_path / "summary.json").read_text())
    assert on_disk == payload
    assert on_disk["overall_percent"] == 55.0
    assert on_disk["tasks"]["object_counting"]["percent"] == 80.0
    assert on_disk["run"] == {"model": "tiny"}

    console = Console(record=True, width=200)
    print_summary(again, console=console)
    text = console.export_text()
    for heading in (
        "Obj. Count",
        "Abs. Dist.",
        "Obj. Size",
        "Room Size",
        "Rel. Dist.",
        "Rel. Dir.",
        "Route Plan",
        "Appr. Order",
        "Overall",
    ):
        assert heading in text
    assert "80.0" in text and "100.0" in text and "55.0" in text
    assert "missing" not in text  # the missing row appears only when predictions are missing
    assert "easy 100.0, medium 50.0, hard 0.0" in text


def test_table_counts_missing_predictions_per_task():
    summary = summarize(scored_records({qid: pred for qid, _, _, pred in QUESTIONS}))
    console = Console(record=True, width=200)
    print_summary(summary, console=console, missing={"obj_appearance_order": 1, "object_counting": 2})
    row = next(line for line in console.export_text().splitlines() if "missing" in line)
    assert [cell.strip() for cell in row.split("│")[1:-1]] == ["missing", "2", "0", "0", "0", "0", "0", "0", "1", "3"]
