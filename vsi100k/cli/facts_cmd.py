"""`vsi100k facts`: the pipeline stopped after facts; writes the build's `facts/` layout."""

from __future__ import annotations

from pathlib import Path

import typer

from vsi100k.cli.options import (
    build_cache_dir,
    DEFAULTS, EXIT_FATAL, EXIT_PARTIAL, BoxMethodOption, CacheOption, DistanceMethodOption, ExecutorChoice,
    ExecutorOption, MaxScenesOption, OrientedEngineOption, ProgressOption, RayAddressOption, ScenesOption,
    WorkersOption, cache_kept, command_errors, out_option,
)


def facts(
    scenes: ScenesOption,
    out: out_option("OUT/facts/<scene_id>.json and OUT/facts_report.json (the layout of a build's facts/)"),
    box_method: BoxMethodOption = DEFAULTS["box_method"],
    distance_method: DistanceMethodOption = DEFAULTS["distance_method"],
    oriented_engine: OrientedEngineOption = DEFAULTS["oriented_engine"],
    workers: WorkersOption = 1,
    executor: ExecutorOption = ExecutorChoice("local"),
    ray_address: RayAddressOption = None,
    max_scenes: MaxScenesOption = None,
    cache_dir: CacheOption = None,
    progress: ProgressOption = True,
) -> None:
    """Compute scan facts (objects, boxes, distances, room size) into OUT/facts/<scene_id>.json.

    The same layout as a build's facts/ folder, so `vsi100k questions --facts OUT/facts` reads
    either. Bad scans are listed with the file and the problem in OUT/facts_report.json; results
    are cached, so a rerun (or a later build) does not recompute them. Exit code 3 when some scans
    failed, 1 when none succeeded.

    Examples:

      vsi100k facts --scenes /data/scannet --out ./facts-run

      vsi100k facts --scenes /data/scannet --out ./facts-run --distance-method closest_points --workers 2
    """
    from vsi100k.facts.extract import FactsConfig
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import run_stage

    with command_errors(lambda: cache_kept(cache_dir)):
        cfg = BuildConfig(
            scenes_dir=scenes, out_dir=out, cache_dir=build_cache_dir(cache_dir),
            facts=FactsConfig(box_method=box_method.value, distance_method=distance_method.value,
                              oriented_engine=oriented_engine.value),
            workers=workers, executor=executor.value, ray_address=ray_address, max_scenes=max_scenes,
        )
        result = run_stage(cfg, "facts", progress=progress)
    for item in result.report["failed_scenes"]:
        typer.echo(f"failed {item['reason']}", err=True)
    n_ok, n_failed = len(result.report["ok"]), len(result.report["failed_scenes"])
    stages = result.stages_computed()
    typer.echo(f"facts: {n_ok} scans ({n_ok - stages['facts']} from the cache), {n_failed} failed -> "
               f"{Path(out) / 'facts'} (report {Path(out) / 'facts_report.json'})")
    if n_ok == 0:
        raise typer.Exit(EXIT_FATAL)
    if n_failed:
        raise typer.Exit(EXIT_PARTIAL)
