"""`vsi100k frames`: sample frames (+ visibility) of every scan into the frames cache, optionally as mp4."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.app import app
from vsi100k.errors import Vsi100kError


@app.command("frames")
def frames(
    scenes: Annotated[
        Path,
        typer.Option(exists=True, file_okay=False, dir_okay=True,
                     help="ScanNet root: <root>/<scene_id>/ or <root>/scans/<scene_id>/ with .sens or .mp4 streams."),
    ],
    cache: Annotated[Path, typer.Option(file_okay=False, help="Frames cache folder (created; reruns reuse it).")],
    n_frames: Annotated[int, typer.Option(min=1, help="Frames per scan, uniform over the stream (VSI-Bench: 32).")] = 32,
    width: Annotated[int, typer.Option(min=16, help="Frames fit inside WIDTH x HEIGHT, aspect kept.")] = 640,
    height: Annotated[int, typer.Option(min=16, help="See --width.")] = 480,
    visibility: Annotated[bool, typer.Option(help="Ray-cast the mesh from each pose (first appearances).")] = True,
    downscale: Annotated[int, typer.Option(min=1, help="Visibility rays on a grid of colour resolution / DOWNSCALE.")] = 4,
    export_mp4: Annotated[
        Optional[Path],
        typer.Option(file_okay=False, help="Also write <EXPORT_MP4>/scannet/<scene_id>.mp4 (VSI-Bench's Hub layout)."),
    ] = None,
    full_stream: Annotated[
        bool, typer.Option("--full-stream", help="Export every frame of the stream (default: the sampled frames).")
    ] = False,
    fps: Annotated[float, typer.Option(min=1.0, help="Frame rate of exported mp4s.")] = 24.0,
) -> None:
    """Sample frames of every scan under SCENES into CACHE; bad scans are listed and skipped.

    The exit code is 1 only when no scan succeeded.

    Examples:

      vsi100k frames --scenes /data/scannet --cache build/cache/frames

      vsi100k frames --scenes /data/scannet --cache build/cache/frames --n-frames 16 --export-mp4 build/videos --full-stream
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from vsi100k.frames import FrameCache, FramesConfig, prepare_scene_frames
    from vsi100k.frames.export import export_sampled_mp4, export_stream_mp4
    from vsi100k.scannet import find_scenes, load_scene

    console = Console(stderr=True)
    try:
        cfg = FramesConfig(n_frames=n_frames, max_width=width, max_height=height, visibility=visibility,
                           visibility_downscale=downscale)
        scene_dirs = find_scenes(scenes)
    except (Vsi100kError, FileNotFoundError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if not scene_dirs:
        console.print(f"[red]error:[/red] {scenes}: no scene folders (sceneXXXX_YY) found")
        raise typer.Exit(2)
    store = FrameCache(cache)
    done, cached, failed = 0, 0, []
    columns = (TextColumn("frames"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        bar = progress.add_task("", total=len(scene_dirs))
        for scene_dir in scene_dirs:
            progress.update(bar, description=scene_dir.name)
            try:
                scene = load_scene(scene_dir)
                result = prepare_scene_frames(scene, cfg, store)
                if export_mp4 is not None:
                    target = export_mp4 / "scannet" / f"{scene.scene_id}.mp4"
                    if full_stream:
                        export_stream_mp4(scene, target, cfg, fps=fps)
                    else:
                        export_sampled_mp4(result.frames, target, fps=fps)
                done += 1
                cached += int(result.cached)
            except Vsi100kError as exc:
                failed.append(str(exc))
            progress.update(bar, advance=1)
    for reason in failed:
        console.print(f"[red]failed[/red] {reason}")
    console.print(f"frames: {done} scans ({cached} from the cache), {len(failed)} failed -> {cache}")
    if done == 0:
        raise typer.Exit(1)
