"""`vsi100k frames`: the pipeline stopped after frames (+ visibility), into the build cache; optional mp4s."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.options import (
    build_cache_dir,
    DEFAULTS, EXIT_FATAL, EXIT_PARTIAL, CacheOption, ExecutorChoice, ExecutorOption, FrameHeightOption,
    FramesOption, FrameWidthOption, MaxScenesOption, ProgressOption, RayAddressOption, ScenesOption,
    VisibilityOption, WorkersOption, cache_kept, command_errors,
)


def frames(
    scenes: ScenesOption,
    frames: FramesOption = None,
    frame_width: FrameWidthOption = DEFAULTS["frame_width"],
    frame_height: FrameHeightOption = DEFAULTS["frame_height"],
    visibility: VisibilityOption = DEFAULTS["visibility"],
    export_mp4: Annotated[
        Optional[Path],
        typer.Option(file_okay=False, help="Also write <EXPORT_MP4>/<source>/<scene_id>.mp4 (VSI-Bench's Hub layout: scannet/, scannetpp/, arkitscenes/)."),
    ] = None,
    full_stream: Annotated[
        bool, typer.Option("--full-stream", help="Export every frame of the stream (default: the sampled frames).")
    ] = False,
    fps: Annotated[float, typer.Option(min=1.0, help="Frame rate of exported mp4s.")] = 24.0,
    workers: WorkersOption = 1,
    executor: ExecutorOption = ExecutorChoice("local"),
    ray_address: RayAddressOption = None,
    max_scenes: MaxScenesOption = None,
    cache_dir: CacheOption = None,
    progress: ProgressOption = True,
) -> None:
    """Sample frames (and ray-cast visibility) of every scan into the build cache.

    A later `vsi100k build` with the same frame settings reuses them. Scans without a colour stream
    are listed and skipped. Exit code 3 when some scans failed, 1 when none succeeded.

    Examples:

      vsi100k frames --scenes /data/scannet --workers 2

      vsi100k frames --scenes /data/scannet --frames 16 --export-mp4 ./videos --full-stream
    """
    from vsi100k.frames.config import FramesConfig
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import run_stage

    with command_errors(lambda: cache_kept(cache_dir)):
        cfg = BuildConfig(
            scenes_dir=scenes, out_dir=Path(export_mp4 or Path.cwd() / ".vsi100k-frames"),
            cache_dir=build_cache_dir(cache_dir),
            frames=FramesConfig(n_frames=frames or FramesConfig.n_frames, max_width=frame_width,
                                max_height=frame_height, visibility=visibility),
            workers=workers, executor=executor.value, ray_address=ray_address, max_scenes=max_scenes,
            require_frames=True,
        )
        result = run_stage(cfg, "frames", progress=progress)
        exported = _export(cfg, result, export_mp4, full_stream, fps) if export_mp4 is not None else 0
    failed = result.failed
    for summary in failed:
        typer.echo(f"failed {summary.reason}", err=True)
    ok = len(result.summaries) - len(failed)
    stages = result.stages_computed()
    typer.echo(f"frames: {ok} scans ({ok - stages['frames']} from the cache), {len(failed)} failed -> {cfg.cache_root}"
               + (f"; {exported} mp4s in {export_mp4}" if export_mp4 is not None else ""))
    if ok == 0:
        raise typer.Exit(EXIT_FATAL)
    if failed:
        raise typer.Exit(EXIT_PARTIAL)


def _export(cfg, result, folder: Path, full_stream: bool, fps: float) -> int:
    """Write `<folder>/<source>/<scene_id>.mp4` (VSI-Bench's layout) for every scan whose frames were built."""
    from vsi100k.frames.export import export_sampled_mp4, export_stream_mp4
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.sources import get_source

    cache = BuildCache(cfg.cache_root)
    ok = {s.scene_id for s in result.summaries if s.status == "ok"}
    count = 0
    for job in plan_jobs(cfg):
        if job.scene_id not in ok:
            continue
        target = Path(folder) / job.source / f"{job.scene_id}.mp4"
        if full_stream:
            export_stream_mp4(get_source(job.source).load(job.scene_dir), target, cfg.frames, fps=fps)
        else:
            export_sampled_mp4(cache.frames.load_frames(job.scene_id, job.frames_key), target, fps=fps)
        count += 1
    return count
