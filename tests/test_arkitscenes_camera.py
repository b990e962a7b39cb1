"""ARKitScenes' lowres_wide camera stream: the writer and reader round trip, the release's text
formats and conventions (checked against an independent reading of the toolkit's rule), the
toolkit's frame-to-pose matching, and a named error for every bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.spatial.transform import Rotation

from vsi100k.arkitscenes.camera import (
    POSE_TOLERANCE_MS, list_frames, match_frames, match_poses, matrix_to_rotvec, read_cameras, read_lowres_wide,
    read_pincam, read_traj, rotvec_to_matrix, write_lowres_wide,
)
from vsi100k.errors import SceneError

VID = "41254925"
K = np.array([[211.75, 0.0, 127.5], [0.0, 211.5, 95.25], [0.0, 0.0, 1.0]])


def random_poses(n: int, seed: int) -> np.ndarray:
    poses = np.tile(np.eye(4), (n, 1, 1))
    poses[:, :3, :3] = Rotation.random(n, random_state=seed).as_matrix()
    poses[:, :3, 3] = np.random.default_rng(seed).uniform(-3, 3, (n, 3))
    return poses


def images(n: int, seed: int, size=(32, 24)) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8) for _ in range(n)]


def write(tmp: Path, n: int = 6, times=None, seed: int = 0) -> tuple[Path, np.ndarray, np.ndarray, list]:
    frames_dir = tmp / VID / f"{VID}_frames"
    times = np.round(100.0 + 0.1 * np.arange(n) + 0.0004, 4) if times is None else np.asarray(times)
    poses, pictures = random_poses(n, seed), images(n, seed)
    write_lowres_wide(frames_dir, VID, times, poses, K, iter(pictures))
    return frames_dir, times, poses, pictures


# ---- round trip ----
def test_written_stream_reads_back_exactly(tmp_path):
    frames_dir, times, poses, pictures = write(tmp_path)
    stream = read_lowres_wide(frames_dir, VID)
    assert len(stream) == 6
    assert [p.name for p in stream.image_paths] == [f"{VID}_{t:.3f}.png" for t in times]
    assert np.array_equal(stream.timestamps_s, np.round(times, 3))
    assert np.abs(stream.poses - poses).max() < 1e-6
    assert np.array_equal(stream.intrinsics, np.stack([K] * 6))
    assert stream.image_sizes.tolist() == [[32, 24]] * 6
    assert stream.frame_numbers.tolist() == list(range(6))
    assert (stream.listed_frames, stream.dropped_frames) == (6, 0)
    for path, picture in zip(stream.image_paths, pictures):
        assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), picture)


def test_reading_selected_frames_opens_only_their_pincams(tmp_path):
    frames_dir, times, poses, _ = write(tmp_path)
    (frames_dir / "lowres_wide_intrinsics" / f"{VID}_{times[2]:.3f}.pincam").unlink()
    stream = read_lowres_wide(frames_dir, VID, picks=np.array([0, 5]))
    assert stream.frame_numbers.tolist() == [0, 5]
    assert np.abs(stream.poses - poses[[0, 5]]).max() < 1e-6
    with pytest.raises(SceneError, match=rf"^{VID}: {VID}_{times[2]:.3f}\.pincam: missing intrinsics: no \.pincam "
                                         rf"for frame {VID}_{times[2]:.3f}\.png \(within 1 ms\)$"):
        read_lowres_wide(frames_dir, VID, picks=np.array([2]))
    with pytest.raises(SceneError, match=r"^scan7: lowres_wide: frame picks must lie in \[0, 6\) \(the frames with "
                                         r"a pose\), got 0\.\.6$"):
        read_lowres_wide(frames_dir, VID, "scan7", picks=np.array([0, 6]))
    with pytest.raises(SceneError, match=r"got -1\.\.3$"):
        read_lowres_wide(frames_dir, VID, picks=np.array([-1, 3]))


def test_the_listing_and_the_traj_are_read_once_for_any_number_of_reads(tmp_path, monkeypatch):
    import vsi100k.arkitscenes.camera as camera

    frames_dir, times, poses, _ = write(tmp_path)
    calls = {"list": 0, "traj": 0}
    list_frames_, read_traj_ = camera.list_frames, camera.read_traj

    def counted_list(*args):
        calls["list"] += 1
        return list_frames_(*args)

    def counted_traj(*args):
        calls["traj"] += 1
        return read_traj_(*args)

    monkeypatch.setattr(camera, "list_frames", counted_list)
    monkeypatch.setattr(camera, "read_traj", counted_traj)
    posed = match_frames(frames_dir, VID)
    first, last = read_cameras(posed, [0]), read_cameras(posed, [5])
    assert calls == {"list": 1, "traj": 1}
    assert first.image_paths[0].name == f"{VID}_{times[0]:.3f}.png" and last.frame_numbers.tolist() == [5]
    assert np.abs(last.poses[0] - poses[5]).max() < 1e-6


def test_writer_is_byte_deterministic(tmp_path):
    a, *_ = write(tmp_path / "a")
    b, *_ = write(tmp_path / "b")
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files_a == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file()) and len(files_a) == 13
    assert all((a / p).read_bytes() == (b / p).read_bytes() for p in files_a)


def test_writer_consumes_images_lazily(tmp_path):
    frames_dir = tmp_path / f"{VID}_frames"
    times = np.array([1.0, 1.1, 1.2])
    seen = []

    def produce():
        for k, picture in enumerate(images(3, 1)):
            # every earlier frame is already on disk when the next one is asked for
            seen.append(sorted(p.name for p in (frames_dir / "lowres_wide").glob("*.png")))
            yield picture

    write_lowres_wide(frames_dir, VID, times, random_poses(3, 1), K, produce())
    assert seen == [[], [f"{VID}_1.000.png"], [f"{VID}_1.000.png", f"{VID}_1.100.png"]]


# ---- the release's formats and conventions ----
def test_traj_and_pincam_lines_have_the_release_format(tmp_path):
    frames_dir = tmp_path / f"{VID}_frames"
    pose = np.eye(4)
    pose[:3, 3] = (1.0, 2.0, 3.0)
    write_lowres_wide(frames_dir, VID, [6845.7061], pose[None], K, images(1, 2))
    assert (frames_dir / "lowres_wide.traj").read_text() == (
        "6845.706100 0.000000000 0.000000000 0.000000000 -1.000000000 -2.000000000 -3.000000000\n")
    assert (frames_dir / "lowres_wide_intrinsics" / f"{VID}_6845.706.pincam").read_text() == \
        "32 24 211.75 211.5 127.5 95.25\n"
    assert (frames_dir / "lowres_wide" / f"{VID}_6845.706.png").is_file()


def test_traj_lines_follow_the_toolkits_reading(tmp_path):
    """Independent reading of a line, as Apple's toolkit does it: Rodrigues of columns 2-4 and
    columns 5-7 form the world-to-camera matrix; its inverse is the camera-to-world pose, used with
    OpenCV axes (a point in front of the camera has positive z)."""
    frames_dir, times, poses, _ = write(tmp_path)
    for line, pose in zip((frames_dir / "lowres_wide.traj").read_text().splitlines(), poses):
        tokens = [float(v) for v in line.split()]
        extrinsic = np.eye(4)
        extrinsic[:3, :3] = Rotation.from_rotvec(tokens[1:4]).as_matrix()
        extrinsic[:3, 3] = tokens[4:7]
        assert np.abs(np.linalg.inv(extrinsic) - pose).max() < 1e-6
    # a camera at (1, 2, 1.5) looking along world +x, image up = world +z (z up, OpenCV axes)
    look = np.eye(4)
    look[:3, :3] = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])  # columns: right, down, forward
    look[:3, 3] = (1.0, 2.0, 1.5)
    write_lowres_wide(tmp_path / "look", VID, [3.0], look[None], K, images(1, 3))
    stamps, read = read_traj(tmp_path / "look" / "lowres_wide.traj", VID)
    world_to_camera = np.linalg.inv(read[0])
    ahead_above = world_to_camera @ np.array([3.0, 2.0, 2.0, 1.0])  # 2 m ahead, 0.5 m above
    assert stamps.tolist() == [3.0]
    assert ahead_above[2] == pytest.approx(2.0) and ahead_above[1] == pytest.approx(-0.5) and abs(ahead_above[0]) < 1e-9


def test_rotations_round_trip_at_every_angle():
    for k, angle in enumerate([0.0, 1e-12, 1e-7, 0.3, np.pi / 2, 2.5, np.pi - 1e-9, np.pi]):
        axis = Rotation.random(random_state=k).as_rotvec()
        rotvec = axis / np.linalg.norm(axis) * angle
        matrix = Rotation.from_rotvec(rotvec).as_matrix()
        assert np.abs(rotvec_to_matrix(rotvec) - matrix).max() < 1e-14
        assert np.abs(rotvec_to_matrix(matrix_to_rotvec(matrix)) - matrix).max() < 1e-14
        assert np.linalg.norm(matrix_to_rotvec(matrix)) == pytest.approx(angle, abs=1e-12)


# ---- matching frames to poses ----
def test_frames_take_the_nearest_pose_less_than_5_ms_away():
    assert POSE_TOLERANCE_MS == 4
    rows, gaps = match_poses(np.array([1000, 1104, 1150, 1196, 900]), np.array([1200, 1000, 1100]))
    assert rows.tolist() == [1, 2, 2, 0, 1] and gaps.tolist() == [0, 4, 50, 4, 100]


def test_a_frame_5_ms_from_every_pose_is_dropped_and_counted(tmp_path):
    frames_dir, times, poses, _ = write(tmp_path, n=2, times=[5.0, 5.5])
    traj = frames_dir / "lowres_wide.traj"
    lines = traj.read_text().splitlines()
    traj.write_text(f"5.004 {lines[0].split(' ', 1)[1]}\n5.4949 {lines[1].split(' ', 1)[1]}\n")
    stream = read_lowres_wide(frames_dir, VID)
    assert [p.name for p in stream.image_paths] == [f"{VID}_5.000.png"] and stream.frame_numbers.tolist() == [0]
    assert (stream.listed_frames, stream.dropped_frames) == (2, 1)
    assert np.abs(stream.poses[0] - poses[0]).max() < 1e-6
    traj.write_text(f"5.004 {lines[0].split(' ', 1)[1]}\n5.4959 {lines[1].split(' ', 1)[1]}\n")  # 4 ms: kept
    assert read_lowres_wide(frames_dir, VID).dropped_frames == 0


def test_frames_before_the_first_and_after_the_last_pose_are_dropped(tmp_path):
    times = 10.0 + 0.1 * np.arange(8)
    frames_dir, _, poses, _ = write(tmp_path, n=8, times=times)
    traj = frames_dir / "lowres_wide.traj"
    traj.write_text("".join(line + "\n" for line in traj.read_text().splitlines()[2:6]))  # frames 2..5 keep a pose
    posed = match_frames(frames_dir, VID)
    assert len(posed) == 4 and posed.dropped == 4 and posed.numbers.tolist() == [2, 3, 4, 5]
    assert len(posed.listed_paths) == 8 and np.array_equal(posed.listed_times_s, np.round(times, 3))
    stream = read_cameras(posed, [0, 3])
    assert stream.frame_numbers.tolist() == [2, 5] and np.allclose(stream.timestamps_s, [10.2, 10.5])
    assert np.abs(stream.poses - poses[[2, 5]]).max() < 1e-6
    assert (stream.listed_frames, stream.dropped_frames) == (8, 4)


def test_a_video_where_no_frame_has_a_pose_is_named(tmp_path):
    frames_dir, _, _, _ = write(tmp_path, n=2, times=[5.0, 5.5])
    traj = frames_dir / "lowres_wide.traj"
    lines = traj.read_text().splitlines()
    traj.write_text(f"7.25 {lines[0].split(' ', 1)[1]}\n8.0 {lines[1].split(' ', 1)[1]}\n")
    with pytest.raises(SceneError, match=rf"^scan7: lowres_wide\.traj: no frame has a pose within 5 ms: 2 frames from "
                                         r"5\.000 to 5\.500 s, 2 poses from 7\.250 to 8\.000 s$"):
        read_lowres_wide(frames_dir, VID, "scan7")


def test_pincam_named_1_ms_off_is_found_as_the_toolkit_does(tmp_path):
    frames_dir, times, _, _ = write(tmp_path, n=2, times=[5.0, 5.5])
    folder = frames_dir / "lowres_wide_intrinsics"
    (folder / f"{VID}_5.000.pincam").rename(folder / f"{VID}_4.999.pincam")
    (folder / f"{VID}_5.500.pincam").write_text("32 24 100 100 16 12\n")
    (folder / f"{VID}_5.501.pincam").write_text("32 24 200 200 16 12\n")
    stream = read_lowres_wide(frames_dir, VID)
    assert stream.intrinsics[0, 0, 0] == K[0, 0] and stream.intrinsics[1, 0, 0] == 100.0  # own name first


def test_frames_sort_by_time_not_by_name(tmp_path):
    frames_dir, times, _, _ = write(tmp_path, n=3, times=[9.5, 10.0, 100.25])
    stamps, paths = list_frames(frames_dir, VID)
    assert stamps.tolist() == [9.5, 10.0, 100.25]
    assert [p.name for p in paths] == [f"{VID}_9.500.png", f"{VID}_10.000.png", f"{VID}_100.250.png"]


# ---- named errors ----
def test_missing_pose_file_is_named(tmp_path):
    frames_dir, *_ = write(tmp_path, n=2)
    (frames_dir / "lowres_wide.traj").unlink()
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide\.traj: missing pose file \(the lowres_wide frames "
                                         r"need their poses\)$"):
        read_lowres_wide(frames_dir, VID)


@pytest.mark.parametrize("bad", ["1.0 0 0 0 1 2", "1.0 0 0 0 1 2 x", "1.0 0 0 nan 1 2 3", "1.0 0 0 0 1 2 3 4"])
def test_malformed_traj_line_is_named_by_its_number(tmp_path, bad):
    frames_dir, *_ = write(tmp_path, n=2)
    traj = frames_dir / "lowres_wide.traj"
    lines = traj.read_text().splitlines()
    traj.write_text(f"{lines[0]}\n{bad}\n{lines[1]}\n")
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide\.traj: line 2: expected 7 numbers \(timestamp, "
                                         r"axis-angle rotation, translation\), found '1\.0 0 0 "):
        read_lowres_wide(frames_dir, VID)


def test_empty_traj_is_named(tmp_path):
    frames_dir, *_ = write(tmp_path, n=2)
    (frames_dir / "lowres_wide.traj").write_text("\n")
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide\.traj: no poses in the pose file$"):
        read_lowres_wide(frames_dir, VID)
    (frames_dir / "lowres_wide.traj").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide\.traj: not a text file$"):
        read_lowres_wide(frames_dir, VID)


@pytest.mark.parametrize("text, problem", [
    ("32 24 211 211 16", r"malformed intrinsics: expected 'width height fx fy cx cy', found '32 24 211 211 16'"),
    ("32 24 fx 211 16 12", r"malformed intrinsics: expected 'width height fx fy cx cy', found '32 24 fx 211 16 12'"),
    ("32 24 0 211 16 12", r"malformed intrinsics: size 32 x 24 and focal lengths 0, 211 must be positive "
                          r"\(size in whole pixels\)"),
    ("32.5 24 211 211 16 12", r"malformed intrinsics: size 32\.5 x 24 and focal lengths 211, 211 must be positive "
                              r"\(size in whole pixels\)"),
])
def test_malformed_pincam_is_named(tmp_path, text, problem):
    path = tmp_path / f"{VID}_1.000.pincam"
    path.write_text(text)
    with pytest.raises(SceneError, match=rf"^{VID}: {VID}_1\.000\.pincam: {problem}$"):
        read_pincam(path, VID)


def test_unreadable_pincam_is_named(tmp_path):
    with pytest.raises(SceneError, match=rf"^{VID}: {VID}_2\.000\.pincam: missing intrinsics file$"):
        read_pincam(tmp_path / f"{VID}_2.000.pincam", VID)
    (tmp_path / "b.pincam").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SceneError, match=rf"^{VID}: b\.pincam: malformed intrinsics: expected 'width height fx fy cx cy', "
                                         r"found '<binary>'$"):
        read_pincam(tmp_path / "b.pincam", VID)


def test_missing_pincam_is_named(tmp_path):
    frames_dir, times, _, _ = write(tmp_path, n=2, times=[5.0, 5.5])
    (frames_dir / "lowres_wide_intrinsics" / f"{VID}_5.500.pincam").unlink()
    with pytest.raises(SceneError, match=rf"^{VID}: {VID}_5\.500\.pincam: missing intrinsics: no \.pincam for frame "
                                         rf"{VID}_5\.500\.png \(within 1 ms\)$"):
        read_lowres_wide(frames_dir, VID)


def test_no_frames_is_named(tmp_path):
    frames_dir, *_ = write(tmp_path, n=2)
    for png in (frames_dir / "lowres_wide").glob("*.png"):
        png.unlink()
    with pytest.raises(SceneError, match=rf"^scan7: lowres_wide: no frames \({VID}_<seconds>\.png\) in lowres_wide$"):
        read_lowres_wide(frames_dir, VID, "scan7")
    (frames_dir / "lowres_wide").rmdir()
    with pytest.raises(SceneError, match=rf"^{VID}: lowres_wide: no frames: the lowres_wide folder is missing$"):
        read_lowres_wide(frames_dir, VID)


def test_frame_named_after_another_video_is_named(tmp_path):
    frames_dir, *_ = write(tmp_path, n=2)
    Image.new("RGB", (32, 24)).save(frames_dir / "lowres_wide" / "40753679_5.000.png")
    with pytest.raises(SceneError, match=rf"^{VID}: 40753679_5\.000\.png: frame file name is not {VID}_<seconds>\.png$"):
        read_lowres_wide(frames_dir, VID)


# ---- writer input checks ----
@pytest.mark.parametrize("change, message", [
    (dict(times=[1.0, 1.0004, 1.2]), r"times_s must be finite and strictly increasing at millisecond resolution "
                                     r"\(frame names carry 3 decimals\)"),
    (dict(times=[]), r"times_s is empty: write at least one frame"),
    (dict(poses=np.tile(np.eye(4), (2, 1, 1))), r"poses must have shape \(3, 4, 4\) for 3 timestamps, got \(2, 4, 4\)"),
    (dict(poses=np.tile(np.diag([1.0, 1.0, 1.1, 1.0]), (3, 1, 1))), r"poses must hold proper rotations "
                                                                     r"\(orthonormality error 2\.10e-01\)"),
    (dict(poses=np.tile(np.diag([1.0, 1.0, -1.0, 1.0]), (3, 1, 1))), r"poses must hold proper rotations"),
    (dict(poses=np.full((3, 4, 4), np.nan)), r"poses must be finite \(the traj format cannot store lost tracking\)"),
    (dict(intrinsic=np.eye(4)), r"intrinsic must be a \(3, 3\) matrix with positive focal lengths"),
    (dict(images=images(2, 0)), r"^2 images for 3 timestamps$"),
    (dict(images=images(4, 0)), r"^more images than the 3 timestamps$"),
    (dict(images=[np.zeros((24, 32), np.uint8)] * 3), r"image 0 must be \(H, W, 3\) uint8, got \(24, 32\) uint8"),
])
def test_writer_rejects_inconsistent_input(tmp_path, change, message):
    args = dict(times=[1.0, 1.1, 1.2], poses=random_poses(3, 0), intrinsic=K, images=images(3, 0))
    args.update(change)
    with pytest.raises(ValueError, match=message):
        write_lowres_wide(tmp_path, VID, args["times"], args["poses"], args["intrinsic"], args["images"])
