"""Over-segmentation (`*.segs.json`) and instance aggregation (`*.aggregation.json`) files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.scene import SegGroup

SEGS_PARAMS = {
    "kThresh": "0.0001", "segMinVerts": "20", "minPoints": "750", "maxPoints": "5000",
    "thinThresh": "0.05", "flatThresh": "0.001", "minLength": "0.02", "maxLength": "1",
}


_INT64 = (-(2**63), 2**63 - 1)


def _load_json(path: Path, scene_id: str) -> dict:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SceneError(scene_id, path, "file not found") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise SceneError(scene_id, path, f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SceneError(scene_id, path, f"not UTF-8 text (undecodable byte at {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SceneError(scene_id, path, f"invalid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise SceneError(scene_id, path, "invalid JSON (nested too deeply)") from None
    if not isinstance(data, dict):
        raise SceneError(scene_id, path, "expected a JSON object at the top level")
    return data


def _integer(value) -> int:
    """An int64-range integer from a JSON number (integral floats such as 3.0 allowed); else ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{value!r} is not an integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not an integer")
    number = int(value)
    if not _INT64[0] <= number <= _INT64[1]:
        raise ValueError(f"{value!r} is out of the int64 range")
    return number


def read_segs(path: Path, scene_id: str, vertex_count: int | None = None) -> np.ndarray:
    """(V,) int64 segment id per vertex; checks the length against the mesh when given."""
    data = _load_json(Path(path), scene_id)
    if "segIndices" not in data:
        raise SceneError(scene_id, path, "no 'segIndices' key")
    values = data["segIndices"]
    if not isinstance(values, list):
        raise SceneError(scene_id, path, "'segIndices' is not a list of integers")
    try:
        seg = np.asarray(values) if values else np.zeros(0, dtype=np.int64)
    except (ValueError, TypeError, OverflowError):
        raise SceneError(scene_id, path, "'segIndices' is not a flat list of integers") from None
    if seg.ndim != 1:
        raise SceneError(scene_id, path, "'segIndices' is not a flat list")
    if seg.dtype.kind not in "iu" or (seg.dtype.kind == "u" and seg.size and seg.max() > _INT64[1]):
        raise SceneError(scene_id, path, "'segIndices' is not a list of integers")
    seg = seg.astype(np.int64, copy=False)
    if vertex_count is not None and len(seg) != vertex_count:
        raise SceneError(
            scene_id, path, f"segIndices has {len(seg)} entries but the mesh has {vertex_count} vertices"
        )
    return seg


def read_aggregation(path: Path, scene_id: str, known_segments: np.ndarray | None = None) -> tuple[SegGroup, ...]:
    """The segGroups in file order. With `known_segments`, every referenced segment must exist."""
    data = _load_json(Path(path), scene_id)
    groups = data.get("segGroups")
    if not isinstance(groups, list):
        raise SceneError(scene_id, path, "no 'segGroups' list")
    out = []
    for k, group in enumerate(groups):
        try:
            if not isinstance(group, dict):
                raise TypeError(f"expected an object, got {type(group).__name__}")
            if not isinstance(group["segments"], list):
                raise TypeError("'segments' is not a list")
            if not isinstance(group["label"], str):
                raise TypeError("'label' is not a string")
            out.append(
                SegGroup(
                    id=_integer(group["id"]),
                    object_id=_integer(group.get("objectId", group["id"])),
                    segments=tuple(_integer(s) for s in group["segments"]),
                    label=group["label"],
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SceneError(scene_id, path, f"segGroup #{k} is malformed ({exc!r})") from None
    if known_segments is not None and out:
        referenced = np.unique(np.concatenate([np.asarray(g.segments, dtype=np.int64) for g in out]))
        missing = np.setdiff1d(referenced, known_segments)
        if missing.size:
            shown = ", ".join(str(s) for s in missing[:5])
            raise SceneError(
                scene_id, path,
                f"aggregation names {missing.size} segment(s) absent from the segs file (e.g. {shown})",
            )
    return tuple(out)


def write_segs(path: Path, scene_id: str, seg_indices: np.ndarray) -> None:
    """Write `<id>_vh_clean_2.0.010000.segs.json` as ScanNet does."""
    data = {"params": SEGS_PARAMS, "sceneId": f"{scene_id}_vh_clean_2", "segIndices": [int(s) for s in seg_indices]}
    _write_json(Path(path), data)


def write_aggregation(path: Path, scene_id: str, seg_groups: tuple[SegGroup, ...] | list[SegGroup]) -> None:
    """Write `<id>.aggregation.json` as ScanNet does."""
    data = {
        "sceneId": f"scannet.{scene_id}",
        "appId": "Aggregator.v2",
        "annId": f"{scene_id}_ann",
        "segGroups": [
            {"id": g.id, "objectId": g.object_id, "segments": list(g.segments), "label": g.label}
            for g in seg_groups
        ],
        "segmentsFile": f"scannet.{scene_id}_vh_clean_2.0.010000.segs.json",
    }
    _write_json(Path(path), data)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=None))
    tmp.replace(path)
