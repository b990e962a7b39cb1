"""Fingerprint the bytes of a scan's colour stream that decide its sampled frames.

A published frames manifest records, per scan, which stream its frames came from and a SHA-256
of that stream's relevant bytes, so that someone rebuilding the frames from their own copy of the
scan learns whether their stream is the one the dataset was made from before any frame is compared.
"Relevant" per stream kind:

- `.sens` (ScanNet): the frame count, the colour size and compression, and for frame 0 and every
  sampled frame its colour timestamp and its stored colour JPEG (depth and poses are not read);
- video (ScanNet mp4, ScanNet++ iPhone video): the whole video file (decoding a frame depends on
  the frames before it) and the stream's decisive files (ScanNet++: the camera file the
  timestamps come from);
- image folder (ARKitScenes `lowres_wide`): the sorted listing of frame names, the decisive files
  (the pose file: it decides which frames can be sampled and their turn) and the sampled images.

The stream and its files come from the scan's source (`ColourStream`); this module knows no
source's layout. Reads files only. Paths are recorded relative to the scan folder, never absolute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from vsi100k.errors import SceneError
from vsi100k.frames.sources import NO_STREAM, locate_stream

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
    stream = locate_stream(scene_dir)
    scene_id = scene_id or (stream.scene_id if stream is not None else scene_dir.name)
    indices = [int(i) for i in indices]
    sha = hashlib.sha256()
    if stream is None:
        raise SceneError(scene_id, scene_dir, NO_STREAM)
    if stream.kind == "sens":
        files = [stream.path]
        _sens_bytes(sha, stream, indices, scene_id)
    elif stream.kind == "video":
        files = [stream.path, *stream.decisive_files]
        for file in files:
            sha.update(f"{file.name}\n".encode())
            _hash_file(sha, file)
    else:
        files = _image_folder_bytes(sha, stream, indices, scene_id)
    return {"kind": stream.kind, "path": _relative(stream.path, scene_dir),
            "files": [_relative(f, scene_dir) for f in files], "sha256": sha.hexdigest()}


def _sens_bytes(sha, stream, indices: list[int], scene_id: str) -> None:
    from vsi100k.frames.sens_frames import unbuffered_open

    path = stream.path
    with stream.open_sens(path, scene_id, opener=unbuffered_open) as reader:
        header = reader.header
        sha.update(f"{reader.num_frames} {header.color_width} {header.color_height} "
                   f"{header.color_compression}\n".encode())
        for index in sorted({0, *indices}):
            if not 0 <= index < reader.num_frames:
                raise SceneError(scene_id, path, f"sampled frame {index} is outside the stream's "
                                                 f"{reader.num_frames} frames")
            sha.update(f"{index} {reader.timestamps_us(index)[0]}\n".encode())
            sha.update(hashlib.sha256(reader.color_jpeg(index)).digest())


def _image_folder_bytes(sha, stream, indices: list[int], scene_id: str) -> list[Path]:
    paths = stream.list_images().listed_paths
    sha.update("\n".join(p.name for p in paths).encode() + b"\n")
    files: list[Path] = []
    for decisive in stream.decisive_files:
        _hash_file(sha, decisive)
        files.append(decisive)
    for index in indices:
        if not 0 <= index < len(paths):
            raise SceneError(scene_id, stream.path, f"sampled frame {index} is outside the folder's {len(paths)} frames")
        sha.update(f"{index} {paths[index].name}\n".encode())
        _hash_file(sha, paths[index])
        files.append(paths[index])
    return files
