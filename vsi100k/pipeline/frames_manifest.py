"""Write a build's frames manifest (`vsi100k.dataset.manifest`) from its written frames shards.

Each scan's stream fingerprint (`vsi100k.frames.fingerprint`) is kept in the build cache under the
scan's frames key, so a rebuild with unchanged streams reads no stream bytes again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from vsi100k import __version__
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.stages import ScanJob

FINGERPRINT_DIR = "fingerprints"


def cached_fingerprint(cache_root: Path, job: ScanJob, indices: list[int]) -> dict:
    """The stream fingerprint of a scan's sampled frames, from `<cache>/fingerprints/` or computed.

    When the stream cannot be read, the fingerprint's kind, path and sha256 are None and
    `unavailable` says why (nothing is cached, so the next build tries again)."""
    from vsi100k.errors import SceneError
    from vsi100k.frames.fingerprint import stream_fingerprint

    path = Path(cache_root) / FINGERPRINT_DIR / job.scene_id / f"{job.frames_key}.json"
    try:
        stored = json.loads(path.read_text())
        if stored.get("indices") == indices:
            return stored["stream"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # a miss or a damaged entry: computed again below
    try:
        stream = stream_fingerprint(job.scene_dir, indices, job.scene_id)
    except (SceneError, OSError) as error:
        # frames served from the cache while the stream cannot be read: the frame checksums still
        # pin every frame, only the early "another stream" diagnosis is lost
        return {"kind": None, "path": None, "files": [], "sha256": None, "unavailable": str(error)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps({"indices": indices, "stream": stream}, sort_keys=True))
    os.replace(tmp, path)
    return stream


def write_build_manifest(cfg: BuildConfig, jobs: list[ScanJob], target: Path, build_id: str) -> Path:
    """`<target>/frames_manifest.json` for the frames shards already written under `target`."""
    from vsi100k.dataset.manifest import iter_frame_rows, make_manifest, manifest_entry, write_manifest

    jobs_by_id = {job.scene_id: job for job in jobs}
    entries = []
    for split, row in iter_frame_rows(target):
        job = jobs_by_id[row["scene_name"]]
        stream = cached_fingerprint(cfg.cache_root, job, [int(i) for i in row["frame_indices"]])
        entries.append(manifest_entry(split, row, job.source, stream))
    manifest = make_manifest(entries, build_id=build_id, vsi100k_version=__version__, sampling=cfg.frames.to_json())
    return write_manifest(target, manifest)
