"""Per-scene cache of frames and visibility, and the many-scene stage that survives bad scans."""

import os

import numpy as np
import pytest

from frames_support import CountingFile, write_indexed_sens
from vsi100k.errors import SceneError
from vsi100k.frames.cache import FrameCache, frames_key, visibility_key
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.stage import prepare_frames, prepare_scene_frames
from vsi100k.scannet import load_scene, write_scene_files
from vsi100k.scene import SegGroup


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


def test_second_run_reads_nothing_from_the_stream(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0300_00")
    cache = FrameCache(tmp_path / "cache")
    cfg = FramesConfig(n_frames=5, visibility_downscale=2)
    opened = []
    first = prepare_scene_frames(scene, cfg, cache, opener=counting_opener(opened))
    assert not first.cached and len(opened) == 1
    assert first.visibility is not None
    assert first.visibility.pixel_counts[:, 0].min() > 0 and first.visibility.pixel_counts[:, 1].max() == 0  # occluded
    second = prepare_scene_frames(scene, cfg, cache, opener=counting_opener(opened))
    assert second.cached and len(opened) == 1  # the stream was not opened again
    assert second.frames.jpegs == first.frames.jpegs
    assert second.frames.indices.tolist() == first.frames.indices.tolist()
    assert np.array_equal(second.frames.poses, first.frames.poses)
    assert np.array_equal(second.frames.timestamps_s, first.frames.timestamps_s)
    assert second.visibility.pixel_counts.tolist() == first.visibility.pixel_counts.tolist()
    entries = sorted(p.name.split("-")[0] for p in (tmp_path / "cache" / "scene0300_00").iterdir())
    assert entries == ["frames", "visibility"]


def test_keys_follow_files_and_settings(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0301_00")
    cfg = FramesConfig(n_frames=5)
    key = frames_key(scene, cfg)
    vkey = visibility_key(scene, cfg)
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


def test_changed_visibility_setting_reuses_frames_only(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0302_00")
    cache = FrameCache(tmp_path / "cache")
    prepare_scene_frames(scene, FramesConfig(n_frames=5, visibility_downscale=2), cache)
    opened = []
    again = prepare_scene_frames(scene, FramesConfig(n_frames=5, visibility_downscale=4), cache,
                                 opener=counting_opener(opened))
    assert not again.cached and opened == []  # frames from the cache, visibility recomputed
    assert (again.visibility.grid_width, again.visibility.grid_height) == (16, 12)  # 64 x 48 / 4


def test_damaged_entry_is_a_miss(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0303_00")
    cache = FrameCache(tmp_path / "cache")
    cfg = FramesConfig(n_frames=5)
    first = prepare_scene_frames(scene, cfg, cache)
    folder = next((tmp_path / "cache" / "scene0303_00").glob("frames-*"))
    (folder / "002.jpg").unlink()
    assert cache.load_frames("scene0303_00", frames_key(scene, cfg)) is None
    again = prepare_scene_frames(scene, cfg, cache)
    assert not again.cached and again.frames.jpegs == first.frames.jpegs
    assert (folder / "002.jpg").exists()


def test_one_broken_stream_does_not_stop_the_others(tmp_path):
    good = write_scan(tmp_path / "scans", "scene0304_00")
    bad = write_scan(tmp_path / "scans", "scene0305_00")
    data = bad.sens_path.read_bytes()
    bad.sens_path.write_bytes(data[: len(data) // 2])
    also_good = write_scan(tmp_path / "scans", "scene0306_00")
    results = dict(prepare_frames([good, bad, also_good], FramesConfig(n_frames=4), FrameCache(tmp_path / "cache")))
    assert list(results) == ["scene0304_00", "scene0305_00", "scene0306_00"]
    assert isinstance(results["scene0305_00"], SceneError)
    assert str(results["scene0305_00"]).startswith("scene0305_00: scene0305_00.sens: truncated stream")
    assert len(results["scene0304_00"].frames) == 4 and len(results["scene0306_00"].frames) == 4
    assert not (tmp_path / "cache" / "scene0305_00").exists()


def test_scan_without_stream(tmp_path):
    scene = write_scan(tmp_path / "scans", "scene0307_00")
    scene.sens_path.unlink()
    scene = load_scene(scene.directory)
    with pytest.raises(SceneError, match=r"scene0307_00: scene0307_00: no \.sens or \.mp4 colour stream"):
        prepare_scene_frames(scene, FramesConfig(), FrameCache(tmp_path / "cache"))
