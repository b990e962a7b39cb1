"""Write frames as an H.264 mp4 (24 fps by default), as VSI-Bench ships its ScanNet videos.

Either the sampled frames only, or every frame of the stream resized to fit the box. Output size is
rounded down to even numbers (yuv420p needs them). Writes to a temporary name, then renames.

Every mp4 the project writes goes through `write_mp4`, which is deterministic: frames converted to
yuv420p here in integer arithmetic (FFmpeg's swscale runs CPU-specific SIMD code whose rounding is
not the same on every CPU), one encoder thread (x264's sliced threads split a frame by
the CPU count, and the bytes follow), x264's macroblock-tree rate control off (its output followed
the process's earlier work), FFmpeg's bitexact flags (no library version strings in the
container), explicit timestamps and fixed container options. Under the same PyAV/FFmpeg build the
bytes are the same on any machine and any CPU count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import numpy as np

from vsi100k.frames.config import FramesConfig
from vsi100k.frames.images import resize_rgb
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sampling import fit_size
from vsi100k.frames.sources import iter_scene_rgb
from vsi100k.scene import Scene


def video_codec() -> str:
    """libx264 when the installed PyAV/FFmpeg has it, else FFmpeg's built-in mpeg4."""
    import av

    return "libx264" if "libx264" in av.codecs_available else "mpeg4"


# Options that fix the bytes: a library default may change with a version or with the machine.
# The container follows the file's suffix: mp4 (VSI-Bench's videos) or Matroska (ScanNet++'s rgb.mkv);
# with +bitexact FFmpeg's Matroska muxer writes fixed, not random, segment and track ids.
CONTAINERS = {
    ".mp4": ("mp4", {"fflags": "+bitexact", "movflags": "+faststart"}),
    ".mkv": ("matroska", {"fflags": "+bitexact"}),
}
ENCODER_OPTIONS = {"threads": "1", "flags": "+bitexact"}
# x264's macroblock-tree rate control is off: with it on, the same frames encoded twice in one process
# gave different bitstreams depending on what the process had done before (2-3 variants in 18 encodes of
# a synthetic ScanNet++ render after other renders; with it off, 18 of 18 were identical).
X264_OPTIONS = {"preset": "medium", "x264-params": "mbtree=0"}


def rgb_to_yuv420p(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB with even H and W -> (H * 3 // 2, W) uint8 planar yuv420p (BT.601, limited range).

    Integer arithmetic only (ITU-R BT.601's 8-bit coefficients), so the result is the same bits on
    every CPU; chroma is the rounded mean of each 2 x 2 block.
    """
    h, w = rgb.shape[:2]
    r, g, b = (rgb[..., k].astype(np.int32) for k in range(3))
    y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16
    u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128
    v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128

    def half(plane: np.ndarray) -> np.ndarray:
        return (plane.reshape(h // 2, 2, w // 2, 2).sum(axis=(1, 3)) + 2) >> 2  # (H/2, W/2)

    planes = np.concatenate([y.ravel(), half(u).ravel(), half(v).ravel()])  # PyAV's packed yuv420p layout
    return planes.clip(0, 255).astype(np.uint8).reshape(h * 3 // 2, w)


def write_mp4(path: Path, frames: Iterable[np.ndarray], *, fps: float = 24.0, max_width: int = 640,
              max_height: int = 480, crf: int = 23) -> int:
    """Encode (H, W, 3) uint8 RGB frames into `path` (.mp4 or .mkv); returns the number of frames written.

    Every frame is resized to the first frame's size fitted into max_width x max_height (even sides).
    crf: libx264 constant rate factor (lower = better; 23 is FFmpeg's default). Deterministic: one
    encoder thread, bitexact flags, frame k at pts k in a 1/fps time base.
    """
    import av
    from fractions import Fraction

    path = Path(path)
    if path.suffix.lower() not in CONTAINERS:
        raise ValueError(f"{path}: a video is written as one of {sorted(CONTAINERS)}, not {path.suffix or 'no suffix'}")
    container_format, container_options = CONTAINERS[path.suffix.lower()]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp" + path.suffix.lower())
    codec = video_codec()
    count = 0
    size = None
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(tmp), mode="w", format=container_format, container_options=dict(container_options)) as container:
        stream = None
        for rgb in frames:
            if stream is None:
                size = fit_size(rgb.shape[1], rgb.shape[0], max_width, max_height, even=True)
                stream = container.add_stream(codec, rate=rate)
                stream.width, stream.height = size
                stream.pix_fmt = "yuv420p"
                stream.codec_context.time_base = 1 / rate
                stream.codec_context.thread_count = 1
                options = dict(ENCODER_OPTIONS)
                if codec == "libx264":
                    options |= X264_OPTIONS | {"crf": str(crf)}
                stream.options = options
            yuv = rgb_to_yuv420p(np.ascontiguousarray(resize_rgb(rgb, *size)))
            frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
            frame.pts = count
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
            count += 1
        if stream is not None:
            container.mux(stream.encode(None))
    if count == 0:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"{path.name}: no frames to write")
    tmp.replace(path)
    return count


def export_sampled_mp4(frames: SampledFrames, path: Path, *, fps: float = 24.0) -> int:
    """The sampled frames of one scan as an mp4 (one frame per sample, `fps` frames per second)."""
    return write_mp4(path, (frames.image(k) for k in range(len(frames))), fps=fps,
                     max_width=frames.width, max_height=frames.height)


def export_stream_mp4(scene: Scene, path: Path, cfg: FramesConfig, *, fps: float = 24.0) -> int:
    """Every frame of the scan's stream as a `fps` mp4 fitted into cfg.max_width x cfg.max_height
    (VSI-Bench's layout: one `<scene_name>.mp4` per scene)."""
    return write_mp4(path, iter_scene_rgb(scene), fps=fps, max_width=cfg.max_width, max_height=cfg.max_height)
