"""Frames and visibility of one scan without a cache (`frames_and_visibility`), and their caching in
the build cache by the pipeline's per-scan stages (`run_scan`, `BuildCache`), one bad scan never
stopping the others."""

import json
import os
from dataclasses import replace

import numpy as np
import pytest

from frames_support import CountingFile, write_indexed_sens
from vsi100k.errors import SceneError
from vsi100k.frames import frames_and_visibility
from vsi100k.frames.cache import frames_key, visibility_key
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sources import locate_stream
from vsi100k.pipeline.cache import BuildCache
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.plan import plan_jobs
from vsi100k.pipeline.run import run_stage
from vsi100k.pipeline.stages import run_scan
from vsi100k.scannet import load_scene, write_scene_files
from vsi100k.scene import SegGroup
from vsi100k.tasks.config import QuestionConfig


def write_scan(root, scene_id, n_frames=30):
    """A scan whose camera (pose ~ identity, looking along +z from z = 1.5) faces a 2 x 2 m panel
    (instance 1, 'whiteboard') 2 m ahead, with a second panel (instance 2, 'door') behind it."""
    folder = root / scene_id
    panel = np.array([[-1, 1, 3.5], [1, 1, 3.5], [1, 3, 3.5], [-1, 3, 3.5]], dtype=np.float32)
    behind = panel + np.array([0, 0, 1.0], dtype=np.float32)
    write_scene_files(
        folder, scene_id, vertices=np.concatenate([panel, behind]), colors=np.full((8, 3), 200, np.uint8),
        faces=np.array([[0, 1, 2], [0, 2, 3], [4, 5, 6], [4, 6, 7]]), seg_indices=np.array([1] * 4 + [2] * 4),
        seg_groups=[SegGroup(0, 0, (1,), "whiteboard"), SegGroup(1, 1, (2,), "door")], axis_alignment=np.eye(4),
        metadata={"sceneType": "Office"},
    )
    write_indexed_sens(folder / f"{scene_id}.sens", n_frames)
    return load_scene(folder)


def counting_opener(log):
    def opener(path):
        log.append(CountingFile(path))
        return log[-1]
    return opener


def build_config(tmp_path, **frames):
    """Pipeline settings over tmp_path/scans with the cache in tmp_path/cache (vsibench mix: every type)."""
    return BuildConfig(tmp_path / "scans", tmp_path / "out", cache_dir=tmp_path / "cache",
                       frames=FramesConfig(**{"n_frames": 5, **frames}), questions=QuestionConfig(mix="vsibench"))


@pytest.fixture()
def counters(monkeypatch):
    """Counts stream opens (every `.sens` read goes through `unbuffered_open`) and mesh reads."""
    import vsi100k.frames.sens_frames as sens_frames
    import vsi100k.scannet as scannet

    opened, loads = [], []
    monkeypatch.setattr(sens_frames, "unbuffered_open", counting_opener(opened))
    real_load = scannet.load_scene

    def counting_load(scene_dir, labels=None):
        loads.append(scene_dir)
        return real_load(scene_dir, labels)

    monkeypatch.setattr(scannet, "load_scene", counting_load)
    return opened, loads


def test_frames_and_visibility_of_one_scan(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0299_00")
    opened = []
    frames, visibility = frames_and_visibility(scene, FramesConfig(n_frames=5, visibility_downscale=2),
                                               opener=counting_opener(opened))
    assert len(opened) == 1 and opened[0].bytes_read > 0
    assert frames.indices.tolist() == [0, 7, 14, 21, 29] and len(frames.jpegs) == 5
    assert (visibility.grid_width, visibility.grid_height) == (32, 24)  # 64 x 48 / 2
    assert visibility.pixel_counts[:, 0].min() > 0 and visibility.pixel_counts[:, 1].max() == 0  # occluded
    again, none = frames_and_visibility(scene, FramesConfig(n_frames=5, visibility=False))
    assert none is None and again.jpegs == frames.jpegs


def test_second_run_reads_nothing_from_the_stream(tmp_path, counters):
    opened, loads = counters
    scene = write_scan(tmp_path / "scans", "scene0300_00")
    cfg = build_config(tmp_path, visibility_downscale=2)
    (job,) = plan_jobs(cfg)
    first = run_scan(job, cfg, "frames")
    assert (first.status, first.cached, first.computed) == ("ok", False, ("frames", "visibility"))
    assert len(opened) == 2 and len(loads) == 1  # sampling, and the frames manifest's stream fingerprint
    cache = BuildCache(tmp_path / "cache")
    frames = cache.frames.load_frames(job.scene_id, job.frames_key)
    visibility = cache.frames.load_visibility(job.scene_id, job.visibility_key)
    assert visibility.pixel_counts[:, 0].min() > 0 and visibility.pixel_counts[:, 1].max() == 0  # occluded
    second = run_scan(job, cfg, "frames")
    assert (second.status, second.cached, second.computed) == ("ok", True, ())
    assert len(opened) == 2 and len(loads) == 1  # neither the stream nor the mesh was opened again
    # the cached values are what one uncached call computes
    direct, direct_visibility = frames_and_visibility(scene, cfg.frames)
    assert frames.jpegs == direct.jpegs
    assert frames.indices.tolist() == direct.indices.tolist()
    assert np.array_equal(frames.poses, direct.poses)
    assert np.array_equal(frames.timestamps_s, direct.timestamps_s)
    assert visibility.pixel_counts.tolist() == direct_visibility.pixel_counts.tolist()
    entries = sorted(p.name.split("-")[0] for p in (tmp_path / "cache" / "frames" / "scene0300_00").iterdir())
    assert entries == ["frames", "visibility"]
    # the whole scan then computes facts and questions only, and a rerun touches no input at all
    opened.clear()
    built = run_scan(job, cfg)
    assert built.status == "ok" and built.computed == ("facts", "questions") and built.has_frames
    assert opened == []
    loads.clear()
    rerun = run_scan(job, cfg)
    assert (rerun.cached, rerun.n_questions) == (True, built.n_questions)
    assert opened == [] and loads == []


def test_keys_follow_files_and_settings(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0301_00")
    cfg = FramesConfig(n_frames=5)
    key = frames_key(scene, cfg)
    vkey = visibility_key(scene, cfg)
    location = locate_stream(scene.directory)  # what planning uses: no mesh read
    assert (frames_key(location, cfg), visibility_key(location, cfg)) == (key, vkey)
    assert frames_key(scene, FramesConfig(n_frames=6)) != key
    assert frames_key(scene, FramesConfig(n_frames=5, visibility_downscale=8)) == key
    assert visibility_key(scene, FramesConfig(n_frames=5, visibility_downscale=8)) != vkey
    stat = os.stat(scene.sens_path)
    os.utime(scene.sens_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert frames_key(scene, cfg) != key
    mesh = next(scene.directory.glob("*.ply"))
    before = visibility_key(scene, cfg)
    os.utime(mesh, ns=(stat.st_atime_ns, os.stat(mesh).st_mtime_ns + 1_000_000))
    assert visibility_key(scene, cfg) != before


def test_job_keys_depend_only_on_their_inputs(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0308_00")
    cfg = build_config(tmp_path)
    (job,) = plan_jobs(cfg)

    def keys(config):
        (j,) = plan_jobs(config)
        return j.facts_key, j.frames_key, j.visibility_key, j.key

    base = (job.facts_key, job.frames_key, job.visibility_key, job.key)
    assert len(set(base)) == 4 and keys(cfg) == base
    seed = keys(replace(cfg, questions=QuestionConfig(mix="vsibench", seed=9)))
    assert seed[:3] == base[:3] and seed[3] != base[3]  # a new seed recomputes questions only
    more = keys(replace(cfg, frames=FramesConfig(n_frames=6)))
    assert more[0] == base[0] and more[1] != base[1] and more[2] != base[2] and more[3] != base[3]
    rays = keys(replace(cfg, frames=FramesConfig(n_frames=5, visibility_downscale=8)))
    assert rays[:2] == base[:2] and rays[2] != base[2]
    off = keys(replace(cfg, frames=FramesConfig(n_frames=5, visibility=False)))
    assert off[:2] == base[:2] and off[2] is None
    from vsi100k.facts.extract import FactsConfig

    boxes = keys(replace(cfg, facts=FactsConfig(box_method="axis_aligned")))
    assert boxes[0] != base[0] and boxes[1:3] == base[1:3]
    paths = keys(replace(cfg, out_dir=tmp_path / "elsewhere", workers=2))
    assert paths == base  # output folder and workers change no result
    stat = os.stat(scene.sens_path)
    os.utime(scene.sens_path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    touched = keys(cfg)
    assert touched[0] == base[0] and touched[1] != base[1] and touched[2] != base[2]
    mesh = next(scene.directory.glob("*.ply"))
    os.utime(mesh, ns=(stat.st_atime_ns, os.stat(mesh).st_mtime_ns + 1_000_000))
    remeshed = keys(cfg)
    assert remeshed[0] != touched[0] and remeshed[1] == touched[1] and remeshed[2] != touched[2]


def test_changed_visibility_setting_reuses_frames_only(tmp_path, counters):
    opened, _ = counters
    write_scan(tmp_path / "scans", "scene0302_00")
    cfg = build_config(tmp_path, visibility_downscale=2)
    (job,) = plan_jobs(cfg)
    run_scan(job, cfg, "frames")
    assert len(opened) == 2  # sampling, and the frames manifest's stream fingerprint
    coarse = replace(cfg, frames=FramesConfig(n_frames=5, visibility_downscale=4))
    (coarse_job,) = plan_jobs(coarse)
    again = run_scan(coarse_job, coarse, "frames")
    assert (again.cached, again.computed) == (False, ("visibility",))
    assert len(opened) == 2  # frames and their manifest record from the cache, visibility recomputed
    visibility = BuildCache(tmp_path / "cache").frames.load_visibility(job.scene_id, coarse_job.visibility_key)
    assert (visibility.grid_width, visibility.grid_height) == (16, 12)  # 64 x 48 / 4


def test_damaged_entry_is_a_miss(tmp_path):
    write_scan(tmp_path / "scans", "scene0303_00")
    cfg = build_config(tmp_path)
    (job,) = plan_jobs(cfg)
    cache = BuildCache(tmp_path / "cache")
    run_scan(job, cfg, "frames")
    first = cache.frames.load_frames(job.scene_id, job.frames_key)
    folder = tmp_path / "cache" / "frames" / "scene0303_00" / f"frames-{job.frames_key}"
    (folder / "002.jpg").unlink()
    assert cache.frames.load_frames("scene0303_00", job.frames_key) is None
    again = run_scan(job, cfg, "frames")
    assert again.computed == ("frames",)  # visibility still cached
    assert cache.frames.load_frames(job.scene_id, job.frames_key).jpegs == first.jpegs
    assert (folder / "002.jpg").exists()
    # a scan result whose frames vanished from the cache is a miss too, as is a damaged result
    built = run_scan(job, cfg)
    assert built.computed == ("facts", "questions")
    (folder / "000.jpg").unlink()
    assert cache.load_scene(job.scene_id, job.key) is None
    rebuilt = run_scan(job, cfg)
    assert (rebuilt.cached, rebuilt.computed, rebuilt.n_questions) == (False, ("frames", "questions"), built.n_questions)
    result_file = tmp_path / "cache" / "scenes" / "scene0303_00" / job.key / "result.json"
    assert json.loads(result_file.read_text())["status"] == "ok"
    result_file.write_text('{"status": "ok", "questions"')
    assert cache.load_scene(job.scene_id, job.key) is None and not result_file.exists()
    assert run_scan(job, cfg).computed == ("questions",)


def test_one_broken_stream_does_not_stop_the_others(tmp_path):
    write_scan(tmp_path / "scans", "scene0304_00")
    bad = write_scan(tmp_path / "scans", "scene0305_00")
    data = bad.sens_path.read_bytes()
    bad.sens_path.write_bytes(data[: len(data) // 2])
    write_scan(tmp_path / "scans", "scene0306_00")
    cfg = build_config(tmp_path, n_frames=4)
    result = run_stage(cfg, "frames", progress=False)
    summaries = {s.scene_id: s for s in result.summaries}
    assert list(summaries) == ["scene0304_00", "scene0305_00", "scene0306_00"]
    assert [s.scene_id for s in result.failed] == ["scene0305_00"]
    assert summaries["scene0305_00"].reason.startswith("scene0305_00: scene0305_00.sens: truncated stream")
    assert result.stages_computed() == {"facts": 0, "frames": 2, "visibility": 2, "questions": 0}
    cache = BuildCache(tmp_path / "cache")
    for job in plan_jobs(cfg):
        frames = cache.frames.load_frames(job.scene_id, job.frames_key)
        assert (frames is None) == (job.scene_id == "scene0305_00")
        assert frames is None or len(frames.jpegs) == 4
    assert not (tmp_path / "cache" / "frames" / "scene0305_00").exists()
    assert result.report == {} and not (tmp_path / "out").exists()  # the frames stage writes only the cache


def test_scan_without_stream(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0307_00")
    scene.sens_path.unlink()
    scene = load_scene(scene.directory)
    with pytest.raises(SceneError, match=r"^scene0307_00: scene0307_00: no colour stream to sample frames from \(no \.sens or video"):
        frames_and_visibility(scene, FramesConfig())
    cfg = build_config(tmp_path)
    (job,) = plan_jobs(cfg)
    assert (job.frames_key, job.visibility_key) == (None, None)
    # a build gives such a scan the frame-free questions and names the skipped type
    summary = run_scan(job, cfg)
    assert (summary.status, summary.has_frames) == ("ok", False)
    entry = BuildCache(tmp_path / "cache").load_scene(job.scene_id, job.key)
    assert entry.result["frames"] is None and not entry.has_frames
    assert ["obj_appearance_order", "no_colour_stream", 1] in entry.result["skips"]
    assert summary.n_questions == len(entry.result["questions"]) > 0  # e.g. the size of the door
    assert not any(qtype == "obj_appearance_order" and reason != "no_colour_stream"
                   for qtype, reason, _ in entry.result["skips"])
    # unless frames are required
    strict = replace(cfg, require_frames=True)
    (strict_job,) = plan_jobs(strict)
    failed = run_scan(strict_job, strict)
    assert failed.status == "failed"
    assert failed.reason == "scene0307_00: scene0307_00: no colour stream: no .sens, video or lowres_wide frames (required by --require-frames)"
