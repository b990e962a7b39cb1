"""Write synthetic scans in ScanNet++'s release layout, with the same truth file as the ScanNet twin.

Rooms, furniture, meshes, annotation and camera paths come from the same generators as
`vsi100k.synth.writer` (clean profile); only the files differ:

    <out>/data/<scene_id>/scans/mesh_aligned_0.05.ply, segments.json, segments_anno.json
                         /iphone/rgb.mkv, pose_intrinsic_imu.json
                         /<scene_id>.truth.json
    <out>/splits/nvs_sem_train.txt, nvs_sem_val.txt

The mesh is written in the aligned frame (ScanNet++ ships aligned meshes); each camera file entry
holds the aligned pose and, as `pose`, the same pose in a random "ARKit" world (a yaw and a shift
away), which readers must ignore. Scene ids are 10 hexadecimal characters derived from (seed,
index); every scene is its own room (ScanNet++ has no rescans). Raw labels are the catalogue's,
with ScanNet-only spellings written as ScanNet++ writes them (`SCANNETPP_SPELLINGS`). Rooms go to the train or val list
as in the ScanNet writer. Deterministic: the same (seed, n, config) writes identical bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from vsi100k.synth.layout import generate_layout
from vsi100k.synth.mesh import build_room_mesh
from vsi100k.synth.trajectory import generate_trajectory
from vsi100k.synth.truth import SceneTruth, pairwise_distances, write_truth
from vsi100k.synth.writer import (
    SynthConfig, _room_rng, check_request, _scan_rng, annotate, cameras, random_axis_alignment, split_of_room, truth_objects,
)


# Raw labels of the shared catalogue that are ScanNet spellings (a v1 label, a plural) and how
# ScanNet++ annotators write the same object.
SCANNETPP_SPELLINGS = {"trashcan": "trash can", "bookshelves": "bookshelf"}


def scannetpp_scene_id(seed: int, index: int) -> str:
    """The 10-hex-character id of the index-th synthetic ScanNet++ scene of `seed`."""
    return hashlib.sha256(f"vsi100k-synth-scannetpp:{seed}:{index}".encode()).hexdigest()[:10]


def frame_rate_hz(cfg: SynthConfig) -> float:
    """Frames per second of the written video (the trajectory's frame interval)."""
    return 1e6 / cfg.trajectory.frame_interval_us


def generate_scannetpp_scenes(out_dir: Path, n_scenes: int, seed: int, *, n_frames: int = 96, render: bool = True,
                              config: SynthConfig | None = None) -> list[Path]:
    """Write `n_scenes` synthetic ScanNet++ scenes under `out_dir/data/`; returns their folders.

    `config`, when given, overrides n_frames / render; only the clean profile is supported.
    """
    cfg = config or SynthConfig(n_frames=n_frames, render=render)
    return list(iter_generate_scannetpp_scenes(out_dir, n_scenes, seed, cfg))


def iter_generate_scannetpp_scenes(out_dir: Path, n_scenes: int, seed: int,
                                   cfg: SynthConfig = SynthConfig()) -> Iterator[Path]:
    """Like `generate_scannetpp_scenes`, yielding each scene folder once complete; the split lists
    are rewritten after every scene."""
    from vsi100k.scannetpp.files import DATA_DIR, SPLIT_FILES, SPLITS_DIR, write_split_list

    check_request(n_scenes, seed, cfg, clean_only="ScanNet++")
    out_dir = Path(out_dir)
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for index in range(n_scenes):
        scene_id = scannetpp_scene_id(seed, index)
        split = split_of_room(index, cfg)
        scene_dir = out_dir / DATA_DIR / scene_id
        write_scannetpp_scan(scene_dir, index, seed, cfg, split)
        splits[split].append(scene_id)
        write_split_list(out_dir / SPLITS_DIR / SPLIT_FILES["train"], sorted(splits["train"]))
        write_split_list(out_dir / SPLITS_DIR / SPLIT_FILES["validation"], sorted(splits["val"]))
        yield scene_dir


def _respelled(annotation):
    """The annotation with ScanNet-only spellings replaced by ScanNet++'s (`SCANNETPP_SPELLINGS`)."""
    groups = tuple(replace(g, label=SCANNETPP_SPELLINGS.get(g.label, g.label)) for g in annotation.seg_groups)
    return replace(annotation, seg_groups=groups)


def _obbs(objects, seg_groups) -> dict[int, dict]:
    """objectId -> obb record of the truth box (yaw-only) of the annotated object it became."""
    from vsi100k.scannetpp.annotations import obb_json

    by_instance = {o.instance_id: o for o in objects}
    out = {}
    for position, group in enumerate(seg_groups, start=1):
        obj = by_instance.get(position)
        if obj is None or group.object_id in out:
            continue
        c, s = np.cos(obj.yaw_rad), np.sin(obj.yaw_rad)
        axes = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
        out[group.object_id] = obb_json(obj.center, obj.size_xyz_m, axes)
    return out


def write_scannetpp_scan(scene_dir: Path, index: int, seed: int, cfg: SynthConfig, split: str) -> SceneTruth:
    """Build, annotate, render and write one ScanNet++ scene; returns its truth."""
    from vsi100k.scannetpp import ScanppFiles, write_iphone_cameras, write_scan_files

    scene_dir = Path(scene_dir)
    layout = generate_layout(_room_rng(seed, index), cfg.layout)
    rng = _scan_rng(seed, index)
    mesh = build_room_mesh(layout, rng, cfg.mesh)
    annotation = _respelled(annotate(mesh, layout, rng, replace(cfg, duplicate_fault_rate=0.0)))
    arkit_from_aligned = np.linalg.inv(random_axis_alignment(rng))
    trajectory = generate_trajectory(layout, cfg.n_frames, rng, cfg.trajectory)
    objects = tuple(replace(o, raw_label=SCANNETPP_SPELLINGS.get(o.raw_label, o.raw_label))
                    for o in truth_objects(layout, mesh, annotation))
    write_scan_files(scene_dir, vertices=mesh.vertices.astype(np.float32), colors=mesh.colors, faces=mesh.faces,
                     seg_indices=mesh.seg_indices, seg_groups=annotation.seg_groups,
                     obbs=_obbs(objects, annotation.seg_groups))
    frame_pixels: list[dict[int, int]] = []
    if cfg.render:
        files = ScanppFiles(scene_dir)
        color_camera, _ = cameras(cfg)
        _write_video(files.iphone_video, mesh, annotation, trajectory, cfg, frame_pixels)
        write_iphone_cameras(files.camera, trajectory.times_s, trajectory.poses, color_camera.matrix()[:3, :3],
                             arkit_from_aligned)
    truth = SceneTruth(
        scene_id=scene_dir.name, scene_type=layout.scene_type, split=split, floor_area_m2=layout.room.area_m2,
        floor_polygon=layout.room.polygon.tolist(), wall_height_m=layout.room.height_m, axis_alignment=np.eye(4),
        objects=objects, distances_m=pairwise_distances(objects), n_vertices=len(mesh.vertices),
        duplicated_seg_groups=0, frame_instance_pixels=frame_pixels,
        frame_times_s=trajectory.times_s.tolist() if cfg.render else [],
        instance_pixels_size=tuple(cfg.color_size) if cfg.render else (0, 0),
        realism=cfg.realism, tolerances={},
    )
    write_truth(scene_dir, truth)
    return truth


def _write_video(path: Path, mesh, annotation, trajectory, cfg: SynthConfig, frame_pixels: list[dict[int, int]]) -> None:
    """Render every pose into `path` (the release's `rgb.mkv`) through the project's video writer at
    the trajectory's frame rate; fills `frame_pixels`. The container is the writer's choice (readers
    probe the bytes, not the name)."""
    from vsi100k.frames.export import write_mp4
    from vsi100k.synth.render import MeshRenderer

    color_camera, depth_camera = cameras(cfg)
    face_labels = annotation.owner_instance[mesh.owner[mesh.faces[:, 0]]]
    renderer = MeshRenderer(mesh.vertices, mesh.faces, mesh.colors, face_labels)

    def frames():
        for frame in renderer.render(trajectory.poses, color_camera, depth_camera):
            frame_pixels.append(frame.label_pixels)
            yield frame.color

    path.parent.mkdir(parents=True, exist_ok=True)
    write_mp4(path, frames(), fps=frame_rate_hz(cfg), max_width=color_camera.width, max_height=color_camera.height)
