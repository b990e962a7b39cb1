"""Rebuild the frames of a release without images from the user's own scans (`vsi100k rehydrate`).

A release (`vsi100k push --without-frames`) holds the question shards, the facts, the build report
and the frames manifest. Rehydrating finds the manifest's scans under the user's scenes folder,
checks each scan's stream fingerprint, samples exactly the listed frames through the build's own
frames stage (same executor and cache as `vsi100k build`, every source), checks every frame's
indices, times and checksums against the manifest, and writes a complete dataset folder with the
same output safety as a build (lock, staging folder validated then swapped in, marker). Made from
the same scans, the folder is byte-identical to the full build.

A scan that is missing, whose stream differs, or whose frames do not match is named with the
reason; the others are still written. Such a partial result is marked in the build report
(`scenes_not_rehydrated`, `rehydration`) and in the card's first lines. When no scan at all can be
rehydrated, nothing is written (`NothingRehydrated`): a dataset without any frame is not a result.
What this module never does: download anything (the Hub module does), or change a question row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from vsi100k.dataset.manifest import MANIFEST_FILE, pixels_sha256, read_manifest, row_columns
from vsi100k.dataset.schema import FACTS_DIR, FRAMES_DIR, QUESTIONS_DIR, REPORT_FILE, SPLITS
from vsi100k.errors import ConfigError, SceneError, Vsi100kError

MISSING, DIFFERS, FAILED = "missing", "stream differs", "frames differ"
NAMES_SHOWN = 5  # scenes named per kind of problem in `NothingRehydrated`'s one line


class NothingRehydrated(Vsi100kError):
    """No scan of the release could be rehydrated, so nothing was written. problems: scene -> (kind, reason),
    as `RehydrateResult.problems`; the message names the scenes per kind and one reason of each kind."""

    def __init__(self, out_dir: Path, problems: dict[str, tuple[str, str]]):
        self.out_dir = Path(out_dir)
        self.problems = dict(problems)
        by_kind: dict[str, list[str]] = {kind: [] for kind in (MISSING, DIFFERS, FAILED)}
        for scene, (kind, _) in sorted(self.problems.items()):
            by_kind.setdefault(kind, []).append(scene)
        by_kind = {kind: scenes for kind, scenes in by_kind.items() if scenes}
        parts = []
        for kind, scenes in by_kind.items():
            more = f" and {len(scenes) - NAMES_SHOWN} more" if len(scenes) > NAMES_SHOWN else ""
            parts.append(f"{kind} ({len(scenes)}): {', '.join(scenes[:NAMES_SHOWN])}{more} ({self.problems[scenes[0]][1]})")
        hint = "; --scenes must be the folder holding your copies of these scans" if set(by_kind) == {MISSING} else ""
        super().__init__(f"no scan of the release could be rehydrated, so {out_dir} was left as it was: "
                         f"{'; '.join(parts)}{hint}")


@dataclass(frozen=True)
class RehydrateConfig:
    """Settings of `vsi100k rehydrate`.

    release: a local release folder (a `--dry-run` tree, or a Hub snapshot from `download_release`).
    scenes_dir: the user's scans (any layout `vsi100k build --scenes` reads, sources mixed).
    out_dir: the dataset folder to write. cache_dir: the build cache (None: the default, shared with
    `vsi100k build`). workers: scans sampled in parallel. overwrite: replace a previous vsi100k folder.
    """

    release: Path
    scenes_dir: Path
    out_dir: Path
    cache_dir: Path | None = None
    workers: int = 1
    overwrite: bool = False

    def __post_init__(self) -> None:
        for name in ("release", "scenes_dir", "out_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)))
        if not self.release.is_dir():
            raise ConfigError(f"{self.release}: release folder not found (give a Hub repo id or a folder)")
        if not self.scenes_dir.is_dir():
            raise ConfigError(f"{self.scenes_dir}: scenes folder not found (give the folder holding your scans)")
        if self.out_dir.resolve() in (self.release.resolve(), self.scenes_dir.resolve()):
            raise ConfigError(f"{self.out_dir}: write the dataset to a new folder, not the release or the scans")
        if not isinstance(self.workers, int) or self.workers < 1:
            raise ConfigError(f"workers={self.workers!r}: use 1 (in-process) or more worker processes")


@dataclass
class RehydrateResult:
    """What a rehydration wrote. rebuilt: scenes whose frames were rebuilt. problems: scene ->
    (kind: MISSING, DIFFERS or FAILED; reason naming the file)."""

    out_dir: Path
    build_id: str
    rebuilt: list[str] = field(default_factory=list)
    problems: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return bool(self.problems)


def release_folder(id_or_folder: str, *, revision: str | None = None) -> Path:
    """A local folder as it is; anything else is a Hub repo id, fetched with `vsi100k.hub.download_release`."""
    path = Path(id_or_folder).expanduser()
    if path.is_dir():
        return path
    if str(id_or_folder).startswith((".", "/", "~")) or str(id_or_folder).count("/") != 1:
        raise FileNotFoundError(f"{id_or_folder}: release folder not found, and not a Hub repo id (namespace/name)")
    from vsi100k.hub import download_release

    return download_release(str(id_or_folder), revision=revision)


def frames_config(sampling: dict):
    """The `FramesConfig` a manifest's sampling settings describe (visibility off: it changes no frame)."""
    from vsi100k.frames.config import FramesConfig

    names = {f.name for f in dataclasses.fields(FramesConfig)}
    return FramesConfig(**{**{k: v for k, v in sampling.items() if k in names}, "visibility": False})


def rehydrate(cfg: RehydrateConfig, *, progress: bool = False) -> RehydrateResult:
    """Rebuild the release's frames from `cfg.scenes_dir` into `cfg.out_dir` (see the module docstring).

    Raises ManifestError for a missing or malformed manifest, FileNotFoundError for a release missing
    its report or a question shard, OutputError / OutputInvalid as a build does, NothingRehydrated
    when the release lists scans and none of them could be rehydrated (`out_dir` left as it was); one
    scan's own problem never raises (it is in `RehydrateResult.problems`)."""
    from vsi100k.dataset.lock import OutputLock
    from vsi100k.dataset.output import prepare_output
    from vsi100k.pipeline.config import BuildConfig

    manifest = read_manifest(cfg.release)
    report_bytes = _release_file(cfg.release, REPORT_FILE).read_bytes()
    report = json.loads(report_bytes)
    if report.get("build_id") != manifest["build_id"]:
        raise ValueError(f"{cfg.release / MANIFEST_FILE}: build {manifest['build_id']}, but {REPORT_FILE} is of "
                         f"build {report.get('build_id')}; the release is mixed up: download it again")
    question_shards = [item for item in report.get("shards", []) if str(item["path"]).startswith(f"{QUESTIONS_DIR}/")]
    for item in question_shards:
        _release_file(cfg.release, item["path"])
    entries = manifest["scans"]
    sources = tuple(sorted({entry["dataset"] for entry in entries}))
    build_cfg = BuildConfig(scenes_dir=cfg.scenes_dir, out_dir=cfg.out_dir, frames=frames_config(manifest["sampling"]),
                            cache_dir=cfg.cache_dir, workers=cfg.workers, allow_val_in_train=True,
                            sources=sources or None, overwrite=cfg.overwrite)
    estimate = sum(int(item.get("size_bytes", 0)) for item in report.get("shards", []))
    result = RehydrateResult(cfg.out_dir, manifest["build_id"])
    with OutputLock(cfg.out_dir, command=f"vsi100k rehydrate {cfg.release}"), \
            prepare_output(cfg.out_dir, overwrite=cfg.overwrite, estimated_bytes=estimate) as staged:
        rows = _rebuilt_rows(build_cfg, entries, result, progress)
        if result.problems and not result.rebuilt:
            raise NothingRehydrated(cfg.out_dir, result.problems)  # the staging folder is removed
        target = staged.path
        for item in question_shards:
            _copy(cfg.release / item["path"], target / item["path"])
        for path in sorted((cfg.release / FACTS_DIR).glob("*.json")):
            _copy(path, target / FACTS_DIR / path.name)
        _copy(cfg.release / MANIFEST_FILE, target / MANIFEST_FILE)
        frame_shards = _write_frames(target, rows)
        if result.partial:
            image_bytes = sum(len(image["bytes"]) for split_rows in rows.values() for row in split_rows for image in row["frames"])
            report = _partial_report(report, result, frame_shards, {s: len(r) for s, r in rows.items() if r}, image_bytes,
                                     cfg.scenes_dir)
            (target / REPORT_FILE).write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        else:
            (target / REPORT_FILE).write_bytes(report_bytes)  # the build's own bytes
        from vsi100k.card import write_card

        write_card(target, report)
        staged.commit(build_id=report["build_id"])
    return result


def _release_file(release: Path, rel: str) -> Path:
    path = Path(release) / rel
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing from the release (download it again, or push it again with "
                                "`vsi100k push --without-frames`)")
    return path


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _rebuilt_rows(build_cfg, entries: list[dict], result: RehydrateResult, progress: bool) -> dict[str, list[dict]]:
    """split -> frames rows (by scene) of the scans whose frames were rebuilt and matched; fills `result`."""
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.pipeline.run import process

    try:
        jobs = {job.scene_id: job for job in plan_jobs(build_cfg)}
    except FileNotFoundError:
        jobs = {}  # no scan at all: every one is reported missing
    ready = []
    for entry in entries:
        scene = entry["scene_name"]
        job = jobs.get(scene)
        problem = _stream_problem(entry, job, build_cfg.scenes_dir)
        if problem is not None:
            result.problems[scene] = problem
        else:
            ready.append((entry, job))
    summaries = process(build_cfg, [job for _, job in ready], "frames", progress) if ready else {}
    cache = BuildCache(build_cfg.cache_root)
    rows: dict[str, list[dict]] = {split: [] for split in SPLITS}
    for entry, job in ready:
        scene = entry["scene_name"]
        summary = summaries.get(scene)
        if summary is None or summary.status != "ok":
            result.problems[scene] = (FAILED, (summary.reason if summary else None) or f"{scene}: frames were not sampled")
            continue
        frames = cache.frames.load_frames(scene, job.frames_key)
        mismatch = frames_mismatch(entry, frames) if frames is not None else "sampled frames not in the cache"
        if mismatch is not None:
            result.problems[scene] = (FAILED, f"{scene}: {mismatch}")
            continue
        rows[entry["split"]].append(frames_row(entry, frames.jpegs))
        result.rebuilt.append(scene)
    return rows


def _stream_problem(entry: dict, job, scenes_dir: Path) -> tuple[str, str] | None:
    """Why a listed scan cannot be rehydrated before sampling (missing, another source, another stream); None if it can."""
    from vsi100k.frames.fingerprint import stream_fingerprint

    scene, stream = entry["scene_name"], entry["stream"]
    if job is None:
        return MISSING, f"{scene}: no {entry['dataset']} scan of this id under {scenes_dir}"
    if job.source != entry["dataset"]:
        return DIFFERS, f"{scene}: {job.scene_dir} is a {job.source} scan, the release's is {entry['dataset']}"
    if job.frames_key is None:
        return DIFFERS, f"{scene}: {job.scene_dir} has no colour stream (the release's frames come from {stream['path']})"
    if stream["sha256"] is None:
        return None  # the build could not fingerprint it: the frame checksums decide alone
    try:
        found = stream_fingerprint(job.scene_dir, entry["frame_indices"], scene)
    except (SceneError, OSError, ValueError) as error:
        return DIFFERS, f"{scene}: {job.scene_dir / stream['path']}: not the release's stream ({error})"
    if found["path"] != stream["path"]:
        return DIFFERS, f"{scene}: frames would come from {job.scene_dir / found['path']}, the release's from {stream['path']}"
    if found["sha256"] != stream["sha256"]:
        return DIFFERS, (f"{scene}: {job.scene_dir / stream['path']}: the stream differs from the release's (fingerprint "
                         f"{found['sha256'][:12]}, the release's {stream['sha256'][:12]}); is it another version of the scan?")
    return None


def frames_mismatch(entry: dict, frames) -> str | None:
    """How sampled frames differ from a manifest entry (indices, times, size, orientation, checksums); None when equal."""
    from vsi100k.pipeline.stages import FRAME_SOURCE_NAMES

    indices = [int(i) for i in frames.indices]
    if indices != entry["frame_indices"]:
        return f"sampled frames {indices[:8]}..., the release's are {entry['frame_indices'][:8]}..."
    from vsi100k.facts import precision

    times = [precision.time_s(float(t)) for t in frames.timestamps_s]  # as the build's rows store them
    if times != entry["timestamps_s"]:
        k = next(k for k, (a, b) in enumerate(zip(times, entry["timestamps_s"])) if a != b)
        return f"frame {indices[k]} is at {times[k]} s, the release's at {entry['timestamps_s'][k]} s"
    if (frames.width, frames.height) != (entry["width"], entry["height"]):
        return f"frames are {frames.width}x{frames.height}, the release's {entry['width']}x{entry['height']}"
    source = FRAME_SOURCE_NAMES.get(frames.source, frames.source)
    if source != entry["source"]:
        return f"frames come from a {source} stream, the release's from {entry['source']}"
    rotation = int(getattr(frames, "rotation_deg", 0) or 0)
    if rotation != entry["rotation_deg"]:
        return f"frames are rotated by {rotation} degrees, the release's by {entry['rotation_deg']}"
    for k, (jpeg, expected) in enumerate(zip(frames.jpegs, entry["frames"])):
        if hashlib.sha256(jpeg).hexdigest() == expected["sha256"]:
            continue
        if pixels_sha256(jpeg, entry["scene_name"]) == expected["pixels_sha256"]:
            return (f"frame {indices[k]}: same pixels but other JPEG bytes than the release's (another JPEG encoder "
                    "version); the dataset would not be identical")
        return f"frame {indices[k]}: pixels differ from the release's (another decoder version, or another stream)"
    return None


def frames_row(entry: dict, jpegs) -> dict:
    """The frames row of a manifest entry with its rebuilt images (every column of the frames Features)."""
    row = {column: entry[column] for column in row_columns()}
    row["frames"] = [{"bytes": bytes(data), "path": None} for data in jpegs]
    return row


def _write_frames(target: Path, rows: dict[str, list[dict]]) -> list:
    """Write the frames shards exactly as a build does (same Features, shard limits, row order)."""
    import pyarrow.parquet as pq

    from vsi100k.dataset.schema import frame_features
    from vsi100k.dataset.write import FRAME_LIMITS, ShardFile, write_shards

    shards = []
    for split in SPLITS:
        ordered = sorted(rows.get(split, []), key=lambda row: row["scene_name"])
        for path in write_shards(ordered, frame_features(), target / FRAMES_DIR, split, FRAME_LIMITS):
            rows_in = pq.ParquetFile(path).metadata.num_rows
            shards.append(ShardFile(path.relative_to(target).as_posix(), rows_in, path.stat().st_size))
    return shards


def _partial_report(report: dict, result: RehydrateResult, frame_shards: list, frame_counts: dict[str, int],
                    frame_image_bytes: int, scenes_dir: Path) -> dict:
    """The build report of a partial rehydration: frames rows, shards and sizes as written (the
    estimate of embedding frames per question is the build's), the scans left without frames named
    (`scenes_not_rehydrated`) with their reasons (`rehydration`), their paths relative to the scans
    folder (the report is part of the dataset: no path of this machine goes into it)."""
    report = json.loads(json.dumps(report))

    def relative(reason: str) -> str:
        for root in {str(Path(scenes_dir).resolve()), str(scenes_dir)}:
            reason = reason.replace(f"{root}/", "").replace(root, ".")
        return reason

    report["scenes_not_rehydrated"] = sorted(result.problems)
    report["rehydration"] = {
        "complete": False,
        "rebuilt": len(result.rebuilt),
        "not_rebuilt": [{"scene": s, "problem": kind, "reason": relative(reason)}
                        for s, (kind, reason) in sorted(result.problems.items())],
    }
    report["frames"] = {**report.get("frames", {}), "by_split": frame_counts}
    report["shards"] = [item for item in report.get("shards", []) if not str(item["path"]).startswith(f"{FRAMES_DIR}/")]
    report["shards"] += [{"path": s.path, "rows": s.rows, "size_bytes": s.size_bytes} for s in frame_shards]
    sizes = report.get("sizes")
    if isinstance(sizes, dict) and "question_shard_bytes" in sizes:
        shard_bytes = sum(s.size_bytes for s in frame_shards)
        published = int(sizes["question_shard_bytes"]) + shard_bytes
        sizes.update(frame_image_bytes=frame_image_bytes, frame_shard_bytes=shard_bytes, published_bytes=published,
                     published_over_frames=round(published / frame_image_bytes, 6) if frame_image_bytes else 0.0)
    return report
