"""JSON lines I/O, the build over a facts folder (errors, leakage, report) and `vsi100k questions`."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from test_tasks_support import random_facts

from vsi100k.pipeline.from_facts import build_questions, facts_files, read_facts_file
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_questions
from vsi100k.tasks.io import read_questions, record_to_question, write_questions
from vsi100k.tasks.leakage import LeakageError, SplitGuard
from vsi100k.tasks.report import report_table

CFG = QuestionConfig(seed=0)


def write_facts(folder, n=4, start=0, split=None):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        facts = replace(random_facts(f"scene{i:04d}_00", i, n_objects=14), split=split)
        facts.write(folder / f"{facts.scene_id}.json")
    return folder


def test_jsonl_round_trip_sorted_keys_and_atomic(tmp_path):
    questions = generate_questions(random_facts("scene0001_00", 1), CFG)[0]
    questions = [replace(q, split="train") for q in questions]
    path = tmp_path / "q.jsonl"
    assert write_questions(path, questions) == len(questions)
    assert read_questions(path) == questions
    lines = path.read_text().splitlines()
    assert len(lines) == len(questions)
    first = json.loads(lines[0])
    assert list(first) == sorted(first)
    assert first["dataset"] == "scannet" and first["scene_name"] == "scene0001_00"
    assert first["id"] == "scene0001_00/object_counting/0000"
    assert not list(tmp_path.glob("*.tmp"))


def test_read_questions_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl: line 1: question record misses keys \['answer'"):
        read_questions(bad)
    bad.write_text("\n{not json\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl: line 2: not valid JSON"):
        read_questions(bad)
    with pytest.raises(ValueError, match=r"record: question record misses keys"):
        record_to_question({})


def test_build_is_byte_identical_and_reports(tmp_path):
    facts_dir = write_facts(tmp_path / "facts")
    out1, out2 = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first = build_questions(facts_dir, CFG, out=out1, report_path=tmp_path / "a.report.json")
    build_questions(facts_dir, CFG, out=out2)
    assert out1.read_bytes() == out2.read_bytes()
    report = json.loads((tmp_path / "a.report.json").read_text())
    assert report["scenes"] == 4 and report["questions"] == len(first.questions)
    assert sum(report["questions_per_type"].values()) == report["questions"]
    assert report["questions_per_type"]["room_size_estimation"] == 4
    assert report["skips_per_type"]["object_rel_direction_easy"]["back_dropped"] > 0
    assert report["leakage"]["split_lists"] is False
    assert report["config"]["mix"] == "vsi100k"
    assert set(report["correct_letters"]["object_rel_distance"]) <= set("ABCD")
    assert report["questions_per_split"] == {"train": {t: n for t, n in sorted(report["questions_per_type"].items()) if n}}
    assert "obj_appearance_order" not in report["questions_per_type"]  # not in the vsi100k mix


def test_one_bad_file_never_stops_the_build(tmp_path):
    facts_dir = write_facts(tmp_path / "facts", n=2)
    (facts_dir / "scene0900_00.json").write_text("{broken")
    (facts_dir / "scene0901_00.json").write_text('{"scene_id": "scene0901_00", "objects": [], "schema_version": 0}')
    (facts_dir / "scene0902_00.json").write_text("[1, 2]")
    result = build_questions(facts_dir, CFG)
    assert result.report["scenes"] == 2
    errors = {e["scene"]: e for e in result.report["scene_errors"]}
    assert set(errors) == {"scene0900_00", "scene0901_00", "scene0902_00"}
    assert errors["scene0900_00"]["problem"].startswith("cannot read facts JSON")
    assert "schema_version 0 is not one of 1, 2" in errors["scene0901_00"]["problem"]
    assert errors["scene0902_00"]["problem"].startswith("not a facts file")


def test_only_scene_files_are_read_as_facts(tmp_path):
    facts_dir = write_facts(tmp_path / "facts", n=2)
    (facts_dir / "facts_report.json").write_text('{"stage": "facts", "ok": [], "failed_scenes": []}')
    (facts_dir / "notes.json").write_text("[]")
    for name in ("1fab038f79.json", "41069025.json"):  # ScanNet++ and ARKitScenes scan ids are facts files
        (facts_dir / name).touch()
    assert [p.name for p in facts_files(facts_dir)] == ["1fab038f79.json", "41069025.json", "scene0000_00.json",
                                                         "scene0001_00.json"]
    for name in ("1fab038f79.json", "41069025.json"):
        (facts_dir / name).unlink()
    result = build_questions(facts_dir, CFG)
    assert result.report["scenes"] == 2 and result.report["scene_errors"] == []
    assert {q.scene_id for q in result.questions} == {"scene0000_00", "scene0001_00"}


def test_read_facts_file_errors_name_scene_and_file(tmp_path):
    path = tmp_path / "scene0900_00.json"
    path.write_text('{"scene_id": "scene0900_00", "objects": [], "schema_version": 1}')
    with pytest.raises(ValueError, match=r"^scene0900_00: scene0900_00\.json: malformed facts \(KeyError: 'distances_m'\)"):
        read_facts_file(path)


def test_build_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist; run `vsi100k facts` first"):
        build_questions(tmp_path / "missing", CFG)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"empty: no <scene_id>\.json facts files; run `vsi100k facts --out DIR` \(or a build\) first"):
        build_questions(tmp_path / "empty", CFG)
    facts_dir = write_facts(tmp_path / "dup", n=1)
    random_facts("scene0000_00", 0).write(facts_dir / "scene0001_00.json")  # misnamed copy
    with pytest.raises(ValueError, match=r"several facts files describe scenes \['scene0000_00'\]"):
        build_questions(facts_dir, CFG)


def test_leakage_refusal_and_recorded_override(tmp_path):
    facts_dir = write_facts(tmp_path / "facts", n=3)
    lists = {"scene0000_00": "train", "scene0001_00": "validation", "scene0002_01": "validation"}
    with pytest.raises(LeakageError, match=r"^scene0001_00: scene0001_00\.json: refusing"):
        build_questions(facts_dir, CFG, guard=SplitGuard(lists), requested_split="train")
    with pytest.raises(LeakageError, match=r"^scene0002_00: .*its room scene0002 has scans in the ScanNet val split"):
        build_questions(facts_dir, CFG, guard=SplitGuard(lists))
    result = build_questions(facts_dir, CFG, guard=SplitGuard(lists, allow_val_in_train=True), out=tmp_path / "q.jsonl")
    overridden = {o["scene"] for o in result.report["leakage"]["overridden_scenes"]}
    assert overridden == {"scene0002_00"}
    assert result.report["leakage"]["allow_val_in_train"] is True
    records = [json.loads(line) for line in (tmp_path / "q.jsonl").read_text().splitlines()]
    assert {r["split"] for r in records if r["scene_name"] == "scene0001_00"} == {"validation"}
    assert all(r["leakage_override"] == (r["scene_name"] == "scene0002_00") for r in records)


def test_report_table_renders():
    from rich.console import Console

    result_questions, skips = generate_questions(random_facts("scene0003_00", 3), CFG)
    from vsi100k.tasks.report import build_report

    report = build_report(result_questions, skips, question_types=CFG.question_types(), n_scenes=1)
    console = Console(width=200, record=True)
    console.print(report_table(report))
    text = console.export_text()
    assert "object_rel_direction_hard" in text and "near_sector_boundary" in text and "total" in text


def test_cli_questions(tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    facts_dir = write_facts(tmp_path / "facts", n=2)
    lists_dir = tmp_path / "lists"
    lists_dir.mkdir()
    (lists_dir / "scannetv2_train.txt").write_text("scene0000_00\n")
    (lists_dir / "scannetv2_val.txt").write_text("scene0001_00\n")
    out = tmp_path / "q.jsonl"
    runner = CliRunner()
    result = runner.invoke(app, ["questions", "--facts", str(facts_dir), "--out", str(out), "--mix", "vsibench",
                                 "--seed", "3", "--split-lists", str(lists_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "q.report.json").read_text())
    assert report["config"]["seed"] == 3 and report["config"]["mix"] == "vsibench"
    assert report["leakage"]["split_sources"] == {"split lists": 2}
    assert set(report["questions_per_split"]) == {"train", "validation"}
    refused = runner.invoke(app, ["questions", "--facts", str(facts_dir), "--out", str(out), "--split", "train",
                                  "--split-lists", str(lists_dir)])
    assert refused.exit_code == 1
    assert "scene0001_00: scene0001_00.json: refusing" in refused.output
    allowed = runner.invoke(app, ["questions", "--facts", str(facts_dir), "--out", str(out), "--split", "train",
                                  "--split-lists", str(lists_dir), "--allow-val-in-train"])
    assert allowed.exit_code == 0, allowed.output
    assert json.loads((tmp_path / "q.report.json").read_text())["leakage"]["overridden_scenes"][0]["scene"] == "scene0001_00"
    bad_mix = runner.invoke(app, ["questions", "--facts", str(facts_dir), "--out", str(out), "--mix", "paper"])
    assert bad_mix.exit_code == 2  # a usage error: --mix offers only the presets
    assert "Invalid value for '--mix'" in bad_mix.output and "'paper' is not one of" in bad_mix.output
    (facts_dir / "scene0900_00.json").write_text("{broken")
    partial = runner.invoke(app, ["questions", "--facts", str(facts_dir), "--out", str(out)])
    assert partial.exit_code == 3, partial.output  # questions written, one facts file skipped
    assert "skipped scene scene0900_00: scene0900_00.json: cannot read facts JSON" in " ".join(partial.output.split())
    assert len(out.read_text().splitlines()) > 0
    (tmp_path / "empty").mkdir()
    none = runner.invoke(app, ["questions", "--facts", str(tmp_path / "empty"), "--out", str(out)])
    assert none.exit_code == 1
    assert "no <scene_id>.json facts files; run `vsi100k facts --out DIR` (or a build) first" in none.output
