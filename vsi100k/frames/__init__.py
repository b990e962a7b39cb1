"""Frames stage: uniformly sampled frames per scan, their poses and times, per-frame visibility.

Reads a scan's colour stream as its source describes it (`ColourStream`: `.sens` through the
source's seeking reader, video through decord or PyAV, image folders), turned upright where the
source asks for it; knows no source's folder layout and writes nothing into scan folders. Results are cached per scene (`FrameCache`) and first appearances
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
