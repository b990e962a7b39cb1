"""ScanNet++ `segments.json` (segment id per mesh vertex) and `segments_anno.json` (objects).

`segments_anno.json` has ScanNet's aggregation layout (`segGroups` with `id`, `objectId`,
`segments`, `label`) plus an oriented box per object, `obb`: `centroid` (3), `axesLengths` (3),
`normalizedAxes` (9: the three unit axes, one after the other), `min` / `max` (3 each). The
segGroups are read with ScanNet's aggregation reader; the boxes are checked here (facts never use
them: boxes are computed from the vertices, as for ScanNet).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.scannet.annotations import read_aggregation, read_segs
from vsi100k.scene import SegGroup

ORTHONORMAL_TOLERANCE = 1e-3  # max |A A^T - I| entry accepted for an obb's axes


def read_segments(path: Path, scene_id: str, vertex_count: int | None = None) -> np.ndarray:
    """(V,) int64 segment id per vertex; SceneError when the count differs from the mesh's."""
    return read_segs(Path(path), scene_id, vertex_count=vertex_count)


def read_annotation(path: Path, scene_id: str, known_segments: np.ndarray | None = None) -> tuple[SegGroup, ...]:
    """The segGroups in file order, after checking every `obb` present (SceneError naming the
    group when its axes are not orthonormal or a length is negative or not a number)."""
    path = Path(path)
    groups = read_aggregation(path, scene_id, known_segments=known_segments)
    data = json.loads(path.read_text())  # valid: read_aggregation parsed it
    for k, group in enumerate(data["segGroups"]):
        if "obb" in group:
            check_obb(group["obb"], f"segGroup #{k} (objectId {group.get('objectId', group['id'])}, "
                                    f"{group['label']!r})", scene_id, path)
    return groups


def check_obb(obb, where: str, scene_id: str, path: Path) -> None:
    """Raise SceneError unless `obb` has 9 finite axis numbers forming an orthonormal basis and
    3 finite non-negative lengths."""
    try:
        axes = np.asarray(obb["normalizedAxes"], dtype=np.float64).reshape(3, 3)
        lengths = np.asarray(obb["axesLengths"], dtype=np.float64).reshape(3)
    except (KeyError, TypeError, ValueError):
        raise SceneError(scene_id, path, f"{where}: obb needs 9 'normalizedAxes' and 3 'axesLengths' numbers") from None
    if not (np.all(np.isfinite(axes)) and np.all(np.isfinite(lengths))):
        raise SceneError(scene_id, path, f"{where}: obb has non-finite numbers")
    deviation = float(np.abs(axes @ axes.T - np.eye(3)).max())
    if deviation > ORTHONORMAL_TOLERANCE:
        raise SceneError(scene_id, path, f"{where}: obb axes are not orthonormal (max deviation {deviation:.3g})")
    if np.any(lengths < 0):
        raise SceneError(scene_id, path, f"{where}: obb has a negative axis length")


def obb_json(centroid: np.ndarray, lengths: np.ndarray, axes: np.ndarray) -> dict:
    """An `obb` record: centroid (3,), lengths (3,) metres along the rows of axes (3, 3)."""
    centroid = np.asarray(centroid, dtype=np.float64)
    lengths = np.asarray(lengths, dtype=np.float64)
    axes = np.asarray(axes, dtype=np.float64)
    corners = np.array([[sx, sy, sz] for sx in (-0.5, 0.5) for sy in (-0.5, 0.5) for sz in (-0.5, 0.5)])
    points = centroid + (corners * lengths) @ axes
    return {
        "centroid": np.round(centroid, 6).tolist(),
        "axesLengths": np.round(lengths, 6).tolist(),
        "normalizedAxes": np.round(axes.reshape(-1), 9).tolist(),
        "min": np.round(points.min(axis=0), 6).tolist(),
        "max": np.round(points.max(axis=0), 6).tolist(),
    }


def write_segments(path: Path, scene_id: str, seg_indices: np.ndarray) -> None:
    """Write `segments.json`."""
    _write_json(Path(path), {"sceneId": scene_id, "segIndices": [int(s) for s in seg_indices]})


def write_annotation(path: Path, scene_id: str, seg_groups, obbs: dict[int, dict]) -> None:
    """Write `segments_anno.json`; obbs: objectId -> `obb_json(...)` record."""
    data = {
        "sceneId": scene_id,
        "segmentsFile": "segments.json",
        "segGroups": [
            {"id": g.id, "objectId": g.object_id, "segments": list(g.segments), "label": g.label,
             "obb": obbs[g.object_id]}
            for g in seg_groups
        ],
    }
    _write_json(Path(path), data)


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=None))
    tmp.replace(path)
