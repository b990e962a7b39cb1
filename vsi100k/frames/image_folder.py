"""Sample frames from an image-folder stream (ARKitScenes' `lowres_wide` PNGs with their cameras).

The same rules as video streams: `cfg.n_frames` frames spread uniformly (`uniform_frame_indices`)
over the timestamp-sorted frames that have a pose (frames without one are dropped first), resized to
fit `cfg.max_width x cfg.max_height` keeping their aspect, stored as JPEG. The listing and the traj
file are read once; only the sampled PNGs and their pincams are opened. File names and formats
belong to `vsi100k.arkitscenes.camera`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.images import encode_jpeg, read_rgb_file, resize_rgb
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sampling import fit_size, uniform_frame_indices

SOURCE = "images"  # SampledFrames.source of image-folder streams


def sample_image_folder(frames_dir: Path, video_id: str, scene_id: str, cfg: FramesConfig) -> SampledFrames:
    """`cfg.n_frames` frames of an ARKitScenes `<video_id>_frames/` folder with their cameras.

    indices: positions in the whole timestamp-sorted frame listing (total_frames counts it, frames
    without a pose included; none of those is sampled). timestamps_s: seconds since the first frame
    of the listing (from the file names, millisecond resolution; time_source "timestamps").
    poses: (N, 4, 4) camera-to-world in the mesh frame (OpenCV axes) of the matched traj lines.
    The intrinsics are those of the first sampled frame, for its pincam's image size (ARKit's
    focal length drifts by well under a pixel over a video). Raises SceneError naming the scene,
    the file and the problem (see `match_frames` and `read_cameras`), or when a PNG is unreadable
    or its size differs from its pincam's.
    """
    from vsi100k.arkitscenes.camera import match_frames, read_cameras

    posed = match_frames(frames_dir, video_id, scene_id)
    stream = read_cameras(posed, uniform_frame_indices(len(posed), cfg.n_frames))
    jpegs = []
    size = None
    for path, (width, height) in zip(stream.image_paths, stream.image_sizes):
        rgb = read_rgb_file(path, scene_id)
        if rgb.shape[:2] != (int(height), int(width)):
            raise SceneError(scene_id, path, f"image is {rgb.shape[1]} x {rgb.shape[0]} pixels but its intrinsics "
                                             f"are for {int(width)} x {int(height)}")
        size = size or fit_size(rgb.shape[1], rgb.shape[0], cfg.max_width, cfg.max_height)
        jpegs.append(encode_jpeg(resize_rgb(rgb, *size), cfg.jpeg_quality))
    intrinsic = np.eye(4)
    intrinsic[:3, :3] = stream.intrinsics[0]
    return SampledFrames(
        scene_id=scene_id,
        source=SOURCE,
        source_name=Path(stream.image_paths[0]).parent.name,
        total_frames=stream.listed_frames,
        indices=stream.frame_numbers.copy(),
        timestamps_s=stream.timestamps_s - posed.listed_times_s[0],
        time_source="timestamps",
        jpegs=tuple(jpegs),
        width=int(size[0]),
        height=int(size[1]),
        poses=stream.poses.copy(),
        color_intrinsic=intrinsic,
        intrinsic_width=int(stream.image_sizes[0][0]),
        intrinsic_height=int(stream.image_sizes[0][1]),
        frames_without_pose=int(stream.dropped_frames),
    )


def iter_image_folder_rgb(frames_dir: Path, video_id: str, scene_id: str) -> Iterator[np.ndarray]:
    """Every frame of the folder in timestamp order, each (H, W, 3) uint8 (for full-video export)."""
    from vsi100k.arkitscenes.camera import list_frames

    _, paths = list_frames(frames_dir, video_id, scene_id)
    for path in paths:
        yield read_rgb_file(path, scene_id)
