"""Load one ARKitScenes 3DOD video folder into a `Scene` (mesh, oriented boxes, stream located).

Objects are annotated as oriented boxes, not vertex sets. The Scene carries them as
`annotated_boxes` (objectId = position of the box in the annotation file, from 0) and, for the
stages that need vertex sets (visibility, room outline), one synthetic segment per box: a mesh
vertex inside one or more boxes (sides grown by INSIDE_MARGIN_M) belongs to the smallest-volume
one (segment = objectId + 1; 0 = in no box), and each box becomes one segGroup of that segment.

The 3DOD mesh and boxes are already in a gravity-aligned metric frame with z up, so
`axis_alignment` is the identity and nothing is converted. The colour stream (`lowres_wide`
frames, `.traj` poses) is described by `vsi100k.arkitscenes.stream` and read by
`vsi100k.arkitscenes.camera`; the Scene has no `.sens` and no video path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.arkitscenes.annotation import read_annotation
from vsi100k.arkitscenes.files import ArkitFiles
from vsi100k.geometry.box import Box
from vsi100k.scannet.ply import read_ply
from vsi100k.scene import Scene, SegGroup, assemble_scene

INSIDE_MARGIN_M = 1e-4  # a vertex this close outside a box side still counts as inside (float32 meshes)
NO_COLOR_GREY = (128, 128, 128, 255)  # RGBA of every vertex of a mesh without colour properties


def load_scan(scene_dir: Path, labels=None) -> Scene:
    """Read and cross-check one ARKitScenes video folder. Raises SceneError naming the scene, the
    file and the problem: a missing or malformed annotation file (see `read_annotation`), a box
    whose axes are not orthonormal or whose sides are not > 0, a missing or truncated mesh.

    labels: anything with `.get(raw_label) -> row or None`; objects whose raw label it lacks are
    counted in `Scene.annotation_faults`. None: no check.
    """
    scene_dir = Path(scene_dir)
    files = ArkitFiles(scene_dir)
    scene_id = files.scene_id
    annotated = read_annotation(files.annotation, scene_id)
    vertices, colors, faces = read_ply(files.mesh, scene_id, default_color=NO_COLOR_GREY)
    boxes = [a.box for a in annotated]
    seg_indices = box_segments(vertices, boxes)
    seg_groups = tuple(SegGroup(id=k, object_id=k, segments=(k + 1,), label=a.label) for k, a in enumerate(annotated))
    return assemble_scene(scene_id, scene_dir, vertices=vertices, colors=colors, faces=faces,
                          seg_indices=seg_indices, seg_groups=seg_groups, labels=labels,
                          annotated_boxes={k: box for k, box in enumerate(boxes)})


def box_segments(vertices: np.ndarray, boxes: list[Box], margin_m: float = INSIDE_MARGIN_M) -> np.ndarray:
    """(V,) int64 segment per vertex: 1 + the index of the smallest-volume box containing it
    (sides grown by `margin_m`), 0 when no box contains it; equal volumes go to the earlier box.

    vertices: (V, 3) metres. boxes: in the same frame.
    """
    points = np.asarray(vertices, dtype=np.float64)
    seg = np.zeros(len(points), dtype=np.int64)
    best = np.full(len(points), np.inf)
    for k, box in enumerate(boxes):
        half = np.asarray(box.extent, dtype=np.float64) / 2.0 + margin_m
        corners = box.corners()
        lo, hi = corners.min(axis=0) - margin_m, corners.max(axis=0) + margin_m
        near = np.flatnonzero(np.all((points >= lo) & (points <= hi), axis=1))
        if len(near) == 0:
            continue
        local = (points[near] - np.asarray(box.center)) @ np.asarray(box.rotation)
        inside = near[np.all(np.abs(local) <= half, axis=1)]
        volume = float(np.prod(box.extent))
        take = inside[volume < best[inside]]
        seg[take] = k + 1
        best[take] = volume
    return seg

