"""Frames stage: uniformly sampled frames per scan, their poses and times, per-frame visibility.

Reads `.sens` (through `vsi100k.scannet.SensReader`, seeking) or mp4 (decord, PyAV fallback);
writes nothing into scan folders. Results are cached per scene (`FrameCache`) and first appearances
are attached to the facts (`attach_visibility`) for the obj_appearance_order questions.
"""

from vsi100k.frames.cache import FrameCache
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.sampling import fit_size, uniform_frame_indices
from vsi100k.frames.scan import frames_and_visibility
from vsi100k.frames.visibility import Visibility, attach_visibility, compute_visibility

__all__ = [
    "FrameCache", "FramesConfig", "SampledFrames", "Visibility", "attach_visibility", "compute_visibility",
    "fit_size", "frames_and_visibility", "uniform_frame_indices",
]
