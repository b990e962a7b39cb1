"""Sample frames from a `.sens` stream through the seeking reader its source supplies.

Only the sampled frames' headers and colour payloads are read (plus the per-frame headers the
reader walks once to index the file); depth payloads are never touched. The reader comes with the
scan's `ColourStream` (`open_sens`); this module knows no source package.
"""

from __future__ import annotations

import os

from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.images import decode_jpeg, decode_jpeg_fitted, encode_jpeg
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sampling import frame_times_s, uniform_frame_indices

Opener = Callable[[Path], BinaryIO]


def unbuffered_open(path: Path) -> BinaryIO:
    """Open for random access: without Python's read-ahead buffer (the reader seeks over payloads,
    and a buffered file would pull 8 KiB after every seek to read a 96-byte frame header), and with
    the kernel told the access is random (`posix_fadvise`), so its read-ahead does not pull in
    many times the bytes asked for on a cold page cache."""
    handle = open(path, "rb", buffering=0)
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_RANDOM)
        except OSError:
            pass  # advice only: some filesystems do not take it
    return handle


def sample_sens(path: Path, scene_id: str, cfg: FramesConfig, *, open_sens: Callable[..., Any],
                opener: Opener | None = None) -> SampledFrames:
    """`cfg.n_frames` frames spread uniformly over a `.sens` stream, resized to fit the box.

    open_sens(path, scene_id, opener=...) -> the seeking reader (a context manager; see
    `vsi100k.frames.stream`). opener(path) -> binary file object (default: unbuffered `open`);
    tests pass a byte counter. Raises SceneError (scene, file, problem) for a missing, truncated or
    corrupt stream.
    """
    path = Path(path)
    with open_sens(path, scene_id, opener=opener or unbuffered_open) as reader:
        total = reader.num_frames
        if total < 1:
            raise SceneError(scene_id, path, "the stream holds no frames")
        indices = uniform_frame_indices(total, cfg.n_frames)
        header = reader.header
        poses = np.empty((len(indices), 4, 4), dtype=np.float64)
        stamps = np.empty(len(indices), dtype=np.int64)
        jpegs: list[bytes] = []
        size = None
        for k, index in enumerate(indices):
            poses[k] = reader.pose(int(index))
            stamps[k] = reader.timestamps_us(int(index))[0]
            payload = reader.color_jpeg(int(index))
            rgb, stored = decode_jpeg_fitted(payload, cfg.max_width, cfg.max_height, scene_id, path,
                                             f"colour frame {int(index)}")
            size = (rgb.shape[1], rgb.shape[0])
            if size == stored:
                jpegs.append(payload)  # already small enough: keep the stored JPEG, no second loss
            else:
                jpegs.append(encode_jpeg(rgb, cfg.jpeg_quality))
        first_stamp = stamps[0] if indices[0] == 0 else reader.timestamps_us(0)[0]
    times_s, time_source = frame_times_s(indices, stamps, int(first_stamp), cfg.default_fps)
    return SampledFrames(
        scene_id=scene_id,
        source="sens",
        source_name=path.name,
        total_frames=total,
        indices=indices,
        timestamps_s=times_s,
        time_source=time_source,
        jpegs=tuple(jpegs),
        width=size[0],
        height=size[1],
        poses=poses,
        color_intrinsic=np.asarray(header.color_intrinsic, dtype=np.float64),
        intrinsic_width=int(header.color_width),
        intrinsic_height=int(header.color_height),
    )


def iter_sens_rgb(path: Path, scene_id: str, *, open_sens: Callable[..., Any],
                  opener: Opener | None = None) -> Iterator[np.ndarray]:
    """Every colour frame of a `.sens` stream in order, each (H, W, 3) uint8 (for full-video export)."""
    path = Path(path)
    with open_sens(path, scene_id, opener=opener or unbuffered_open) as reader:
        for index in range(reader.num_frames):
            yield decode_jpeg(reader.color_jpeg(index), scene_id, path, f"colour frame {index}")
