"""ARKitScenes input: the only package that knows ARKitScenes' 3DOD release file names and formats.

Per video (`<root>/3dod/<fold>/<video_id>/`, `<root>/<fold>/<video_id>/` or `<root>/<video_id>/`):
`<video_id>_3dod_mesh.ply`, `<video_id>_3dod_annotation.json` (oriented boxes) and
`<video_id>_frames/` (`lowres_wide/` PNGs, `lowres_wide_intrinsics/` pincams, `lowres_wide.traj`).
Split csv `3dod_train_val_splits.csv` (video_id, visit_id, fold); `metadata.csv` (per video its
`sky_direction`, compared with the orientation decided from the poses).
"""

from vsi100k.arkitscenes.annotation import AnnotatedBox, read_annotation, write_annotation
from vsi100k.arkitscenes.files import ArkitFiles, find_scans, is_scan
from vsi100k.arkitscenes.labels import ARKIT_CLASSES, arkitscenes_vocabulary
from vsi100k.arkitscenes.reader import box_segments, load_scan
from vsi100k.arkitscenes.splits import read_split_lists, read_visits, split_csv_files, write_split_csv

__all__ = [
    "ARKIT_CLASSES", "AnnotatedBox", "ArkitFiles", "arkitscenes_vocabulary", "box_segments", "find_scans",
    "is_scan", "load_scan", "read_annotation", "read_split_lists", "read_visits", "split_csv_files",
    "write_annotation", "write_split_csv",
]
