"""`vsi100k export-lmms-eval`: a demo build's validation split written as an lmms-eval task, loaded by
lmms-eval's own TaskManager (``include_path``) and scored by its ``process_results`` and aggregations,
which must equal ``vsi100k eval --predictions`` on the same predictions, question by question and in
the table; its visuals are the build's stored frames as ``vsi100k eval`` picks them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lmms_oracle import choice_predictions, number_predictions
from vsi100k.errors import ConfigError
from vsi100k.evaluate.lmms_task import LmmsExportConfig, export_lmms_task, task_name
from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.demo import run_demo

DEMO_SCENES = 5  # as tests/test_train_tiny.py: four ScanNet-train rooms and one validation room
EXPORT_FRAMES = 3  # of the 4 stored frames: np.linspace(0, 3, 3) picks frames 0, 1 and 3


def run_cli(*args: str):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    result, _ = run_demo(
        DEMO_SCENES,
        out_dir=root / "out",
        cache_dir=root / "cache",
        progress=False,
        stream_frames=16,
        frames=FramesConfig(n_frames=4, max_width=64, max_height=48),
    )
    assert result.report["frames"]["by_split"] == {"train": 4, "validation": 1}
    return Path(result.out_dir)


@pytest.fixture(scope="module")
def task_dir(build_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tasks") / "demo_task"
    written = export_lmms_task(LmmsExportConfig(build=build_dir, out_dir=out, name="Demo build", num_frames=EXPORT_FRAMES))
    assert written.task == "vsi100k_demo_build" and written.scenes == 1
    return out


@pytest.fixture(scope="module")
def lmms_task(task_dir, tmp_path_factory):
    """The exported task as lmms-eval builds it (offline, its datasets cache in a temporary folder)."""
    import os

    cache = tmp_path_factory.mktemp("hf_datasets")
    saved = {k: os.environ.get(k) for k in ("HF_DATASETS_CACHE", "HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")}
    os.environ.update({"HF_DATASETS_CACHE": str(cache), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"})
    try:
        from lmms_eval.tasks import TaskManager, get_task_dict

        manager = TaskManager(include_path=str(task_dir), include_defaults=False)
        assert "vsi100k_demo_build" in manager.all_tasks
        task = get_task_dict(["vsi100k_demo_build"], manager)["vsi100k_demo_build"]
        docs = list(task.test_docs())
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return task, docs


def predictions_round(docs: list[dict], round_index: int) -> dict[str, str]:
    """One prediction per question, drawn from the kinds real models emit (a different mix per round)."""
    out = {}
    for i, doc in enumerate(docs):
        if doc["answer_kind"] == "number":
            kinds = number_predictions(doc["ground_truth"])
        else:
            kinds = choice_predictions(doc["ground_truth"], "".join(o[0] for o in doc["options"]))
        out[doc["id"]] = kinds[(round_index * 7 + i * 3) % len(kinds)]
    return out


def test_exported_folder(task_dir, build_dir):
    files = sorted(p.name for p in task_dir.iterdir())
    assert files == ["frames", "questions.parquet", "task.json", "utils.py", "vsi100k_demo_build.yaml", "vsi100k_metrics.py"]
    import vsi100k.metrics

    assert (task_dir / "vsi100k_metrics.py").read_bytes() == Path(vsi100k.metrics.__file__).read_bytes()
    settings = json.loads((task_dir / "task.json").read_text())
    report = json.loads((build_dir / "build_report.json").read_text())
    validation = sum(c.get("validation", 0) for c in report["questions"]["by_type"].values())
    assert settings["questions"] == validation and validation >= 5  # every validation question, none other
    assert settings["scoring"] == "lmms-eval" and settings["scoring_follows"] == "lmms-eval 0.7.3"
    assert settings["build_id"] == report["build_id"]
    assert str(task_dir) not in (task_dir / "vsi100k_demo_build.yaml").read_text()  # relocatable


@pytest.mark.parametrize(("round_index", "scoring"), [(0, "lmms-eval"), (1, "lmms-eval"), (2, "lmms-eval"), (3, "lmms-eval")])
def test_lmms_eval_scores_the_task_like_vsi100k_eval(lmms_task, build_dir, tmp_path, round_index, scoring):
    task, docs = lmms_task
    predictions = predictions_round(docs, round_index)
    preds = tmp_path / "p.jsonl"
    preds.write_text("".join(json.dumps({"id": k, "prediction": v}) + "\n" for k, v in predictions.items()))
    out = tmp_path / "o"
    result = run_cli("eval", "--data", str(build_dir), "--predictions", str(preds), "-o", str(out), "--scoring", scoring)
    assert result.exit_code == 0, result.output
    ours = {r["id"]: r["score"] for r in map(json.loads, (out / "predictions.jsonl").read_text().splitlines())}
    summary = json.loads((out / "summary.json").read_text())

    items: dict[str, list] = {}
    for doc in docs:
        for metric, item in task.process_results(doc, [predictions[doc["id"]]]).items():
            items.setdefault(metric, []).append(item)
        assert item["score"] == ours[doc["id"]], (doc["question_type"], doc["ground_truth"], predictions[doc["id"]])
    aggregations = task.aggregation()
    assert aggregations["vsi100k_overall"](items["vsi100k_overall"]) == pytest.approx(summary["overall"], abs=1e-12)
    for name, scored in summary["tasks"].items():
        assert aggregations[name](items[name]) == pytest.approx(scored["score"], abs=1e-12), name
    assert set(aggregations) == {"vsi100k_overall", *summary["tasks"]}


def test_thinking_in_space_export_scores_by_its_rule(build_dir, tmp_path):
    out = tmp_path / "tis"
    export_lmms_task(LmmsExportConfig(build=build_dir, out_dir=out, name="tis", scoring="thinking-in-space"))
    import importlib.util

    spec = importlib.util.spec_from_file_location("exported_utils", out / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    doc = {"id": "q", "question_type": "object_counting", "ground_truth": "3", "answer_kind": "number"}
    assert utils.vsi100k_process_results(doc, ["There are 3 of them."])["vsi100k_overall"]["score"] == 0.0
    assert utils.vsi100k_process_results(doc, ["3 of them."])["vsi100k_overall"]["score"] == 1.0


def test_visuals_and_text_are_what_vsi100k_eval_shows(lmms_task, build_dir):
    from vsi100k.dataset.load import load_scene_frames
    from vsi100k.prompts import build_prompt
    from vsi100k.train.data import pick_frames

    task, docs = lmms_task
    stored = load_scene_frames(build_dir, split="validation")
    for doc in docs[:3]:
        visuals = task.doc_to_visual(doc)
        expected = pick_frames(list(stored[doc["scene_name"]]), EXPORT_FRAMES)
        assert len(visuals) == EXPORT_FRAMES
        for got, want in zip(visuals, expected, strict=True):
            assert np.array_equal(np.asarray(got), np.asarray(want.convert("RGB")))
        assert task.doc_to_text(doc) == build_prompt(doc["question"], doc["options"], doc["answer_kind"], "vanilla")


def test_cli_export_and_errors(build_dir, tmp_path):
    out = tmp_path / "cli_task"
    result = run_cli("export-lmms-eval", str(build_dir), "--out", str(out), "--name", "val")
    assert result.exit_code == 0, result.output
    report = json.loads((build_dir / "build_report.json").read_text())
    validation = sum(c.get("validation", 0) for c in report["questions"]["by_type"].values())
    said = f"wrote task vsi100k_val: {validation} questions about 1 scene(s), scoring lmms-eval"
    assert said in " ".join(result.output.split())
    again = run_cli("export-lmms-eval", str(build_dir), "--out", str(out), "--name", "val2")  # a previous export is replaced
    assert again.exit_code == 0 and [p.name for p in out.glob("*.yaml")] == ["vsi100k_val2.yaml"]

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    result = run_cli("export-lmms-eval", str(build_dir), "--out", str(foreign))
    assert result.exit_code == 1  # a foreign --out is fatal (nothing written), as for every command
    assert "foreign: not empty and not an lmms-eval task written by vsi100k (no task.json)" in " ".join(result.output.split())
    with pytest.raises(FileNotFoundError, match=r"data/frames: no frames for split 'test' \(test-\*\.parquet\)"):
        export_lmms_task(LmmsExportConfig(build=build_dir, out_dir=tmp_path / "t", split="test"))
    with pytest.raises(FileNotFoundError, match=r"not a vsi100k build folder \(no build_report\.json\)"):
        export_lmms_task(LmmsExportConfig(build=tmp_path, out_dir=tmp_path / "t2"))
    with pytest.raises(ConfigError, match=r"scoring='vlmeval': choose one of lmms-eval, thinking-in-space"):
        LmmsExportConfig(build=build_dir, out_dir=tmp_path / "t3", scoring="vlmeval")
    with pytest.raises(ConfigError, match=r"task name '\+\+': needs at least one letter or digit"):
        task_name("++")
    assert task_name("VSI100K_val-2025") == "vsi100k_val_2025"


def test_eval_refuses_a_vsibench_subset_for_a_build(build_dir, tmp_path):
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "x", "prediction": "A"}) + "\n")
    result = run_cli("eval", "--data", str(build_dir), "--subset", "debiased", "--predictions", str(preds), "-o", str(tmp_path / "o"))
    assert result.exit_code == 2
    assert "--subset debiased picks a VSI-Bench config" in " ".join(result.output.split())


def test_export_refusals(build_dir, tmp_path):
    import shutil

    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    with pytest.raises(FileExistsError, match=r"file: exists and is not a folder"):
        export_lmms_task(LmmsExportConfig(build=build_dir, out_dir=not_a_folder))
    with pytest.raises(ConfigError, match=r"num_frames=0: use at least 1 frame"):
        LmmsExportConfig(build=build_dir, out_dir=tmp_path / "t", num_frames=0)
    # a build whose validation frames table lacks the scene its questions are about
    broken = tmp_path / "broken"
    shutil.copytree(build_dir, broken)
    import pyarrow.parquet as pq

    shard = next((broken / "data" / "frames").glob("validation-*.parquet"))
    table = pq.read_table(shard)
    pq.write_table(table.set_column(0, "scene_name", [["scene9999_00"] * table.num_rows]), shard)
    with pytest.raises(ValueError, match=r"split 'validation' has questions about scene\(s\) without frames: scene0003_00"):
        export_lmms_task(LmmsExportConfig(build=broken, out_dir=tmp_path / "t2"))


def test_exported_utils_name_a_scene_without_frames(task_dir):
    import importlib.util

    spec = importlib.util.spec_from_file_location("exported_utils_frames", task_dir / "utils.py")
    utils = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(utils)
    with pytest.raises(KeyError, match=r"scene9999_00: no frames row in .*demo_task/frames"):
        utils.vsi100k_doc_to_visual({"scene_name": "scene9999_00"})
