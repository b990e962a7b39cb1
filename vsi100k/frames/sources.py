"""Sample a scan's colour stream, whatever its source.

The scan's source (`vsi100k.sources`) describes the stream as a `ColourStream`: its kind (`.sens`,
video, image folder), the files that key the cache, the functions that read frames, poses and
intrinsics, and whether frames must be turned upright from the poses. This module dispatches on
the kind and applies the turn; it knows no source's folder layout or file names.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sens_frames import Opener, iter_sens_rgb, sample_sens
from vsi100k.frames.stream import ColourStream
from vsi100k.frames.video import iter_video_rgb, sample_video
from vsi100k.scene import Scene

NO_STREAM = "no colour stream to sample frames from (no .sens or video, nor a lowres_wide image folder)"


def _source_for(folder: Path):
    """The source whose layout `folder` has; ScanNet's for a folder laid out as no known source
    (a bare folder with a `.sens` or mp4)."""
    from vsi100k.sources import get_source, source_of

    try:
        return source_of(Path(folder))
    except SceneError:
        return get_source("scannet")


def locate_stream(folder: Path) -> ColourStream | None:
    """The stream of a scan folder without loading the scan (cache keys are computed from it before
    any mesh is read); None when the scan has none."""
    return _source_for(folder).stream(Path(folder), None)


def stream_of(scene: Scene) -> ColourStream | None:
    """The stream of a loaded scan (its source may use what loading located); None when it has none."""
    return _source_for(scene.directory).stream(Path(scene.directory), scene)


def required_stream(scene: Scene) -> ColourStream:
    """The stream of a loaded scan; SceneError naming the scan folder when it has none."""
    stream = stream_of(scene)
    if stream is None:
        raise SceneError(scene.scene_id, scene.directory, NO_STREAM)
    return stream


def sample_scene_frames(scene: Scene, cfg: FramesConfig, *, opener: Opener | None = None) -> SampledFrames:
    """Sample `cfg.n_frames` frames of a scan's colour stream (see `sample_stream`).

    Raises SceneError when the scan has no stream or the stream is unreadable.
    """
    return sample_stream(required_stream(scene), cfg, opener=opener)


def sample_stream(stream: ColourStream, cfg: FramesConfig, *, opener: Opener | None = None) -> SampledFrames:
    """`cfg.n_frames` frames of a stream with their times, poses and intrinsics, upright.

    opener: how `.sens` files are opened (tests pass a byte counter). A "from_poses" stream is turned
    by `orientation.upright_rotation_deg` (`SampledFrames.rotation_deg`); images, intrinsics and
    poses are turned together. SceneError (scene, file, problem) from the readers.
    """
    if stream.kind == "sens":
        frames = sample_sens(stream.path, stream.scene_id, cfg, opener=opener, open_sens=stream.open_sens)
    elif stream.kind == "video":
        frames = sample_video(stream.path, stream.scene_id, cfg, cameras=stream.video_cameras)
    else:
        from vsi100k.frames.image_folder import sample_image_folder

        return sample_image_folder(stream, cfg)
    if stream.orientation != "from_poses":
        return frames
    return turn_upright(frames, stream, cfg)


def turn_upright(frames: SampledFrames, stream: ColourStream, cfg: FramesConfig) -> SampledFrames:
    """Frames of a "from_poses" sens or video stream turned upright from their own poses (JPEGs
    decoded, turned and encoded again); unchanged when they carry no camera."""
    from vsi100k.frames.images import encode_jpeg
    from vsi100k.frames.orientation import rotate_camera, rotate_rgb, upright_rotation_deg

    stated = stream.stated_rotation() if stream.stated_rotation is not None else None
    if not frames.has_camera:
        return replace(frames, stated_rotation_deg=stated)
    rotation = upright_rotation_deg(frames.poses)
    if rotation == 0:
        return replace(frames, stated_rotation_deg=stated)
    intrinsic, width, height, poses = rotate_camera(frames.color_intrinsic, frames.intrinsic_width,
                                                    frames.intrinsic_height, frames.poses, rotation)
    jpegs = tuple(encode_jpeg(rotate_rgb(image, rotation), cfg.jpeg_quality) for image in frames.images())
    return replace(frames, jpegs=jpegs, width=frames.height if rotation % 180 else frames.width,
                   height=frames.width if rotation % 180 else frames.height, poses=poses,
                   color_intrinsic=intrinsic, intrinsic_width=width, intrinsic_height=height,
                   rotation_deg=rotation, stated_rotation_deg=stated)


def iter_scene_rgb(scene: Scene) -> Iterator[np.ndarray]:
    """Every colour frame of the scan's stream in order, each (H, W, 3) uint8, upright as sampled:
    image folders turned as sampling turns them (`image_folder.stream_rotation`, from the whole
    listing); `.sens` and video streams as stored, which is how sampling leaves an "as_stored"
    stream, the only orientation any registered source gives a `.sens` or video stream (ScanNet,
    ScanNet++). A "from_poses" `.sens` or video stream is refused (ValueError): sampling turns it by
    the sampled frames' poses, a turn the whole stream does not have."""
    stream = required_stream(scene)
    if stream.kind != "images" and stream.orientation == "from_poses":
        raise ValueError(f"{stream.scene_id}: {stream.name}: a \"from_poses\" {stream.kind} stream is turned by its "
                         "sampled frames' poses; export the sampled frames instead of the whole stream")
    if stream.kind == "sens":
        return iter_sens_rgb(stream.path, stream.scene_id, open_sens=stream.open_sens)
    if stream.kind == "video":
        return iter_video_rgb(stream.path, stream.scene_id)
    from vsi100k.frames.image_folder import iter_image_folder_rgb

    return iter_image_folder_rgb(stream)
