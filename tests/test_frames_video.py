"""mp4 scans (decord and PyAV), their pose folders, and mp4 export."""

from functools import partial

import numpy as np
import pytest

from frames_support import indexed_pose, intrinsic, mean_abs_diff, textured_rgb, write_indexed_sens
from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.export import export_sampled_mp4, export_stream_mp4, video_codec, write_mp4
from frames_support import sample_sens
from vsi100k.frames.video import read_matrix_txt, sample_video
from vsi100k.scannet.stream import video_cameras
from vsi100k.scene import Scene

VIDEO_TOLERANCE = 8.0  # mean absolute difference after yuv420 + H.264 (crf 10) + JPEG


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    folder = tmp_path_factory.mktemp("video")
    rng = np.random.default_rng(3)
    images = [textured_rgb(rng, 64, 48) for _ in range(30)]
    path = folder / "scene0200_00.mp4"
    assert write_mp4(path, images, fps=24.0, crf=10) == 30
    return path, images


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_video_frames_times_and_sizes(video, backend):
    path, images = video
    frames = sample_video(path, "scene0200_00", FramesConfig(n_frames=8, video_backend=backend))
    assert frames.indices.tolist() == np.linspace(0, 29, 8, dtype=int).tolist()
    assert frames.total_frames == 30 and (frames.width, frames.height) == (64, 48)
    assert frames.time_source == "timestamps"
    assert np.allclose(frames.timestamps_s, frames.indices / 24.0, atol=1e-3)
    for k, index in enumerate(frames.indices):
        assert mean_abs_diff(frames.image(k), images[index]) < VIDEO_TOLERANCE
        assert mean_abs_diff(frames.image(k), images[(index + 1) % 30]) > 20.0
    assert frames.poses is None and not frames.has_camera


def test_decord_and_pyav_agree(video):
    path, _ = video
    a = sample_video(path, "scene0200_00", FramesConfig(n_frames=5, video_backend="decord"))
    b = sample_video(path, "scene0200_00", FramesConfig(n_frames=5, video_backend="pyav"))
    assert a.indices.tolist() == b.indices.tolist()
    assert all(mean_abs_diff(a.image(k), b.image(k)) < 1.0 for k in range(5))


def test_pose_folder_and_intrinsics(video, tmp_path):
    path, _ = video
    pose_dir = tmp_path / "pose"
    pose_dir.mkdir()
    for i in range(30):
        np.savetxt(pose_dir / f"{i}.txt", indexed_pose(i))
    np.savetxt(tmp_path / "intrinsic_color.txt", intrinsic(1296, 968, 1170.0))
    cameras = partial(video_cameras, "scene0200_00", pose_dir, tmp_path / "intrinsic_color.txt", (1296, 968))
    frames = sample_video(path, "scene0200_00", FramesConfig(n_frames=4), cameras=cameras)
    assert frames.has_camera
    for k, index in enumerate(frames.indices):
        assert np.allclose(frames.poses[k], indexed_pose(int(index)))
    assert frames.color_intrinsic[0, 0] == 1170.0 and (frames.intrinsic_width, frames.intrinsic_height) == (1296, 968)
    (pose_dir / "29.txt").unlink()
    with pytest.raises(SceneError, match=r"scene0200_00: pose: no pose file for video frame 29 \(29 pose files\)"):
        sample_video(path, "scene0200_00", FramesConfig(n_frames=4),
                     cameras=partial(video_cameras, "scene0200_00", pose_dir, None, None))


def test_matrix_files_are_checked(tmp_path):
    bad = tmp_path / "intrinsic_color.txt"
    bad.write_text("1 2 3\n4 5 6\n")
    with pytest.raises(SceneError, match=r"scene0200_00: intrinsic_color\.txt: expected 4x4 numbers, found 6"):
        read_matrix_txt(bad, "scene0200_00")
    bad.write_text("1 2 x")
    with pytest.raises(SceneError, match=r"scene0200_00: intrinsic_color\.txt: not a matrix of numbers"):
        read_matrix_txt(bad, "scene0200_00")
    bad.write_text("100 0 50\n0 100 40\n0 0 1\n")
    assert read_matrix_txt(bad, "scene0200_00")[:3, :3].tolist() == [[100, 0, 50], [0, 100, 40], [0, 0, 1]]


@pytest.mark.parametrize("backend", ["decord", "pyav"])
def test_truncated_video_is_a_scene_error(video, tmp_path, backend):
    path, _ = video
    broken = tmp_path / "scene0201_00.mp4"
    broken.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(SceneError, match=r"scene0201_00: scene0201_00\.mp4: cannot decode video"):
        sample_video(broken, "scene0201_00", FramesConfig(video_backend=backend))
    with pytest.raises(SceneError, match=r"scene0201_00: absent\.mp4: file not found"):
        sample_video(tmp_path / "absent.mp4", "scene0201_00", FramesConfig(video_backend=backend))


def test_export_sampled_and_full_stream(tmp_path):
    import av

    sens = tmp_path / "scene0202_00.sens"
    images = write_indexed_sens(sens, 40, width=65, height=49, n_images=40)
    cfg = FramesConfig(n_frames=6)
    frames = sample_sens(sens, "scene0202_00", cfg)
    out = tmp_path / "videos" / "scene0202_00.mp4"
    assert export_sampled_mp4(frames, out) == 6
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
        assert stream.average_rate == 24 and stream.codec_context.name in ("h264", "mpeg4")
    assert len(decoded) == 6 and decoded[0].shape == (48, 64, 3)  # 65 x 49 rounded down to even
    scene = Scene("scene0202_00", tmp_path, np.zeros((0, 3), np.float32), np.zeros((0, 4), np.uint8),
                  np.zeros((0, 3), np.int32), np.zeros(0, np.int64), (), np.eye(4), sens_path=sens)
    full = tmp_path / "videos" / "full.mp4"
    assert export_stream_mp4(scene, full, cfg) == 40
    with av.open(str(full)) as container:
        decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(decoded) == 40
    from PIL import Image

    expected = np.asarray(Image.fromarray(images[17]).resize((64, 48), Image.Resampling.BICUBIC))
    assert mean_abs_diff(decoded[17], expected) < 12.0  # H.264 at crf 23 on a noisy texture
    assert mean_abs_diff(decoded[17], np.asarray(Image.fromarray(images[18]).resize((64, 48)))) > 20.0
    assert video_codec() in ("libx264", "mpeg4")
    with pytest.raises(ValueError, match="empty.mp4: no frames to write"):
        write_mp4(tmp_path / "empty.mp4", [])
