"""The iPhone camera file of a ScanNet++ scene: `iphone/pose_intrinsic_imu.json`.

One entry per video frame, keyed `frame_000000`, `frame_000001`, ...::

    {"timestamp": seconds, "intrinsic": 3x3 pinhole matrix in pixels of the video frame,
     "pose": 4x4 camera-to-world in ARKit's world, "aligned_pose": 4x4 camera-to-world in the
     aligned mesh frame (z up, metres), "imu": {...}}

Camera axes of the poses: x right, y down, z forward (OpenCV), as the project's ray casting uses:
the official toolkit's `iphone/arkit_pcl.py` back-projects depth with the inverse intrinsic and
multiplies by `aligned_pose` as it is (no axis flip).
Only `aligned_pose`, `intrinsic` and `timestamp` are read; `pose` and `imu` are ignored.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError

FRAME_KEY = re.compile(r"frame_(\d+)")


@dataclass(frozen=True)
class IphoneCameras:
    """Cameras of the frames listed in the camera file, ascending by frame number.

    frame_indices: (N,) int64 video frame numbers. timestamps_s: (N,) float64 as recorded.
    poses: (N, 4, 4) float64 camera-to-world, aligned frame. intrinsics: (N, 3, 3) float64 pixels.
    """

    frame_indices: np.ndarray
    timestamps_s: np.ndarray
    poses: np.ndarray
    intrinsics: np.ndarray

    def rows_of(self, indices: np.ndarray, scene_id: str, path: Path) -> np.ndarray:
        """Row numbers of the given video frames; SceneError naming the first frame without a camera."""
        indices = np.asarray(indices, dtype=np.int64)
        rows = np.searchsorted(self.frame_indices, indices)
        found = rows < len(self.frame_indices)
        found[found] = self.frame_indices[rows[found]] == indices[found]
        if not np.all(found):
            missing = int(indices[~found][0])
            raise SceneError(scene_id, path, f"no pose for video frame {missing} "
                                              f"({len(self.frame_indices)} frames have one)")
        return rows


def _matrix(value, shape: tuple[int, int], key: str, field: str, scene_id: str, path: Path) -> np.ndarray:
    try:
        matrix = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise SceneError(scene_id, path, f"{key}: '{field}' is not a matrix of numbers") from None
    if matrix.size == shape[0] * shape[1] and matrix.ndim in (1, 2):
        matrix = matrix.reshape(shape)
    if matrix.shape != shape:
        raise SceneError(scene_id, path, f"{key}: '{field}' has shape {matrix.shape}, expected {shape[0]}x{shape[1]}")
    return matrix


def read_iphone_cameras(path: Path, scene_id: str) -> IphoneCameras:
    """Read and check the camera file. Raises SceneError naming the scene, the file and the
    problem (missing file, invalid JSON, a key that is not `frame_NNNNNN`, a frame without
    `aligned_pose` / `intrinsic`, matrices of the wrong shape, a non-positive focal length)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SceneError(scene_id, path, "file not found (the iPhone video needs its poses and intrinsics)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SceneError(scene_id, path, f"invalid JSON ({exc})") from None
    if not isinstance(data, dict) or not data:
        raise SceneError(scene_id, path, "expected a non-empty JSON object keyed frame_NNNNNN")
    entries = []
    for key, entry in data.items():
        match = FRAME_KEY.fullmatch(str(key))
        if match is None:
            raise SceneError(scene_id, path, f"key {str(key)[:40]!r} is not frame_NNNNNN")
        if not isinstance(entry, dict):
            raise SceneError(scene_id, path, f"{key}: expected an object")
        for field in ("aligned_pose", "intrinsic"):
            if field not in entry:
                raise SceneError(scene_id, path, f"{key}: no '{field}'")
        pose = _matrix(entry["aligned_pose"], (4, 4), key, "aligned_pose", scene_id, path)
        intrinsic = _matrix(entry["intrinsic"], (3, 3), key, "intrinsic", scene_id, path)
        if not (intrinsic[0, 0] > 0 and intrinsic[1, 1] > 0):
            raise SceneError(scene_id, path, f"{key}: intrinsic focal lengths must be > 0")
        stamp = entry.get("timestamp", math.nan)
        entries.append((int(match.group(1)), float(stamp) if isinstance(stamp, (int, float)) else math.nan,
                        pose, intrinsic))
    entries.sort(key=lambda e: e[0])
    return IphoneCameras(
        frame_indices=np.array([e[0] for e in entries], dtype=np.int64),
        timestamps_s=np.array([e[1] for e in entries], dtype=np.float64),
        poses=np.stack([e[2] for e in entries]),
        intrinsics=np.stack([e[3] for e in entries]),
    )


def write_iphone_cameras(path: Path, timestamps_s: np.ndarray, aligned_poses: np.ndarray, intrinsic: np.ndarray,
                         arkit_from_aligned: np.ndarray | None = None) -> None:
    """Write a camera file: frame k gets timestamps_s[k] (seconds), aligned_poses[k] ((4, 4)
    camera-to-world, aligned frame), `intrinsic` ((3, 3) pixels) and `pose` =
    arkit_from_aligned @ aligned_pose (identity when None); `imu` holds gravity only."""
    transform = np.eye(4) if arkit_from_aligned is None else np.asarray(arkit_from_aligned, dtype=np.float64)
    data = {}
    for k, (stamp, aligned) in enumerate(zip(timestamps_s, aligned_poses)):
        data[f"frame_{k:06d}"] = {
            "timestamp": round(float(stamp), 6),
            "intrinsic": np.round(np.asarray(intrinsic, dtype=np.float64), 6).tolist(),
            "pose": np.round(transform @ aligned, 9).tolist(),
            "aligned_pose": np.round(np.asarray(aligned, dtype=np.float64), 9).tolist(),
            "imu": {"timestamp": round(float(stamp), 6), "gravity": [0.0, 0.0, -1.0],
                    "rotation_rate": [0.0, 0.0, 0.0], "user_acceleration": [0.0, 0.0, 0.0]},
        }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=None))
    tmp.replace(path)
