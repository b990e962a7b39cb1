"""One scan's frames and visibility in one call, without a cache (tests, notebooks, the preview).

The build goes through `vsi100k.pipeline.stages`, which caches each of the two steps on its own.
"""

from __future__ import annotations

from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sens_frames import Opener
from vsi100k.frames.sources import sample_scene_frames
from vsi100k.frames.visibility import Visibility, compute_visibility
from vsi100k.scene import Scene


def frames_and_visibility(scene: Scene, cfg: FramesConfig, *, opener: Opener | None = None
                          ) -> tuple[SampledFrames, Visibility | None]:
    """Sampled frames and, when `cfg.visibility` and the frames carry poses, their visibility.

    Raises SceneError (scene, file, problem) when the stream is missing, truncated or corrupt.
    """
    frames = sample_scene_frames(scene, cfg, opener=opener)
    if not cfg.visibility or not frames.has_camera:
        return frames, None
    return frames, compute_visibility(scene, frames, cfg)
