"""The colour stream of a ScanNet scan, described for the frames stage (`ColourStream`).

`.sens` first (read by `SensReader`, seeking); else `<id>.mp4` (VSI-Bench ships ScanNet as 24 fps
mp4) with, optionally, ScanNet's exporter layout: a `pose/` folder of `<frame>.txt` 4x4
camera-to-world matrices and `intrinsic_color.txt` (in the scan folder or `intrinsic/`), whose
intrinsics are for the txt's colorWidth x colorHeight (the 1296 x 968 colour sensor) when the txt
states them, else for the video's own frame size. ScanNet frames are upright as stored.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from vsi100k.frames.stream import ColourStream, StreamCameras
from vsi100k.scannet.files import ScanFiles

INTRINSIC_NAMES = ("intrinsic_color.txt", "intrinsic/intrinsic_color.txt")


def intrinsic_file(folder: Path) -> Path | None:
    """`intrinsic_color.txt` in the scan folder or its `intrinsic/` subfolder, else None."""
    for name in INTRINSIC_NAMES:
        candidate = Path(folder) / name
        if candidate.is_file():
            return candidate
    return None


def _color_size(meta: dict[str, str]) -> tuple[int, int] | None:
    try:
        return int(meta["colorWidth"]), int(meta["colorHeight"])
    except (KeyError, ValueError):
        return None


def _txt_color_size(files: ScanFiles) -> tuple[int, int] | None:
    """colorWidth x colorHeight of the scan's txt, None when absent or unreadable (the loader names
    a broken txt; a stream description never fails on it)."""
    from vsi100k.errors import SceneError
    from vsi100k.scannet.meta import read_meta

    if not files.meta.is_file():
        return None
    try:
        return _color_size(read_meta(files.meta, files.scene_id))
    except SceneError:
        return None


def video_cameras(scene_id: str, pose_dir: Path | None, intrinsic_path: Path | None,
                  intrinsic_size: tuple[int, int] | None, indices: np.ndarray,
                  video_size: tuple[int, int]) -> StreamCameras | None:
    """Poses of the sampled frames from the pose folder and the intrinsics file (None without both)."""
    from vsi100k.frames.video import read_matrix_txt, read_pose_folder

    if pose_dir is None and intrinsic_path is None:
        return None
    poses = read_pose_folder(pose_dir, scene_id, indices) if pose_dir is not None else None
    intrinsic = read_matrix_txt(intrinsic_path, scene_id) if intrinsic_path is not None else None
    width, height = intrinsic_size if intrinsic_size is not None else video_size
    return StreamCameras(poses=poses, intrinsic=intrinsic, width=None if intrinsic is None else int(width),
                         height=None if intrinsic is None else int(height))


def colour_stream(folder: Path, scene=None) -> ColourStream | None:
    """The scan's stream, or None when it has neither a `.sens` nor an mp4.

    scene: the loaded `Scene`, when there is one: its located `.sens` / mp4 and txt are used.
    """
    from vsi100k.scannet.sens import SensReader

    folder = Path(folder)
    files = ScanFiles(folder, scene.scene_id if scene is not None else folder.name)
    if scene is not None:
        sens, video = scene.sens_path, scene.video_path
    else:
        sens = files.sens if files.sens.is_file() else None
        video = files.video if files.video.is_file() else None
    if sens is not None:
        return ColourStream(files.scene_id, folder, "sens", Path(sens), (Path(sens),), open_sens=SensReader)
    if video is None:
        return None
    pose_dir = files.pose_dir if files.pose_dir.is_dir() else None
    intrinsic = intrinsic_file(folder)
    size = _color_size(scene.metadata) if scene is not None else _txt_color_size(files)
    inputs = tuple(p for p in (Path(video), intrinsic, pose_dir) if p is not None)
    return ColourStream(files.scene_id, folder, "video", Path(video), inputs,
                        video_cameras=partial(video_cameras, files.scene_id, pose_dir, intrinsic, size))
