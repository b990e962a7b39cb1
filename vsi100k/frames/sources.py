"""Pick a scan's colour stream (`.sens` first, else mp4) and sample its frames."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Union

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sens_frames import Opener, iter_sens_rgb, sample_sens
from vsi100k.frames.video import iter_video_rgb, sample_video
from vsi100k.scene import Scene

INTRINSIC_NAMES = ("intrinsic_color.txt", "intrinsic/intrinsic_color.txt")


@dataclass(frozen=True)
class StreamLocation:
    """Where a scan's colour stream lies, known without loading the scan (cache keys are computed
    from it before any mesh is read). sens_path / video_path: None when absent."""

    scene_id: str
    directory: Path
    sens_path: Path | None
    video_path: Path | None

    @classmethod
    def of_scan(cls, scene_dir: Path) -> "StreamLocation":
        from vsi100k.scannet import ScanFiles

        files = ScanFiles(Path(scene_dir), Path(scene_dir).name)
        return cls(files.scene_id, Path(scene_dir), files.sens if files.sens.is_file() else None,
                   files.video if files.video.is_file() else None)

    @property
    def has_stream(self) -> bool:
        return self.sens_path is not None or self.video_path is not None


Located = Union[Scene, StreamLocation]  # both carry scene_id, directory, sens_path, video_path


def stream_files(scene: Located) -> list[Path]:
    """The files frames are read from: the `.sens`, or the mp4 plus its intrinsics (the pose
    folder, when used, is listed by `pose_folder`)."""
    if scene.sens_path is not None:
        return [Path(scene.sens_path)]
    if scene.video_path is not None:
        intrinsic = intrinsic_file(scene)
        return [Path(scene.video_path)] + ([intrinsic] if intrinsic is not None else [])
    raise SceneError(scene.scene_id, scene.directory, "no .sens or .mp4 colour stream to sample frames from")


def pose_folder(scene: Located) -> Path | None:
    """The `pose/` folder of an mp4 scan, or None (a `.sens` carries its own poses)."""
    from vsi100k.scannet import ScanFiles

    if scene.sens_path is not None:
        return None
    folder = ScanFiles(Path(scene.directory), scene.scene_id).pose_dir
    return folder if folder.is_dir() else None


def intrinsic_file(scene: Located) -> Path | None:
    """`intrinsic_color.txt` in the scan folder or its `intrinsic/` subfolder (ScanNet's exporter)."""
    for name in INTRINSIC_NAMES:
        candidate = Path(scene.directory) / name
        if candidate.is_file():
            return candidate
    return None


def _metadata_color_size(scene: Scene) -> tuple[int, int] | None:
    try:
        return int(scene.metadata["colorWidth"]), int(scene.metadata["colorHeight"])
    except (KeyError, ValueError):
        return None


def sample_scene_frames(scene: Scene, cfg: FramesConfig, *, opener: Opener | None = None) -> SampledFrames:
    """Sample `cfg.n_frames` frames of a scan from its `.sens` (preferred) or its mp4.

    For mp4 scans, intrinsics are taken to refer to the txt's colorWidth x colorHeight when present
    (ScanNet's intrinsic_color.txt is for the 1296 x 968 sensor), else to the video's frame size.
    Raises SceneError when the scan has no stream or the stream is unreadable.
    """
    if scene.sens_path is not None:
        return sample_sens(Path(scene.sens_path), scene.scene_id, cfg, opener=opener)
    if scene.video_path is not None:
        return sample_video(
            Path(scene.video_path), scene.scene_id, cfg,
            pose_dir=pose_folder(scene), intrinsic_path=intrinsic_file(scene),
            intrinsic_size=_metadata_color_size(scene),
        )
    raise SceneError(scene.scene_id, scene.directory, "no .sens or .mp4 colour stream to sample frames from")


def iter_scene_rgb(scene: Scene) -> Iterator[np.ndarray]:
    """Every colour frame of the scan's stream in order, each (H, W, 3) uint8."""
    if scene.sens_path is not None:
        return iter_sens_rgb(Path(scene.sens_path), scene.scene_id)
    if scene.video_path is not None:
        return iter_video_rgb(Path(scene.video_path), scene.scene_id)
    raise SceneError(scene.scene_id, scene.directory, "no .sens or .mp4 colour stream to sample frames from")
