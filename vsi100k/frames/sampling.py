"""Which frames to take and at what size: pure numpy, no I/O.

Frame indices follow VSI-Bench's evaluation (`np.linspace(0, total - 1, n, dtype=int)`, first and
last frame included), so a model sees here the same frames it sees there.
"""

from __future__ import annotations

import numpy as np


def uniform_frame_indices(total: int, n: int) -> np.ndarray:
    """(min(n, total),) int64 indices spread uniformly over a stream of `total` frames.

    Deterministic: `np.linspace(0, total - 1, n)` truncated to integers, as VSI-Bench samples its
    videos. A stream with no more than `n` frames gives every frame once (no repeats).
    """
    if total < 1:
        raise ValueError(f"cannot sample frames from an empty stream (total={total})")
    if n < 1:
        raise ValueError(f"n={n}: sample at least one frame")
    if total <= n:
        return np.arange(total, dtype=np.int64)
    return np.linspace(0, total - 1, n, dtype=np.int64)


def fit_size(width: int, height: int, max_width: int, max_height: int, *, even: bool = False) -> tuple[int, int]:
    """(width, height) in pixels of a `width x height` image scaled to fit `max_width x max_height`.

    Keeps the aspect ratio (the smaller of the two scale factors wins), never upscales, and gives
    at least 1 pixel per side. `even=True` rounds both sides down to even numbers (yuv420 video).
    ScanNet's 1296 x 968 colour frames fit 640 x 480 as 640 x 478.
    """
    if width < 1 or height < 1:
        raise ValueError(f"image size {width} x {height} is empty")
    scale = min(1.0, max_width / width, max_height / height)
    out_w = max(1, int(round(width * scale)))
    out_h = max(1, int(round(height * scale)))
    if even:
        out_w, out_h = max(2, out_w - out_w % 2), max(2, out_h - out_h % 2)
    return out_w, out_h


def frame_times_s(indices: np.ndarray, timestamps_us: np.ndarray | None, first_timestamp_us: int | None,
                  default_fps: float) -> tuple[np.ndarray, str]:
    """(N,) float64 seconds since the stream's first frame, and where they came from.

    Uses the recorded timestamps (microseconds) when they are usable: present, the first frame's
    stamp known, and strictly increasing over the sampled frames. Otherwise (ScanNet streams often
    store zeros) the frame index divided by `default_fps`. Returns ("timestamps" | "fps").
    """
    indices = np.asarray(indices, dtype=np.int64)
    if timestamps_us is not None and first_timestamp_us is not None and indices.size:
        stamps = np.asarray(timestamps_us, dtype=np.int64)
        # Frame 0 is the time origin; when it is not among the sampled frames it must still come first.
        series = stamps if indices[0] == 0 else np.concatenate([[int(first_timestamp_us)], stamps])
        if stamps.shape == indices.shape and np.all(np.diff(series) > 0):
            return (stamps - int(first_timestamp_us)).astype(np.float64) / 1e6, "timestamps"
    return indices.astype(np.float64) / float(default_fps), "fps"
