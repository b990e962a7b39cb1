"""ARKitScenes `<video_id>_3dod_annotation.json`: oriented boxes of the annotated objects.

Layout (the 3DOD release)::

    {"data": [{"uid": str, "label": str, "segments": {"obbAligned": {"centroid": [3],
               "axesLengths": [3], "normalizedAxes": [9]}, "obb": {...}}, ...}, ...],
     "skipped": bool, "stats": {...}, "comment": str, "confirm": ...}

`normalizedAxes` holds the three unit box axes one after the other (row-major 3 x 3 whose ROWS
are the axes, in the mesh frame); `axesLengths[k]` is the full side length along axis k and
`centroid` the box centre, metres. The release's toolkit reads `obbAligned`; this reader does too,
falling back to `obb` when a record lacks it. The mesh frame is gravity-aligned with z up (the
toolkit computes box headings about z, rerun's example logs the world as right-handed z up), so
boxes need no conversion: `Box.rotation` (columns are the axes) is the transpose of the 3 x 3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.geometry.box import Box

ORTHONORMAL_TOLERANCE = 1e-3  # max |A A^T - I| entry accepted for a box's axes (A: rows are the axes)
BOX_KEYS = ("obbAligned", "obb")


@dataclass(frozen=True)
class AnnotatedBox:
    """One record of `data[]`: its raw label and box (mesh frame, metres)."""

    label: str
    box: Box


def box_record(box: Box) -> dict:
    """The `obbAligned` record of a Box: centroid, axesLengths and normalizedAxes (rows = axes)."""
    return {
        "centroid": [float(v) for v in box.center],
        "axesLengths": [float(v) for v in box.extent],
        "normalizedAxes": [float(v) for v in np.asarray(box.rotation, dtype=np.float64).T.reshape(-1)],
    }


def read_annotation(path: Path, scene_id: str) -> tuple[AnnotatedBox, ...]:
    """The boxes of an annotation file, in file order.

    Raises SceneError naming the scene, the file and the problem: a missing file, invalid JSON,
    no `data` list, a record without `label` or box keys, non-finite numbers, axes that are not
    orthonormal (tolerance ORTHONORMAL_TOLERANCE) or a side length that is not > 0.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SceneError(scene_id, path, "annotation file not found (every 3DOD video has one)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SceneError(scene_id, path, f"invalid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise SceneError(scene_id, path, "expected a JSON object with a 'data' list of boxes")
    boxes = []
    for k, record in enumerate(data["data"]):
        where = f"data[{k}]"
        if not isinstance(record, dict) or not isinstance(record.get("label"), str):
            raise SceneError(scene_id, path, f"{where}: no 'label' string")
        where = f"data[{k}] ({record['label']!r})"
        segments = record.get("segments")
        obb = next((segments[key] for key in BOX_KEYS if isinstance(segments, dict) and key in segments), None)
        if not isinstance(obb, dict):
            raise SceneError(scene_id, path, f"{where}: no 'segments.obbAligned' box")
        boxes.append(AnnotatedBox(record["label"], checked_box(obb, where, scene_id, path)))
    return tuple(boxes)


def checked_box(obb: dict, where: str, scene_id: str, path: Path) -> Box:
    """The Box of one obb record after the checks listed in `read_annotation`."""
    try:
        center = np.asarray(obb["centroid"], dtype=np.float64).reshape(3)
        axes = np.asarray(obb["normalizedAxes"], dtype=np.float64).reshape(3, 3)
        lengths = np.asarray(obb["axesLengths"], dtype=np.float64).reshape(3)
    except (KeyError, TypeError, ValueError):
        raise SceneError(scene_id, path, f"{where}: a box needs 3 'centroid', 9 'normalizedAxes' and "
                                         "3 'axesLengths' numbers") from None
    if not (np.all(np.isfinite(center)) and np.all(np.isfinite(axes)) and np.all(np.isfinite(lengths))):
        raise SceneError(scene_id, path, f"{where}: box has non-finite numbers")
    deviation = float(np.abs(axes @ axes.T - np.eye(3)).max())
    if deviation > ORTHONORMAL_TOLERANCE:
        raise SceneError(scene_id, path, f"{where}: box axes are not orthonormal (max deviation {deviation:.3g}, "
                                         f"tolerance {ORTHONORMAL_TOLERANCE:g})")
    if np.any(lengths <= 0):
        raise SceneError(scene_id, path, f"{where}: box side lengths must be > 0 metres (got {lengths.tolist()})")
    return Box(center=center, extent=lengths, rotation=axes.T.copy())


def write_annotation(path: Path, boxes: list[tuple[str, str, Box]]) -> None:
    """Write an annotation file from (uid, label, box) triples; `obb` repeats `obbAligned`."""
    records = [{"uid": uid, "label": label, "segments": {"obbAligned": box_record(box), "obb": box_record(box)},
                "attributes": {}, "hierarchy": 0, "isInGroup": False, "labelType": "object"}
               for uid, label, box in boxes]
    data = {"data": records, "skipped": False, "confirm": True, "comment": "", "stats": {"objects": len(records)}}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=None))
    tmp.replace(path)
