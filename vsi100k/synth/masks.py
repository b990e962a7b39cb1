"""ScanNet's 2D instance-mask archive, `<scene_id>_2d-instance-filt.zip`, written from the render.

Layout as ScanNet ships it: one 8-bit greyscale PNG per frame, `instance-filt/<frame_index>.png`
(frame index as in the `.sens`, no zero padding), pixel value = instance id (segGroup objectId + 1),
0 = no annotated object; images at the colour resolution (1296 x 968 for ScanNet-size frames).
Entries are stored uncompressed (PNG is compressed already) with a fixed timestamp, so the same
frames give identical bytes. Knows nothing about meshes: it takes label images.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

MASK_FOLDER = "instance-filt"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def instance_archive_path(scene_dir: Path) -> Path:
    """`<scene_dir>/<scene_id>_2d-instance-filt.zip`."""
    scene_dir = Path(scene_dir)
    return scene_dir / f"{scene_dir.name}_2d-instance-filt.zip"


def encode_mask(labels: np.ndarray, scene_id: str = "") -> bytes:
    """PNG bytes of an (H, W) label image with ids in [0, 255]; ValueError naming the scene otherwise."""
    from PIL import Image

    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"{scene_id}: an instance mask must be (H, W), got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() > 255):
        raise ValueError(f"{scene_id}: instance ids must be in [0, 255] for 8-bit masks "
                         f"(got {int(labels.min())}..{int(labels.max())})")
    buffer = io.BytesIO()
    Image.fromarray(labels.astype(np.uint8), mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


class InstanceArchiveWriter:
    """Streams masks into the archive: `add(frame_index, labels)` per frame, then `close()`.

    Writes to `<path>.tmp` and renames on close, so a crash never leaves a half archive.
    """

    def __init__(self, path: Path, scene_id: str):
        self.path = Path(path)
        self.scene_id = scene_id
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._zip = zipfile.ZipFile(self._tmp, "w", compression=zipfile.ZIP_STORED)

    def add(self, frame_index: int, labels: np.ndarray) -> None:
        info = zipfile.ZipInfo(f"{MASK_FOLDER}/{int(frame_index)}.png", date_time=_FIXED_TIME)
        info.external_attr = 0o644 << 16
        self._zip.writestr(info, encode_mask(labels, self.scene_id))

    def close(self) -> Path:
        self._zip.close()
        self._tmp.replace(self.path)
        return self.path


def read_instance_masks(path: Path) -> dict[int, np.ndarray]:
    """frame index -> (H, W) uint8 mask from an archive in ScanNet's layout."""
    from PIL import Image

    out: dict[int, np.ndarray] = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            folder, _, file = name.partition("/")
            if folder != MASK_FOLDER or not file.endswith(".png"):
                continue
            with archive.open(name) as handle:
                out[int(file[:-4])] = np.asarray(Image.open(handle))
    return dict(sorted(out.items()))
