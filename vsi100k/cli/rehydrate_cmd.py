"""`vsi100k rehydrate`: parse options, rebuild a release's frames from the user's scans, print the outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.options import (
    EXIT_PARTIAL, SCENES_HELP, CacheOption, build_cache_dir, ProgressOption, WorkersOption, cache_kept, command_errors, out_option,
)


def rehydrate(
    release: Annotated[str, typer.Argument(help="A release without images: its Hub repo id (namespace/name) or a local folder.")],
    scenes: Annotated[Path, typer.Option(exists=True, file_okay=False,
                                         help=SCENES_HELP + " Your own copy of the release's scans.")],
    out: out_option("the dataset (the release's questions with the frames rebuilt from your scans)"),
    revision: Annotated[Optional[str], typer.Option(help="Hub branch, tag or commit of the release (default: main).")] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a previous vsi100k folder in --out.")] = False,
    workers: WorkersOption = 1,
    cache_dir: CacheOption = None,
    progress: ProgressOption = True,
) -> None:
    """Rebuild the frames of a release published without images from your own copy of the scans.

    Reads the release's frames manifest, samples exactly the listed frames from your scans (ScanNet,
    ScanNet++, ARKitScenes), checks every frame's checksums and writes a complete dataset that loads
    like a full build (byte-identical to it when the scans are the same). Scans that are missing or
    whose stream differs are named; the others are still written. Exit code 3: a partial result;
    exit code 1 when no scan could be rehydrated (nothing is written, --out is left as it was).

    Examples:

      vsi100k rehydrate my-org/vsi100k --scenes /data/scans --out ./vsi100k-data

      vsi100k rehydrate ./vsi100k-data.push-dry-run --scenes /data/scans --out ./rebuilt --overwrite
    """
    from vsi100k.release.rehydrate import RehydrateConfig, rehydrate as run_rehydrate, release_folder

    with command_errors(lambda: cache_kept(cache_dir)):
        folder = release_folder(release, revision=revision)
        cfg = RehydrateConfig(release=folder, scenes_dir=scenes, out_dir=out, workers=workers, overwrite=overwrite,
                              cache_dir=build_cache_dir(cache_dir))
        result = run_rehydrate(cfg, progress=progress)
    total = len(result.rebuilt) + len(result.problems)
    typer.echo(f"rehydrated {len(result.rebuilt)} of {total} scans into {result.out_dir} (build {result.build_id})")
    for scene, (kind, reason) in sorted(result.problems.items()):
        typer.echo(f"  {kind}: {reason}", err=True)
    if result.partial:
        typer.echo(f"warning: partial result: {len(result.problems)} scan(s) have no frames (listed above, in the "
                   "build report and in the card)", err=True)
        raise typer.Exit(code=EXIT_PARTIAL)
