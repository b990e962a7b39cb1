"""`vsi100k build`: scenes -> facts -> frames (+ visibility) -> questions -> the dataset folder.

Each scene is processed on its own (in this process or a worker process) and its result cached
(`SceneCache`); the dataset is then assembled from the cache alone, in scene order, so an
interrupted build resumes where it stopped and gives the same bytes as an uninterrupted one, and a
rebuild with unchanged inputs and settings does no scene work. One bad scene never stops the build:
it is reported with its reason. Leakage refusals stop the build before any work (they are decisions
about the whole split).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from vsi100k import __version__
from vsi100k.build.cache import STATUS_FAILED, STATUS_OK, CachedScene, SceneCache, code_version, scene_key
from vsi100k.build.config import BuildConfig
from vsi100k.build.report import make_report, write_report
from vsi100k.dataset.schema import FACTS_DIR
from vsi100k.errors import ConfigError, Vsi100kError

SPLIT_LIST_NAMES = ("scannetv2_train.txt", "scannetv2_val.txt", "scannetv2_test.txt")
LABEL_TABLE_NAME = "scannetv2-labels.combined.tsv"
FRAME_SOURCE_NAMES = {"sens": "sens", "video": "mp4"}  # frames stage name -> dataset `source`
# Errors a scan's content causes; the same inputs fail the same way, so the failure is cached.
DETERMINISTIC_ERRORS = (Vsi100kError, ValueError, FileNotFoundError)


class LeakageRefused(ConfigError):
    """The split assignment would leak ScanNet val data into train; nothing was built."""


@dataclass(frozen=True)
class SceneJob:
    """One scene to build: where it is, its split decision and its cache key."""

    scene_id: str
    scene_dir: Path
    split: str
    leakage_override: bool
    key: str


@dataclass(frozen=True)
class SceneSummary:
    """What processing (or finding in the cache) one scene gave."""

    scene_id: str
    status: str
    reason: str | None
    n_questions: int
    cached: bool
    seconds: float = 0.0


@dataclass
class BuildResult:
    """A finished build: the report (as written), validation problems ([] when valid) and timings."""

    out_dir: Path
    report: dict
    problems: list[str]
    seconds: float
    scenes_computed: int
    scenes_cached: int
    summaries: list[SceneSummary] = field(default_factory=list)


def split_lists_root(scenes_dir: Path) -> Path:
    """The folder holding ScanNet's split lists: the scenes folder, else its parent (else itself)."""
    for folder in (Path(scenes_dir), Path(scenes_dir).parent):
        if any((folder / name).is_file() for name in SPLIT_LIST_NAMES):
            return folder
    return Path(scenes_dir)


def shared_inputs(scenes_dir: Path) -> list[Path]:
    """Dataset-wide files whose content changes every scene's result (split lists, label table)."""
    root = split_lists_root(scenes_dir)
    candidates = [root / name for name in SPLIT_LIST_NAMES]
    for folder in (Path(scenes_dir), Path(scenes_dir).parent):
        candidates.append(folder / LABEL_TABLE_NAME)
    return [p for p in candidates if p.is_file()]


def plan_jobs(cfg: BuildConfig) -> list[SceneJob]:
    """Find the scenes, assign splits under the leakage guard and compute cache keys.

    Raises FileNotFoundError when the folder holds no scan and LeakageRefused when any scene would
    put val data into train without `allow_val_in_train`.
    """
    from vsi100k.scannet import find_scenes, read_split_lists
    from vsi100k.tasks.leakage import LeakageError, SplitGuard

    scene_dirs = find_scenes(cfg.scenes_dir)
    if not scene_dirs:
        raise FileNotFoundError(
            f"{cfg.scenes_dir}: no scan folders (expected <root>/sceneXXXX_YY/ or <root>/scans/sceneXXXX_YY/)"
        )
    if cfg.max_scenes is not None:
        scene_dirs = scene_dirs[: cfg.max_scenes]
    guard = SplitGuard(read_split_lists(split_lists_root(cfg.scenes_dir)), allow_val_in_train=cfg.allow_val_in_train)
    inputs = shared_inputs(cfg.scenes_dir)
    settings = cfg.settings()
    jobs: list[SceneJob] = []
    refused: list[str] = []
    for scene_dir in scene_dirs:
        scene_id = scene_dir.name
        try:
            decision = guard.assign(scene_id, requested=cfg.split, path=scene_dir)
        except LeakageError as error:
            refused.append(str(error))
            continue
        key = scene_key(scene_dir, inputs, settings, decision.split, decision.leakage_override)
        jobs.append(SceneJob(scene_id, scene_dir, decision.split, decision.leakage_override, key))
    if refused:
        shown = "\n".join(f"  - {line}" for line in refused[:10])
        more = f"\n  ... and {len(refused) - 10} more" if len(refused) > 10 else ""
        raise LeakageRefused(
            f"refusing to build: {len(refused)} scene(s) would put ScanNet val data into the train split:\n"
            f"{shown}{more}\nremove them, choose another --split, or pass --allow-val-in-train (the card records it)"
        )
    return jobs


def build_id(cfg: BuildConfig, jobs: list[SceneJob]) -> str:
    """Identity of a build's output: version, code, settings and every scene's cache key."""
    payload = {
        "version": __version__,
        "code": code_version(),
        "settings": cfg.settings(),
        "scenes": [[job.scene_id, job.key] for job in jobs],
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


def compute_scene(job: SceneJob, cfg: BuildConfig) -> tuple[dict, list[bytes]]:
    """Run the stages on one scene: the cache entry's result dict and the frames' JPEG bytes.

    Raises whatever a stage raises (SceneError naming the scene, file and problem for bad input).
    """
    from vsi100k.dataset.rows import question_rows
    from vsi100k.facts.extract import FactsConfig, extract_facts
    from vsi100k.frames import FrameCache, FramesConfig, attach_visibility, prepare_scene_frames
    from vsi100k.scannet import load_scene
    from vsi100k.tasks.config import QuestionConfig
    from vsi100k.tasks.generate import generate_questions

    scene = load_scene(job.scene_dir)
    facts = extract_facts(scene, FactsConfig(box_method=cfg.box_method, distance_method=cfg.distance_method))
    facts = replace(facts, split=job.split)
    frames_cfg = FramesConfig(
        n_frames=cfg.n_frames, max_width=cfg.frame_width, max_height=cfg.frame_height, visibility=cfg.visibility
    )
    prepared = prepare_scene_frames(scene, frames_cfg, FrameCache(cfg.cache_root / "frames"))
    if prepared.visibility is not None:
        facts = attach_visibility(facts, prepared.visibility, min_pixel_fraction=frames_cfg.min_pixel_fraction)
    questions, skips = generate_questions(facts, QuestionConfig(seed=cfg.seed, mix=cfg.mix))
    sampled = prepared.frames
    frames_meta = {
        "frame_indices": [int(i) for i in sampled.indices],
        "timestamps_s": [float(t) for t in sampled.timestamps_s],
        "width": int(sampled.width),
        "height": int(sampled.height),
        "source": FRAME_SOURCE_NAMES.get(sampled.source, sampled.source),
    }
    result = scene_result(job, facts.to_json(), question_rows(questions), skips, frames_meta)
    return result, list(sampled.jpegs)


def scene_result(job: SceneJob, facts_json: dict, rows: list[dict], skips: Counter, frames_meta: dict) -> dict:
    """The cache entry of a built scene. skips: Counter keyed by (question type, reason).
    frames_meta: frame_indices, timestamps_s, width, height, source (the JPEGs are stored beside it)."""
    return {
        "status": STATUS_OK,
        "scene_id": job.scene_id,
        "split": job.split,
        "leakage_override": job.leakage_override,
        "facts": facts_json,
        "questions": rows,
        "skips": [[qtype, reason, int(n)] for (qtype, reason), n in sorted(skips.items())],
        "frames": frames_meta,
    }


def failure_result(job: SceneJob, reason: str) -> dict:
    """The cache entry of a scene whose input is bad (the same input fails the same way)."""
    return {"status": STATUS_FAILED, "scene_id": job.scene_id, "split": job.split, "reason": reason}


def run_scene(job: SceneJob, cfg: BuildConfig) -> SceneSummary:
    """Compute one scene and store it in the cache (the worker's entry point; never raises for
    a scene's own failure: deterministic failures are cached, others reported uncached)."""
    started = time.perf_counter()
    cache = SceneCache(cfg.cache_root)
    try:
        result, jpegs = compute_scene(job, cfg)
    except DETERMINISTIC_ERRORS as error:
        reason = str(error)
        cache.store(job.scene_id, job.key, failure_result(job, reason), [])
        return SceneSummary(job.scene_id, STATUS_FAILED, reason, 0, False, time.perf_counter() - started)
    except Exception as error:  # noqa: BLE001 - one bad scene never stops a build of many
        reason = f"internal error ({type(error).__name__}: {error}); not cached, retried on the next build"
        return SceneSummary(job.scene_id, STATUS_FAILED, reason, 0, False, time.perf_counter() - started)
    cache.store(job.scene_id, job.key, result, jpegs)
    return SceneSummary(job.scene_id, STATUS_OK, None, len(result["questions"]), False, time.perf_counter() - started)


def _summary_of(entry: CachedScene) -> SceneSummary:
    result = entry.result
    if entry.ok:
        return SceneSummary(entry.scene_id, STATUS_OK, None, len(result["questions"]), True)
    return SceneSummary(entry.scene_id, STATUS_FAILED, result["reason"], 0, True)


def process_scenes(
    cfg: BuildConfig, jobs: list[SceneJob], on_done: Callable[[SceneSummary], None] | None = None
) -> dict[str, SceneSummary]:
    """Make sure every job has a result: cached ones are only looked up, the rest computed
    (`cfg.workers` processes). Returns scene id -> summary (uncached failures included)."""
    cache = SceneCache(cfg.cache_root)
    summaries: dict[str, SceneSummary] = {}
    todo: list[SceneJob] = []
    for job in jobs:
        entry = cache.load(job.scene_id, job.key)
        if entry is None:
            todo.append(job)
            continue
        summaries[job.scene_id] = _summary_of(entry)
        if on_done:
            on_done(summaries[job.scene_id])
    if cfg.workers == 1 or len(todo) <= 1:
        for job in todo:
            summaries[job.scene_id] = run_scene(job, cfg)
            if on_done:
                on_done(summaries[job.scene_id])
        return summaries
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")  # not fork: forking a process that runs threads can deadlock
    with ProcessPoolExecutor(max_workers=min(cfg.workers, len(todo)), mp_context=context) as pool:
        futures = {pool.submit(run_scene, job, cfg): job for job in todo}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    summary = future.result()
                except Exception as error:  # noqa: BLE001 - a crashed worker fails its scene only
                    reason = f"worker crashed ({type(error).__name__}: {error})"
                    summary = SceneSummary(job.scene_id, STATUS_FAILED, reason, 0, False)
                summaries[job.scene_id] = summary
                if on_done:
                    on_done(summary)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return summaries


def assemble(cfg: BuildConfig, jobs: list[SceneJob], summaries: dict[str, SceneSummary], command: str) -> dict:
    """Write the dataset folder from the cache (scene order): facts, shards, report, card."""
    from vsi100k.card import write_card
    from vsi100k.dataset.rows import frame_row
    from vsi100k.dataset.schema import SPLITS
    from vsi100k.dataset.write import write_dataset

    cache = SceneCache(cfg.cache_root)
    out_dir = cfg.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    entries: dict[str, CachedScene] = {}
    failed: dict[str, str] = {}
    for job in sorted(jobs, key=lambda j: j.scene_id):
        entry = cache.load(job.scene_id, job.key)
        if entry is None:
            summary = summaries.get(job.scene_id)
            failed[job.scene_id] = (summary.reason if summary else None) or "no result (scene was not processed)"
        elif not entry.ok:
            failed[job.scene_id] = entry.result["reason"]
        else:
            entries[job.scene_id] = entry
    _write_facts(out_dir, entries)
    questions: dict[str, list[dict]] = {}
    skipped: dict[str, Counter] = {}
    scene_splits: dict[str, str] = {}
    frame_bytes: dict[str, int] = {}
    for scene_id, entry in entries.items():
        split = entry.result["split"]
        scene_splits[scene_id] = split
        questions.setdefault(split, []).extend(entry.result["questions"])
        for qtype, reason, n in entry.result["skips"]:
            skipped.setdefault(qtype, Counter())[reason] += n

    def frame_rows(split: str) -> Iterator[dict]:
        for scene_id, entry in entries.items():
            if entry.result["split"] != split:
                continue
            meta = entry.result["frames"]
            jpegs = entry.jpegs()
            frame_bytes[scene_id] = sum(len(j) for j in jpegs)
            yield frame_row(
                scene_id,
                frame_indices=meta["frame_indices"],
                timestamps_s=meta["timestamps_s"],
                jpegs=jpegs,
                width=meta["width"],
                height=meta["height"],
                source=meta["source"],
            )

    present = {entry.result["split"] for entry in entries.values()}
    written = write_dataset(out_dir, questions, {split: frame_rows(split) for split in SPLITS if split in present})
    jobs_by_id = {job.scene_id: job for job in jobs}
    report = make_report(
        build_id=build_id(cfg, jobs),
        command=command,
        settings=cfg.settings(),
        scene_splits=scene_splits,
        failed=failed,
        question_rows=questions,
        skipped=skipped,
        written=written,
        frame_bytes_per_scene=frame_bytes,
        leakage_override=cfg.allow_val_in_train,
        overridden_scenes=[s for s in scene_splits if jobs_by_id[s].leakage_override],
    )
    write_report(out_dir, report)
    write_card(out_dir, report)
    return report


def _write_facts(out_dir: Path, entries: dict[str, CachedScene]) -> None:
    """One facts JSON per built scene under facts/ (as `SceneFacts.write` formats it); stale ones removed."""
    from vsi100k.facts.schema import SceneFacts

    folder = out_dir / FACTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    keep = set()
    for scene_id, entry in entries.items():
        path = folder / f"{scene_id}.json"
        SceneFacts.from_json(entry.result["facts"]).write(path)
        keep.add(path)
    for path in folder.glob("*"):
        if path.is_file() and path not in keep:
            path.unlink()


def run_build(cfg: BuildConfig, *, command: str | None = None, progress: bool = True) -> BuildResult:
    """The whole build. command: the command line recorded in the report and the card (default:
    `cfg.command()`, every setting spelled out).

    progress: show a progress bar (rich, on stderr) while scenes are processed.
    """
    from vsi100k.dataset.validate import validate_output

    started = time.perf_counter()
    jobs = plan_jobs(cfg)
    if progress:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("[bold]scenes"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
            TextColumn("{task.fields[last]}"), console=Console(stderr=True),
        )
        with bar:
            task = bar.add_task("scenes", total=len(jobs), last="")

            def advance(summary: SceneSummary) -> None:
                mark = "cached" if summary.cached else summary.status
                bar.update(task, advance=1, last=f"{summary.scene_id} ({mark})")

            summaries = process_scenes(cfg, jobs, advance)
    else:
        summaries = process_scenes(cfg, jobs)
    report = assemble(cfg, jobs, summaries, command if command is not None else cfg.command())
    problems = validate_output(cfg.out_dir)
    ordered = [summaries[job.scene_id] for job in jobs]
    return BuildResult(
        out_dir=cfg.out_dir,
        report=report,
        problems=problems,
        seconds=time.perf_counter() - started,
        scenes_computed=sum(1 for s in ordered if not s.cached),
        scenes_cached=sum(1 for s in ordered if s.cached),
        summaries=ordered,
    )
