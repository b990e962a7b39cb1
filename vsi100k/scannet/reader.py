"""Load one ScanNet scan folder into a `Scene` (mesh, segments, aggregation, metadata)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.scannet.annotations import read_aggregation, read_segs
from vsi100k.scannet.files import ScanFiles
from vsi100k.scannet.labels import LabelTable
from vsi100k.scannet.meta import axis_alignment, read_meta
from vsi100k.scannet.ply import read_ply
from vsi100k.scene import Scene, assemble_scene


def load_scene(scene_dir: Path, labels: LabelTable | None = None) -> Scene:
    """Read and cross-check one scan. Raises SceneError naming the scene, the file and the problem.

    Checks: segs has one entry per vertex; the aggregation names only segments that exist; the txt
    is `key = value` lines with a valid axisAlignment (identity when absent). The `.sens` / `.mp4`
    are only located here; frames are read by `vsi100k.frames` when needed.

    The segGroups are resolved into `Scene.objects` here, once (duplicated segGroups dropped,
    segGroups sharing an objectId merged); with `labels` (ScanNet's label table) every object's raw
    label is looked up too, and those absent from the table are counted and named in
    `Scene.annotation_faults`. Without it no label-table check is made.
    """
    scene_dir = Path(scene_dir)
    files = ScanFiles(scene_dir, scene_dir.name)
    scene_id = files.scene_id
    meta = read_meta(files.meta, scene_id)
    alignment = axis_alignment(meta, scene_id, files.meta)
    vertices, colors, faces = read_ply(files.mesh, scene_id)
    seg_indices = read_segs(files.segs, scene_id, vertex_count=len(vertices))
    seg_groups = read_aggregation(files.aggregation, scene_id, known_segments=np.unique(seg_indices))
    return assemble_scene(
        scene_id, scene_dir, vertices=vertices, colors=colors, faces=faces, seg_indices=seg_indices,
        seg_groups=seg_groups, labels=labels, axis_alignment=alignment, metadata=meta,
        sens_path=files.sens if files.sens.exists() else None,
        video_path=files.video if files.video.exists() else None,
    )
