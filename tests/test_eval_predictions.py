"""`vsi100k eval --predictions` with missing and unknown ids: counted, reported, and failing unless
--allow-missing. The tiny VSI-Bench folder has 20 questions (ids 0-19)."""

from __future__ import annotations

import json

import pytest

from tiny_build import write_tiny_vsibench


def run_cli(*args: str):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def vsibench_dir(tmp_path_factory):
    return write_tiny_vsibench(tmp_path_factory.mktemp("vsibench"), n_video_frames=2)


def write_preds(path, ids, extra=()):
    lines = [json.dumps({"id": i, "prediction": "A"}) for i in ids]
    lines += [json.dumps({"id": i, "prediction": "B"}) for i in extra]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_missing_predictions_fail_with_one_line_and_a_missing_row(vsibench_dir, tmp_path):
    preds = write_preds(tmp_path / "p.jsonl", range(9))  # 9 of 20 answered
    result = run_cli("eval", "--data", str(vsibench_dir), "--predictions", str(preds), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {preds}: no prediction for 11 of 20 questions (e.g. 9, 10, 11, 12, 13, ...); they scored 0 in the "
        "table above. Pass --allow-missing to accept that"
    ]
    missing_row = next(line for line in result.output.splitlines() if line.lstrip("│ ").startswith("miss"))  # label cut at 80 columns
    assert [cell.strip() for cell in missing_row.split("│")[1:-1]][-1] == "11"
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())  # outputs are written anyway
    assert summary["run"]["missing_predictions"] == 11
    assert summary["run"]["missing_prediction_ids"] == [str(i) for i in range(9, 20)]


def test_allow_missing_scores_them_as_zero(vsibench_dir, tmp_path):
    preds = write_preds(tmp_path / "p.jsonl", range(10))  # the scannet scene only
    result = run_cli(
        "eval", "--data", str(vsibench_dir), "--predictions", str(preds), "-o", str(tmp_path / "o"), "--allow-missing"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["count"] == 20 and summary["run"]["missing_predictions"] == 10
    # answering "A" everywhere: easy (truth A) and route (truth A) right in the scannet scene only -> 50 each
    assert summary["tasks"]["route_planning"]["score"] == pytest.approx(0.5)


def test_unknown_ids_are_reported(vsibench_dir, tmp_path):
    preds = write_preds(tmp_path / "p.jsonl", range(20), extra=("x1", "x2", "99"))
    result = run_cli("eval", "--data", str(vsibench_dir), "--predictions", str(preds), "-o", str(tmp_path / "o"))
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "3 prediction id(s) match no question of" in flat and "were ignored: x1, x2, 99" in flat
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["run"]["unknown_predictions"] == 3 and summary["run"]["unknown_prediction_ids"] == ["x1", "x2", "99"]


def test_predictions_help_says_choices_are_letters():
    result = run_cli("eval", "--help")
    flat = " ".join(result.output.replace("│", " ").split())
    assert "Choice questions are answered with the option's letter" in flat
    assert "--allow-missing" in flat
