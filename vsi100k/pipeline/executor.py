"""Executors: where the per-scan work (`stages.run_scan`) runs. The only place that opens pools.

- `LocalExecutor`: this process (1 worker) or a pool of worker processes started once for the
  whole build, for the scans whose heavy stages (facts, frames, visibility) are not cached; scans
  that only need their questions regenerated run in this process while the workers start. Workers
  import only the stage modules, run one thread each, take the largest scans first, and end when
  the build's process ends (a parent-death signal on Linux), so killing the build never leaves
  workers writing to the cache.
- `RayExecutor`: one Ray task per scan, on a local Ray runtime or a cluster (`--ray-address`). Every
  node must see the scans and the cache under the same paths; results flow back into the same
  assembly step, so the dataset is byte-identical to the local executor's.

Both yield one `ScanSummary` per job, in completion order.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from vsi100k.errors import Vsi100kError
from vsi100k.pipeline.cache import STATUS_FAILED
from vsi100k.pipeline.config import BuildConfig
from vsi100k.pipeline.stages import ScanJob, ScanSummary, run_scan

# Modules a worker needs for any stage, imported once when it starts (not per scan).
WORKER_IMPORTS = (
    "numpy", "scipy.spatial", "open3d", "vsi100k.scannet", "vsi100k.facts.extract", "vsi100k.frames.sources",
    "vsi100k.frames.visibility", "vsi100k.tasks.generate", "vsi100k.dataset.rows",
)


def _die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


# One thread per worker: the pool already fills the cores, and OpenMP threads (Open3D's ray casting)
# on top of it would only contend. Read by OpenMP when Open3D is first imported, below.
SINGLE_THREAD_ENV = {"OMP_NUM_THREADS": "1"}


def _start_worker(parent_pid: int) -> None:
    # Ctrl-C reaches the whole process group: the build process alone handles it (it ends the workers
    # and says what was kept), so a worker never prints a traceback or a library's warnings for it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent_pid)
    os.environ.update(SINGLE_THREAD_ENV)
    import importlib

    for name in WORKER_IMPORTS:
        try:
            importlib.import_module(name)
        except ImportError:
            pass  # the stage that needs it reports the missing module for its scan


def _crashed(job: ScanJob, error: BaseException) -> ScanSummary:
    return ScanSummary(job.scene_id, STATUS_FAILED, f"{job.scene_id}: worker crashed ({type(error).__name__}: {error})",
                       0, False)


def largest_first(jobs: Sequence[ScanJob]) -> list[ScanJob]:
    """Jobs by descending expected cost (`ScanJob.cost`), so the last scans to finish are small ones
    and the workers end together; the output does not depend on the order."""
    return sorted(jobs, key=lambda job: (-job.cost, job.scene_id))


class LocalExecutor:
    """Scans in this process (workers=1) or in `workers` processes started once."""

    def __init__(self, workers: int = 1):
        self.workers = workers

    def run(self, jobs: Sequence[ScanJob], cfg: BuildConfig, until: str = "questions") -> Iterator[ScanSummary]:
        from vsi100k.pipeline.cache import BuildCache

        cache = BuildCache(cfg.cache_root)
        cached = {job.scene_id: cache.stages_cached(job, until) for job in jobs}
        heavy = [job for job in jobs if not cached[job.scene_id]]
        light = [job for job in jobs if cached[job.scene_id]]
        if self.workers == 1 or len(heavy) <= 1:
            for job in jobs:
                yield run_scan(job, cfg, until)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn, not fork: forking a process that runs threads (progress bar, Open3D) can deadlock.
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(heavy)), mp_context=context,
                                   initializer=_start_worker, initargs=(os.getpid(),))
        try:
            with _sigint_ignored():  # workers start (inside submit) ignoring Ctrl-C from their first instruction
                futures = {pool.submit(run_scan, job, cfg, until): job for job in largest_first(heavy)}
            for job in light:  # cached stages, questions only: here, while the workers start
                yield run_scan(job, cfg, until)
            for future in as_completed(futures):
                try:
                    yield future.result()
                except Exception as error:  # noqa: BLE001 - a crashed worker fails its scan only
                    yield _crashed(futures[future], error)
        except BaseException:
            # Ctrl-C or an error in the consumer: end the workers now instead of waiting for their
            # scans (cache entries are written atomically, so a killed worker leaves none half-written).
            _terminate(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore SIGINT in this (main) thread for the block: processes started meanwhile inherit the
    disposition across exec, so a Ctrl-C while a worker boots cannot print its traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _terminate(pool) -> None:
    """SIGTERM every worker process of a ProcessPoolExecutor (Python < 3.14 has no public call)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        try:
            process.terminate()
        except (OSError, AttributeError):
            pass


class RayExecutor:
    """One Ray task per scan. address: a running cluster ("auto", "ray://host:10001"); None starts
    a local runtime with `workers` CPUs, shut down again when the build ends."""

    def __init__(self, address: str | None = None, workers: int = 1):
        self.address = address
        self.workers = workers

    def run(self, jobs: Sequence[ScanJob], cfg: BuildConfig, until: str = "questions") -> Iterator[ScanSummary]:
        try:
            import ray
        except ImportError:
            raise Vsi100kError("--executor ray needs Ray, which is not installed: pip install 'vsi100k[ray]'") from None
        started_here = not ray.is_initialized()
        if started_here:
            if self.address is None:
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False,
                         configure_logging=False)
            else:
                ray.init(address=self.address, log_to_driver=False, configure_logging=False)
        try:
            remote = ray.remote(num_cpus=1, max_retries=1)(run_scan)
            pending = {remote.remote(job, cfg, until): job for job in largest_first(jobs)}
            while pending:
                done, _ = ray.wait(list(pending), num_returns=1)
                for ref in done:
                    job = pending.pop(ref)
                    try:
                        yield ray.get(ref)
                    except Exception as error:  # noqa: BLE001 - a failed task fails its scan only
                        yield _crashed(job, error)
        finally:
            if started_here:
                ray.shutdown()


def make_executor(cfg: BuildConfig) -> LocalExecutor | RayExecutor:
    if cfg.executor == "ray":
        return RayExecutor(cfg.ray_address, cfg.workers)
    return LocalExecutor(cfg.workers)
