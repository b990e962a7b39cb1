"""Synthetic ScanNet-format scans with exact truths (top layer: writes files via `vsi100k.scannet`).

    from vsi100k.synth import generate_scenes, read_truth
    scene_dirs = generate_scenes(Path("synthetic"), n_scenes=4, seed=0)
    truth = read_truth(scene_dirs[0])        # counts, sizes, exact distances, floor area, ...

Modules: catalogue (furniture kinds and ScanNet labels), layout (rooms, placement), mesh
(tessellation, over-segments), trajectory (camera path), render (Open3D ray casting), truth (the
truth file), boxes (exact box geometry), writer (orchestration).
"""

from vsi100k.synth.truth import SceneTruth, TruthObject, read_truth
from vsi100k.synth.writer import SynthConfig, generate_scenes, iter_generate_scenes

__all__ = ["SceneTruth", "SynthConfig", "TruthObject", "generate_scenes", "iter_generate_scenes", "read_truth"]
