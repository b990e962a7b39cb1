"""The frames stage for one scan or many: sample (or load cached) frames, then visibility.

One bad scan never stops many: `prepare_frames` yields the scan's SceneError and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from vsi100k.errors import SceneError
from vsi100k.frames.cache import FrameCache, frames_key, visibility_key
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sens_frames import Opener
from vsi100k.frames.sources import sample_scene_frames
from vsi100k.frames.visibility import Visibility, compute_visibility
from vsi100k.scene import Scene


@dataclass(frozen=True)
class SceneFrames:
    """A scan's sampled frames and, when its frames have poses and intrinsics, their visibility.

    cached: True when both came from the cache (the stream was not opened).
    """

    frames: SampledFrames
    visibility: Visibility | None
    cached: bool = False


def prepare_scene_frames(scene: Scene, cfg: FramesConfig, cache: FrameCache | None = None, *,
                         opener: Opener | None = None) -> SceneFrames:
    """Sampled frames (+ visibility) of one scan, read from `cache` when it holds them.

    Raises SceneError (scene, file, problem) when the stream is missing, truncated or corrupt.
    """
    f_key = frames_key(scene, cfg) if cache is not None else None
    frames = cache.load_frames(scene.scene_id, f_key) if cache is not None else None
    frames_cached = frames is not None
    if frames is None:
        frames = sample_scene_frames(scene, cfg, opener=opener)
        if cache is not None:
            cache.store_frames(frames, f_key)
    if not cfg.visibility or not frames.has_camera:
        return SceneFrames(frames, None, frames_cached)
    v_key = visibility_key(scene, cfg) if cache is not None else None
    visibility = cache.load_visibility(scene.scene_id, v_key) if cache is not None else None
    visibility_cached = visibility is not None
    if visibility is None:
        visibility = compute_visibility(scene, frames, cfg)
        if cache is not None:
            cache.store_visibility(visibility, v_key)
    return SceneFrames(frames, visibility, frames_cached and visibility_cached)


def prepare_frames(scenes: Iterable[Scene], cfg: FramesConfig,
                   cache: FrameCache | None = None) -> Iterator[tuple[str, SceneFrames | SceneError]]:
    """(scene_id, SceneFrames or the scan's SceneError) for every scan, in order; never stops early."""
    for scene in scenes:
        try:
            yield scene.scene_id, prepare_scene_frames(scene, cfg, cache)
        except SceneError as error:
            yield scene.scene_id, error
