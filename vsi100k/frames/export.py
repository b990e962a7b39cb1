"""Write frames as an H.264 mp4 (24 fps by default), as VSI-Bench ships its ScanNet videos.

Either the sampled frames only, or every frame of the stream resized to fit the box. Output size is
rounded down to even numbers (yuv420p needs them). Writes to a temporary name, then renames.
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


def write_mp4(path: Path, frames: Iterable[np.ndarray], *, fps: float = 24.0, max_width: int = 640,
              max_height: int = 480, crf: int = 23) -> int:
    """Encode (H, W, 3) uint8 RGB frames into `path`; returns the number of frames written.

    Every frame is resized to the first frame's size fitted into max_width x max_height (even sides).
    crf: libx264 constant rate factor (lower = better; 23 is FFmpeg's default).
    """
    import av
    from fractions import Fraction

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.mp4")
    codec = video_codec()
    count = 0
    size = None
    with av.open(str(tmp), mode="w") as container:
        stream = None
        for rgb in frames:
            if stream is None:
                size = fit_size(rgb.shape[1], rgb.shape[0], max_width, max_height, even=True)
                stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
                stream.width, stream.height = size
                stream.pix_fmt = "yuv420p"
                if codec == "libx264":
                    stream.options = {"crf": str(crf), "preset": "medium"}
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(resize_rgb(rgb, *size)), format="rgb24")
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
