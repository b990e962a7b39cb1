"""Sample frames from an image-folder stream (ARKitScenes' `lowres_wide` PNGs with their cameras).

The same rules as video streams: `cfg.n_frames` frames spread uniformly over the timestamp-sorted
listing (`uniform_frame_indices`), resized to fit `cfg.max_width x cfg.max_height` keeping their
aspect, stored as JPEG. Only the sampled PNGs and their pincams are opened; the traj file is read
once. File names and formats belong to `vsi100k.arkitscenes.camera`.
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

    indices: positions in the timestamp-sorted frame listing. timestamps_s: seconds since the first
    frame of the listing (from the file names, millisecond resolution; time_source "timestamps").
    poses: (N, 4, 4) camera-to-world in the mesh frame (OpenCV axes) of the matched traj lines.
    The intrinsics are those of the first sampled frame, for its pincam's image size (ARKit's
    focal length drifts by well under a pixel over a video). Raises SceneError naming the scene,
    the file and the problem (see `read_lowres_wide`), or when a PNG is unreadable or its size
    differs from its pincam's.
    """
    from vsi100k.arkitscenes.camera import list_frames, read_lowres_wide

    times, paths = list_frames(frames_dir, video_id, scene_id)
    indices = uniform_frame_indices(len(paths), cfg.n_frames)
    stream = read_lowres_wide(frames_dir, video_id, scene_id, indices=indices)
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
        total_frames=len(paths),
        indices=np.asarray(indices, dtype=np.int64),
        timestamps_s=stream.timestamps_s - times[0],
        time_source="timestamps",
        jpegs=tuple(jpegs),
        width=int(size[0]),
        height=int(size[1]),
        poses=stream.poses.copy(),
        color_intrinsic=intrinsic,
        intrinsic_width=int(stream.image_sizes[0][0]),
        intrinsic_height=int(stream.image_sizes[0][1]),
    )


def iter_image_folder_rgb(frames_dir: Path, video_id: str, scene_id: str) -> Iterator[np.ndarray]:
    """Every frame of the folder in timestamp order, each (H, W, 3) uint8 (for full-video export)."""
    from vsi100k.arkitscenes.camera import list_frames

    _, paths = list_frames(frames_dir, video_id, scene_id)
    for path in paths:
        yield read_rgb_file(path, scene_id)
