"""Upright turns: the decision from poses for each of the four ways a phone is held, and images,
intrinsics and poses turned together so that a world point lands on the pixel that shows it."""

from __future__ import annotations

import numpy as np
import pytest

from vsi100k.frames.orientation import (
    ROTATIONS_DEG, SKY_DIRECTION_ROTATION_DEG, check_rotation, rotate_camera, rotate_rgb, sky_direction_of,
    upright_rotation_deg,
)

K = np.array([[105.9, 0.0, 63.2], [0.0, 106.3, 47.6], [0.0, 0.0, 1.0]])  # unequal focals, off-centre
W, H = 128, 96


def upright_pose(yaw: float, pitch: float = 0.0, position=(1.0, 2.0, 1.4)) -> np.ndarray:
    """Camera-to-world of an upright camera (OpenCV axes: x right, y down, z forward) looking along
    the heading `yaw` (radians about z), pitched down by `pitch`."""
    forward = np.array([np.cos(yaw) * np.cos(pitch), np.sin(yaw) * np.cos(pitch), -np.sin(pitch)])
    right = np.array([np.sin(yaw), -np.cos(yaw), 0.0])
    down = np.cross(forward, right)
    pose = np.eye(4)
    pose[:3, :3] = np.stack([right, down, forward], axis=1)
    pose[:3, 3] = position
    return pose


def held(poses: np.ndarray, sky: str) -> np.ndarray:
    """The same views taken with the sensor rolled so that its stored images show the sky on `sky`."""
    from vsi100k.synth.arkitscenes_writer import held_poses

    return held_poses(poses, sky, K, W, H)


def project(intrinsic: np.ndarray, pose: np.ndarray, point: np.ndarray) -> np.ndarray:
    camera = pose[:3, :3].T @ (point - pose[:3, 3])
    return intrinsic[:2, :2] @ (camera[:2] / camera[2]) + intrinsic[:2, 2]


@pytest.fixture(scope="module")
def video() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.stack([upright_pose(yaw, pitch) for yaw, pitch in zip(rng.uniform(0, 2 * np.pi, 40),
                                                                      rng.uniform(-0.2, 0.6, 40))])


@pytest.mark.parametrize("sky", ["Up", "Left", "Down", "Right"])
def test_the_turn_is_decided_from_the_poses_for_every_way_of_holding(video, sky):
    assert upright_rotation_deg(held(video, sky)) == SKY_DIRECTION_ROTATION_DEG[sky]
    lost = held(video, sky).copy()
    lost[::3] = np.nan  # lost tracking is ignored
    assert upright_rotation_deg(lost) == SKY_DIRECTION_ROTATION_DEG[sky]


def test_a_video_without_a_finite_pose_stays_as_stored():
    assert upright_rotation_deg(np.full((3, 4, 4), np.nan)) == 0
    assert upright_rotation_deg(np.zeros((0, 4, 4))) == 0


def test_apples_loader_turns_and_the_words():
    # Apple's depth-upsampling loader: Left -> 90 clockwise, Right -> 90 counter-clockwise, Down -> 180
    assert SKY_DIRECTION_ROTATION_DEG == {"Up": 0, "Left": 90, "Down": 180, "Right": 270}
    assert [sky_direction_of(d) for d in ROTATIONS_DEG] == ["Up", "Left", "Down", "Right"]
    sky_left = np.zeros((4, 6, 3), np.uint8)
    sky_left[:, 0] = 255  # the sky (bright) is the left column of the stored image
    upright = rotate_rgb(sky_left, SKY_DIRECTION_ROTATION_DEG["Left"])
    assert upright.shape == (6, 4, 3) and np.all(upright[0] == 255) and not np.any(upright[1:])
    with pytest.raises(ValueError, match=r"rotation must be one of \(0, 90, 180, 270\) degrees clockwise \(got 45\)"):
        check_rotation(45)


@pytest.mark.parametrize("rotation", ROTATIONS_DEG)
def test_turned_camera_projects_onto_the_turned_pixel(rotation):
    """Every stored pixel, back-projected at some depth, projects through the turned camera onto the
    pixel of the turned image that holds its value."""
    pose = upright_pose(0.7, 0.2)
    image = np.arange(W * H, dtype=np.int64).reshape(H, W, 1)
    turned = rotate_rgb(image, rotation)
    k4 = np.eye(4)
    k4[:3, :3] = K
    intrinsic, width, height, poses = rotate_camera(k4, W, H, pose[None], rotation)
    assert intrinsic.shape == (4, 4) and (width, height) == (turned.shape[1], turned.shape[0])
    assert np.allclose(poses[0][:3, 3], pose[:3, 3])
    rng = np.random.default_rng(rotation)
    for u, v, depth in zip(rng.integers(0, W, 50), rng.integers(0, H, 50), rng.uniform(0.5, 5.0, 50)):
        ray = np.array([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], 1.0]) * depth
        point = pose[:3, :3] @ ray + pose[:3, 3]
        assert np.allclose(project(K, pose, point), (u, v))
        u2, v2 = np.round(project(intrinsic, poses[0], point)).astype(int)
        assert np.allclose(project(intrinsic, poses[0], point), (u2, v2), atol=1e-6)
        assert turned[v2, u2, 0] == image[v, u, 0]


def test_turning_four_times_is_the_identity():
    pose = upright_pose(1.1)
    intrinsic, width, height, poses = K, W, H, pose[None]
    for _ in range(4):
        intrinsic, width, height, poses = rotate_camera(intrinsic, width, height, poses, 90)
    assert np.allclose(intrinsic, K) and (width, height) == (W, H) and np.allclose(poses[0], pose)
    assert rotate_camera(K, W, H, None, 180)[3] is None
