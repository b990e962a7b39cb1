"""The frames manifest (`frames_manifest.json`): exactly which frames a build's questions refer to.

A build writes it beside its card. A release without images (`vsi100k push --without-frames`)
publishes it instead of the `frames` config, and `vsi100k rehydrate` rebuilds the identical frames
from the user's own scans with it. Per scan (sorted by scene) it holds:

- `scene_name`, `dataset` (the scan's source: scannet, scannetpp, arkitscenes) and `split`;
- `stream`: the colour stream the frames were sampled from (`kind`, `path` inside the scan folder,
  the `files` hashed) and the SHA-256 of its relevant bytes (`vsi100k.frames.fingerprint`); all
  None, with `unavailable` giving the reason, when the build could not read the stream;
- every column of the scan's frames row but the images, under its own name (`frame_indices`,
  `timestamps_s`, `width`, `height`, `source`, ...), and `rotation_deg`, the clockwise rotation
  applied to make the frames upright (0 when the row has no such column);
- `frames`: per stored frame the SHA-256 of its encoded JPEG bytes (`sha256`) and of its decoded
  pixels (`pixels_sha256`, over "HxWxC|" then the RGB bytes).

At the top: the format name and version, the vsi100k version, the build id and `sampling`, the
frames settings of the build. This module reads and checks manifests; it never reads a scan.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from vsi100k.dataset.frame_decode import DecodedFrame, decode_frame
from vsi100k.dataset.schema import FRAMES_DIR, SPLITS, frame_features
from vsi100k.errors import SceneError, Vsi100kError

MANIFEST_FILE = "frames_manifest.json"
MANIFEST_FORMAT = "vsi100k-frames-manifest"
MANIFEST_VERSION = 1
SCAN_KEYS = ("scene_name", "dataset", "split", "stream", "rotation_deg", "frames")
STREAM_KEYS = ("kind", "path", "files", "sha256")


class ManifestError(Vsi100kError, ValueError):
    """A frames manifest is missing, unreadable or malformed; names the file and every problem."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = list(problems)
        listed = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"{self.path}: {listed}")


def row_columns() -> tuple[str, ...]:
    """The frames-row columns a manifest entry carries (every column but `frames`), in schema order."""
    return tuple(name for name in frame_features() if name != "frames")


def pixels_sha256(jpeg: bytes, scene_name: str = "?", what: str = "frame") -> str:
    """SHA-256 hex of a JPEG's decoded pixels: "HxWxC|" then the (H, W, 3) uint8 RGB bytes."""
    return frame_checksums(jpeg, scene_name, what)["pixels_sha256"]


def frame_checksums(jpeg: bytes, scene_name: str = "?", what: str = "frame",
                    decoded: DecodedFrame | None = None) -> dict:
    """{"sha256": of the encoded bytes, "pixels_sha256": of the decoded pixels} of one stored frame.

    decoded: `decode_frame(jpeg)` when the caller decoded it already (not decoded again here).
    Raises SceneError naming the scene and the frame when it cannot be decoded."""
    decoded = decoded if decoded is not None else decode_frame(jpeg)
    if decoded.pixels_sha256 is None:
        from vsi100k.frames.images import corrupt_image

        raise SceneError(scene_name, None, corrupt_image(what, decoded.error))
    return {"sha256": decoded.sha256, "pixels_sha256": decoded.pixels_sha256}


def iter_frame_rows(out_dir: Path) -> Iterator[tuple[str, dict]]:
    """(split, frames row) of every frames shard of a build folder, split by split, in row order."""
    import pyarrow.parquet as pq

    for split in SPLITS:
        for path in sorted((Path(out_dir) / FRAMES_DIR).glob(f"{split}-*.parquet")):
            parquet = pq.ParquetFile(path)
            for group in range(parquet.num_row_groups):
                for row in parquet.read_row_group(group).to_pylist():
                    yield split, row


def manifest_entry(split: str, row: Mapping, dataset: str, stream: Mapping, frames: list[dict] | None = None) -> dict:
    """The manifest entry of one frames row. stream: `vsi100k.frames.fingerprint.stream_fingerprint`'s dict.
    frames: the row's `frame_checksums`, when already known (computed here otherwise)."""
    scene = row["scene_name"]
    if frames is None:
        frames = [frame_checksums(image["bytes"], scene, f"stored frame {k}") for k, image in enumerate(row["frames"])]
    entry = {column: row[column] for column in row if column != "frames"}
    entry.update(dataset=dataset, split=split, stream=dict(stream), rotation_deg=int(row.get("rotation_deg") or 0),
                 frames=[dict(f) for f in frames])
    return entry


def make_manifest(entries: list[dict], *, build_id: str, vsi100k_version: str, sampling: Mapping) -> dict:
    """The manifest document. entries: `manifest_entry` values (sorted here by scene)."""
    return {
        "format": MANIFEST_FORMAT,
        "format_version": MANIFEST_VERSION,
        "vsi100k_version": vsi100k_version,
        "build_id": build_id,
        "sampling": dict(sampling),
        "scans": sorted(entries, key=lambda entry: entry["scene_name"]),
    }


def write_manifest(out_dir: Path, manifest: dict) -> Path:
    """Write `<out_dir>/frames_manifest.json` (sorted keys; temporary name, then rename)."""
    problems = structure_problems(manifest)
    if problems:
        raise ManifestError(Path(out_dir) / MANIFEST_FILE, problems)
    path = Path(out_dir) / MANIFEST_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def read_manifest(source: Path) -> dict:
    """The checked manifest of a build or release folder (or the file itself).

    Raises ManifestError naming the file: missing, not JSON, another format or version, or any
    structural problem (`structure_problems`)."""
    path = Path(source)
    if path.is_dir():
        path = path / MANIFEST_FILE
    if not path.is_file():
        raise ManifestError(path, ["no frames manifest (a vsi100k build of this version writes one; rebuild, "
                                   "or push with this version's `vsi100k push --without-frames`)"])
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ManifestError(path, [f"unreadable ({str(error).splitlines()[0]})"]) from None
    problems = structure_problems(data)
    if problems:
        raise ManifestError(path, problems)
    return data


def structure_problems(data) -> list[str]:
    """Every structural problem of a manifest document, as sentences naming the scan; [] when well formed."""
    if not isinstance(data, dict):
        return ["not a JSON object"]
    if data.get("format") != MANIFEST_FORMAT:
        return [f"format is {data.get('format')!r}, not {MANIFEST_FORMAT!r}"]
    if data.get("format_version") != MANIFEST_VERSION:
        return [f"format version {data.get('format_version')!r} is not {MANIFEST_VERSION} "
                "(written by another vsi100k version; use that version or rebuild)"]
    problems = []
    if not isinstance(data.get("sampling"), dict) or "n_frames" not in data["sampling"]:
        problems.append("sampling settings missing")
    scans = data.get("scans")
    if not isinstance(scans, list):
        return problems + ["scans is not a list"]
    seen: set[str] = set()
    columns = row_columns()
    for position, entry in enumerate(scans):
        if not isinstance(entry, dict):
            problems.append(f"scan {position}: not an object")
            continue
        scene = entry.get("scene_name", f"#{position}")
        missing = [key for key in (*SCAN_KEYS, *columns) if key not in entry]
        if missing:
            problems.append(f"scene {scene}: missing {', '.join(missing)}")
            continue
        if scene in seen:
            problems.append(f"scene {scene}: listed twice")
        seen.add(scene)
        if entry["split"] not in SPLITS:
            problems.append(f"scene {scene}: split {entry['split']!r} is not one of {', '.join(SPLITS)}")
        stream = entry["stream"]
        if not isinstance(stream, dict) or any(key not in stream for key in STREAM_KEYS):
            problems.append(f"scene {scene}: stream needs {', '.join(STREAM_KEYS)}")
        elif stream["sha256"] is None and not stream.get("unavailable"):
            problems.append(f"scene {scene}: stream has no fingerprint and no reason why")
        elif stream["path"] is not None and (Path(str(stream["path"])).is_absolute() or ".." in Path(str(stream["path"])).parts):
            problems.append(f"scene {scene}: stream path {stream['path']!r} is not relative to the scan folder")
        frames, indices, times = entry["frames"], entry["frame_indices"], entry["timestamps_s"]
        if not isinstance(frames, list) or not frames:
            problems.append(f"scene {scene}: no frames")
        elif not (isinstance(indices, list) and isinstance(times, list) and len(frames) == len(indices) == len(times)):
            problems.append(f"scene {scene}: {len(frames)} frame checksums but {len(indices) if isinstance(indices, list) else '?'} "
                            f"frame indices and {len(times) if isinstance(times, list) else '?'} timestamps")
        elif any(not isinstance(f, dict) or not _is_sha(f.get("sha256")) or not _is_sha(f.get("pixels_sha256"))
                 for f in frames):
            problems.append(f"scene {scene}: a frame lacks its sha256 or pixels_sha256 checksum")
        if not isinstance(entry["rotation_deg"], int) or entry["rotation_deg"] % 90:
            problems.append(f"scene {scene}: rotation_deg {entry['rotation_deg']!r} is not a multiple of 90")
    return problems


def _is_sha(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def manifest_problems(out_dir: Path, without_frames: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Problems of a folder's manifest, for `validate_output`; [] when it has none or it is valid.

    Checked: the structure; and, where the folder holds frames shards, that the manifest lists
    exactly their rows (scene and split), with the same column values and encoded checksums.
    without_frames: listed scenes allowed to have no frames row (a partial rehydration's)."""
    path = Path(out_dir) / MANIFEST_FILE
    if not path.is_file():
        return []
    try:
        manifest = read_manifest(path)
    except ManifestError as error:
        return [f"{MANIFEST_FILE}: {problem}" for problem in error.problems]
    if not any((Path(out_dir) / FRAMES_DIR).glob("*.parquet")):
        return []
    problems = []
    listed = {entry["scene_name"]: entry for entry in manifest["scans"]}
    columns = row_columns()
    found = set()
    for split, row in iter_frame_rows(out_dir):
        scene = row["scene_name"]
        found.add(scene)
        entry = listed.get(scene)
        if entry is None:
            problems.append(f"{MANIFEST_FILE}: scene {scene} has a frames row in {split} but no entry")
            continue
        if entry["split"] != split:
            problems.append(f"{MANIFEST_FILE}: scene {scene}: split {entry['split']}, its frames row is in {split}")
        differing = [column for column in columns if column != "scene_name" and entry[column] != row[column]]
        if differing:
            problems.append(f"{MANIFEST_FILE}: scene {scene}: {', '.join(differing)} differ from its frames row")
        hashes = [hashlib.sha256(image["bytes"]).hexdigest() for image in row["frames"]]
        if hashes != [frame["sha256"] for frame in entry["frames"]]:
            problems.append(f"{MANIFEST_FILE}: scene {scene}: frame checksums differ from the stored frames")
    for scene in sorted(set(listed) - found - set(without_frames)):
        problems.append(f"{MANIFEST_FILE}: scene {scene} is listed but has no frames row")
    return problems
