"""Frame-index sampling, aspect-keeping sizes, frame times and the frames config."""

import numpy as np
import pytest

from vsi100k.errors import ConfigError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampling import fit_size, frame_times_s, uniform_frame_indices


def test_uniform_indices_match_vsibench_linspace():
    got = uniform_frame_indices(2000, 32)
    assert got.dtype == np.int64 and len(got) == 32
    assert got[0] == 0 and got[-1] == 1999
    # VSI-Bench / lmms-eval: np.linspace(0, total - 1, n, dtype=int)
    assert np.array_equal(got, np.linspace(0, 1999, 32, dtype=int))
    assert got[1] == 64  # 1999 / 31 = 64.48 -> 64
    assert np.all(np.diff(got) > 0)


def test_uniform_indices_short_stream_gives_each_frame_once():
    assert uniform_frame_indices(5, 32).tolist() == [0, 1, 2, 3, 4]
    assert uniform_frame_indices(1, 32).tolist() == [0]
    assert uniform_frame_indices(10, 4).tolist() == [0, 3, 6, 9]


def test_uniform_indices_reject_empty():
    with pytest.raises(ValueError, match="empty stream"):
        uniform_frame_indices(0, 32)
    with pytest.raises(ValueError, match="at least one frame"):
        uniform_frame_indices(10, 0)


def test_fit_size_keeps_aspect_and_never_upscales():
    assert fit_size(1296, 968, 640, 480) == (640, 478)  # ScanNet colour
    assert fit_size(640, 480, 640, 480) == (640, 480)
    assert fit_size(320, 240, 640, 480) == (320, 240)  # no upscaling
    assert fit_size(480, 640, 640, 480) == (360, 480)  # portrait: height limits
    assert fit_size(1920, 1080, 640, 480) == (640, 360)
    assert fit_size(161, 121, 640, 480, even=True) == (160, 120)
    with pytest.raises(ValueError, match="is empty"):
        fit_size(0, 10, 640, 480)


def test_frame_times_use_timestamps_when_increasing():
    idx = np.array([0, 10, 20])
    stamps = np.array([5_000_000, 5_400_000, 5_900_000])
    times, source = frame_times_s(idx, stamps, 5_000_000, 24.0)
    assert source == "timestamps"
    assert np.allclose(times, [0.0, 0.4, 0.9])


def test_frame_times_fall_back_to_fps_for_zero_or_disordered_stamps():
    idx = np.array([0, 12, 24])
    times, source = frame_times_s(idx, np.zeros(3, np.int64), 0, 24.0)
    assert source == "fps" and np.allclose(times, [0.0, 0.5, 1.0])
    times, source = frame_times_s(idx, np.array([3, 2, 5]), 3, 24.0)
    assert source == "fps"
    times, source = frame_times_s(idx, None, None, 30.0)
    assert source == "fps" and np.allclose(times, [0.0, 0.4, 0.8])
    # first sampled frame is not frame 0: its stamp must come after frame 0's
    times, source = frame_times_s(np.array([5, 9]), np.array([100, 200]), 100, 24.0)
    assert source == "fps"
    times, source = frame_times_s(np.array([5, 9]), np.array([200_000, 400_000]), 100_000, 24.0)
    assert source == "timestamps" and np.allclose(times, [0.1, 0.3])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_frames": 0}, "n_frames=0"),
        ({"max_width": 8}, "at least 16 x 16"),
        ({"jpeg_quality": 0}, "jpeg_quality=0"),
        ({"default_fps": 0.0}, "default_fps=0.0"),
        ({"visibility_downscale": 0}, "visibility_downscale=0"),
        ({"min_pixel_fraction": 1.5}, "min_pixel_fraction=1.5"),
        ({"video_backend": "opencv"}, "video_backend='opencv'"),
    ],
)
def test_config_checks(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        FramesConfig(**kwargs)


def test_config_settings_split_for_cache_keys():
    cfg = FramesConfig(n_frames=16, visibility_downscale=2)
    assert cfg.sampling_settings()["n_frames"] == 16
    assert "visibility_downscale" not in cfg.sampling_settings()
    assert cfg.visibility_settings() == {"visibility_downscale": 2}
