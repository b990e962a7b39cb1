"""The colour stream of a ScanNet++ scene, described for the frames stage (`ColourStream`).

The iPhone video (`iphone/rgb.mkv` as released, `rgb.mp4` accepted) with its camera file
`iphone/pose_intrinsic_imu.json`: per video frame an `aligned_pose` (camera-to-world in the aligned
mesh frame, OpenCV axes) and a 3x3 `intrinsic` for the video's own frame size. Times are the camera
file's capture timestamps when they increase, else the container's. Frames are upright as stored.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from vsi100k.frames.stream import ColourStream, StreamCameras
from vsi100k.scannetpp.files import ScanppFiles


def video_cameras(camera_path: Path, scene_id: str, indices: np.ndarray,
                  video_size: tuple[int, int]) -> StreamCameras:
    """Poses, intrinsics (those of the first sampled frame: the iPhone's focal length varies by
    well under a pixel over a scan) and capture times of the sampled frames. SceneError naming the
    camera file when it is missing or malformed or a sampled frame has no camera."""
    from vsi100k.scannetpp.camera import read_iphone_cameras

    table = read_iphone_cameras(camera_path, scene_id)
    rows = table.rows_of(indices, scene_id, camera_path)
    stamps = table.timestamps_s
    times = None
    if np.all(np.isfinite(stamps)) and np.all(np.diff(stamps) > 0):
        times = stamps[rows] - stamps[0]  # seconds since the first frame of the camera file
    return StreamCameras(poses=table.poses[rows].copy(), intrinsic=table.intrinsics[rows[0]].copy(),
                         width=int(video_size[0]), height=int(video_size[1]), timestamps_s=times)


def colour_stream(folder: Path, scene=None) -> ColourStream | None:
    """The scene's iPhone stream, or None when it has no video."""
    files = ScanppFiles(Path(folder))
    if not files.video.is_file():
        return None
    inputs = tuple(p for p in (files.video, files.camera) if p.exists())
    return ColourStream(files.scene_id, Path(folder), "video", files.video, inputs,
                        video_cameras=partial(video_cameras, files.camera, files.scene_id),
                        decisive_files=(files.camera,) if files.camera.is_file() else ())
