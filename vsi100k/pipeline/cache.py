"""The one build cache: facts, frames, visibility and per-scan results, each keyed by what it depends on.

Layout under the cache root::

    facts/<scene_id>/<facts_key>.json            SceneFacts of the scan (no split, no first appearances)
    frames/<scene_id>/frames-<frames_key>/       sampled frames (meta.json, 000.jpg, ...)
    frames/<scene_id>/visibility-<key>.json      per-frame instance pixel counts
    scenes/<scene_id>/<scene_key>/result.json    status, split, final facts, question rows, skips,
                                                 and the frames key of the frames it used

Keys hash the files a result is computed from (names, sizes, modification times), the settings of
the stage, and the code of the packages that compute it (`code_version`), never more: facts depend on
the mesh, annotations, txt and label table and the facts settings; frames on the colour stream and
the sampling settings; so changing the seed, the mix or caps recomputes neither (only the cheap
questions step). Entries are written under a temporary name and renamed into place, so an
interrupted build leaves either a whole entry or none; a damaged entry reads as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from vsi100k.facts.schema import SceneFacts
from vsi100k.frames.cache import FrameCache

CACHE_FORMAT = 2
RESULT_FILE = "result.json"
STATUS_OK = "ok"
STATUS_FAILED = "failed"

# The parts of the package whose code decides each cached value (relative to the package root).
# Every source's reader is part of both: it decides the mesh, the objects and the camera stream.
SOURCE_CODE = ("sources", "scannet", "scannetpp", "arkitscenes")
FACTS_CODE = ("__init__.py", "errors.py", "scene.py", *SOURCE_CODE, "facts", "geometry", "data")
FRAMES_CODE = ("__init__.py", "errors.py", "scene.py", *SOURCE_CODE, "frames", "geometry")
BUILD_CODE = FACTS_CODE + FRAMES_CODE + ("card.py", "card_sources.py", "dataset_card.md", "tasks", "templates",
                                         "pipeline", "dataset")


def fingerprint(path: Path) -> list:
    """[name, size in bytes, mtime in ns] of a file (a folder: the fingerprints of its files)."""
    path = Path(path)
    if path.is_dir():
        return [path.name, [fingerprint(p) for p in sorted(path.iterdir())]]
    stat = path.stat()
    return [path.name, stat.st_size, stat.st_mtime_ns]


def digest(payload: object, length: int = 20) -> str:
    """Hex SHA-256 of a JSON-ready payload (sorted keys), shortened to `length` characters."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:length]


@lru_cache(maxsize=None)
def code_version(parts: tuple[str, ...] = BUILD_CODE) -> str:
    """Hash of the package's source and data files under `parts`: editing them misses the cache."""
    import vsi100k

    root = Path(vsi100k.__file__).parent
    sha = hashlib.sha256(vsi100k.__version__.encode())
    for part in sorted(set(parts)):
        path = root / part
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in {".py", ".json", ".tsv", ".md", ".txt", ".html"}:
                sha.update(file.relative_to(root).as_posix().encode())
                sha.update(file.read_bytes())
    return sha.hexdigest()[:16]


def process_alive(pid_text: str) -> bool:
    """Whether the process whose id is written in `pid_text` (a temporary name's suffix) still runs."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass(frozen=True)
class CachedScene:
    """A per-scan result as read back (`result` is the JSON of `pipeline.stages.scene_result`)."""

    scene_id: str
    key: str
    result: dict

    @property
    def ok(self) -> bool:
        return self.result["status"] == STATUS_OK

    @property
    def has_frames(self) -> bool:
        return self.ok and self.result.get("frames") is not None


class BuildCache:
    """The cache under `root`: facts, frames (a `FrameCache`), per-scan results."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.frames = FrameCache(self.root / "frames")

    # ---- facts ----
    def _facts_file(self, scene_id: str, key: str) -> Path:
        return self.root / "facts" / scene_id / f"{key}.json"

    def load_facts(self, scene_id: str, key: str) -> SceneFacts | None:
        try:
            return SceneFacts.from_json(json.loads(self._facts_file(scene_id, key).read_text()))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store_facts(self, facts: SceneFacts, key: str) -> None:
        _write_atomic(self._facts_file(facts.scene_id, key), json.dumps(facts.to_json(), sort_keys=True))

    def stages_cached(self, job, until: str = "questions") -> bool:
        """Whether every heavy stage of `job` up to `until` is in the cache (existence only), so
        running the scan is cheap: no mesh, no stream, no ray casting."""
        facts = until == "frames" or self._facts_file(job.scene_id, job.facts_key).is_file()
        if until == "facts" or job.frames_key is None:
            return facts
        frames = self.frames.has_frames(job.scene_id, job.frames_key)
        visibility = job.visibility_key is None or self.frames.has_visibility(job.scene_id, job.visibility_key)
        return facts and frames and visibility

    # ---- per-scan results ----
    def _result_file(self, scene_id: str, key: str) -> Path:
        return self.root / "scenes" / scene_id / key / RESULT_FILE

    def load_scene(self, scene_id: str, key: str) -> CachedScene | None:
        """The result, or None when absent, damaged, or its frames are gone from the cache."""
        path = self._result_file(scene_id, key)
        try:
            entry = CachedScene(scene_id, key, json.loads(path.read_text()))
            if entry.has_frames and not self.frames.has_frames(scene_id, entry.result["frames"]["key"]):
                raise ValueError("frames missing")
            return entry
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(path.parent, ignore_errors=True)
            return None

    def has_scene(self, scene_id: str, key: str) -> bool:
        """Whether a result is stored (without reading it; for counts after an interrupt)."""
        return self._result_file(scene_id, key).is_file()

    def store_scene(self, scene_id: str, key: str, result: dict) -> CachedScene:
        _write_atomic(self._result_file(scene_id, key), json.dumps(result, sort_keys=True))
        return CachedScene(scene_id, key, result)

    def frame_jpegs(self, entry: CachedScene) -> list[bytes]:
        """The JPEG frames a result used (empty for a scan without a colour stream)."""
        if not entry.has_frames:
            return []
        frames = self.frames.load_frames(entry.scene_id, entry.result["frames"]["key"])
        if frames is None:
            raise FileNotFoundError(f"{entry.scene_id}: cached frames {entry.result['frames']['key']} disappeared "
                                    f"from {self.frames.root}; run the build again")
        return list(frames.jpegs)
