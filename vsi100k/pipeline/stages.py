"""The per-scan stages and the one function an executor runs for each scan.

    read scan -> facts -> frames (optional) -> visibility -> questions and named skips -> rows

Each stage takes a value and returns a value; `run_scan` chains them, reading each stage's result
from the build cache when its key matches and computing (and storing) it otherwise. The mesh is
read only when a stage has to be computed. A scan without a colour stream still gets every question
type that needs no frames; the frame-based types are skipped with the reason "no_colour_stream".
Executors (`vsi100k.pipeline.executor`) decide where `run_scan` runs; nothing here opens a pool.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from vsi100k.dataset.frame_decode import DecodedFrame, decode_frame
from vsi100k.errors import SceneError, Vsi100kError
from vsi100k.facts.schema import SceneFacts
from vsi100k.pipeline.cache import STATUS_FAILED, STATUS_OK, BuildCache
from vsi100k.pipeline.config import BuildConfig
from vsi100k.scene import Scene

FRAME_SOURCE_NAMES = {"sens": "sens", "video": "mp4"}  # frames stage name -> dataset `source`
# Errors a scan's content causes; the same inputs fail the same way, so the failure is cached.
DETERMINISTIC_ERRORS = (Vsi100kError, ValueError, FileNotFoundError)
UNTIL = ("facts", "frames", "questions")  # where a run may stop


@dataclass(frozen=True)
class ScanJob:
    """One scan to process: where it is, its split decision and the cache keys of its stages.

    frames_key / visibility_key: None when the scan has no colour stream (or visibility is off).
    label_table: the ScanNet label table found beside the scans, if any (ScanNet scans only).
    cost: expected work, for scheduling only (the mesh's size in bytes).
    source: the registered source of the scan (`vsi100k.sources`), also its rows' `dataset` value.
    """

    scene_id: str
    scene_dir: Path
    split: str
    leakage_override: bool
    facts_key: str
    frames_key: str | None
    visibility_key: str | None
    key: str
    label_table: Path | None = None
    cost: int = 0
    source: str = "scannet"


@dataclass(frozen=True)
class ScanSummary:
    """What processing (or finding in the cache) one scan gave.

    computed: the stages computed for it in this run (the rest came from the cache).
    """

    scene_id: str
    status: str
    reason: str | None
    n_questions: int
    cached: bool
    has_frames: bool = False
    computed: tuple[str, ...] = ()
    seconds: float = 0.0


@dataclass
class _LazyScene:
    """Reads the scan on first use only: a fully cached scan never touches its mesh."""

    job: ScanJob
    value: Scene | None = None

    def __call__(self) -> Scene:
        if self.value is None:
            from vsi100k.scannet import read_label_table
            from vsi100k.sources import get_source

            labels = None
            if self.job.label_table is not None:
                try:
                    labels = read_label_table(self.job.label_table)
                except (OSError, ValueError) as error:
                    raise SceneError(self.job.scene_id, self.job.label_table, f"unreadable label table ({error})") from None
            self.value = get_source(self.job.source).load(self.job.scene_dir, labels)
        return self.value


def facts_stage(scan: _LazyScene, job: ScanJob, cfg: BuildConfig, cache: BuildCache, computed: list) -> SceneFacts:
    """The scan's facts (no split, no appearances), from the cache or computed from the mesh."""
    from vsi100k.facts.extract import extract_facts

    from vsi100k.sources import get_source

    facts = cache.load_facts(job.scene_id, job.facts_key)
    if facts is None:
        vocabulary = get_source(job.source).vocabulary
        if vocabulary is None:
            facts = extract_facts(scan(), cfg.facts)
        else:
            facts = extract_facts(scan(), cfg.facts, vocabulary=vocabulary(), source=job.source)
        cache.store_facts(facts, job.facts_key)
        computed.append("facts")
    return facts


def frames_stage(scan: _LazyScene, job: ScanJob, cfg: BuildConfig, cache: BuildCache, computed: list):
    """The scan's sampled frames, or None for a scan without a colour stream (unless
    `cfg.require_frames`, which makes that a SceneError)."""
    from vsi100k.frames.sources import sample_scene_frames

    if job.frames_key is None:
        if cfg.require_frames:
            raise SceneError(job.scene_id, job.scene_dir, "no colour stream: no .sens, video or lowres_wide frames (required by --require-frames)")
        return None
    frames = cache.frames.load_frames(job.scene_id, job.frames_key)
    if frames is None:
        frames = sample_scene_frames(scan(), cfg.frames)
        cache.frames.store_frames(frames, job.frames_key)
        computed.append("frames")
    return frames


def visibility_stage(scan: _LazyScene, job: ScanJob, frames, cfg: BuildConfig, cache: BuildCache, computed: list):
    """Per-frame instance visibility (ray casting from each pose), or None when off or poseless."""
    from vsi100k.frames.visibility import compute_visibility

    if frames is None or job.visibility_key is None or not cfg.frames.visibility or not frames.has_camera:
        return None
    visibility = cache.frames.load_visibility(job.scene_id, job.visibility_key)
    if visibility is None:
        visibility = compute_visibility(scan(), frames, cfg.frames)
        cache.frames.store_visibility(visibility, job.visibility_key)
        computed.append("visibility")
    return visibility


def questions_stage(facts: SceneFacts, visibility, has_frames: bool, cfg: BuildConfig) -> tuple[SceneFacts, list, Counter]:
    """Attach first appearances, then generate. Returns (final facts, questions, skip counts)."""
    from vsi100k.frames.visibility import attach_visibility
    from vsi100k.tasks.generate import generate_questions

    if visibility is not None:
        facts = attach_visibility(facts, visibility, min_pixel_fraction=cfg.frames.min_pixel_fraction)
    questions, skips = generate_questions(facts, cfg.questions, has_frames=has_frames)
    return facts, questions, skips


def frames_meta(frames, key: str, decoded: Sequence[DecodedFrame] | None = None) -> dict:
    """What a result records of its frames (the JPEGs stay in the frames cache under `key`).

    Every JPEG is decoded here, on the worker (or was: `decoded`, `decode_frame` of each JPEG): when
    all decode at the frames' size, their sha256 digests are recorded ("jpeg_sha256"), and the
    dataset's validation, which runs once for the whole build, trusts images with those bytes
    instead of decoding them again. When one does not decode, no digests are recorded and the
    validation decodes and reports them.
    """
    from vsi100k.dataset.validate import check_jpegs

    digests, problems = check_jpegs(frames.jpegs, int(frames.width), int(frames.height), decoded)
    return {
        "key": key,
        "frame_indices": [int(i) for i in frames.indices],
        "timestamps_s": [float(t) for t in frames.timestamps_s],
        "width": int(frames.width),
        "height": int(frames.height),
        "source": FRAME_SOURCE_NAMES.get(frames.source, frames.source),
        **({"frames_without_pose": int(frames.frames_without_pose)} if frames.frames_without_pose else {}),
        **({"rotation_deg": int(frames.rotation_deg)} if frames.rotation_deg else {}),
        **({"stated_rotation_deg": int(frames.stated_rotation_deg)} if frames.stated_rotation_deg is not None else {}),
        **({} if problems else {"jpeg_sha256": digests}),
    }


def cache_manifest_record(job: ScanJob, cfg: BuildConfig, frames,
                          decoded: Callable[[], Sequence[DecodedFrame]] | None = None) -> None:
    """Compute the scan's frames-manifest record (stream fingerprint, pixel checksums: every frame
    decoded, by `decoded` when given) here, on the worker, and cache it, so that assembly, which
    runs once for the whole build, only checks it by hash. A record that cannot be made is left to
    assembly, which makes it again and reports what fails."""
    from vsi100k.pipeline.frames_manifest import scan_record

    row = {"frame_indices": [int(i) for i in frames.indices], "frames": [{"bytes": bytes(data)} for data in frames.jpegs]}
    try:
        scan_record(cfg.cache_root, job, row, decoded)
    except DETERMINISTIC_ERRORS:
        pass


def scene_result(job: ScanJob, facts: SceneFacts, rows: list[dict], skips: Counter, frames: dict | None) -> dict:
    """The cached result of a processed scan. skips: Counter keyed by (question type, reason)."""
    return {
        "status": STATUS_OK,
        "scene_id": job.scene_id,
        "split": job.split,
        "leakage_override": job.leakage_override,
        "facts": facts.to_json(),
        "questions": rows,
        "skips": [[qtype, reason, int(n)] for (qtype, reason), n in sorted(skips.items())],
        "frames": frames,
    }


def failure_result(job: ScanJob, reason: str) -> dict:
    """The cached result of a scan whose input is bad (the same input fails the same way)."""
    return {"status": STATUS_FAILED, "scene_id": job.scene_id, "split": job.split, "reason": reason}


def compute_scan(job: ScanJob, cfg: BuildConfig, cache: BuildCache, until: str = "questions") -> tuple[dict | None, list]:
    """Run the stages on one scan up to `until` (one of UNTIL; "frames" skips facts). Returns (the result dict, or None
    when stopped before questions; the stages computed). Raises what a stage raises."""
    from vsi100k.dataset.rows import question_rows

    computed: list[str] = []
    scan = _LazyScene(job)
    if until != "frames":
        facts = facts_stage(scan, job, cfg, cache, computed)
        if until == "facts":
            return None, computed
    frames = frames_stage(scan, job, cfg, cache, computed)
    # each JPEG decoded at most once, on first need: the manifest's pixel checksums and the size check share it
    decoded = functools.cache(lambda: [decode_frame(data) for data in frames.jpegs])
    if frames is not None:  # made with the frames (read back once cached), so a later build opens no stream
        cache_manifest_record(job, cfg, frames, decoded)
    visibility = visibility_stage(scan, job, frames, cfg, cache, computed)
    if until == "frames":
        return None, computed
    facts, questions, skips = questions_stage(replace(facts, split=job.split), visibility, frames is not None, cfg)
    computed.append("questions")
    meta = frames_meta(frames, job.frames_key, decoded()) if frames is not None else None
    rows = question_rows(questions)
    return scene_result(job, facts, rows, skips, meta), computed


def run_scan(job: ScanJob, cfg: BuildConfig, until: str = "questions") -> ScanSummary:
    """Process one scan and store its result (an executor's unit of work). Never raises for the
    scan's own failure: deterministic failures are cached, others reported uncached."""
    started = time.perf_counter()
    cache = BuildCache(cfg.cache_root)
    if until == "questions":
        entry = cache.load_scene(job.scene_id, job.key)
        if entry is not None:
            return summary_of(entry, cached=True)
    try:
        result, computed = compute_scan(job, cfg, cache, until)
    except DETERMINISTIC_ERRORS as error:
        reason = str(error)
        if not isinstance(error, SceneError):
            reason = f"{job.scene_id}: {job.scene_dir.name}/: {type(error).__name__}: {error}"
        cache.store_scene(job.scene_id, job.key, failure_result(job, reason))
        return ScanSummary(job.scene_id, STATUS_FAILED, reason, 0, False, seconds=time.perf_counter() - started)
    except Exception as error:  # noqa: BLE001 - one bad scan never stops a build of many
        reason = (f"{job.scene_id}: internal error ({type(error).__name__}: {error}); "
                  "not cached, retried on the next build")
        return ScanSummary(job.scene_id, STATUS_FAILED, reason, 0, False, seconds=time.perf_counter() - started)
    if result is None:
        return ScanSummary(job.scene_id, STATUS_OK, None, 0, not computed, job.frames_key is not None,
                           tuple(computed), time.perf_counter() - started)
    entry = cache.store_scene(job.scene_id, job.key, result)
    return replace(summary_of(entry, cached=False), computed=tuple(computed), seconds=time.perf_counter() - started)


def summary_of(entry, cached: bool) -> ScanSummary:
    """The summary of a stored result."""
    if entry.ok:
        return ScanSummary(entry.scene_id, STATUS_OK, None, len(entry.result["questions"]), cached, entry.has_frames)
    return ScanSummary(entry.scene_id, STATUS_FAILED, entry.result["reason"], 0, cached)
