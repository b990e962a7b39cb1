"""Sampling frames from `.sens` streams: frames, poses, times, bytes touched, broken streams."""

import os

import numpy as np
import pytest
from PIL import Image

from frames_support import CountingFile, indexed_pose, jpeg_bytes, mean_abs_diff, sample_sens, sens_header, write_indexed_sens
from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.scannet import SensFrame, write_sens


JPEG_TOLERANCE = 6.0  # mean absolute difference (0-255) a quality-90 JPEG round trip stays under here


def test_sampled_frames_and_poses_are_the_written_ones(tmp_path):
    path = tmp_path / "scene0001_00.sens"
    images = write_indexed_sens(path, 100, n_images=5)
    frames = sample_sens(path, "scene0001_00", FramesConfig(n_frames=8))
    assert frames.indices.tolist() == np.linspace(0, 99, 8, dtype=int).tolist()
    assert frames.total_frames == 100 and (frames.width, frames.height) == (64, 48)
    for k, index in enumerate(frames.indices):
        # the stored JPEG fits the box, so it is passed through byte for byte
        assert frames.jpegs[k] == jpeg_bytes(images[index % 5])
        assert mean_abs_diff(frames.image(k), images[index % 5]) < JPEG_TOLERANCE
        other = images[(index + 1) % 5]
        assert mean_abs_diff(frames.image(k), other) > 20.0
        assert np.allclose(frames.poses[k], indexed_pose(int(index)).astype(np.float32), atol=0)
    assert np.allclose(frames.color_intrinsic, sens_header(64, 48, 32, 24).color_intrinsic)
    assert (frames.intrinsic_width, frames.intrinsic_height) == (64, 48)
    # zero timestamps: 24 fps
    assert frames.time_source == "fps"
    assert np.allclose(frames.timestamps_s, frames.indices / 24.0)


def test_frames_are_resized_keeping_aspect(tmp_path):
    path = tmp_path / "s.sens"
    images = write_indexed_sens(path, 10, width=96, height=72, n_images=10)
    frames = sample_sens(path, "scene0002_00", FramesConfig(n_frames=3, max_width=40, max_height=40))
    assert (frames.width, frames.height) == (40, 30)
    expected = np.asarray(Image.fromarray(images[9]).resize((40, 30), Image.Resampling.BICUBIC))
    assert frames.image(2).shape == (30, 40, 3)
    assert mean_abs_diff(frames.image(2), expected) < JPEG_TOLERANCE
    assert mean_abs_diff(frames.image(2), np.asarray(Image.fromarray(images[0]).resize((40, 30)))) > 20.0


def test_recorded_timestamps_win_over_fps(tmp_path):
    path = tmp_path / "s.sens"
    stamps = 7_000_000 + np.arange(50) * 33_367  # a 29.97 fps stream starting at 7 s
    write_indexed_sens(path, 50, timestamps_us=stamps)
    frames = sample_sens(path, "scene0003_00", FramesConfig(n_frames=5))
    assert frames.time_source == "timestamps"
    assert np.allclose(frames.timestamps_s, (stamps[frames.indices] - stamps[0]) / 1e6)
    assert frames.timestamps_s[-1] == pytest.approx(49 * 0.033367)


def test_reading_32_of_2000_frames_touches_under_5_percent(tmp_path):
    """Realistic payload sizes (320x240 JPEG ~ 20 KB, 160x120 zlib depth ~ 20 KB per frame)."""
    path = tmp_path / "long.sens"
    images = write_indexed_sens(path, 2000, width=320, height=240, n_images=16, depth_size=(160, 120))
    size = os.path.getsize(path)
    opened = []

    def opener(p):
        opened.append(CountingFile(p))
        return opened[-1]

    frames = sample_sens(path, "scene0004_00", FramesConfig(n_frames=32), opener=opener)
    fraction = opened[0].bytes_read / size
    print(f"read {opened[0].bytes_read} of {size} bytes ({100 * fraction:.2f} %) in {opened[0].reads} reads")
    assert fraction <= 0.05
    assert len(frames) == 32 and frames.indices[-1] == 1999
    for k in (0, 13, 31):
        index = int(frames.indices[k])
        assert mean_abs_diff(frames.image(k), images[index % 16]) < JPEG_TOLERANCE
        assert np.allclose(frames.poses[k], indexed_pose(index).astype(np.float32), atol=0)


def test_truncated_stream_names_scene_file_and_problem(tmp_path):
    path = tmp_path / "scene0005_00.sens"
    write_indexed_sens(path, 20)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(SceneError, match=r"scene0005_00: scene0005_00\.sens: truncated stream"):
        sample_sens(path, "scene0005_00", FramesConfig(n_frames=4))


def test_corrupt_colour_frame_names_the_frame(tmp_path):
    path = tmp_path / "scene0006_00.sens"
    header = sens_header(64, 48, 32, 24)
    good = write_indexed_sens(tmp_path / "tmp.sens", 1)
    payload = jpeg_bytes(good[0])
    frames = [
        SensFrame(np.eye(4), payload if i != 3 else b"\xff\xd8garbage" * 20, np.zeros((24, 32), np.uint16), 0, 0)
        for i in range(4)
    ]
    write_sens(path, header, frames)
    with pytest.raises(SceneError, match=r"scene0006_00: scene0006_00\.sens: corrupt colour frame 3"):
        sample_sens(path, "scene0006_00", FramesConfig(n_frames=4))


def test_missing_and_empty_streams(tmp_path):
    with pytest.raises(SceneError, match=r"scene0007_00: nothing\.sens: file not found"):
        sample_sens(tmp_path / "nothing.sens", "scene0007_00", FramesConfig())
    empty = tmp_path / "empty.sens"
    write_sens(empty, sens_header(64, 48, 32, 24), [])
    with pytest.raises(SceneError, match=r"scene0007_00: empty\.sens: the stream holds no frames"):
        sample_sens(empty, "scene0007_00", FramesConfig())
