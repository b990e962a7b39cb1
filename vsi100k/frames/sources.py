"""Pick a scan's colour stream (`.sens` first, else mp4, else an image folder) and sample its frames.

ScanNet scans: `.sens`, or an mp4 with an optional `pose/` folder and `intrinsic_color.txt`.
ScanNet++ scans: the iPhone video with its camera file (`pose_intrinsic_imu.json`: per video frame
an aligned camera-to-world pose and a 3x3 intrinsic matrix for the video's own frame size).
ARKitScenes scans: the `<video_id>_frames/` folder of `lowres_wide` PNGs with per-frame pincams
and the `lowres_wide.traj` poses (`vsi100k.arkitscenes.camera`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
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
NO_STREAM = "no .sens or .mp4 colour stream to sample frames from (nor a lowres_wide image folder)"


@dataclass(frozen=True)
class StreamLocation:
    """Where a scan's colour stream lies, known without loading the scan (cache keys are computed
    from it before any mesh is read). sens_path / video_path / frames_dir: None when absent."""

    scene_id: str
    directory: Path
    sens_path: Path | None
    video_path: Path | None
    camera_path: Path | None = None  # ScanNet++'s per-frame camera file, when the scan has one
    frames_dir: Path | None = None  # ARKitScenes' `<video_id>_frames` folder, when it holds lowres_wide

    @classmethod
    def of_scan(cls, scene_dir: Path) -> "StreamLocation":
        from vsi100k.scannet import ScanFiles
        from vsi100k.scannetpp import ScanppFiles, is_scan as is_scannetpp_scan

        if is_scannetpp_scan(Path(scene_dir)):
            pp = ScanppFiles(Path(scene_dir))
            return cls(pp.scene_id, Path(scene_dir), None, pp.video if pp.video.is_file() else None,
                       pp.camera if pp.camera.is_file() else None)
        from vsi100k.arkitscenes.files import is_scan as is_arkit_scan

        if is_arkit_scan(Path(scene_dir)):
            return cls(Path(scene_dir).name, Path(scene_dir), None, None, None, _arkit_frames_dir(Path(scene_dir)))
        files = ScanFiles(Path(scene_dir), Path(scene_dir).name)
        return cls(files.scene_id, Path(scene_dir), files.sens if files.sens.is_file() else None,
                   files.video if files.video.is_file() else None)

    @property
    def has_stream(self) -> bool:
        return self.sens_path is not None or self.video_path is not None or self.frames_dir is not None


Located = Union[Scene, StreamLocation]  # both carry scene_id, directory, sens_path, video_path


def _arkit_frames_dir(folder: Path) -> Path | None:
    """`<video_id>_frames` of an ARKitScenes scan folder when its `lowres_wide` folder exists, else None
    (the caller knows the folder is an ARKitScenes scan)."""
    from vsi100k.arkitscenes.files import ArkitFiles

    files = ArkitFiles(folder)
    return files.frames_dir if files.images_dir.is_dir() else None


def image_folder(scene: Located) -> Path | None:
    """The ARKitScenes `<video_id>_frames` folder a scan's frames come from, or None (other sources)."""
    if isinstance(scene, StreamLocation):
        return scene.frames_dir
    from vsi100k.arkitscenes.files import is_scan as is_arkit_scan

    if scene.sens_path is not None or scene.video_path is not None or not is_arkit_scan(Path(scene.directory)):
        return None
    return _arkit_frames_dir(Path(scene.directory))


def camera_file(scene: Located) -> Path | None:
    """The ScanNet++ camera file of a scan's video, or None (ScanNet scans have none)."""
    if isinstance(scene, StreamLocation):
        return scene.camera_path
    from vsi100k.scannetpp import ScanppFiles, is_scan as is_scannetpp_scan

    if scene.video_path is None or not is_scannetpp_scan(Path(scene.directory)):
        return None
    path = ScanppFiles(Path(scene.directory)).camera
    return path if path.is_file() else None


def stream_files(scene: Located) -> list[Path]:
    """The files frames are read from: the `.sens`, or the mp4 plus its intrinsics or camera file
    (the pose folder, when used, is listed by `pose_folder`), or an image folder's traj file,
    intrinsics folder and images folder (those present; folders are fingerprinted by their listing)."""
    if scene.sens_path is not None:
        return [Path(scene.sens_path)]
    frames_dir = image_folder(scene)
    if frames_dir is not None:
        from vsi100k.arkitscenes.files import LowresWideFiles

        files = LowresWideFiles(frames_dir)
        return [p for p in (files.traj, files.intrinsics_dir, files.images_dir) if p.exists()]
    cameras = camera_file(scene)
    if scene.video_path is not None and cameras is not None:
        return [Path(scene.video_path), cameras]
    if scene.video_path is not None:
        intrinsic = intrinsic_file(scene)
        return [Path(scene.video_path)] + ([intrinsic] if intrinsic is not None else [])
    raise SceneError(scene.scene_id, scene.directory, NO_STREAM)


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
    cameras = camera_file(scene)
    if scene.video_path is not None and cameras is not None:
        return sample_iphone_video(Path(scene.video_path), cameras, scene.scene_id, cfg)
    if scene.video_path is not None:
        return sample_video(
            Path(scene.video_path), scene.scene_id, cfg,
            pose_dir=pose_folder(scene), intrinsic_path=intrinsic_file(scene),
            intrinsic_size=_metadata_color_size(scene),
        )
    frames_dir = image_folder(scene)
    if frames_dir is not None:
        from vsi100k.frames.image_folder import sample_image_folder

        # an ARKitScenes scan's id is its video id, which names its frame files
        return sample_image_folder(frames_dir, scene.scene_id, scene.scene_id, cfg)
    raise SceneError(scene.scene_id, scene.directory, NO_STREAM)


def sample_iphone_video(video: Path, cameras: Path, scene_id: str, cfg: FramesConfig) -> SampledFrames:
    """Frames of a ScanNet++ iPhone video with their poses and intrinsics from the camera file.

    Poses are the aligned camera-to-world matrices of the sampled frames; times are the camera
    file's capture timestamps (seconds since its first frame) when they increase, else the video's.
    The intrinsics are those
    of the first sampled frame (the iPhone's focal length varies by well under a pixel over a scan)
    and refer to the video's own frame size. Raises SceneError naming the file when a sampled frame
    has no camera or the camera file is malformed.
    """
    from vsi100k.scannetpp import read_iphone_cameras

    frames = sample_video(video, scene_id, cfg)
    table = read_iphone_cameras(cameras, scene_id)
    rows = table.rows_of(frames.indices, scene_id, cameras)
    intrinsic = np.eye(4)
    intrinsic[:3, :3] = table.intrinsics[rows[0]]
    width, height = video_frame_size(video, scene_id)
    changes = {}
    stamps = table.timestamps_s
    if np.all(np.isfinite(stamps)) and np.all(np.diff(stamps) > 0):
        # the capture times of the frames, seconds since the first frame of the camera file
        changes = {"timestamps_s": stamps[rows] - stamps[0], "time_source": "timestamps"}
    return replace(frames, poses=table.poses[rows].copy(), color_intrinsic=intrinsic,
                   intrinsic_width=width, intrinsic_height=height, **changes)


def video_frame_size(path: Path, scene_id: str) -> tuple[int, int]:
    """(width, height) in pixels of the first video stream of a file (PyAV, no decoding)."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise SceneError(scene_id, path, "the file has no video stream")
            stream = container.streams.video[0]
            return int(stream.codec_context.width), int(stream.codec_context.height)
    except SceneError:
        raise
    except Exception as exc:  # av.error.* on unreadable files
        raise SceneError(scene_id, path, f"cannot read the video header ({type(exc).__name__}: {exc})") from None


def iter_scene_rgb(scene: Scene) -> Iterator[np.ndarray]:
    """Every colour frame of the scan's stream in order, each (H, W, 3) uint8."""
    if scene.sens_path is not None:
        return iter_sens_rgb(Path(scene.sens_path), scene.scene_id)
    if scene.video_path is not None:
        return iter_video_rgb(Path(scene.video_path), scene.scene_id)
    frames_dir = image_folder(scene)
    if frames_dir is not None:
        from vsi100k.frames.image_folder import iter_image_folder_rgb

        return iter_image_folder_rgb(frames_dir, scene.scene_id, scene.scene_id)
    raise SceneError(scene.scene_id, scene.directory, NO_STREAM)

