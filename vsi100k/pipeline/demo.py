"""The built-in demo (`vsi100k build` with no --scenes): synthetic ScanNet-format scenes written once
into the cache folder, then the normal build on them. The README's first command.

The synthetic scenes come from `vsi100k.synth` (meshes, annotations and rendered `.sens` streams whose
answers are known analytically); nothing here knows their format.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from vsi100k.tasks.config import QuestionConfig
from vsi100k.pipeline.cache import process_alive
from vsi100k.pipeline.config import BuildConfig, default_cache_root
from vsi100k.pipeline.run import BuildResult, run_build

DEMO_SCENES = 6
DEMO_SEED = 0
DEMO_STREAM_FRAMES = 48  # rendered RGB-D frames per synthetic scan (rendering is the demo's main cost)
DEMO_FRAME_INTERVAL_US = 1_000_000  # one rendered frame per second: a 48 s walk, long enough for
# first appearances at least 1 s apart (appearance-order questions)
DEMO_MIN_CATEGORIES = 6  # every demo room holds at least 6 categories: four-category questions
# (appearance order, relative distance) need 4, and a few more give orders whose first appearances
# are far enough apart (a small bathroom with a door, a mirror and a trash bin gives none)
DEMO_START_HEADING = "widest_gap"  # each walk starts looking away from the furniture, so objects come
# into view one after another as the camera turns instead of several sharing the first frame
DEMO_MIX = "vsibench"  # all eight VSI-Bench tasks, appearance order and route planning included
READY_FILE = "demo-scenes.json"


def demo_root(cache_dir: Path | None = None) -> Path:
    """`<cache>/demo`: where the demo's scenes and (by default) its dataset live."""
    return (Path(cache_dir) if cache_dir is not None else default_cache_root()) / "demo"


def scenes_folder(n_scenes: int, seed: int, stream_frames: int, cache_dir: Path | None = None) -> Path:
    """Where the demo's synthetic scans for these settings live (under `demo_root`)."""
    return demo_root(cache_dir) / (f"scenes-n{n_scenes}-seed{seed}-f{stream_frames}-i{DEMO_FRAME_INTERVAL_US}"
                                   f"-c{DEMO_MIN_CATEGORIES}-{DEMO_START_HEADING}")


def ensure_demo_scenes(
    n_scenes: int = DEMO_SCENES, seed: int = DEMO_SEED, *, stream_frames: int = DEMO_STREAM_FRAMES,
    cache_dir: Path | None = None, progress: bool = False,
) -> Path:
    """The folder of `n_scenes` synthetic scenes for `seed` with `stream_frames` rendered frames each,
    generated on first use (into a temporary folder renamed when complete, so an interrupted
    generation is redone, never half-used). progress: show a bar (rich, stderr) while generating."""
    from vsi100k.synth import SynthConfig, iter_generate_scenes
    from vsi100k.synth.layout import LayoutConfig
    from vsi100k.synth.trajectory import TrajectoryConfig

    if n_scenes < 1:
        raise ValueError(f"demo scenes: {n_scenes}; the demo needs at least 1 scene")
    folder = scenes_folder(n_scenes, seed, stream_frames, cache_dir)
    if (folder / READY_FILE).is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(folder.name + ".tmp-*"):  # left by an interrupted generation
        if not process_alive(stale.name.rsplit("-", 1)[-1]):
            shutil.rmtree(stale, ignore_errors=True)
    tmp = folder.with_name(folder.name + f".tmp-{os.getpid()}")
    tmp.mkdir()
    walk = TrajectoryConfig(frame_interval_us=DEMO_FRAME_INTERVAL_US, start_heading=DEMO_START_HEADING)
    rooms = LayoutConfig(min_categories=DEMO_MIN_CATEGORIES)
    scenes = iter_generate_scenes(tmp, n_scenes, seed, SynthConfig(n_frames=stream_frames, trajectory=walk, layout=rooms))
    if progress:
        from rich.console import Console
        from rich.progress import track

        scenes = track(scenes, total=n_scenes, description="synthetic demo scenes", console=Console(stderr=True))
    scene_dirs = list(scenes)
    (tmp / READY_FILE).write_text(json.dumps(
        {"n_scenes": n_scenes, "seed": seed, "stream_frames": stream_frames, "scenes": [p.name for p in scene_dirs]}))
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


def demo_config(
    n_scenes: int = DEMO_SCENES, *, out_dir: Path | None = None, cache_dir: Path | None = None,
    stream_frames: int = DEMO_STREAM_FRAMES, progress: bool = False, **settings
) -> BuildConfig:
    """The demo's BuildConfig (scenes generated if needed); settings override BuildConfig fields
    (`questions` defaults to the DEMO_MIX mix; the demo always replaces its own last build)."""
    # The scans do not depend on the question seed: changing --seed regenerates questions only.
    scenes_dir = ensure_demo_scenes(n_scenes, DEMO_SEED, stream_frames=stream_frames, cache_dir=cache_dir, progress=progress)
    out = Path(out_dir) if out_dir is not None else demo_root(cache_dir) / "dataset"
    settings.setdefault("questions", QuestionConfig(mix=DEMO_MIX))
    settings.setdefault("overwrite", True)
    if cache_dir is not None and settings.get("cache_dir") is None:
        settings["cache_dir"] = Path(cache_dir) / "build"
    return BuildConfig(scenes_dir=scenes_dir, out_dir=out, **settings)


def run_demo(
    n_scenes: int = DEMO_SCENES, *, out_dir: Path | None = None, cache_dir: Path | None = None,
    stream_frames: int = DEMO_STREAM_FRAMES, progress: bool = True, **settings
) -> tuple[BuildResult, dict | None]:
    """Build the demo dataset. Returns the build result and one sample question row (None if none)."""
    from vsi100k.dataset.load import read_local_scene

    cfg = demo_config(n_scenes, out_dir=out_dir, cache_dir=cache_dir, stream_frames=stream_frames, progress=progress,
                      **settings)
    result = run_build(cfg, command=cfg.command(demo_scenes=n_scenes, demo_stream_frames=stream_frames), progress=progress)
    sample = None
    for scene_id in sorted(p.stem for p in (cfg.out_dir / "facts").glob("*.json")):
        questions, _ = read_local_scene(cfg.out_dir, scene_id)
        if questions:
            sample = questions[0]
            break
    return result, sample
