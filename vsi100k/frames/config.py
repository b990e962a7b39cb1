"""The frames stage's one configuration object (sampling, resizing, visibility, backend).

Pure data with cross-field checks; no I/O here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from vsi100k.errors import ConfigError

VIDEO_BACKENDS = ("auto", "decord", "pyav")


@dataclass(frozen=True)
class FramesConfig:
    """Settings of the frames stage.

    n_frames: frames sampled uniformly over the whole stream (VSI-Bench uses 32; 16 is also common).
    max_width, max_height: output frames fit inside this box keeping their aspect (never upscaled).
    jpeg_quality: quality of re-encoded frames (a `.sens` JPEG that needs no resize is kept as is).
    default_fps: frame rate assumed when the stream carries no usable timestamps (ScanNet colour
        streams are treated as 24 fps, as VSI-Bench's videos are).
    visibility: ray-cast the mesh from each sampled pose and record first appearances.
    visibility_downscale: rays are cast on a grid 1/visibility_downscale of the colour resolution.
    min_pixel_fraction: a category "appears" in a frame once its instances together cover at least
        this fraction of the frame's pixels (default 0.005 = 0.5 %, e.g. a 45 x 34 px patch of a
        640 x 480 frame), so a sliver at the image border does not count as seeing the object.
    video_backend: how mp4 scans are decoded: decord, PyAV, or auto (decord when installed).
    """

    n_frames: int = 32
    max_width: int = 640
    max_height: int = 480
    jpeg_quality: int = 90
    default_fps: float = 24.0
    visibility: bool = True
    visibility_downscale: int = 4
    min_pixel_fraction: float = 0.005
    video_backend: str = "auto"

    def __post_init__(self) -> None:
        if self.n_frames < 1:
            raise ConfigError(f"n_frames={self.n_frames}: sample at least 1 frame (VSI-Bench uses 32)")
        if self.max_width < 16 or self.max_height < 16:
            raise ConfigError(
                f"max_width x max_height = {self.max_width} x {self.max_height}: use at least 16 x 16 (default 640 x 480)"
            )
        if not 1 <= self.jpeg_quality <= 100:
            raise ConfigError(f"jpeg_quality={self.jpeg_quality}: choose a value in [1, 100] (default 90)")
        if not self.default_fps > 0:
            raise ConfigError(f"default_fps={self.default_fps}: must be positive (ScanNet streams: 24)")
        if self.visibility_downscale < 1:
            raise ConfigError(f"visibility_downscale={self.visibility_downscale}: use 1 (full resolution) or more")
        if not 0.0 < self.min_pixel_fraction < 1.0:
            raise ConfigError(f"min_pixel_fraction={self.min_pixel_fraction}: choose a fraction in (0, 1), e.g. 0.005")
        if self.video_backend not in VIDEO_BACKENDS:
            raise ConfigError(f"video_backend={self.video_backend!r}: choose one of {', '.join(VIDEO_BACKENDS)}")

    def to_json(self) -> dict:
        """Every setting, JSON-ready (build settings, reports, the card)."""
        return asdict(self)

    def sampling_settings(self) -> dict:
        """The settings that change the sampled frames (part of the frames cache key)."""
        keys = ("n_frames", "max_width", "max_height", "jpeg_quality", "default_fps")
        return {k: asdict(self)[k] for k in keys}

    def visibility_settings(self) -> dict:
        """The settings that change the visibility counts (part of the visibility cache key)."""
        return {"visibility_downscale": self.visibility_downscale}
