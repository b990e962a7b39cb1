"""The pipeline on real-layout scans: frames optional per scan, partial runs that share the build's
layout, per-stage caching, the Ray executor, exit codes and the parent-kill guarantee."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vsi100k.cli.app import app
from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.run import run_build
from vsi100k.tasks.config import QuestionConfig

FACTS_TYPES = ("object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
               "object_rel_distance", "object_rel_direction_easy", "object_rel_direction_medium",
               "object_rel_direction_hard")
ALL_TYPES = {name: 50 for name in FACTS_TYPES + ("obj_appearance_order",)}


def shard_hashes(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((out / "data").rglob("*.parquet"))}


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Path:
    """Three synthetic scans in ScanNet's layout; the second has no colour stream (its .sens is gone)."""
    from vsi100k.synth import generate_scenes

    root = tmp_path_factory.mktemp("scans") / "scans"
    generate_scenes(root, 3, seed=5, n_frames=12)
    (root / "scene0001_00" / "scene0001_00.sens").unlink()
    return root


def config(scans: Path, tmp_path: Path, **changes) -> BuildConfig:
    settings = dict(scenes_dir=scans, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache", overwrite=True,
                    frames=FramesConfig(n_frames=6), questions=QuestionConfig(caps=ALL_TYPES))
    settings.update(changes)
    return BuildConfig(**settings)


def test_a_scan_without_colour_stream_yields_every_facts_based_type(scans, tmp_path):
    from vsi100k.dataset.load import read_local_scene

    result = run_build(config(scans, tmp_path), progress=False)
    report = result.report
    assert report["scenes"]["ok"] == 3 and report["scenes"]["failed"] == 0
    assert report["scenes_without_frames"] == ["scene0001_00"] and report["scenes"]["without_frames"] == 1
    questions, frames = read_local_scene(result.out_dir, "scene0001_00")
    assert frames is None  # no frames row for it
    asked = {row["question_type"] for row in questions}
    assert asked <= set(FACTS_TYPES) and "room_size_estimation" in asked and len(asked) >= 3
    assert report["skipped"]["obj_appearance_order"]["no_colour_stream"] == 1
    assert "Scans without a colour stream: 1" in (result.out_dir / "README.md").read_text()
    with_frames = {row["question_type"] for row in read_local_scene(result.out_dir, "scene0000_00")[0]}
    assert with_frames - set(FACTS_TYPES) <= {"obj_appearance_order"}


def test_require_frames_makes_a_missing_stream_a_scan_failure(scans, tmp_path):
    result = run_build(config(scans, tmp_path, require_frames=True), progress=False)
    [failure] = result.report["failed_scenes"]
    assert failure["scene"] == "scene0001_00"
    assert "no colour stream: no .sens, video or lowres_wide frames (required by --require-frames)" in failure["reason"]


def test_changing_only_the_seed_recomputes_no_facts_and_no_frames(scans, tmp_path):
    first = run_build(config(scans, tmp_path), progress=False)
    assert first.stages_computed() == {"facts": 3, "frames": 2, "visibility": 2, "questions": 3}
    reseeded = run_build(config(scans, tmp_path, questions=QuestionConfig(seed=9, caps=ALL_TYPES)), progress=False)
    assert reseeded.stages_computed() == {"facts": 0, "frames": 0, "visibility": 0, "questions": 3}
    mixed = run_build(config(scans, tmp_path, questions=QuestionConfig(mix="vsibench")), progress=False)
    assert mixed.stages_computed() == {"facts": 0, "frames": 0, "visibility": 0, "questions": 3}
    assert reseeded.report["build_id"] != first.report["build_id"]
    unchanged = run_build(config(scans, tmp_path), progress=False)
    assert unchanged.stages_computed() == {"facts": 0, "frames": 0, "visibility": 0, "questions": 0}
    assert unchanged.report["build_id"] == first.report["build_id"]


def test_questions_command_reads_a_builds_facts_folder(scans, tmp_path):
    import json

    result = run_build(config(scans, tmp_path), progress=False)
    out = tmp_path / "q.jsonl"
    ran = CliRunner().invoke(app, ["questions", "--facts", str(result.out_dir / "facts"), "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {row["scene_name"] for row in rows} == {"scene0000_00", "scene0001_00", "scene0002_00"}
    built = json.loads((result.out_dir / "build_report.json").read_text())
    # same seed, mix and facts: the same vsi100k-mix questions as the build's, types needing frames aside
    assert len(rows) > 0 and built["questions"]["total"] >= len(rows) - 0


def test_facts_command_writes_the_builds_layout_and_reports_failures(scans, tmp_path):
    import json

    broken = tmp_path / "scans"
    shutil.copytree(scans, broken)
    mesh = broken / "scene0002_00" / "scene0002_00_vh_clean_2.ply"
    mesh.write_bytes(mesh.read_bytes()[:1000])
    cache = tmp_path / "cache"
    ran = CliRunner().invoke(app, ["facts", "--scenes", str(broken), "--out", str(tmp_path / "f"), "--cache-dir",
                                   str(cache), "--no-progress"])
    assert ran.exit_code == 3, ran.output  # some scans failed
    assert sorted(p.name for p in (tmp_path / "f" / "facts").iterdir()) == ["scene0000_00.json", "scene0001_00.json"]
    report = json.loads((tmp_path / "f" / "facts_report.json").read_text())
    assert [f["scene"] for f in report["failed_scenes"]] == ["scene0002_00"]
    assert "scene0002_00_vh_clean_2.ply" in report["failed_scenes"][0]["reason"]
    again = CliRunner().invoke(app, ["facts", "--scenes", str(broken), "--out", str(tmp_path / "f"), "--cache-dir",
                                     str(cache), "--no-progress"])
    assert "facts: 2 scans (2 from the cache), 1 failed" in " ".join(again.output.split())


def test_build_exit_codes(scans, tmp_path):
    broken = tmp_path / "scans"
    shutil.copytree(scans, broken)
    (broken / "scene0002_00" / "scene0002_00.aggregation.json").write_text("{not json")
    runner = CliRunner()
    args = ["build", "--scenes", str(broken), "--out", str(tmp_path / "out"), "--frames", "4", "--cache-dir",
            str(tmp_path / "cache"), "--no-progress"]
    partial = runner.invoke(app, args)
    assert partial.exit_code == 3, partial.output
    assert "1 scan(s) failed" in partial.output
    usage = runner.invoke(app, ["build", "--scenes", str(broken), "--frames", "0"])
    assert usage.exit_code == 2


@pytest.mark.slow
def test_ray_executor_gives_the_local_executors_bytes(scans, tmp_path):
    pytest.importorskip("ray")
    local = run_build(config(scans, tmp_path, out_dir=tmp_path / "local", cache_dir=tmp_path / "c1"), progress=False)
    remote = run_build(config(scans, tmp_path, out_dir=tmp_path / "ray", cache_dir=tmp_path / "c2", executor="ray",
                              workers=2), progress=False)
    assert remote.stages_computed()["facts"] == 3  # computed by Ray tasks, in their own cache
    assert shard_hashes(remote.out_dir) == shard_hashes(local.out_dir) and shard_hashes(local.out_dir)


def _descendants(pid: int) -> set[int]:
    """Every live process whose parent chain leads to `pid` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signals are Linux-only")
def test_killing_the_build_process_ends_its_workers(tmp_path):
    from vsi100k.synth import generate_scenes

    scans = tmp_path / "scans"
    generate_scenes(scans, 6, seed=3, n_frames=12)
    command = [sys.executable, "-c", "from vsi100k.cli.app import main; main()", "build", "--scenes", str(scans),
               "--out", str(tmp_path / "out"), "--workers", "2", "--frames", "4", "--no-progress"]
    env = dict(os.environ, VSI100K_CACHE=str(tmp_path / "cache"))
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2 and process.poll() is None:
        workers = _descendants(process.pid)
        time.sleep(0.1)
    assert len(workers) >= 2, "the build started its worker processes"
    os.kill(process.pid, signal.SIGKILL)  # the parent only, as a user's `kill -9 PID` does
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    alive = workers
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if Path(f"/proc/{pid}").exists()
                 and (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"}
        time.sleep(0.2)
    assert not alive, f"processes of the killed build still running: {sorted(alive)}"


def test_annotation_faults_are_counted_in_the_report_and_the_card(scans, tmp_path):
    import json

    faulty = tmp_path / "scans"
    shutil.copytree(scans, faulty)
    path = faulty / "scene0000_00" / "scene0000_00.aggregation.json"
    aggregation = json.loads(path.read_text())
    groups = aggregation["segGroups"]
    groups[0]["label"] = "mystery widget"  # not in ScanNet's label table
    groups[2]["objectId"] = groups[1]["objectId"]  # two segGroups, one object
    path.write_text(json.dumps(aggregation))
    result = run_build(config(faulty, tmp_path), progress=False)
    faults = result.report["annotation_faults"]
    assert faults["scans_with_faults"] == 1 and faults["unknown_labels"] == {"mystery widget": 1}
    assert faults["merged_object_ids"] == 1
    assert faults["per_scan"]["scene0000_00"]["merged_object_ids"] == [groups[1]["objectId"]]
    card = (result.out_dir / "README.md").read_text()
    assert "Annotation faults in 1 scans" in card and "`mystery widget` (1)" in card


def test_push_refuses_a_folder_that_a_build_is_writing(tmp_path):
    from vsi100k import hub
    from vsi100k.dataset.lock import OutputLock, OutputLocked

    out = tmp_path / "out"
    out.mkdir()
    with OutputLock(out, purpose="build"):
        with pytest.raises(OutputLocked, match=r"pid \d+"):
            hub.push(out, "me/vsi100k", client=object())


def test_a_second_build_into_a_locked_folder_exits_at_once_naming_the_holder(scans, tmp_path):
    from vsi100k.dataset.lock import OutputLock

    out = tmp_path / "out"
    with OutputLock(out, command="vsi100k build (the first one)"):
        ran = CliRunner().invoke(app, ["build", "--scenes", str(scans), "--out", str(out), "--cache-dir",
                                       str(tmp_path / "cache"), "--no-progress"])
    assert ran.exit_code == 1
    assert f"pid {os.getpid()}" in ran.output and "vsi100k build (the first one)" in ran.output
    assert not (tmp_path / "cache").exists()  # refused before any scan work


def test_facts_stage_refuses_to_write_into_a_build(scans, tmp_path):
    result = run_build(config(scans, tmp_path), progress=False)
    before = sorted(p.name for p in (result.out_dir / "facts").iterdir())
    ran = CliRunner().invoke(app, ["facts", "--scenes", str(scans), "--out", str(result.out_dir), "--cache-dir",
                                   str(tmp_path / "cache2"), "--no-progress"])
    assert ran.exit_code == 1 and "holds a vsi100k build" in ran.output
    assert sorted(p.name for p in (result.out_dir / "facts").iterdir()) == before


def test_loading_a_rebuilt_folder_gives_the_new_rows_not_a_cached_copy(scans, tmp_path):
    """`datasets` caches a local folder by its name and configs only; the loader keys it by build id."""
    from vsi100k.dataset.load import load_questions

    first = run_build(config(scans, tmp_path), progress=False)
    before = sorted(load_questions(first.out_dir, "all", "train")["question"])
    second = run_build(config(scans, tmp_path, questions=QuestionConfig(seed=11, caps=ALL_TYPES)), progress=False)
    after = sorted(load_questions(second.out_dir, "all", "train")["question"])
    expected = sorted(q for split in ("train",) for q in _questions_on_disk(second.out_dir, split))
    assert after == expected and after != before


def _questions_on_disk(out: Path, split: str) -> list[str]:
    import pyarrow.parquet as pq

    return [q for path in sorted((out / "data" / "questions").glob(f"*/{split}-*.parquet"))
            for q in pq.read_table(path, columns=["question"]).column("question").to_pylist()]


def test_workers_do_the_per_image_work_and_the_build_process_decodes_no_frame(scans, tmp_path, monkeypatch):
    """Decoding frames (validation, manifest pixel checksums) happens on the workers, once per scan;
    the serial assembly and validation only hash bytes. Here the workers run in this process, so a
    count taken after the scans are processed sees the build process's own decoding."""
    from PIL import Image

    from vsi100k.pipeline import assemble as assemble_module

    decoded = []
    real_open = Image.open
    real_assemble = assemble_module.assemble

    def counting_open(*args, **kwargs):
        decoded.append(1)
        return real_open(*args, **kwargs)

    def assemble_counting(*args, **kwargs):
        decoded.clear()
        monkeypatch.setattr(Image, "open", counting_open)
        return real_assemble(*args, **kwargs)

    monkeypatch.setattr(assemble_module, "assemble", assemble_counting)
    result = run_build(config(scans, tmp_path), progress=False)
    assert result.report["scenes"]["ok"] == 3
    assert (tmp_path / "out" / "frames_manifest.json").is_file()
    assert decoded == []
