"""Write a build's frames manifest (`vsi100k.dataset.manifest`) from its written frames shards.

Each scan's record (its stream fingerprint, `vsi100k.frames.fingerprint`, and its frames' pixel
checksums) is kept in the build cache under the scan's frames key, so an unchanged rebuild reads no
stream bytes and decodes no frame again (hashing the stored JPEG bytes, which checks the record, is
all it does; decoding costs about 3 ms per 640x480 frame).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from vsi100k import __version__
from vsi100k.dataset.frame_decode import DecodedFrame
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.stages import ScanJob

RECORD_DIR = "manifest"


def scan_record(cache_root: Path, job: ScanJob, row: Mapping,
                decoded: Callable[[], Sequence[DecodedFrame]] | None = None) -> tuple[dict, list[dict]]:
    """(stream fingerprint, per-frame checksums) of one frames row, from `<cache>/manifest/` or computed.

    decoded: returns `vsi100k.dataset.frame_decode.decode_frame` of each of the row's images, for a
    caller that needs them decoded anyway; called only when the checksums are computed (default: the
    images are decoded here).

    When the stream cannot be read (frames served from the cache, scan unreadable), the fingerprint's
    kind, path and sha256 are None and `unavailable` says why; such a record is not cached, so the
    next build tries again. The frame checksums never depend on the stream."""
    from vsi100k.dataset.manifest import frame_checksums
    from vsi100k.errors import SceneError
    from vsi100k.frames.fingerprint import stream_fingerprint

    indices = [int(i) for i in row["frame_indices"]]
    encoded = [hashlib.sha256(image["bytes"]).hexdigest() for image in row["frames"]]
    path = Path(cache_root) / RECORD_DIR / job.scene_id / f"{job.frames_key}.json"
    try:
        stored = json.loads(path.read_text())
        if stored["indices"] == indices and [f["sha256"] for f in stored["frames"]] == encoded:
            return stored["stream"], stored["frames"]
    except (OSError, ValueError, KeyError, TypeError):
        pass  # a miss or a damaged record: computed again below
    known = decoded() if decoded is not None else [None] * len(row["frames"])
    frames = [frame_checksums(image["bytes"], job.scene_id, f"stored frame {k}", known[k])
              for k, image in enumerate(row["frames"])]
    try:
        stream = stream_fingerprint(job.scene_dir, indices, job.scene_id)
    except (SceneError, OSError, ValueError) as error:
        # the frame checksums still pin every frame; only the early "another stream" diagnosis is lost.
        # The reason is published: no absolute path of this machine goes into it.
        if isinstance(error, SceneError):
            why = str(error)
        elif isinstance(error, OSError):
            why = f"{job.scene_id}: {Path(error.filename).name if error.filename else '-'}: {error.strerror or type(error).__name__}"
        else:
            why = f"{job.scene_id}: {type(error).__name__}"
        return {"kind": None, "path": None, "files": [], "sha256": None, "unavailable": why}, frames
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"indices": indices, "stream": stream, "frames": frames}, sort_keys=True))
    os.replace(tmp, path)
    return stream, frames


def write_build_manifest(cfg: BuildConfig, jobs: list[ScanJob], target: Path, build_id: str) -> Path:
    """`<target>/frames_manifest.json` for the frames shards already written under `target`."""
    from vsi100k.dataset.manifest import iter_frame_rows, make_manifest, manifest_entry, write_manifest

    jobs_by_id = {job.scene_id: job for job in jobs}
    entries = []
    for split, row in iter_frame_rows(target):
        job = jobs_by_id[row["scene_name"]]
        stream, frames = scan_record(cfg.cache_root, job, row)
        entries.append(manifest_entry(split, row, job.source, stream, frames))
    manifest = make_manifest(entries, build_id=build_id, vsi100k_version=__version__, sampling=cfg.frames.to_json())
    return write_manifest(target, manifest)
