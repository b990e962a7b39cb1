"""Plan a build: find the scans, assign splits under the leakage guard, compute every cache key.

Scans are found through the source registry (`vsi100k.sources`): a scenes folder may mix ScanNet,
ScanNet++ and ARKitScenes scans; each source's split lists and rooms feed one leakage guard.

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
    """The split assignment would leak ScanNet val data into train; nothing was built.

    exit_code 1 (fatal), as `vsi100k questions` refuses the same scans: the scans, not the spelling
    of the command line, decide it."""

    exit_code = 1


def find_label_table(scenes_dir: Path) -> Path | None:
    """ScanNet's label table beside the scans (the scenes folder or its parent), if present."""
    for folder in (Path(scenes_dir), Path(scenes_dir).parent):
        if (folder / LABEL_TABLE_NAME).is_file():
            return folder / LABEL_TABLE_NAME
    return None


def _fingerprints(paths) -> list:
    return [fingerprint(p) for p in paths if p is not None and Path(p).exists()]


def scan_keys(scene_dir: Path, cfg: BuildConfig, label_table: Path | None,
              source_name: str = "scannet") -> tuple[str, str | None, str | None]:
    """(facts key, frames key, visibility key) of one scan; frames/visibility None without a stream
    (visibility None also when it is switched off)."""
    from vsi100k.frames.cache import frames_key, visibility_key
    from vsi100k.frames.sources import locate_stream
    from vsi100k.sources import get_source

    source = get_source(source_name)
    facts = {
        "format": CACHE_FORMAT, "code": code_version(FACTS_CODE),
        "inputs": _fingerprints((*source.facts_inputs(Path(scene_dir)), label_table)),
        "settings": cfg.facts.to_json(),
    }
    if source_name != "scannet":
        facts["source"] = source_name
    facts_key = digest(facts)
    stream = locate_stream(scene_dir)
    if stream is None:
        return facts_key, None, None
    code = code_version(FRAMES_CODE)
    frames = digest({"code": code, "frames": frames_key(stream, cfg.frames)})
    visibility = digest({"code": code, "visibility": visibility_key(stream, cfg.frames)}) if cfg.frames.visibility else None
    return facts_key, frames, visibility


def plan_jobs(cfg: BuildConfig) -> list[ScanJob]:
    """Find the scans (every registered source), assign splits under the leakage guard and compute
    cache keys.

    Raises FileNotFoundError when the folder holds no scan and LeakageRefused when any scan would
    put val data into train without `allow_val_in_train`.
    """
    from vsi100k.sources import SOURCES, find_scans, scene_rooms, split_lists
    from vsi100k.tasks.leakage import LeakageError, SplitGuard

    scans = find_scans(cfg.scenes_dir, cfg.sources)
    if not scans:
        raise FileNotFoundError(
            f"{cfg.scenes_dir}: no scan folders (expected <root>/sceneXXXX_YY/ or <root>/scans/sceneXXXX_YY/, "
            "or ScanNet++ scenes <root>/<id>/scans/ or <root>/data/<id>/scans/, "
            "or ARKitScenes videos <root>/3dod/Training|Validation/<video_id>/<video_id>_3dod_mesh.ply)"
        )
    if cfg.max_scenes is not None:
        scans = scans[: cfg.max_scenes]
    scene_splits = split_lists(cfg.scenes_dir)
    list_files = [path for source in SOURCES.values() for path in source.split_list_files(cfg.scenes_dir)]
    sources_of = {folder.name: source.name for source, folder in scans if source.name != "scannet"}
    guard = SplitGuard(scene_splits, allow_val_in_train=cfg.allow_val_in_train,
                       scene_rooms=scene_rooms(cfg.scenes_dir), scene_sources=sources_of)
    label_table = find_label_table(cfg.scenes_dir)
    list_fingerprints = _fingerprints(sorted(list_files, key=_list_order))
    questions = {"code": code_version(BUILD_CODE), "settings": cfg.questions.to_json(), "lists": list_fingerprints,
                 "require_frames": cfg.require_frames, "min_pixel_fraction": cfg.frames.min_pixel_fraction}
    jobs: list[ScanJob] = []
    refused: list[str] = []
    refused_titles: set[str] = set()
    for source, scene_dir in scans:
        scene_id = scene_dir.name
        try:
            decision = guard.assign(scene_id, requested=cfg.split, path=scene_dir)
        except LeakageError as error:
            refused.append(str(error))
            refused_titles.add(guard.source_title(scene_id))
            continue
        table = label_table if source.name == "scannet" else None  # ScanNet's label table
        facts_key, frames_key, visibility_key = scan_keys(scene_dir, cfg, table, source.name)
        payload = {"format": CACHE_FORMAT, "version": __version__, "facts": facts_key, "frames": frames_key,
                   "visibility": visibility_key, "questions": questions, "split": decision.split,
                   "leakage_override": decision.leakage_override}
        if source.name != "scannet":
            payload["source"] = source.name
        key = digest(payload)
        mesh = source.facts_inputs(scene_dir)[0]
        cost = mesh.stat().st_size if mesh.is_file() else 0
        jobs.append(ScanJob(scene_id, scene_dir, decision.split, decision.leakage_override, facts_key, frames_key,
                            visibility_key, key, table, cost, source.name))
    if refused:
        shown = "\n".join(f"  - {line}" for line in refused[:10])
        more = f"\n  ... and {len(refused) - 10} more" if len(refused) > 10 else ""
        titles = sorted(refused_titles, key=lambda title: (title != "ScanNet", title))
        data = "ScanNet val data" if titles == ["ScanNet"] else f"{'/'.join(titles)} validation data"
        raise LeakageRefused(
            f"refusing to build: {len(refused)} scene(s) would put {data} into the train split:\n"
            f"{shown}{more}\nremove them, choose another --split, or pass --allow-val-in-train (the card records it)"
        )
    return jobs


def _list_order(path: Path) -> tuple[int, str]:
    """ScanNet's lists first, in their fixed order (so ScanNet-only keys are unchanged), then the rest."""
    return (SPLIT_LIST_NAMES.index(path.name), "") if path.name in SPLIT_LIST_NAMES else (len(SPLIT_LIST_NAMES), str(path))


def build_id(cfg: BuildConfig, jobs: list[ScanJob]) -> str:
    """Identity of a build's output: version, code, settings and every scan's id, split, source and
    annotation files (names and sizes). Never file times or paths (unlike the cache keys), so the same
    inputs give the same id on every machine, in every folder, after every copy."""
    from vsi100k.sources import get_source

    scenes = []
    for job in jobs:
        inputs = get_source(job.source).facts_inputs(job.scene_dir)
        if job.label_table is not None:
            inputs = [*inputs, job.label_table]
        scenes.append([job.scene_id, job.split, job.leakage_override, job.source,
                       [[p.name, p.stat().st_size if p.is_file() else None] for p in inputs]])
    return digest({"version": __version__, "code": code_version(BUILD_CODE), "settings": cfg.settings(),
                   "scenes": scenes}, length=16)
