"""Plan a build: find the scans, assign splits under the leakage guard, compute every cache key.

Keys are computed from file fingerprints (names, sizes, modification times), so planning reads no
mesh and no stream; see `vsi100k.pipeline.cache` for what each key covers.
"""

from __future__ import annotations

from pathlib import Path

from vsi100k import __version__
from vsi100k.errors import ConfigError
from vsi100k.pipeline.cache import BUILD_CODE, CACHE_FORMAT, FACTS_CODE, FRAMES_CODE, code_version, digest, fingerprint
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.stages import ScanJob

SPLIT_LIST_NAMES = ("scannetv2_train.txt", "scannetv2_val.txt", "scannetv2_test.txt")
LABEL_TABLE_NAME = "scannetv2-labels.combined.tsv"


class LeakageRefused(ConfigError):
    """The split assignment would leak ScanNet val data into train; nothing was built."""


def split_lists_root(scenes_dir: Path) -> Path:
    """The folder holding ScanNet's split lists: the scenes folder, else its parent (else itself)."""
    for folder in (Path(scenes_dir), Path(scenes_dir).parent):
        if any((folder / name).is_file() for name in SPLIT_LIST_NAMES):
            return folder
    return Path(scenes_dir)


def find_label_table(scenes_dir: Path) -> Path | None:
    """ScanNet's label table beside the scans (the scenes folder or its parent), if present."""
    for folder in (Path(scenes_dir), Path(scenes_dir).parent):
        if (folder / LABEL_TABLE_NAME).is_file():
            return folder / LABEL_TABLE_NAME
    return None


def _fingerprints(paths) -> list:
    return [fingerprint(p) for p in paths if p is not None and Path(p).exists()]


def scan_keys(scene_dir: Path, cfg: BuildConfig, label_table: Path | None) -> tuple[str, str | None, str | None]:
    """(facts key, frames key, visibility key) of one scan; frames/visibility None without a stream
    (visibility None also when it is switched off)."""
    from vsi100k.frames.cache import frames_key, visibility_key
    from vsi100k.frames.sources import StreamLocation
    from vsi100k.scannet import ScanFiles

    files = ScanFiles(Path(scene_dir), Path(scene_dir).name)
    facts_key = digest({
        "format": CACHE_FORMAT, "code": code_version(FACTS_CODE),
        "inputs": _fingerprints((files.mesh, files.segs, files.aggregation, files.meta, label_table)),
        "settings": cfg.facts.to_json(),
    })
    stream = StreamLocation.of_scan(scene_dir)
    if not stream.has_stream:
        return facts_key, None, None
    code = code_version(FRAMES_CODE)
    frames = digest({"code": code, "frames": frames_key(stream, cfg.frames)})
    visibility = digest({"code": code, "visibility": visibility_key(stream, cfg.frames)}) if cfg.frames.visibility else None
    return facts_key, frames, visibility


def plan_jobs(cfg: BuildConfig) -> list[ScanJob]:
    """Find the scans, assign splits under the leakage guard and compute cache keys.

    Raises FileNotFoundError when the folder holds no scan and LeakageRefused when any scan would
    put val data into train without `allow_val_in_train`.
    """
    from vsi100k.scannet import ScanFiles, find_scenes, read_split_lists
    from vsi100k.tasks.leakage import LeakageError, SplitGuard

    scene_dirs = find_scenes(cfg.scenes_dir)
    if not scene_dirs:
        raise FileNotFoundError(
            f"{cfg.scenes_dir}: no scan folders (expected <root>/sceneXXXX_YY/ or <root>/scans/sceneXXXX_YY/)"
        )
    if cfg.max_scenes is not None:
        scene_dirs = scene_dirs[: cfg.max_scenes]
    lists_root = split_lists_root(cfg.scenes_dir)
    guard = SplitGuard(read_split_lists(lists_root), allow_val_in_train=cfg.allow_val_in_train)
    label_table = find_label_table(cfg.scenes_dir)
    split_lists = _fingerprints(lists_root / name for name in SPLIT_LIST_NAMES)
    questions = {"code": code_version(BUILD_CODE), "settings": cfg.questions.to_json(), "lists": split_lists,
                 "require_frames": cfg.require_frames, "min_pixel_fraction": cfg.frames.min_pixel_fraction}
    jobs: list[ScanJob] = []
    refused: list[str] = []
    for scene_dir in scene_dirs:
        scene_id = scene_dir.name
        try:
            decision = guard.assign(scene_id, requested=cfg.split, path=scene_dir)
        except LeakageError as error:
            refused.append(str(error))
            continue
        facts_key, frames_key, visibility_key = scan_keys(scene_dir, cfg, label_table)
        key = digest({"format": CACHE_FORMAT, "version": __version__, "facts": facts_key, "frames": frames_key,
                      "visibility": visibility_key, "questions": questions, "split": decision.split,
                      "leakage_override": decision.leakage_override})
        mesh = ScanFiles(scene_dir, scene_id).mesh
        cost = mesh.stat().st_size if mesh.is_file() else 0
        jobs.append(ScanJob(scene_id, scene_dir, decision.split, decision.leakage_override, facts_key, frames_key,
                            visibility_key, key, label_table, cost))
    if refused:
        shown = "\n".join(f"  - {line}" for line in refused[:10])
        more = f"\n  ... and {len(refused) - 10} more" if len(refused) > 10 else ""
        raise LeakageRefused(
            f"refusing to build: {len(refused)} scene(s) would put ScanNet val data into the train split:\n"
            f"{shown}{more}\nremove them, choose another --split, or pass --allow-val-in-train (the card records it)"
        )
    return jobs


def build_id(cfg: BuildConfig, jobs: list[ScanJob]) -> str:
    """Identity of a build's output: version, code, settings and every scan's result key."""
    return digest({"version": __version__, "code": code_version(BUILD_CODE), "settings": cfg.settings(),
                   "scenes": [[job.scene_id, job.key] for job in jobs]}, length=16)
