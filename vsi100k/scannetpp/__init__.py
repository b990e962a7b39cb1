"""ScanNet++ input: the only package that knows ScanNet++'s release file names and formats.

Per scene (`<root>/data/<scene_id>/` or `<root>/<scene_id>/`): `scans/mesh_aligned_0.05.ply`,
`scans/segments.json`, `scans/segments_anno.json`, and the iPhone stream `iphone/rgb.mkv` (`rgb.mp4`
accepted) with `iphone/pose_intrinsic_imu.json`. Split lists `splits/nvs_sem_train.txt` / `nvs_sem_val.txt`.
"""

from vsi100k.scannetpp.camera import IphoneCameras, read_iphone_cameras, write_iphone_cameras
from vsi100k.scannetpp.files import ScanppFiles, find_scans, is_scan, read_split_lists
from vsi100k.scannetpp.labels import scannetpp_vocabulary
from vsi100k.scannetpp.reader import load_scan
from vsi100k.scannetpp.writer import write_scan_files

__all__ = [
    "IphoneCameras", "ScanppFiles", "find_scans", "is_scan", "load_scan", "read_iphone_cameras",
    "read_split_lists", "scannetpp_vocabulary", "write_iphone_cameras", "write_scan_files",
]
