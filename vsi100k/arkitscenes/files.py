"""ARKitScenes file names of one video folder and of the 3DOD release root (the only place that knows them).

Release layout of the 3D object detection ("3dod") data::

    <root>/3dod/Training/<video_id>/<video_id>_3dod_mesh.ply
                                   /<video_id>_3dod_annotation.json
                                   /<video_id>_frames/lowres_wide/<video_id>_<t>.png
                                                     /lowres_wide_intrinsics/<video_id>_<t>.pincam
                                                     /lowres_wide.traj
    <root>/3dod/Validation/<video_id>/...
    <root>/3dod_train_val_splits.csv      (columns video_id, visit_id, fold)

The fold folders may also sit directly in the scenes folder (`<root>/Training/...`), or the video
folders themselves (`<root>/<video_id>/`). Video ids are 8-digit numbers (`41254925`); a *visit*
(`visit_id`, "NA" when unknown) is one room, filmed by several videos.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

MESH_SUFFIX = "_3dod_mesh.ply"
ANNOTATION_SUFFIX = "_3dod_annotation.json"
FRAMES_SUFFIX = "_frames"
IMAGES_DIR = "lowres_wide"
INTRINSICS_DIR = "lowres_wide_intrinsics"
TRAJ_NAME = "lowres_wide.traj"
RELEASE_DIR = "3dod"
FOLDS = {"Training": "train", "Validation": "validation"}
SPLIT_CSV = "3dod_train_val_splits.csv"
CSV_COLUMNS = ("video_id", "visit_id", "fold")
NO_VISIT = "NA"


@dataclass(frozen=True)
class LowresWideFiles:
    """The files of one `<video_id>_frames/` folder (the only place their names are joined)."""

    frames_dir: Path

    @property
    def images_dir(self) -> Path:
        """`lowres_wide/`: PNG frames named `<video_id>_<timestamp>.png`."""
        return Path(self.frames_dir) / IMAGES_DIR

    @property
    def intrinsics_dir(self) -> Path:
        """`lowres_wide_intrinsics/`: one `.pincam` per frame."""
        return Path(self.frames_dir) / INTRINSICS_DIR

    @property
    def traj(self) -> Path:
        """`lowres_wide.traj`: one camera pose per line."""
        return Path(self.frames_dir) / TRAJ_NAME


@dataclass(frozen=True)
class ArkitFiles:
    """The files of one ARKitScenes video folder (the folder's name is the video id)."""

    directory: Path

    @property
    def scene_id(self) -> str:
        """The video id: the folder's name."""
        return Path(self.directory).name

    @property
    def mesh(self) -> Path:
        return Path(self.directory) / f"{self.scene_id}{MESH_SUFFIX}"

    @property
    def annotation(self) -> Path:
        return Path(self.directory) / f"{self.scene_id}{ANNOTATION_SUFFIX}"

    @property
    def frames_dir(self) -> Path:
        return Path(self.directory) / f"{self.scene_id}{FRAMES_SUFFIX}"

    @property
    def stream(self) -> LowresWideFiles:
        """The files inside `<video_id>_frames/`."""
        return LowresWideFiles(self.frames_dir)

    @property
    def images_dir(self) -> Path:
        return self.stream.images_dir

    @property
    def intrinsics_dir(self) -> Path:
        return self.stream.intrinsics_dir

    @property
    def traj(self) -> Path:
        return self.stream.traj


def is_scan(folder: Path) -> bool:
    """True when `folder` holds `<name>_3dod_mesh.ply` or `<name>_3dod_annotation.json` (a video
    missing one of them is still an ARKitScenes scan, so loading it names what is missing)."""
    files = ArkitFiles(Path(folder))
    return Path(folder).is_dir() and (files.mesh.is_file() or files.annotation.is_file())


def scan_bases(root: Path) -> list[Path]:
    """Folders that may hold video folders: `root`, its fold folders, and `root/3dod/<fold>`."""
    root = Path(root)
    bases = [root]
    for parent in (root, root / RELEASE_DIR):
        bases.extend(parent / fold for fold in FOLDS)
    return [base for base in bases if base.is_dir()]


def find_scans(root: Path) -> list[Path]:
    """ARKitScenes video folders in `root`, `root/<fold>/` and `root/3dod/<fold>/`, sorted by video id."""
    from vsi100k.scene import find_scan_folders

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: scenes folder not found")
    return find_scan_folders(scan_bases(root), is_scan)
