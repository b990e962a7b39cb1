"""Upright frames: which quarter turn makes a stored image upright, and the same turn applied to the
image, its pinhole intrinsics and its camera pose so that they stay consistent.

Pure numpy. Rotations are clockwise quarter turns of the STORED image (0, 90, 180 or 270 degrees).
Camera axes are OpenCV's (x right, y down, z forward); pixel centres sit at integer coordinates,
as `vsi100k.frames.visibility` casts its rays. A clockwise quarter turn of a W x H image moves
pixel (u, v) to (H - 1 - v, u): the new camera's x axis is the old -y, its y axis the old x, so
fx and fy swap, cx' = H - 1 - cy and cy' = cx, and camera-to-world poses gain the inverse turn.
"""

from __future__ import annotations

import numpy as np

ROTATIONS_DEG = (0, 90, 180, 270)
# ARKitScenes' `sky_direction` (where the sky is in the stored image) -> clockwise turn to upright,
# as Apple's depth-upsampling loader rotates (Left: 90 clockwise, Right: 90 counter-clockwise, Down: 180).
SKY_DIRECTION_ROTATION_DEG = {"Up": 0, "Left": 90, "Down": 180, "Right": 270}
WORLD_UP = (0.0, 0.0, 1.0)  # z up: the frame of every source's mesh after its axis alignment
_QUARTER_CW = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])  # old camera -> new camera axes


def check_rotation(rotation_deg: int) -> int:
    """`rotation_deg` as an int when it is one of ROTATIONS_DEG; ValueError otherwise."""
    if int(rotation_deg) != rotation_deg or int(rotation_deg) not in ROTATIONS_DEG:
        raise ValueError(f"rotation must be one of {ROTATIONS_DEG} degrees clockwise (got {rotation_deg!r})")
    return int(rotation_deg)


def upright_rotation_deg(poses: np.ndarray, up: tuple[float, float, float] = WORLD_UP) -> int:
    """Clockwise turn (0, 90, 180, 270) that puts the world's up at the top of the stored images.

    poses: (N, 4, 4) camera-to-world (OpenCV camera axes) of one video; rows that are not finite
    (lost tracking) are ignored. The world's up direction (z, metres frame of the mesh) is expressed
    in each camera's axes and its image-plane part (x right, y down) summed over the video, so
    frames looking steeply up or down weigh little. The image's sky side is the larger component:
    -y: 0, -x (sky on the left): 90, +y: 180, +x (sky on the right): 270. 0 when no pose is finite
    or the sum vanishes.
    """
    poses = np.asarray(poses, dtype=np.float64).reshape(-1, 4, 4)
    finite = np.all(np.isfinite(poses), axis=(1, 2))
    if not finite.any():
        return 0
    rotations = poses[finite, :3, :3]
    up_in_camera = np.einsum("nji,j->ni", rotations, np.asarray(up, dtype=np.float64))  # R^T up per frame
    x, y = float(up_in_camera[:, 0].sum()), float(up_in_camera[:, 1].sum())
    if x == 0.0 and y == 0.0:
        return 0
    if abs(x) > abs(y):
        return 90 if x < 0 else 270
    return 0 if y < 0 else 180


def rotate_rgb(rgb: np.ndarray, rotation_deg: int) -> np.ndarray:
    """(H, W, C) image turned clockwise by `rotation_deg` ((W, H, C) for 90 and 270), contiguous."""
    turns = check_rotation(rotation_deg) // 90
    if turns == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=-turns))


def rotate_camera(intrinsic: np.ndarray, width: int, height: int, poses: np.ndarray | None,
                  rotation_deg: int) -> tuple[np.ndarray, int, int, np.ndarray | None]:
    """The camera of an image turned clockwise by `rotation_deg`.

    intrinsic: (3, 3) or (4, 4) pinhole matrix in pixels of a `width` x `height` image (no skew).
    poses: (N, 4, 4) camera-to-world or None. Returns (intrinsic of the same shape, new width,
    new height, poses with the turn applied to their camera axes; None stays None). A world point
    projects through the new camera onto the pixel where the turned image shows it.
    """
    turns = check_rotation(rotation_deg) // 90
    k = np.array(intrinsic, dtype=np.float64)
    w, h = int(width), int(height)
    axes = np.eye(3)
    for _ in range(turns):
        fx, fy, cx, cy = k[0, 0], k[1, 1], k[0, 2], k[1, 2]
        k[0, 0], k[1, 1], k[0, 2], k[1, 2] = fy, fx, (h - 1) - cy, cx
        w, h = h, w
        axes = _QUARTER_CW @ axes
    if poses is None or turns == 0:
        return k, w, h, None if poses is None else np.array(poses, dtype=np.float64)
    out = np.array(poses, dtype=np.float64)
    out[..., :3, :3] = out[..., :3, :3] @ axes.T  # X_world = R p_old = R axes^T p_new
    return k, w, h, out


def sky_direction_of(rotation_deg: int) -> str:
    """The `sky_direction` word of a clockwise turn (inverse of SKY_DIRECTION_ROTATION_DEG)."""
    by_rotation = {deg: word for word, deg in SKY_DIRECTION_ROTATION_DEG.items()}
    return by_rotation[check_rotation(rotation_deg)]
