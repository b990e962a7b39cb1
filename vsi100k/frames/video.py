"""Sample frames from a video (VSI-Bench ships ScanNet as 24 fps mp4; ScanNet++ as mkv) with decord or PyAV.

Camera data of the sampled frames comes from the scan's source (`ColourStream.video_cameras`).
Two generic readers are here for sources that keep cameras as text: a folder of `<frame>.txt`
4x4 matrices (`read_pose_folder`) and one whitespace-separated matrix file (`read_matrix_txt`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.images import encode_jpeg, resize_rgb
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sampling import fit_size, frame_times_s, uniform_frame_indices

if TYPE_CHECKING:
    from vsi100k.frames.stream import StreamCameras


def decord_available() -> bool:
    try:
        import decord  # noqa: F401
    except ImportError:
        return False
    return True


def _backend(cfg: FramesConfig) -> str:
    if cfg.video_backend == "auto":
        return "decord" if decord_available() else "pyav"
    return cfg.video_backend


def _read_decord(path: Path, scene_id: str, n_frames: int) -> tuple[int, np.ndarray, list[np.ndarray], np.ndarray]:
    """(total frames, indices, frames (H, W, 3) uint8, start times in seconds) with decord."""
    import decord

    try:
        reader = decord.VideoReader(str(path), ctx=decord.cpu(0), num_threads=1)
        total = len(reader)
        if total < 1:
            raise SceneError(scene_id, path, "the video holds no frames")
        indices = uniform_frame_indices(total, n_frames)
        batch = reader.get_batch([int(i) for i in indices]).asnumpy()
        times = np.asarray(reader.get_frame_timestamp([0, *[int(i) for i in indices]]), dtype=np.float64)[:, 0]
    except SceneError:
        raise
    except Exception as exc:  # decord raises DECORDError / RuntimeError on unreadable files
        raise SceneError(scene_id, path, f"cannot decode video ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    return total, indices, list(batch), times


def _count_frames_pyav(container, stream) -> int:
    """Frames of the first video stream: the container's count, else one per demuxed packet."""
    if stream.frames and stream.frames > 0:
        return int(stream.frames)
    total = sum(1 for packet in container.demux(stream) if packet.size > 0)
    container.seek(0)
    return total


def _read_pyav(path: Path, scene_id: str, n_frames: int) -> tuple[int, np.ndarray, list[np.ndarray], np.ndarray]:
    """Same as `_read_decord` with PyAV: decodes the stream once, keeping the sampled frames."""
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise SceneError(scene_id, path, "the file has no video stream")
            stream = container.streams.video[0]
            total = _count_frames_pyav(container, stream)
            if total < 1:
                raise SceneError(scene_id, path, "the video holds no frames")
            indices = uniform_frame_indices(total, n_frames)
            wanted = {int(i): k for k, i in enumerate(indices)}
            frames: list[np.ndarray | None] = [None] * len(indices)
            times = np.full(len(indices) + 1, np.nan)
            for number, frame in enumerate(container.decode(stream)):
                if number == 0 and frame.time is not None:
                    times[0] = frame.time
                if number in wanted:
                    k = wanted[number]
                    frames[k] = frame.to_ndarray(format="rgb24")
                    times[k + 1] = np.nan if frame.time is None else frame.time
                if number >= indices[-1]:
                    break
    except SceneError:
        raise
    except Exception as exc:  # av.error.* on unreadable files
        raise SceneError(scene_id, path, f"cannot decode video ({type(exc).__name__}: {exc})") from None
    missing = [int(indices[k]) for k, f in enumerate(frames) if f is None]
    if missing:
        raise SceneError(scene_id, path, f"truncated video: {total} frames announced, frame {missing[0]} cannot be decoded")
    return total, indices, frames, times


def read_pose_folder(pose_dir: Path, scene_id: str, indices: np.ndarray) -> np.ndarray:
    """(N, 4, 4) float64 camera-to-world of the given video frames from `<pose_dir>/<frame>.txt`.

    File names may be zero-padded (`000120.txt`). Raises SceneError when a frame has no pose file
    or a file is not a 4x4 matrix. ScanNet marks lost tracking with -inf entries; they are kept.
    """
    pose_dir = Path(pose_dir)
    by_frame = {int(p.stem): p for p in pose_dir.iterdir() if p.suffix == ".txt" and p.stem.isdigit()}
    poses = np.empty((len(indices), 4, 4), dtype=np.float64)
    for k, index in enumerate(indices):
        path = by_frame.get(int(index))
        if path is None:
            raise SceneError(scene_id, pose_dir, f"no pose file for video frame {int(index)} ({len(by_frame)} pose files)")
        poses[k] = read_matrix_txt(path, scene_id, shape=(4, 4))
    return poses


def read_matrix_txt(path: Path, scene_id: str, shape: tuple[int, int] = (4, 4)) -> np.ndarray:
    """A whitespace-separated matrix text file as float64 of `shape` (3x3 accepted for 4x4
    intrinsics, embedded in the identity)."""
    path = Path(path)
    try:
        values = np.array([float(v) for v in path.read_text().split()], dtype=np.float64)
    except ValueError:
        raise SceneError(scene_id, path, "not a matrix of numbers") from None
    except FileNotFoundError:
        raise SceneError(scene_id, path, "file not found") from None
    if values.size == 9 and shape == (4, 4):
        matrix = np.eye(4)
        matrix[:3, :3] = values.reshape(3, 3)
        return matrix
    if values.size != shape[0] * shape[1]:
        raise SceneError(scene_id, path, f"expected {shape[0]}x{shape[1]} numbers, found {values.size}")
    return values.reshape(shape)


def sample_video(
    path: Path,
    scene_id: str,
    cfg: FramesConfig,
    *,
    cameras: Callable[[np.ndarray, tuple[int, int]], "StreamCameras | None"] | None = None,
) -> SampledFrames:
    """`cfg.n_frames` frames spread uniformly over a video, resized to fit the box.

    Times come from the container's timestamps (seconds since the first frame) when they increase,
    else index / `cfg.default_fps`; the cameras' capture times replace them when given.
    cameras(indices, (width, height) of the decoded frames) -> `StreamCameras` of the sampled
    frames, or None (no camera data).
    """
    path = Path(path)
    if not path.exists():
        raise SceneError(scene_id, path, "file not found")
    reader = _read_decord if _backend(cfg) == "decord" else _read_pyav
    total, indices, frames, times = reader(path, scene_id, cfg.n_frames)
    height, width = frames[0].shape[:2]
    size = fit_size(width, height, cfg.max_width, cfg.max_height)
    jpegs = tuple(encode_jpeg(resize_rgb(f, *size), cfg.jpeg_quality) for f in frames)
    stamps_us = None if not np.all(np.isfinite(times)) else np.round(times * 1e6).astype(np.int64)
    times_s, time_source = frame_times_s(
        indices, None if stamps_us is None else stamps_us[1:], None if stamps_us is None else int(stamps_us[0]),
        cfg.default_fps,
    )
    camera = cameras(indices, (width, height)) if cameras is not None else None
    poses = None if camera is None else camera.poses
    intrinsic = None if camera is None or camera.intrinsic is None else _as_4x4(camera.intrinsic)
    if camera is not None and camera.timestamps_s is not None:
        times_s, time_source = np.asarray(camera.timestamps_s, dtype=np.float64), "timestamps"
    return SampledFrames(
        scene_id=scene_id,
        source="video",
        source_name=path.name,
        total_frames=total,
        indices=indices,
        timestamps_s=times_s,
        time_source=time_source,
        jpegs=jpegs,
        width=size[0],
        height=size[1],
        poses=poses,
        color_intrinsic=intrinsic,
        intrinsic_width=None if intrinsic is None else int(camera.width),
        intrinsic_height=None if intrinsic is None else int(camera.height),
    )


def _as_4x4(matrix: np.ndarray) -> np.ndarray:
    """A (3, 3) pinhole matrix embedded in the (4, 4) identity; (4, 4) as it is."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.shape == (4, 4):
        return matrix
    out = np.eye(4)
    out[:3, :3] = matrix
    return out


def iter_video_rgb(path: Path, scene_id: str) -> Iterator[np.ndarray]:
    """Every frame of an mp4 in order, each (H, W, 3) uint8 (PyAV; for full-video export)."""
    import av

    path = Path(path)
    try:
        with av.open(str(path)) as container:
            for frame in container.decode(video=0):
                yield frame.to_ndarray(format="rgb24")
    except Exception as exc:
        raise SceneError(scene_id, path, f"cannot decode video ({type(exc).__name__}: {exc})") from None
