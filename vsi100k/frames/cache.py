"""Per-scene cache of sampled frames and visibility, so rebuilding questions never re-reads a stream.

Layout under the cache root::

    <scene_id>/frames-<key>/meta.json, 000.jpg, 001.jpg, ...   (SampledFrames)
    <scene_id>/visibility-<key>.json                           (Visibility)

A key is a hash of the input files' names, sizes and modification times plus the settings that
change the output, so editing a scan or a setting misses the cache instead of serving stale data.
Entries are written under a temporary name and renamed into place (atomic on POSIX); a damaged
entry reads as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.stream import ColourStream
from vsi100k.frames.visibility import Visibility
from vsi100k.scene import Scene

CACHE_FORMAT = 1


def file_fingerprint(path: Path) -> list:
    """[name, size in bytes, mtime in ns] of a file, or for a folder the hash of its listing."""
    path = Path(path)
    if path.is_dir():
        listing = sorted((e.name, e.stat().st_size, e.stat().st_mtime_ns) for e in os.scandir(path) if e.is_file())
        return [path.name, "dir", hashlib.sha256(json.dumps(listing).encode()).hexdigest()]
    stat = path.stat()
    return [path.name, stat.st_size, stat.st_mtime_ns]


def _digest(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _stream(scan) -> ColourStream:
    """A `ColourStream` as it is, or the stream of a loaded `Scene` (SceneError when it has none)."""
    if isinstance(scan, ColourStream):
        return scan
    from vsi100k.frames.sources import required_stream

    return required_stream(scan)


def frames_key(scan: "ColourStream | Scene", cfg: FramesConfig) -> str:
    """Cache key of a scan's sampled frames: the stream's input files (those present) and sampling
    settings. scan: its stream, or the loaded Scene."""
    stream = _stream(scan)
    inputs = [file_fingerprint(p) for p in stream.inputs if Path(p).exists()]
    return _digest({"format": CACHE_FORMAT, "inputs": inputs, "settings": cfg.sampling_settings()})


def visibility_key(scan: "ColourStream | Scene", cfg: FramesConfig) -> str:
    """Cache key of a scan's visibility: the frames' key, the mesh and annotation files of the scan's
    source, ray settings."""
    from vsi100k.errors import SceneError
    from vsi100k.sources import get_source, source_of

    stream = _stream(scan)
    folder = Path(stream.directory)
    try:
        source = source_of(folder)
    except SceneError:  # a folder laid out as no known source: its ScanNet-named files, if any
        source = get_source("scannet")
    inputs = [file_fingerprint(p) for p in source.facts_inputs(folder) if p.exists()]
    return _digest({"format": CACHE_FORMAT, "frames": frames_key(stream, cfg), "inputs": inputs,
                    "settings": cfg.visibility_settings()})


class FrameCache:
    """Frames and visibility of many scenes under one root folder (created on first write)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _frames_dir(self, scene_id: str, key: str) -> Path:
        return self.root / scene_id / f"frames-{key}"

    def _visibility_file(self, scene_id: str, key: str) -> Path:
        return self.root / scene_id / f"visibility-{key}.json"

    def has_frames(self, scene_id: str, key: str) -> bool:
        """Whether a whole entry exists: its meta.json and every image it lists (no image is read)."""
        folder = self._frames_dir(scene_id, key)
        try:
            count = len(json.loads((folder / "meta.json").read_text())["indices"])
        except (OSError, ValueError, KeyError, TypeError):
            return False
        return all((folder / f"{k:03d}.jpg").is_file() for k in range(count))

    def has_visibility(self, scene_id: str, key: str) -> bool:
        return self._visibility_file(scene_id, key).is_file()

    def load_frames(self, scene_id: str, key: str) -> SampledFrames | None:
        """The cached frames, or None when absent or damaged."""
        folder = self._frames_dir(scene_id, key)
        try:
            meta = json.loads((folder / "meta.json").read_text())
            jpegs = tuple((folder / f"{k:03d}.jpg").read_bytes() for k in range(len(meta["indices"])))
            return SampledFrames.from_meta(meta, jpegs)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store_frames(self, frames: SampledFrames, key: str) -> Path:
        """Write the frames folder atomically (temporary folder, then rename); returns it."""
        folder = self._frames_dir(frames.scene_id, key)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for k, payload in enumerate(frames.jpegs):
            (tmp / f"{k:03d}.jpg").write_bytes(payload)
        (tmp / "meta.json").write_text(json.dumps(frames.to_meta()))
        if folder.exists():  # a stale or concurrent copy: the new one replaces it
            shutil.rmtree(folder, ignore_errors=True)
        try:
            tmp.rename(folder)
        except OSError:  # another process renamed its copy in between; theirs is as good
            shutil.rmtree(tmp, ignore_errors=True)
        return folder

    def load_visibility(self, scene_id: str, key: str) -> Visibility | None:
        try:
            return Visibility.from_json(json.loads(self._visibility_file(scene_id, key).read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store_visibility(self, visibility: Visibility, key: str) -> Path:
        path = self._visibility_file(visibility.scene_id, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(visibility.to_json()))
        tmp.replace(path)
        return path
