"""ScanNet++ file names of one scene folder and of the release root (the only place that knows them).

Release layout::

    <root>/data/<scene_id>/scans/mesh_aligned_0.05.ply
                              /segments.json
                              /segments_anno.json
                          /iphone/rgb.mkv                  (as released; rgb.mp4 also accepted)
                                 /pose_intrinsic_imu.json
    <root>/splits/nvs_sem_train.txt, nvs_sem_val.txt, nvs_test.txt

Scene ids are 10 hexadecimal characters (`0a5c013435`); each scene is its own room.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCANS_DIR = "scans"
IPHONE_DIR = "iphone"
MESH_NAME = "mesh_aligned_0.05.ply"
SEGMENTS_NAME = "segments.json"
ANNOTATION_NAME = "segments_anno.json"
VIDEO_NAMES = ("rgb.mkv", "rgb.mp4")  # the release's name first (scannetpp common/scene_release.py)
CAMERA_NAME = "pose_intrinsic_imu.json"
DATA_DIR = "data"
SPLITS_DIR = "splits"
SPLIT_FILES = {"train": "nvs_sem_train.txt", "validation": "nvs_sem_val.txt", "test": "nvs_test.txt"}


@dataclass(frozen=True)
class ScanppFiles:
    """The files of one ScanNet++ scene folder (the folder's name is the scene id)."""

    directory: Path

    @property
    def scene_id(self) -> str:
        return Path(self.directory).name

    @property
    def mesh(self) -> Path:
        return Path(self.directory) / SCANS_DIR / MESH_NAME

    @property
    def segments(self) -> Path:
        return Path(self.directory) / SCANS_DIR / SEGMENTS_NAME

    @property
    def annotation(self) -> Path:
        return Path(self.directory) / SCANS_DIR / ANNOTATION_NAME

    @property
    def video(self) -> Path:
        """`iphone/rgb.mkv` (the release's name), or `iphone/rgb.mp4` when only it exists."""
        iphone = Path(self.directory) / IPHONE_DIR
        for name in VIDEO_NAMES:
            if (iphone / name).is_file():
                return iphone / name
        return iphone / VIDEO_NAMES[0]

    @property
    def iphone_video(self) -> Path:
        """`iphone/rgb.mkv`: where the release puts the video (what writers write)."""
        return Path(self.directory) / IPHONE_DIR / VIDEO_NAMES[0]

    @property
    def camera(self) -> Path:
        """`iphone/pose_intrinsic_imu.json`: per video frame its pose and intrinsics."""
        return Path(self.directory) / IPHONE_DIR / CAMERA_NAME


def is_scan(folder: Path) -> bool:
    """True when `folder` has ScanNet++'s `scans/` folder holding any of the mesh or annotation files
    (a scan missing some of them is still a ScanNet++ scan, so loading it names what is missing)."""
    scans = Path(folder) / SCANS_DIR
    return scans.is_dir() and any((scans / name).is_file() for name in (MESH_NAME, SEGMENTS_NAME, ANNOTATION_NAME))


def find_scans(root: Path) -> list[Path]:
    """ScanNet++ scene folders in `root` and in `root/data/`, sorted by scene id."""
    from vsi100k.scene import find_scan_folders

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: scenes folder not found")
    return find_scan_folders((root, root / DATA_DIR), is_scan)


def split_list_files(root: Path) -> list[Path]:
    """The split lists present in `root/splits/` (else in `root`), in SPLIT_FILES order."""
    for folder in (Path(root) / SPLITS_DIR, Path(root)):
        present = [folder / name for name in SPLIT_FILES.values() if (folder / name).is_file()]
        if present:
            return present
    return []


def read_split_lists(root: Path) -> dict[str, str]:
    """scene_id -> split ("train" / "validation" / "test") from the lists in `root/splits/` or `root`."""
    by_name = {name: split for split, name in SPLIT_FILES.items()}
    out: dict[str, str] = {}
    for path in split_list_files(root):
        for line in path.read_text().splitlines():
            if line.strip():
                out[line.strip()] = by_name[path.name]
    return out


def write_split_list(path: Path, scene_ids: list[str]) -> None:
    """One scene id per line, as the release's lists."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("".join(f"{s}\n" for s in scene_ids))
