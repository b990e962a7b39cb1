"""Per-scene build cache: one finished scene's facts, question rows, skip counts and frames.

Layout under the cache root::

    scenes/<scene_id>/<key>/result.json    status, split, facts, question rows, skips, frame metadata
    scenes/<scene_id>/<key>/000.jpg ...    the sampled frames as stored in the dataset

The key hashes the scene's input files (names, sizes, modification times), the dataset-wide inputs
(label table, split lists), the output-affecting settings, the scene's split decision and the code
version (a hash of the pipeline's sources and data files), so any change misses the cache
and an unchanged rebuild does no work. An entry is written into a temporary folder and renamed into
place, so an interrupted build leaves either a whole entry or none; a damaged entry reads as a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CACHE_FORMAT = 1
RESULT_FILE = "result.json"
STATUS_OK = "ok"
STATUS_FAILED = "failed"


def _fingerprint(path: Path) -> list:
    """[name, size in bytes, mtime in ns] of a file (a folder: the fingerprints of its files)."""
    if path.is_dir():
        return [path.name, [_fingerprint(p) for p in sorted(path.iterdir())]]
    stat = path.stat()
    return [path.name, stat.st_size, stat.st_mtime_ns]


# The parts of the package whose code decides a build's bytes (not the trainer, evaluator, CLI,
# synthetic-scene generator, preview or Hub client, whose edits leave every dataset unchanged).
PIPELINE_CODE = (
    "__init__.py", "errors.py", "scene.py", "card.py", "dataset_card.md", "scannet", "facts", "geometry",
    "tasks", "templates", "data", "frames", "build", "dataset",
)


@lru_cache(maxsize=1)
def code_version() -> str:
    """Hash of the pipeline's source and data files (`PIPELINE_CODE`): a code change there
    invalidates the cache and changes the build id."""
    import vsi100k

    root = Path(vsi100k.__file__).parent
    digest = hashlib.sha256(vsi100k.__version__.encode())
    for part in PIPELINE_CODE:
        path = root / part
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.is_file() and file.suffix in {".py", ".json", ".tsv", ".md", ".txt"}:
                digest.update(file.relative_to(root).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def scene_key(scene_dir: Path, shared_inputs: list[Path], settings: dict, split: str, leakage_override: bool) -> str:
    """Cache key of one scene's result (hex, 20 characters)."""
    payload = {
        "format": CACHE_FORMAT,
        "code": code_version(),
        "scene": _fingerprint(Path(scene_dir)),
        "shared": [_fingerprint(p) for p in shared_inputs if p.exists()],
        "settings": settings,
        "split": split,
        "leakage_override": leakage_override,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def process_alive(pid_text: str) -> bool:
    """Whether the process whose id is written in `pid_text` (a temporary name's suffix) still runs."""
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class CachedScene:
    """A cache entry as read back. frames: JPEG bytes in frame order (empty for failures)."""

    scene_id: str
    key: str
    result: dict
    directory: Path

    @property
    def ok(self) -> bool:
        return self.result["status"] == STATUS_OK

    def jpegs(self) -> list[bytes]:
        n = len(self.result["frames"]["frame_indices"]) if self.ok else 0
        return [(self.directory / f"{k:03d}.jpg").read_bytes() for k in range(n)]


class SceneCache:
    """The per-scene cache under `root`."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def entry_dir(self, scene_id: str, key: str) -> Path:
        return self.root / "scenes" / scene_id / key

    def load(self, scene_id: str, key: str) -> CachedScene | None:
        """The entry, or None when absent or damaged (a damaged entry is removed)."""
        directory = self.entry_dir(scene_id, key)
        path = directory / RESULT_FILE
        if not path.is_file():
            return None
        try:
            result = json.loads(path.read_text())
            entry = CachedScene(scene_id, key, result, directory)
            if entry.ok:
                missing = [k for k in range(len(result["frames"]["frame_indices"])) if not (directory / f"{k:03d}.jpg").is_file()]
                if missing:
                    raise ValueError(f"frames {missing} missing")
            return entry
        except (OSError, ValueError, KeyError, TypeError):
            shutil.rmtree(directory, ignore_errors=True)
            return None

    def store(self, scene_id: str, key: str, result: dict, jpegs: list[bytes]) -> CachedScene:
        """Write an entry atomically: a temporary folder renamed into place."""
        final = self.entry_dir(scene_id, key)
        final.parent.mkdir(parents=True, exist_ok=True)
        for stale in final.parent.glob(f".{key}.tmp-*"):  # left by a killed build (not a running one)
            if not process_alive(stale.name.rsplit("-", 1)[-1]):
                shutil.rmtree(stale, ignore_errors=True)
        tmp = final.parent / f".{key}.tmp-{os.getpid()}"
        tmp.mkdir()
        for k, data in enumerate(jpegs):
            (tmp / f"{k:03d}.jpg").write_bytes(data)
        (tmp / RESULT_FILE).write_text(json.dumps(result, sort_keys=True))
        if final.exists():  # another process finished the same scene first; both are identical
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            os.replace(tmp, final)
        return CachedScene(scene_id, key, result, final)
