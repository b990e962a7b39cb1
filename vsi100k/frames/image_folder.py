"""Sample frames from an image-folder stream (e.g. ARKitScenes' `lowres_wide` PNGs with their cameras).

The same rules as video streams: `cfg.n_frames` frames spread uniformly (`uniform_frame_indices`)
over the timestamp-sorted frames that have a pose (frames without one are dropped first), resized to
fit `cfg.max_width x cfg.max_height` keeping their aspect, stored as JPEG. The listing and the poses
are read once (`ColourStream.list_images`); only the sampled images and their cameras are opened
(`ColourStream.image_cameras`). A "from_poses" stream is turned upright before resizing, by the
turn its whole posed listing calls for, with its intrinsics and poses turned alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.images import encode_jpeg, read_rgb_file, resize_rgb
from vsi100k.frames.orientation import rotate_camera, rotate_rgb, upright_rotation_deg
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sampling import fit_size, uniform_frame_indices
from vsi100k.frames.stream import ColourStream

SOURCE = "images"  # SampledFrames.source of image-folder streams


def stream_rotation(stream: ColourStream, listing) -> tuple[int, int | None]:
    """(applied turn, stated turn) of an image-folder stream: from the poses of every posed frame of
    the listing for a "from_poses" stream (else 0), and what the source's metadata states."""
    stated = stream.stated_rotation() if stream.stated_rotation is not None else None
    if stream.orientation != "from_poses":
        return 0, stated
    return upright_rotation_deg(listing.poses), stated


def sample_image_folder(stream: ColourStream, cfg: FramesConfig) -> SampledFrames:
    """`cfg.n_frames` frames of an image-folder stream with their cameras, upright.

    indices: positions in the whole timestamp-sorted frame listing (total_frames counts it, frames
    without a pose included; none of those is sampled). timestamps_s: seconds since the first frame
    of the listing (time_source "timestamps"). poses: (N, 4, 4) camera-to-world of the matched
    poses. The intrinsics are those of the first sampled frame for its own image size (ARKit's
    focal length drifts by well under a pixel over a video). All of them describe the turned
    frames. Raises SceneError naming the scene, the file and the problem (from the stream's
    readers), or when an image is unreadable or its size differs from its intrinsics'.
    """
    scene_id = stream.scene_id
    listing = stream.list_images()
    rotation, stated = stream_rotation(stream, listing)
    picked = stream.image_cameras(listing, uniform_frame_indices(len(listing.numbers), cfg.n_frames))
    jpegs = []
    size = None
    for path, (width, height) in zip(picked.image_paths, picked.image_sizes):
        rgb = read_rgb_file(path, scene_id)
        if rgb.shape[:2] != (int(height), int(width)):
            raise SceneError(scene_id, path, f"image is {rgb.shape[1]} x {rgb.shape[0]} pixels but its intrinsics "
                                             f"are for {int(width)} x {int(height)}")
        rgb = rotate_rgb(rgb, rotation)
        size = size or fit_size(rgb.shape[1], rgb.shape[0], cfg.max_width, cfg.max_height)
        jpegs.append(encode_jpeg(resize_rgb(rgb, *size), cfg.jpeg_quality))
    intrinsic = np.eye(4)
    intrinsic[:3, :3] = picked.intrinsics[0]
    intrinsic, intrinsic_width, intrinsic_height, poses = rotate_camera(
        intrinsic, int(picked.image_sizes[0][0]), int(picked.image_sizes[0][1]), picked.poses, rotation)
    return SampledFrames(
        scene_id=scene_id,
        source=SOURCE,
        source_name=Path(picked.image_paths[0]).parent.name,
        total_frames=picked.listed_frames,
        indices=picked.frame_numbers.copy(),
        timestamps_s=picked.timestamps_s - listing.listed_times_s[0],
        time_source="timestamps",
        jpegs=tuple(jpegs),
        width=int(size[0]),
        height=int(size[1]),
        poses=poses,
        color_intrinsic=intrinsic,
        intrinsic_width=intrinsic_width,
        intrinsic_height=intrinsic_height,
        frames_without_pose=int(picked.dropped_frames),
        rotation_deg=rotation,
        stated_rotation_deg=stated,
    )


def iter_image_folder_rgb(stream: ColourStream) -> Iterator[np.ndarray]:
    """Every frame of the listing in timestamp order, each (H, W, 3) uint8, turned as sampling turns
    them (for full-video export)."""
    listing = stream.list_images()
    rotation, _ = stream_rotation(stream, listing)
    for path in listing.listed_paths:
        yield rotate_rgb(read_rgb_file(path, stream.scene_id), rotation)
