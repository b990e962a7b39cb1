"""The build end to end on synthetic scenes: the demo, answers against the synthetic truth, resume
after a kill (byte-identical), caching, failures, the leakage guard, the config and the CLI."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dataset_support import hf_cache  # noqa: F401

from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.cache import BuildCache
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.demo import DEMO_STREAM_FRAMES as DEFAULT_DEMO_STREAM_FRAMES
from vsi100k.pipeline.demo import run_demo
from vsi100k.pipeline.plan import LeakageRefused, plan_jobs
from vsi100k.pipeline.run import run_build
from vsi100k.tasks.config import QuestionConfig
from vsi100k.dataset.load import load_questions, load_scene_frames
from vsi100k.dataset.validate import read_front_matter
from vsi100k.errors import ConfigError

DEMO_SCENES = 6  # scene0003_00 is the first ScanNet-val synthetic scan (every 4th room)
DEMO_FRAMES = FramesConfig().n_frames  # the default demo: 32 sampled frames of a 48 s walk per scan, so
DEMO_STREAM_FRAMES = DEFAULT_DEMO_STREAM_FRAMES  # first appearances are resolved as a user's build resolves them
MIN_PIXEL_FRACTION = 0.005  # FramesConfig's default: a category appears at 0.5 % of the frame


def tree(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under a folder."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The built-in demo as `vsi100k build` runs it (6 synthetic scenes, 48 rendered frames each, 32
    sampled), built once for this module."""
    root = tmp_path_factory.mktemp("demo")
    result, sample = run_demo(DEMO_SCENES, out_dir=root / "out", cache_dir=root / "cache", progress=False,
                              stream_frames=DEMO_STREAM_FRAMES, frames=FramesConfig(n_frames=DEMO_FRAMES))
    return root, result, sample


# ---- the demo, end to end ----
def test_demo_builds_a_valid_dataset_whose_counts_equal_the_report(demo, hf_cache):
    import datasets

    root, result, sample = demo
    out = root / "out"
    assert result.problems == []
    report = result.report
    assert report["scenes"]["ok"] == DEMO_SCENES and report["scenes"]["failed"] == 0
    assert report["questions"]["total"] > 0
    configs = read_front_matter(out / "README.md")["configs"]
    by_type = report["questions"]["by_type"]
    assert {c["config_name"] for c in configs} == {"all", "frames", *by_type}
    for config in configs:
        name = config["config_name"]
        for entry in config["data_files"]:
            split = entry["split"]
            rows = datasets.load_dataset(str(out), name, split=split).num_rows
            if name == "frames":
                expected = report["frames"]["by_split"][split]
            elif name == "all":
                expected = sum(counts.get(split, 0) for counts in by_type.values())
            else:
                expected = by_type[name][split]
            assert rows == expected, (name, split)
    assert sum(report["frames"]["by_split"].values()) == DEMO_SCENES
    assert sample is not None and sample["answer"]


def test_every_question_has_its_scenes_frames_and_they_decode(demo, hf_cache):
    root, result, _ = demo
    out = root / "out"
    for split in result.report["frames"]["by_split"]:
        frames = load_scene_frames(out, split)
        scenes = set(load_questions(out, "all", split)["scene_name"]) if split in _question_splits(result.report) else set()
        assert scenes <= set(frames)
        for scene in frames:
            record = frames.record(scene)
            assert frames.frame_count(scene) == len(record["frame_indices"]) == len(record["timestamps_s"]) == DEMO_FRAMES
            assert record["source"] == "sens"
            assert record["frame_indices"] == sorted(record["frame_indices"])
            for image in record["frames"]:
                image.load()  # decodes the JPEG
                assert image.size == (record["width"], record["height"])
                assert max(image.size) <= 640


def test_workers_decode_the_frames_and_validation_matches_their_digests(demo, monkeypatch):
    """Each worker decodes its scan's frames and records their sha256; the build's validation then
    decodes none of them again, yet every shard's bytes are matched to a checked image."""
    import json

    import pyarrow.parquet as pq

    from vsi100k.dataset import validate

    root, result, _ = demo
    results = [json.loads(path.read_text()) for path in _results(root / "cache")]
    checked = {r["scene_id"]: r["frames"] for r in results if r.get("frames")}
    assert len(checked) == DEMO_SCENES
    for path in sorted((root / "out" / "data" / "frames").glob("*.parquet")):
        for row in pq.read_table(path).to_pylist():
            digests = [validate.jpeg_digest(image["bytes"]) for image in row["frames"]]
            assert digests == checked[row["scene_name"]]["jpeg_sha256"]
    decoded = []
    monkeypatch.setattr(validate, "_jpeg_problem", lambda *args: decoded.append(1))
    assert validate.validate_output(root / "out", checked_frames=checked) == []
    assert decoded == []
    assert validate.validate_output(root / "out") == [] and len(decoded) == DEMO_SCENES * DEMO_FRAMES


def _question_splits(report) -> set[str]:
    return {split for counts in report["questions"]["by_type"].values() for split in counts}


def test_every_answer_agrees_with_the_synthetic_truth(demo):
    from vsi100k.dataset.load import read_local_scene
    from vsi100k.synth.truth import read_truth

    root, result, _ = demo
    out = root / "out"
    scene_root = _demo_scenes_dir(root)
    checked = {}
    for facts_file in sorted((out / "facts").glob("*.json")):
        scene = facts_file.stem
        truth = read_truth(scene_root / scene)
        questions, frames = read_local_scene(out, scene)
        for row in questions:
            check_against_truth(row, truth, frames)
            checked[row["question_type"]] = checked.get(row["question_type"], 0) + 1
    assert sum(checked.values()) == result.report["questions"]["total"]
    assert set(checked) == {"object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
                            "object_rel_distance", "object_rel_direction_easy", "object_rel_direction_medium",
                            "object_rel_direction_hard", "obj_appearance_order"}, checked  # the demo's vsibench mix


def test_every_demo_scan_has_appearance_order_questions_that_agree_with_its_render(demo):
    """Each demo scan yields at least one appearance-order question, and each such answer is the order
    in which the render's own per-pixel instance counts first show the categories."""
    from vsi100k.dataset.load import read_local_scene
    from vsi100k.synth.truth import read_truth

    root, result, _ = demo
    out = root / "out"
    scene_root = _demo_scenes_dir(root)
    per_scan = {}
    for facts_file in sorted((out / "facts").glob("*.json")):
        questions, frames = read_local_scene(out, facts_file.stem)
        asked = [row for row in questions if row["question_type"] == "obj_appearance_order"]
        for row in asked:
            check_against_truth(row, read_truth(scene_root / facts_file.stem), frames)
        per_scan[facts_file.stem] = len(asked)
    assert len(per_scan) == DEMO_SCENES and min(per_scan.values()) >= 1, per_scan
    assert sum(per_scan.values()) == sum(result.report["questions"]["by_type"]["obj_appearance_order"].values())


def test_appearance_order_answers_agree_with_the_rendered_truth(tmp_path):
    """VSI-Bench's mix adds obj_appearance_order; slow synthetic walks (2 frames per second over
    12 s) give first appearances at least 1 s apart."""
    from vsi100k.dataset.load import read_local_scene
    from vsi100k.synth import SynthConfig, generate_scenes, read_truth
    from vsi100k.synth.trajectory import TrajectoryConfig

    synth = SynthConfig(n_frames=24, trajectory=TrajectoryConfig(frame_interval_us=500_000))
    scenes = tmp_path / "scenes"
    generate_scenes(scenes, 3, seed=2, config=synth)
    cfg = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                      frames=FramesConfig(n_frames=24), questions=QuestionConfig(mix="vsibench"))
    result = run_build(cfg, progress=False)
    assert result.problems == []
    checked = 0
    for scene_dir in sorted(p for p in scenes.iterdir() if p.is_dir()):
        questions, frames = read_local_scene(cfg.out_dir, scene_dir.name)
        for row in questions:
            check_against_truth(row, read_truth(scene_dir), frames)
            checked += row["question_type"] == "obj_appearance_order"
    assert checked == sum(result.report["questions"]["by_type"]["obj_appearance_order"].values()) > 0


def _demo_scenes_dir(root: Path) -> Path:
    from vsi100k.pipeline.demo import scenes_folder

    return scenes_folder(DEMO_SCENES, 0, DEMO_STREAM_FRAMES, root / "cache")


def _box_distance_m(truth, a: int, b: int) -> float:
    """Exact distance between two objects' gravity-aligned boxes (what VSI-Bench's box-grid distance
    measures: a chair under a table's top is at 0 m from the table's box, not from its legs)."""
    from vsi100k.synth.boxes import YawBox, box_distance

    boxes = [YawBox(tuple(o.center), tuple(o.size_xyz_m), o.yaw_rad) for o in (_truth_object(truth, a), _truth_object(truth, b))]
    return box_distance(*boxes)


def _option_words(row) -> dict[str, str]:
    return {option[0]: option[3:] for option in row["options"]}


def _truth_object(truth, instance_id):
    return next(o for o in truth.objects if o.instance_id == instance_id)


def check_against_truth(row, truth, frames) -> None:
    """Recompute a question's answer from the synthetic scene's analytic truth."""
    qtype, answer, ids = row["question_type"], row["answer"], row["instance_ids"]
    if row["answer_kind"] == "choice":
        assert _option_words(row)[row["ground_truth"]] == answer, row["id"]
    else:
        assert row["ground_truth"] == answer, row["id"]
        assert any(option[3:] == answer for option in row["options"]), row["id"]
    if qtype == "object_counting":
        category = _truth_object(truth, ids[0]).category
        assert {_truth_object(truth, i).category for i in ids} == {category}
        assert int(answer) == truth.counts[category] == len(ids), row["id"]
    elif qtype == "object_size_estimation":
        size_cm = 100 * max(_truth_object(truth, ids[0]).size_xyz_m)
        assert float(answer) == pytest.approx(size_cm, abs=2.0), row["id"]
    elif qtype == "object_abs_distance":
        distance_m = _box_distance_m(truth, ids[0], ids[1])
        assert float(answer) == pytest.approx(distance_m, abs=0.1), row["id"]  # 0.1 m answer rounding + 5 cm grid
    elif qtype == "room_size_estimation":
        assert float(answer) == pytest.approx(truth.floor_area_m2, rel=0.05), row["id"]
    elif qtype == "object_rel_distance":
        target = ids[0]
        by_category = {}
        for obj in truth.objects:
            if obj.category is not None and obj.instance_id != target:
                by_category.setdefault(obj.category, []).append(obj.instance_id)
        distances = {word: min(_box_distance_m(truth, target, i) for i in by_category[word])
                     for word in _option_words(row).values()}
        assert min(distances, key=distances.get) == answer, (row["id"], distances)
    elif qtype.startswith("object_rel_direction"):
        a, b, c = (_truth_object(truth, i).center[:2] for i in ids)
        forward = math.atan2(b[1] - a[1], b[0] - a[0])
        angle = math.degrees(math.atan2(c[1] - a[1], c[0] - a[0]) - forward) % 360.0
        if qtype.endswith("easy"):
            expected = "left" if angle < 180 else "right"
        elif qtype.endswith("medium"):
            expected = "left" if angle < 135 else "back" if angle < 225 else "right"
        else:
            expected = ["front-left", "back-left", "back-right", "front-right"][int(angle // 90)]
        assert answer == expected, (row["id"], angle)
    elif qtype == "obj_appearance_order":
        order = [word.strip() for word in answer.split(",")]
        first = {}
        for position, frame_index in enumerate(frames["frame_indices"]):
            pixels = truth.frame_instance_pixels[frame_index]
            for category in order:
                covered = sum(n for i, n in pixels.items() if _truth_object(truth, int(i)).category == category)
                if category not in first and covered / _frame_pixels(truth) >= MIN_PIXEL_FRACTION:
                    first[category] = frames["timestamps_s"][position]
        assert set(first) == set(order), (row["id"], first)
        assert sorted(order, key=first.get) == order, (row["id"], first)
    else:
        raise AssertionError(f"no truth check for question type {qtype}")


def _frame_pixels(truth) -> int:
    """Pixels of a rendered frame (the truth counts pixels at render resolution)."""
    width, height = truth.instance_pixels_size
    return width * height


# ---- resume after a kill ----
def _build_command(scenes: Path, out: Path) -> list[str]:
    return [sys.executable, "-c", "from vsi100k.cli.app import main; main()", "build", "--scenes", str(scenes), "--out", str(out),
            "--frames", "4", "--workers", "2", "--overwrite", "--no-progress"]


def _results(cache: Path) -> list[Path]:
    return list((cache / "build" / "scenes").glob("*/*/result.json"))


@pytest.mark.slow
def test_killed_build_resumes_to_a_byte_identical_dataset(tmp_path):
    from vsi100k.synth import generate_scenes

    scenes = tmp_path / "scenes"
    generate_scenes(scenes, 10, seed=1, n_frames=12)
    out = tmp_path / "out"
    env = dict(os.environ, VSI100K_CACHE=str(tmp_path / "cache-reference"))
    reference = subprocess.run(_build_command(scenes, out), env=env, capture_output=True, text=True, timeout=600)
    assert reference.returncode == 0, reference.stderr
    shutil.move(out, tmp_path / "reference")

    cache = tmp_path / "cache"
    env = dict(os.environ, VSI100K_CACHE=str(cache))
    process = subprocess.Popen(_build_command(scenes, out), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while len(_results(cache)) < 3 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)  # the build and its worker processes, mid-way
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    done_before_kill = len(_results(cache))
    assert 3 <= done_before_kill < 10
    assert not (out / "README.md").exists()  # killed before assembling: no dataset yet

    resumed = subprocess.run(_build_command(scenes, out), env=env, capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    printed = " ".join(resumed.stdout.split())
    assert f"questions {10 - done_before_kill}; {done_before_kill} scans wholly from cache" in printed
    assert tree(out) == tree(tmp_path / "reference")

    again = subprocess.run(_build_command(scenes, out), env=env, capture_output=True, text=True, timeout=600)
    printed = " ".join(again.stdout.split())
    assert "questions 0; 10 scans wholly from cache" in printed, printed[:400]
    assert tree(out) == tree(tmp_path / "reference")


# ---- caching and failures ----
def _small_root(demo_root: Path, tmp_path: Path, scene_ids: list[str]) -> Path:
    """A scenes folder holding copies of some demo scenes plus the demo's label table and split lists."""
    source = _demo_scenes_dir(demo_root)
    root = tmp_path / "scenes"
    root.mkdir()
    for path in source.iterdir():
        if path.is_file():
            shutil.copy2(path, root / path.name)
    for scene in scene_ids:
        shutil.copytree(source / scene, root / scene)
    return root


def _scene_ids(demo) -> list[str]:
    root, _, _ = demo
    return sorted(p.stem for p in (root / "out" / "facts").glob("*.json"))


def test_bad_scene_is_reported_cached_and_retried_when_fixed(demo, tmp_path):
    root, _, _ = demo
    good, bad = _scene_ids(demo)[:2]
    scenes = _small_root(root, tmp_path, [good, bad])
    mesh = scenes / bad / f"{bad}_vh_clean_2.ply"
    original = mesh.read_bytes()
    mesh.write_bytes(original[: len(original) // 2])
    cfg = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                      frames=FramesConfig(n_frames=4))
    first = run_build(cfg, progress=False)
    assert first.report["scenes"] == {"total": 2, "ok": 1, "failed": 1, "without_frames": 0,
                                      "by_split": first.report["scenes"]["by_split"], "by_source": {"scannet": 1}}
    [failure] = first.report["failed_scenes"]
    assert failure["scene"] == bad and failure["reason"].startswith(f"{bad}: {bad}_vh_clean_2.ply: ")
    assert first.problems == [] and first.scenes_computed == 2
    second = run_build(cfg, progress=False)
    assert (second.scenes_computed, second.scenes_cached) == (0, 2)  # the failure is cached too
    mesh.write_bytes(original)
    third = run_build(cfg, progress=False)
    assert (third.scenes_computed, third.scenes_cached) == (1, 1)
    assert third.report["scenes"]["failed"] == 0


def test_changed_setting_misses_the_cache_and_damaged_entries_are_recomputed(demo, tmp_path):
    root, _, _ = demo
    scene = _scene_ids(demo)[0]
    scenes = _small_root(root, tmp_path, [scene])
    cfg = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                      frames=FramesConfig(n_frames=4))
    assert run_build(cfg, progress=False).scenes_computed == 1
    assert run_build(cfg, progress=False).scenes_computed == 0
    reseeded = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                           frames=FramesConfig(n_frames=4), questions=QuestionConfig(seed=7))
    again = run_build(reseeded, progress=False)
    # a new seed regenerates questions only: facts, frames and visibility come from the cache
    assert again.scenes_computed == 1
    assert again.stages_computed() == {"facts": 0, "frames": 0, "visibility": 0, "questions": 1}
    [job] = plan_jobs(cfg)
    cache = BuildCache(cfg.cache_root)
    frames_dir = next((cfg.cache_root / "frames" / job.scene_id).glob(f"frames-{job.frames_key}"))
    (frames_dir / "001.jpg").unlink()
    assert cache.load_scene(job.scene_id, job.key) is None  # its frames are damaged: the result is a miss
    rebuilt = run_build(cfg, progress=False)
    assert rebuilt.scenes_computed == 1 and rebuilt.stages_computed()["frames"] == 1
    assert rebuilt.stages_computed()["facts"] == 0


def test_unexpected_error_fails_one_scene_without_caching_it(demo, tmp_path, monkeypatch):
    import vsi100k.pipeline.stages as stages

    root, _, _ = demo
    first, second = _scene_ids(demo)[:2]
    scenes = _small_root(root, tmp_path, [first, second])
    real = stages.compute_scan

    def flaky(job, cfg, cache, until="questions"):
        if job.scene_id == second:
            raise TypeError("boom")
        return real(job, cfg, cache, until)

    monkeypatch.setattr(stages, "compute_scan", flaky)
    cfg = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                      frames=FramesConfig(n_frames=4))
    result = run_build(cfg, progress=False)
    assert result.report["failed_scenes"] == [
        {"scene": second, "reason": f"{second}: internal error (TypeError: boom); not cached, retried on the next build"}]
    assert result.report["scenes"]["ok"] == 1 and result.problems == []
    monkeypatch.setattr(stages, "compute_scan", real)
    retried = run_build(cfg, progress=False)
    assert (retried.scenes_computed, retried.scenes_cached) == (1, 1) and retried.report["scenes"]["failed"] == 0


# ---- leakage guard ----
def test_val_scenes_in_train_are_refused_unless_overridden(demo, tmp_path):
    from vsi100k.scannet import read_split_lists

    root, _, _ = demo
    splits = read_split_lists(_demo_scenes_dir(root))
    val = sorted(s for s, split in splits.items() if split == "validation" and s in _scene_ids(demo))
    assert val, "the demo scenes include a ScanNet-val scene"
    scenes = _small_root(root, tmp_path, val[:1])
    cfg = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                      frames=FramesConfig(n_frames=4), split="train")
    with pytest.raises(LeakageRefused, match=r"refusing to build: 1 scene\(s\) would put ScanNet val data into the train split"):
        run_build(cfg, progress=False)
    assert not (tmp_path / "out").exists()
    allowed = BuildConfig(scenes_dir=scenes, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                      frames=FramesConfig(n_frames=4),
                          split="train", allow_val_in_train=True)
    result = run_build(allowed, progress=False)
    assert result.report["leakage"] == {"override": True, "overridden_scenes": [val[0]]}
    assert result.report["scenes"]["by_split"] == {"train": 1}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "This build overrode the rule" in card and f"`{val[0]}`" in card
    assert "--allow-val-in-train" in result.report["command"]


# ---- config ----
@pytest.mark.parametrize(
    "changes, message",
    [
        ({"workers": 0}, "workers=0: use 1"),
        ({"executor": "dask"}, "executor='dask': choose one of local, ray"),
        ({"ray_address": "auto"}, "ray_address is set but executor is not 'ray'"),
        ({"split": "val"}, "split='val': choose one of train, validation, test"),
        ({"max_scenes": 0}, "max_scenes=0: use a positive number"),
        ({"out_dir": "scans"}, "is the scenes folder; write the dataset to another folder"),
    ],
)
def test_build_config_errors(changes, message):
    settings = dict(scenes_dir="scans", out_dir="out")
    settings.update(changes)
    with pytest.raises(ConfigError, match=message):
        BuildConfig(**settings)


def test_command_spells_out_every_setting():
    cfg = BuildConfig(scenes_dir="scans", out_dir="my out", workers=4, split="validation", max_scenes=3,
                      frames=FramesConfig(visibility=False), require_frames=True)
    assert cfg.command() == (
        "vsi100k build --scenes scans --out 'my out' --seed 0 --mix vsi100k --frames 32 --frame-width 640 "
        "--frame-height 480 --box-method oriented --distance-method box_grid --oriented-engine open3d --no-visibility "
        "--split validation --max-scenes 3 --require-frames")
    assert "workers" not in cfg.settings()  # parallelism does not change the output


def test_demo_needs_a_scene(tmp_path):
    from vsi100k.pipeline.demo import ensure_demo_scenes

    with pytest.raises(ValueError, match="demo scenes: 0; the demo needs at least 1 scene"):
        ensure_demo_scenes(0, cache_dir=tmp_path)


def test_no_scenes_is_an_error(tmp_path):
    cfg = BuildConfig(scenes_dir=tmp_path, out_dir=tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="no scan folders"):
        plan_jobs(cfg)


# ---- command line ----
def test_cli_demo_prints_where_and_a_sample(demo):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    root, _, _ = demo
    result = CliRunner().invoke(app, ["build", "--demo-scenes", str(DEMO_SCENES), "--frames", str(DEMO_FRAMES),
                                      "--demo-stream-frames", str(DEMO_STREAM_FRAMES),
                                      "--cache-dir", str(root / "cache"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"questions 0; {DEMO_SCENES} scans wholly from cache" in " ".join(result.output.split())
    assert f"Demo dataset: {root / 'cache' / 'demo' / 'dataset'}" in result.output
    assert "Sample question (" in result.output and "  answer: " in result.output
    assert "questions per type" in result.output and "rejected candidates" in result.output


def test_cli_errors_and_preview(demo, tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    root, _, _ = demo
    runner = CliRunner()
    missing_out = runner.invoke(app, ["build", "--scenes", str(tmp_path)])
    assert missing_out.exit_code == 2 and "give --out DIR" in missing_out.output
    empty = runner.invoke(app, ["build", "--scenes", str(tmp_path), "--out", str(tmp_path / "o"), "--no-progress"])
    assert empty.exit_code == 1 and "no scan folders" in empty.output
    scene = _scene_ids(demo)[0]
    page = runner.invoke(app, ["preview", str(root / "out"), "--scene", scene, "--output", str(tmp_path / "p.html")])
    assert page.exit_code == 0 and (tmp_path / "p.html").is_file()
    assert f"preview: {(tmp_path / 'p.html').resolve().as_uri()}" in page.output
    unknown = runner.invoke(app, ["preview", str(root / "out"), "--scene", "scene9999_99"])
    assert unknown.exit_code == 1 and "scene9999_99: not in this build" in unknown.output
