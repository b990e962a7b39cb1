"""Write a scan folder in ScanNet's formats (used by the synthetic scene generator and tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.scannet.annotations import write_aggregation, write_segs
from vsi100k.scannet.files import ScanFiles
from vsi100k.scannet.meta import format_matrix, write_meta
from vsi100k.scannet.ply import write_ply
from vsi100k.scene import SegGroup


def write_scene_files(
    directory: Path,
    scene_id: str,
    *,
    vertices: np.ndarray,
    colors: np.ndarray,
    faces: np.ndarray,
    seg_indices: np.ndarray,
    seg_groups: list[SegGroup] | tuple[SegGroup, ...],
    axis_alignment: np.ndarray | None,
    metadata: dict[str, str] | None = None,
) -> ScanFiles:
    """Write mesh PLY, segs, aggregation and txt of one scan into `directory` (created).

    vertices are RAW coordinates (what ScanNet stores); `axis_alignment` (4, 4) maps raw -> aligned
    and is written as the txt's `axisAlignment` (omitted when None, as in some real scans).
    `metadata` holds the other txt keys (colorWidth, fx_color, ..., sceneType); keys are written
    sorted, as ScanNet's files are.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = ScanFiles(directory, scene_id)
    write_ply(files.mesh, vertices, colors, faces)
    write_segs(files.segs, scene_id, seg_indices)
    write_aggregation(files.aggregation, scene_id, seg_groups)
    meta = dict(metadata or {})
    if axis_alignment is not None:
        meta["axisAlignment"] = format_matrix(axis_alignment)
    write_meta(files.meta, {k: meta[k] for k in sorted(meta)})
    return files
