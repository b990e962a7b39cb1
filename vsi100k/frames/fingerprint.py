"""Fingerprint the bytes of a scan's colour stream that decide its sampled frames.

A published frames manifest records, per scan, which stream its frames came from and a SHA-256
of that stream's relevant bytes, so that someone rebuilding the frames from their own copy of the
scan learns whether their stream is the one the dataset was made from before any frame is compared.
"Relevant" per stream kind:

- `.sens` (ScanNet): the frame count, the colour size and compression, and for frame 0 and every
  sampled frame its colour timestamp and its stored colour JPEG (depth and poses are not read);
- video (ScanNet mp4, ScanNet++ iPhone video): the whole video file (decoding a frame depends on
  the frames before it) and, for ScanNet++, the camera file the timestamps come from;
- image folder (ARKitScenes `lowres_wide`): the sorted listing of frame names, the pose file
  (it decides which frames can be sampled) and the sampled PNG files.

Reads files only. Paths are recorded relative to the scan folder, never absolute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from vsi100k.errors import SceneError
from vsi100k.frames.sources import NO_STREAM, StreamLocation, camera_file

CHUNK_BYTES = 8 * 2**20
STREAM_KINDS = ("sens", "video", "images")


def _hash_file(sha, path: Path) -> None:
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            sha.update(chunk)


def _relative(path: Path, scene_dir: Path) -> str:
    return Path(path).relative_to(scene_dir).as_posix()


def stream_fingerprint(scene_dir: Path, indices: Sequence[int], scene_id: str | None = None) -> dict:
    """{"kind", "path", "files", "sha256"} of the colour stream of the scan in `scene_dir`.

    indices: the sampled frame numbers (positions in the stream) whose bytes count. kind: one of
    STREAM_KINDS; path: the stream inside the scan folder (posix, relative); files: every file the
    hash covers (relative); sha256: hex digest. Raises SceneError (scene, file, problem) when the
    scan has no stream or a sampled frame is outside it.
    """
    scene_dir = Path(scene_dir)
    location = StreamLocation.of_scan(scene_dir)
    scene_id = scene_id or location.scene_id
    indices = [int(i) for i in indices]
    sha = hashlib.sha256()
    if location.sens_path is not None:
        kind, path, files = "sens", location.sens_path, [location.sens_path]
        _sens_bytes(sha, location.sens_path, indices, scene_id)
    elif location.video_path is not None:
        kind, path = "video", location.video_path
        cameras = camera_file(location)
        files = [location.video_path] + ([cameras] if cameras is not None else [])
        for file in files:
            sha.update(f"{file.name}\n".encode())
            _hash_file(sha, file)
    elif location.frames_dir is not None:
        kind, path = "images", location.frames_dir
        files = _image_folder_bytes(sha, location.frames_dir, indices, scene_id)
    else:
        raise SceneError(scene_id, scene_dir, NO_STREAM)
    return {"kind": kind, "path": _relative(path, scene_dir), "files": [_relative(f, scene_dir) for f in files],
            "sha256": sha.hexdigest()}


def _sens_bytes(sha, path: Path, indices: list[int], scene_id: str) -> None:
    from vsi100k.frames.sens_frames import unbuffered_open
    from vsi100k.scannet import SensReader

    with SensReader(path, scene_id, opener=unbuffered_open) as reader:
        header = reader.header
        sha.update(f"{reader.num_frames} {header.color_width} {header.color_height} "
                   f"{header.color_compression}\n".encode())
        for index in sorted({0, *indices}):
            if not 0 <= index < reader.num_frames:
                raise SceneError(scene_id, path, f"sampled frame {index} is outside the stream's "
                                                 f"{reader.num_frames} frames")
            sha.update(f"{index} {reader.timestamps_us(index)[0]}\n".encode())
            sha.update(hashlib.sha256(reader.color_jpeg(index)).digest())


def _image_folder_bytes(sha, frames_dir: Path, indices: list[int], scene_id: str) -> list[Path]:
    from vsi100k.arkitscenes.camera import list_frames
    from vsi100k.arkitscenes.files import LowresWideFiles

    video_id = frames_dir.parent.name
    _, paths = list_frames(frames_dir, video_id, scene_id)
    sha.update("\n".join(p.name for p in paths).encode() + b"\n")
    traj = LowresWideFiles(frames_dir).traj
    files: list[Path] = []
    if traj.is_file():
        _hash_file(sha, traj)
        files.append(traj)
    for index in indices:
        if not 0 <= index < len(paths):
            raise SceneError(scene_id, frames_dir, f"sampled frame {index} is outside the folder's {len(paths)} frames")
        sha.update(f"{index} {paths[index].name}\n".encode())
        _hash_file(sha, paths[index])
        files.append(paths[index])
    return files
