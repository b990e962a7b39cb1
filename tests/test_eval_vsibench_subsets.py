"""VSI-Bench's subsets (full, debiased = VSI-Bench-Debiased, pruned) from a folder laid out as the Hub
repo is today (test.jsonl, test_debiased.parquet, test_pruned.parquet, pruned_ids.txt, card configs),
and from the older layout (test-*.parquet) where the subsets are derived or refused."""

from __future__ import annotations

import json
import shutil

import pytest

from tiny_build import TINY_PRUNED_IDS, write_tiny_vsibench, write_tiny_vsibench_today
from vsi100k.evaluate.vsibench import card_configs, load_vsibench_questions

ALL_IDS = set(range(20))
DEBIASED_IDS = ALL_IDS - set(TINY_PRUNED_IDS)


def run_cli(*args: str):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def today_dir(tmp_path_factory):
    return write_tiny_vsibench_today(tmp_path_factory.mktemp("vsibench_today"))


def ids(questions) -> set[int]:
    return {int(i) for i in questions["id"]}


def test_card_configs_are_read(today_dir):
    assert card_configs(today_dir) == {
        "full": ["test.jsonl"],
        "debiased": ["test_debiased.parquet"],
        "pruned": ["test_pruned.parquet"],
    }


@pytest.mark.parametrize(("subset", "expected"), [("full", ALL_IDS), ("debiased", DEBIASED_IDS), ("pruned", set(TINY_PRUNED_IDS))])
def test_subsets_from_the_card(today_dir, subset, expected):
    assert ids(load_vsibench_questions(today_dir, subset=subset)) == expected


def test_subsets_without_a_card_use_todays_file_names(tmp_path):
    root = write_tiny_vsibench_today(tmp_path / "v", card=False)
    assert ids(load_vsibench_questions(root, subset="full")) == ALL_IDS  # test.jsonl
    assert ids(load_vsibench_questions(root, subset="debiased")) == DEBIASED_IDS
    (root / "test_debiased.parquet").unlink()  # derived from pruned_ids.txt
    assert ids(load_vsibench_questions(root, subset="debiased")) == DEBIASED_IDS
    assert ids(load_vsibench_questions(root, subset="debiased", sources=["scannet"])) == DEBIASED_IDS & set(range(10))


def test_older_layout_full_still_works_and_debiased_is_refused(tmp_path):
    root = write_tiny_vsibench(tmp_path / "old", n_video_frames=2)
    assert ids(load_vsibench_questions(root)) == ALL_IDS
    with pytest.raises(FileNotFoundError, match=r"old: no 'debiased' subset here: no card config, no test_debiased\.parquet, "
                       r"no pruned_ids\.txt and no 'pruned' column in the full set"):
        load_vsibench_questions(root, subset="debiased")
    (root / "pruned_ids.txt").write_text("0\n1\n", encoding="utf-8")
    assert ids(load_vsibench_questions(root, subset="pruned")) == {0, 1}


def test_subset_errors(tmp_path, today_dir):
    with pytest.raises(ValueError, match=r"unknown VSI-Bench subset 'clean'; valid: full, debiased, pruned"):
        load_vsibench_questions(today_dir, subset="clean")
    root = tmp_path / "v"
    shutil.copytree(today_dir, root)
    (root / "test_pruned.parquet").unlink()
    with pytest.raises(FileNotFoundError, match=r"README\.md: config 'pruned' names test_pruned\.parquet, but no such file is in"):
        load_vsibench_questions(root, subset="pruned")
    # a card whose full pattern also matches the subset files (test*.parquet) would count questions twice
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(root / "test_debiased.parquet"), root / "test-00000-of-00001.parquet")
    (root / "README.md").write_text(
        "---\nconfigs:\n  - config_name: full\n    data_files:\n      - split: test\n        path: \"test*.parquet\"\n---\n"
    )
    with pytest.raises(ValueError, match=r"test-00000-of-00001\.parquet, test_debiased\.parquet: question id \d+ appears more than once; these files overlap"):
        load_vsibench_questions(root, subset="full")


def test_eval_subset_debiased_reports_the_subset(today_dir, tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": i, "prediction": "A"}) + "\n" for i in sorted(DEBIASED_IDS)))
    out = tmp_path / "o"
    result = run_cli("eval", "--data", str(today_dir), "--subset", "debiased", "--predictions", str(preds), "-o", str(out))
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.replace("│", " ").split())
    assert "VSI-Bench-Debiased (vanilla; scoring: lmms-eval 0.7.3)" in flat
    summary = json.loads((out / "summary.json").read_text())
    assert summary["count"] == len(DEBIASED_IDS)
    assert summary["run"]["subset"] == "debiased" and summary["run"]["scoring"] == "lmms-eval"
    assert summary["scoring"] == {"rule": "lmms-eval", "follows": "lmms-eval 0.7.3"}
    scored = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert {int(r["id"]) for r in scored} == DEBIASED_IDS
    # "A" everywhere: right where the truth is A (easy id 5 and route id 18 are kept; 15 and 8 are pruned)
    right = {int(r["id"]) for r in scored if r["score"] == 1.0}
    assert right == {5, 18}


def test_eval_refuses_an_unknown_subset_or_scoring_rule(today_dir, tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": 0, "prediction": "A"}) + "\n")
    for option, value, message in (
        ("--subset", "clean", "error: subset='clean': choose one of full, debiased, pruned"),
        ("--scoring", "vlmeval", "error: scoring='vlmeval': choose one of lmms-eval, thinking-in-space"),
    ):
        result = run_cli("eval", "--data", str(today_dir), option, value, "--predictions", str(preds), "-o", str(tmp_path / "o"))
        assert result.exit_code == 2
        assert message in result.output


def test_debiased_from_a_hub_id_fetches_questions_then_videos(tmp_path, monkeypatch):
    import fnmatch

    import vsi100k.evaluate.vsibench as vsibench
    from vsi100k.evaluate.config import EvalConfig
    from vsi100k.evaluate.run import detect_benchmark, load_eval_data

    remote = write_tiny_vsibench_today(tmp_path / "remote", n_video_frames=4)  # plays the Hub repo
    files = sorted(p.relative_to(remote).as_posix() for p in remote.rglob("*") if p.is_file())
    snapshot = tmp_path / "snapshot"
    calls = []

    def fake_download(repo_id, revision, patterns):  # the network stand-in: copies the matching files
        calls.append(tuple(patterns))
        for name in files:
            if any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
                (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(remote / name, snapshot / name)
        return snapshot

    monkeypatch.setattr(vsibench, "hub_download", fake_download)
    monkeypatch.setattr(vsibench, "hub_repo_files", lambda repo_id, revision=None: files)
    assert detect_benchmark("nyu-visionx/VSI-Bench") == "vsibench"
    cfg = EvalConfig(data="nyu-visionx/VSI-Bench", output_dir=tmp_path / "o", model="m", num_frames=2, subset="debiased",
                     sources=("scannet",))
    data = load_eval_data(cfg, need_frames=True)
    assert calls == [("*.parquet", "*.jsonl", "README.md", "pruned_ids.txt"), ("scannet.zip", "scannet/*")]
    assert ids(data.questions) == DEBIASED_IDS & set(range(10))
    assert len(data.frames_for(dict(data.questions[0]))) == 2


def test_card_and_file_errors(tmp_path, today_dir):
    root = tmp_path / "v"
    shutil.copytree(today_dir, root)
    (root / "README.md").write_text("---\nconfigs: [\n---\n")
    with pytest.raises(ValueError, match=r"README\.md: the card's YAML header does not parse"):
        load_vsibench_questions(root)
    (root / "README.md").write_text(
        "---\nconfigs:\n  - config_name: full\n    data_files:\n      - split: test\n"
        "        path: [\"test.jsonl\", \"test_pruned.parquet\"]\n---\n"
    )
    with pytest.raises(ValueError, match=r"a subset mixes jsonl and parquet files: test\.jsonl, test_pruned\.parquet"):
        load_vsibench_questions(root)
