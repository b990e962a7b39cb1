"""Run the pipeline: plan, process every scan on the chosen executor, write the output.

`run_build` is `vsi100k build`; `run_stage` stops after an earlier stage (`vsi100k facts`,
`vsi100k frames`). Leakage refusals stop a build before any work (they are decisions about the whole
split); one bad scan never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from vsi100k.errors import Vsi100kError
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.executor import make_executor
from vsi100k.pipeline.interrupts import Interrupts, interrupts_deferred
from vsi100k.pipeline.plan import plan_jobs
from vsi100k.pipeline.stages import ScanJob, ScanSummary


class BuildFailed(Vsi100kError):
    """Every scan failed, or no scan gave a question: nothing was written."""


class BuildInterrupted(Vsi100kError):
    """Ctrl-C (or SIGINT) stopped a run; the message says what was kept and how to resume.

    exit_code: the shell's convention for an interrupted command (128 + SIGINT)."""

    exit_code = 130


@dataclass
class BuildResult:
    """A finished run: the report (as written), validation problems ([] when valid) and counts."""

    out_dir: Path
    report: dict
    problems: list[str]
    seconds: float
    summaries: list[ScanSummary] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one line each, for the user (e.g. what --overwrite removed)

    @property
    def scenes_computed(self) -> int:
        return sum(1 for s in self.summaries if not s.cached)

    @property
    def scenes_cached(self) -> int:
        return sum(1 for s in self.summaries if s.cached)

    @property
    def failed(self) -> list[ScanSummary]:
        return [s for s in self.summaries if s.status != "ok"]

    def stages_computed(self) -> dict[str, int]:
        """stage -> scans for which it was computed in this run (the others came from the cache)."""
        counts = {stage: 0 for stage in ("facts", "frames", "visibility", "questions")}
        for summary in self.summaries:
            for stage in summary.computed:
                counts[stage] += 1
        return counts


def _progress(total: int, label: str) -> tuple[Callable[[Iterable[ScanSummary]], Iterable[ScanSummary]], object]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    bar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn(), TextColumn("{task.fields[last]}"), console=Console(stderr=True))
    task = bar.add_task(label, total=total, last="")

    def track(summaries: Iterable[ScanSummary]) -> Iterable[ScanSummary]:
        for summary in summaries:
            mark = "cached" if summary.cached else summary.status
            bar.update(task, advance=1, last=f"{summary.scene_id} ({mark})")
            yield summary

    return track, bar


def process(cfg: BuildConfig, jobs: list[ScanJob], until: str, progress: bool,
            interrupts: Interrupts | None = None) -> dict[str, ScanSummary]:
    """Run every job on the configured executor; scene id -> summary. interrupts: checked after each
    scan, so a Ctrl-C a library swallowed still stops the run."""
    results = make_executor(cfg).run(jobs, cfg, until)
    if interrupts is not None:
        results = _checked(results, interrupts)
    if not progress:
        return {s.scene_id: s for s in results}
    track, bar = _progress(len(jobs), "scans")
    with bar:
        return {s.scene_id: s for s in track(results)}


def _checked(results: Iterable[ScanSummary], interrupts: Interrupts) -> Iterator[ScanSummary]:
    for summary in results:
        interrupts.check()
        yield summary


def run_build(cfg: BuildConfig, *, command: str | None = None, progress: bool = True) -> BuildResult:
    """The whole build into `cfg.out_dir`. command: the command line recorded in the report and the
    card (default: `cfg.command()`, every setting spelled out). Ctrl-C raises BuildInterrupted saying
    what was kept (cache entries; the previous build untouched, or the new one complete)."""
    from vsi100k.dataset.lock import OutputLock
    from vsi100k.dataset.output import derived_files, prepare_output
    from vsi100k.dataset.validate import validate_output

    started = time.perf_counter()
    command = command if command is not None else cfg.command()
    jobs = plan_jobs(cfg)
    try:
        with interrupts_deferred() as interrupted, OutputLock(cfg.out_dir, command=command), \
                prepare_output(cfg.out_dir, overwrite=cfg.overwrite, estimated_bytes=estimate_bytes(cfg, len(jobs))) as staged:
            replaced = derived_files(cfg.out_dir)  # a previous build's `vsi100k preview` pages, replaced with it
            summaries = process(cfg, jobs, "questions", progress, interrupted)
            interrupted.check()
            checked: dict[str, dict] = {}
            report = _assemble_checked(cfg, jobs, summaries, command, staged.path, checked)
            interrupted.check()
            staged.commit(build_id=report["build_id"], validate=lambda path: validate_output(path, checked_frames=checked))
            interrupted.check()  # a Ctrl-C a library swallowed while the build was validated and swapped in
    except KeyboardInterrupt:
        raise BuildInterrupted(interrupted_state(cfg, jobs)) from None
    notes = [f"--overwrite removed the previous build's {', '.join(replaced)} (not part of a build; "
             "write them again with `vsi100k preview`)"] if replaced else []
    return BuildResult(cfg.out_dir, report, [], time.perf_counter() - started,
                       [summaries[job.scene_id] for job in jobs], notes)


def _assemble_checked(cfg: BuildConfig, jobs: list[ScanJob], summaries: dict[str, ScanSummary], command: str,
                      target: Path, checked: dict[str, dict]) -> dict:
    """`assemble` (filling `checked`, the frames its workers already checked), after refusing in one line a
    build with no usable scan or no question at all."""
    from collections import Counter

    from vsi100k.pipeline.assemble import assemble

    if not any(s.status == "ok" for s in summaries.values()):
        shown = "; ".join(s.reason or "" for s in list(summaries.values())[:3])
        raise BuildFailed(f"no scan could be built ({len(summaries)} failed; {shown}); "
                          f"{cfg.out_dir} was left as it was")
    if not any(s.n_questions for s in summaries.values() if s.status == "ok"):
        n_ok = sum(1 for s in summaries.values() if s.status == "ok")
        reasons = Counter()
        from vsi100k.pipeline.cache import BuildCache

        cache = BuildCache(cfg.cache_root)
        for job in jobs:
            entry = cache.load_scene(job.scene_id, job.key)
            if entry is not None and entry.ok:
                for _, reason, n in entry.result["skips"]:
                    reasons[reason] += n
        top = ", ".join(f"{reason} {n}" for reason, n in reasons.most_common(3)) or "no candidates"
        raise BuildFailed(f"no questions: all {n_ok} usable scan(s) gave none (most rejected candidates: {top}); "
                          f"{cfg.out_dir} was left as it was")
    return assemble(cfg, jobs, summaries, command, target, checked)


def interrupted_state(cfg: BuildConfig, jobs: list[ScanJob]) -> str:
    """One line after Ctrl-C: the scans whose results are kept in the cache, and the state of the output
    folder (the new build complete, or the previous one untouched), and how to resume."""
    from vsi100k.dataset.output import read_marker
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.plan import build_id

    try:
        marker = read_marker(cfg.out_dir)
    except Vsi100kError:
        marker = None
    if marker is not None and marker.build_id == build_id(cfg, jobs):
        return f"the new build {marker.build_id} is complete in {cfg.out_dir} (Ctrl-C came after it was swapped in)"
    cache = BuildCache(cfg.cache_root)
    kept = sum(1 for job in jobs if cache.has_scene(job.scene_id, job.key))
    output = (f"the previous build in {cfg.out_dir} is untouched" if marker is not None
              else f"{cfg.out_dir} was not written")
    return (f"{kept} of {len(jobs)} scans are kept in the cache ({cfg.cache_root}); {output}; "
            "rerun the same command to resume")


JPEG_BYTES_PER_PIXEL = 0.25  # generous for quality-90 JPEGs of indoor frames (measured: ~0.1-0.2)
QUESTION_BYTES_PER_SCAN = 200_000  # question rows + facts JSON of a scan, generously


def estimate_bytes(cfg: BuildConfig, n_scans: int) -> int:
    """A generous estimate of a build's output size (the free-space pre-flight), bytes."""
    frames = cfg.frames.n_frames * cfg.frames.max_width * cfg.frames.max_height * JPEG_BYTES_PER_PIXEL
    return int(n_scans * (frames + QUESTION_BYTES_PER_SCAN))


def run_stage(cfg: BuildConfig, until: str, *, progress: bool = True) -> BuildResult:
    """Stop after `until` ("facts" or "frames"): the stage's results land in the cache; for facts,
    `cfg.out_dir/facts/<scene_id>.json` (the build's layout) and `facts_report.json` are written."""
    from vsi100k.dataset.lock import OutputLock
    from vsi100k.dataset.output import OutputError, read_marker
    from vsi100k.pipeline.assemble import write_facts_only

    started = time.perf_counter()
    jobs = plan_jobs(cfg)
    report: dict = {}
    if until != "facts":
        summaries = process(cfg, jobs, until, progress)
    else:
        with OutputLock(cfg.out_dir, purpose="facts"):
            if read_marker(cfg.out_dir) is not None:
                raise OutputError(cfg.out_dir, "holds a vsi100k build; write the facts stage to another --out "
                                  "(a build already has its facts/ folder)")
            summaries = process(cfg, jobs, until, progress)
            report = write_facts_only(cfg, jobs, summaries, cfg.out_dir)
    return BuildResult(cfg.out_dir, report, [], time.perf_counter() - started, [summaries[j.scene_id] for j in jobs])
