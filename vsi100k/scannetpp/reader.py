"""Load one ScanNet++ scene folder into a `Scene` (mesh, segments, objects, iPhone stream)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError
from vsi100k.scannet.ply import read_ply
from vsi100k.scannetpp.annotations import read_annotation, read_segments
from vsi100k.scannetpp.files import ScanppFiles
from vsi100k.scene import Scene, assemble_scene


def load_scan(scene_dir: Path, labels=None) -> Scene:
    """Read and cross-check one ScanNet++ scene. Raises SceneError naming the scene, the file and
    the problem: a missing or truncated mesh, a missing annotation or segments file, one segment
    per vertex violated, a segGroup naming unknown segments, an obb with non-orthonormal axes, or
    an iPhone video without its pose file.

    The mesh is already aligned (axis_alignment is the identity). The video and its camera file
    are only located here; frames are read by `vsi100k.frames` when needed.
    labels: anything with `.get(raw_label) -> row or None` (e.g. a label table); objects whose raw
    label it lacks are counted in `Scene.annotation_faults`. None: no check.
    """
    scene_dir = Path(scene_dir)
    files = ScanppFiles(scene_dir)
    scene_id = files.scene_id
    vertices, colors, faces = read_ply(files.mesh, scene_id)
    seg_indices = read_segments(files.segments, scene_id, vertex_count=len(vertices))
    seg_groups = read_annotation(files.annotation, scene_id, known_segments=np.unique(seg_indices))
    video = files.video if files.video.is_file() else None
    if video is not None and not files.camera.is_file():
        raise SceneError(scene_id, files.camera, "file not found (the iPhone video needs its poses and intrinsics)")
    return assemble_scene(scene_id, scene_dir, vertices=vertices, colors=colors, faces=faces,
                          seg_indices=seg_indices, seg_groups=seg_groups, labels=labels, video_path=video)
