"""Write a ScanNet++ scene folder: mesh, segments and annotation (synthetic scenes and tests).

The mesh is written in the aligned frame (ScanNet++ ships `mesh_aligned_0.05.ply` already
gravity-aligned, z up, metres) as binary little-endian PLY: vertex x, y, z float32 + red, green,
blue uint8; faces as uchar-count int32 lists.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.scannetpp.annotations import obb_json, write_annotation, write_segments
from vsi100k.scannetpp.files import ScanppFiles
from vsi100k.scene import SegGroup, group_vertices


def write_mesh(path: Path, vertices: np.ndarray, colors: np.ndarray, faces: np.ndarray) -> None:
    """vertices (V, 3) metres, colors (V, 3 or 4) uint8 (alpha dropped), faces (F, 3) int."""
    vertices = np.asarray(vertices, dtype="<f4")
    colors = np.asarray(colors, dtype=np.uint8)[:, :3]
    faces = np.asarray(faces, dtype="<i4")
    header = (
        "ply\nformat binary_little_endian 1.0\n"
        f"element vertex {len(vertices)}\n"
        "property float x\nproperty float y\nproperty float z\n"
        "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        f"element face {len(faces)}\n"
        "property list uchar int vertex_indices\n"
        "end_header\n"
    ).encode("ascii")
    vblock = np.empty(len(vertices), dtype=np.dtype([("xyz", "<f4", (3,)), ("rgb", "u1", (3,))]))
    vblock["xyz"], vblock["rgb"] = vertices, colors
    fblock = np.empty(len(faces), dtype=np.dtype([("n", "u1"), ("v", "<i4", (3,))]))
    fblock["n"], fblock["v"] = 3, faces
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(header + vblock.tobytes() + fblock.tobytes())
    tmp.replace(path)


def write_scan_files(directory: Path, *, vertices: np.ndarray, colors: np.ndarray, faces: np.ndarray,
                     seg_indices: np.ndarray, seg_groups: tuple[SegGroup, ...] | list[SegGroup],
                     obbs: dict[int, dict] | None = None) -> ScanppFiles:
    """Write `scans/` of one scene into `directory` (its name is the scene id).

    vertices: (V, 3) aligned metres. seg_indices: (V,) segment per vertex. obbs: objectId ->
    `obb_json` record; objects without one get the axis-aligned box of their vertices.
    """
    files = ScanppFiles(Path(directory))
    write_mesh(files.mesh, vertices, colors, faces)
    write_segments(files.segments, files.scene_id, seg_indices)
    boxes = dict(obbs or {})
    members = group_vertices(np.asarray(seg_indices), [tuple(g.segments) for g in seg_groups])
    for group, index in zip(seg_groups, members):
        if group.object_id in boxes:
            continue
        points = np.asarray(vertices, dtype=np.float64)[index] if len(index) else np.zeros((1, 3))
        lo, hi = points.min(axis=0), points.max(axis=0)
        boxes[group.object_id] = obb_json((lo + hi) / 2, hi - lo, np.eye(3))
    write_annotation(files.annotation, files.scene_id, seg_groups, boxes)
    return files
