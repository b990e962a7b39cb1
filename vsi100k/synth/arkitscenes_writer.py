"""Write synthetic scans in ARKitScenes' 3DOD release layout, with the same truth file as the ScanNet twin.

Rooms, furniture, meshes and camera paths come from the same generators as `vsi100k.synth.writer`
(clean profile); only the files and the annotation differ:

    <out>/3dod/Training/<video_id>/<video_id>_3dod_mesh.ply
                                  /<video_id>_3dod_annotation.json
                                  /<video_id>_frames/lowres_wide/..., lowres_wide_intrinsics/...,
                                                     lowres_wide.traj          (when rendering)
                                  /<video_id>.truth.json
    <out>/3dod/Validation/<video_id>/...
    <out>/3dod/metadata.csv              (video_id, visit_id, sky_direction, fold)
    <out>/3dod_train_val_splits.csv

Objects are annotated as ARKitScenes annotates them: one oriented box per object of its 17 classes
(`ARKIT_LABEL_OF`: the catalogue's raw labels respelled as ARKitScenes classes; other furniture,
walls, floor and ceiling get no box). The box is the truth box (the object's bounding box in its
own yaw), so truth sizes are the box sides, truth bounds the box's corners and truth distances
box-to-box. Instance ids are positions in the annotation file (from 1), which shuffles objects
as the ScanNet twin does.
Captures are stored as a held phone records them: video k is rolled to `CAPTURE_SKY[k % 4]` (where the
sky is in its stored images: Up, Left, Down, Right), so its stored frames need the turn
`SKY_DIRECTION_ROTATION_DEG` to be upright; `metadata.csv` states each video's sky direction, and
states a wrong one for video `WRONG_SKY_INDEX` (as the release does for some videos), so readers
must decide from the poses.
The mesh is written in the release's frame (gravity-aligned, z up, metres). Videos of one room
share a visit id (a room is filmed again with `rescan_probability`, as ScanNet rescans); rooms go
to the Validation fold as the ScanNet writer puts rooms in its val list. Deterministic: the same
(seed, n, config) writes identical bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from vsi100k.geometry.box import Box
from vsi100k.synth.boxes import YawBox, yaw_rotation
from vsi100k.synth.layout import generate_layout
from vsi100k.synth.mesh import build_room_mesh
from vsi100k.synth.trajectory import generate_trajectory
from vsi100k.synth.truth import SceneTruth, pairwise_distances, write_truth
from vsi100k.synth.writer import (
    SynthConfig, _room_rng, check_request, _scan_rng, annotate, cameras, plan_scans, split_of_room, truth_objects,
)

# Catalogue raw label -> the ARKitScenes class its annotators would box it as (absent: no box).
ARKIT_LABEL_OF = {
    "table": "table", "coffee table": "table", "dining table": "table",
    "chair": "chair", "office chair": "chair",
    "bed": "bed", "couch": "sofa", "sofa": "sofa", "refrigerator": "refrigerator",
    "tv": "tv_monitor", "television": "tv_monitor", "monitor": "tv_monitor",
    "bookshelf": "shelf", "bookshelves": "shelf", "shelf": "shelf",
    "closet": "cabinet", "wardrobe": "cabinet", "cabinet": "cabinet", "kitchen cabinets": "cabinet",
    "nightstand": "cabinet", "night stand": "cabinet",
    "washing machine": "washer", "oven": "oven",
}
SPLIT_FOLDS = {"train": "Training", "val": "Validation"}
CAPTURE_SKY = ("Up", "Left", "Down", "Right")  # sky side of the stored images of video k: CAPTURE_SKY[k % 4]
WRONG_SKY_INDEX = 1  # the video whose metadata.csv row states a wrong sky direction


def capture_sky(index: int) -> str:
    """Where the sky is in the stored images of the index-th synthetic video."""
    return CAPTURE_SKY[index % len(CAPTURE_SKY)]


def stated_sky(index: int) -> str:
    """The `sky_direction` metadata.csv states for the index-th video: the true one, except for
    WRONG_SKY_INDEX, which gets the next direction of CAPTURE_SKY (a wrong one)."""
    if index == WRONG_SKY_INDEX:
        return CAPTURE_SKY[(index + 1) % len(CAPTURE_SKY)]
    return capture_sky(index)


def arkitscenes_video_id(seed: int, index: int) -> str:
    """The 8-digit video id of the index-th synthetic ARKitScenes video of `seed` (40000000-49999999)."""
    digest = hashlib.sha256(f"vsi100k-synth-arkitscenes:{seed}:{index}".encode()).hexdigest()
    return str(40_000_000 + int(digest[:12], 16) % 10_000_000)


def arkitscenes_visit_id(seed: int, room: int) -> str:
    """The 6-digit visit id of a synthetic room (300000-499999)."""
    digest = hashlib.sha256(f"vsi100k-synth-arkitscenes-visit:{seed}:{room}".encode()).hexdigest()
    return str(300_000 + int(digest[:12], 16) % 200_000)


def generate_arkitscenes_scenes(out_dir: Path, n_scenes: int, seed: int, *, n_frames: int = 96, render: bool = True,
                                config: SynthConfig | None = None) -> list[Path]:
    """Write `n_scenes` synthetic ARKitScenes videos under `out_dir/3dod/<fold>/`; returns their folders.

    `config`, when given, overrides n_frames / render; only the clean profile is supported.
    """
    cfg = config or SynthConfig(n_frames=n_frames, render=render)
    return list(iter_generate_arkitscenes_scenes(out_dir, n_scenes, seed, cfg))


def iter_generate_arkitscenes_scenes(out_dir: Path, n_scenes: int, seed: int,
                                     cfg: SynthConfig = SynthConfig()) -> Iterator[Path]:
    """Like `generate_arkitscenes_scenes`, yielding each video folder once complete; the split csv
    and `metadata.csv` are rewritten after every video."""
    from vsi100k.arkitscenes.files import RELEASE_DIR, SPLIT_CSV
    from vsi100k.arkitscenes.metadata import METADATA_CSV, write_metadata_csv
    from vsi100k.arkitscenes.splits import write_split_csv

    check_request(n_scenes, seed, cfg, clean_only="ARKitScenes")
    out_dir = Path(out_dir)
    rows: list[tuple[str, str | None, str]] = []
    metadata: list[tuple[str, str | None, str | None, str]] = []
    used: set[str] = set()
    for plan in plan_scans(n_scenes, seed, cfg):
        video_id = arkitscenes_video_id(seed, plan.index)
        bump = 0
        while video_id in used:  # keep ids unique within one output (deterministically)
            bump += 1
            video_id = arkitscenes_video_id(seed, plan.index + 1_000_003 * bump)
        used.add(video_id)
        split = split_of_room(plan.room, cfg)
        scene_dir = out_dir / RELEASE_DIR / SPLIT_FOLDS[split] / video_id
        write_arkitscenes_scan(scene_dir, plan.room, plan.index, seed, cfg, split)
        visit = arkitscenes_visit_id(seed, plan.room)
        rows.append((video_id, visit, "validation" if split == "val" else "train"))
        metadata.append((video_id, visit, stated_sky(plan.index), SPLIT_FOLDS[split]))
        write_split_csv(out_dir / SPLIT_CSV, sorted(rows))
        write_metadata_csv(out_dir / RELEASE_DIR / METADATA_CSV, sorted(metadata))
        yield scene_dir


def _box_objects(objects, seg_groups):
    """(objects in annotation-file order, old instance id -> new) for the objects that get a box."""
    by_instance = {o.instance_id: o for o in objects}
    chosen = []
    for position, group in enumerate(seg_groups, start=1):
        obj = by_instance.get(position)
        if obj is not None and obj.raw_label in ARKIT_LABEL_OF:
            chosen.append(obj)
    return chosen, {obj.instance_id: k for k, obj in enumerate(chosen, start=1)}


def annotated_box(obj) -> Box:
    """The truth box of an object as a `Box` (its bounding box in its own yaw)."""
    return Box(center=np.asarray(obj.center, dtype=np.float64), extent=np.asarray(obj.size_xyz_m, dtype=np.float64),
               rotation=yaw_rotation(float(obj.yaw_rad)))


def write_arkitscenes_scan(scene_dir: Path, room: int, index: int, seed: int, cfg: SynthConfig,
                           split: str) -> SceneTruth:
    """Build, annotate, render and write one ARKitScenes video folder; returns its truth."""
    from vsi100k.arkitscenes.annotation import write_annotation
    from vsi100k.arkitscenes.files import ArkitFiles
    from vsi100k.arkitscenes.labels import arkitscenes_vocabulary
    from vsi100k.scannetpp.writer import write_mesh

    scene_dir = Path(scene_dir)
    files = ArkitFiles(scene_dir)
    layout = generate_layout(_room_rng(seed, room), cfg.layout)
    rng = _scan_rng(seed, index)
    mesh = build_room_mesh(layout, rng, cfg.mesh)
    annotation = annotate(mesh, layout, rng, replace(cfg, duplicate_fault_rate=0.0, structure_probability=0.0))
    trajectory = generate_trajectory(layout, cfg.n_frames, rng, cfg.trajectory)
    chosen, renumber = _box_objects(truth_objects(layout, mesh, annotation), annotation.seg_groups)
    vocabulary = arkitscenes_vocabulary()
    objects = []
    for obj in chosen:
        label = ARKIT_LABEL_OF[obj.raw_label]
        box = YawBox(tuple(float(v) for v in obj.center), tuple(float(v) for v in obj.size_xyz_m), float(obj.yaw_rad))
        corners = box.corners()
        objects.append(replace(obj, instance_id=renumber[obj.instance_id], raw_label=label,
                               category=vocabulary.category_for(label), parts=(box,),
                               aabb_min=corners.min(axis=0), aabb_max=corners.max(axis=0),
                               support_instance_id=renumber.get(obj.support_instance_id)))
    objects = tuple(objects)
    write_mesh(files.mesh, mesh.vertices.astype(np.float32), mesh.colors, mesh.faces)
    write_annotation(files.annotation, [(f"{files.scene_id}-{o.instance_id:03d}", o.raw_label, annotated_box(o))
                                        for o in objects])
    frame_pixels: list[dict[int, int]] = []
    if cfg.render:
        owner_instance = np.array([renumber.get(int(i), 0) for i in annotation.owner_instance], dtype=np.int64)
        _write_frames(files, mesh, owner_instance, trajectory, cfg, frame_pixels, capture_sky(index))
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


def held_poses(upright_poses: np.ndarray, sky: str, intrinsic: np.ndarray, width: int, height: int) -> np.ndarray:
    """(N, 4, 4) camera-to-world of a sensor rolled so that its stored `width` x `height` images show
    the sky on side `sky`: turning them by SKY_DIRECTION_ROTATION_DEG[sky] gives the views of the
    upright cameras `upright_poses` (OpenCV axes)."""
    from vsi100k.frames.orientation import SKY_DIRECTION_ROTATION_DEG, rotate_camera

    _, _, _, turned = rotate_camera(intrinsic, width, height, np.eye(4)[None], SKY_DIRECTION_ROTATION_DEG[sky])
    axes = turned[0, :3, :3].T  # upright camera axes from stored camera axes
    out = np.array(upright_poses, dtype=np.float64)
    out[:, :3, :3] = out[:, :3, :3] @ axes
    return out


def _write_frames(files, mesh, owner_instance: np.ndarray, trajectory, cfg: SynthConfig,
                  frame_pixels: list[dict[int, int]], sky: str = "Up") -> None:
    """Render every pose, the sensor held with the sky on side `sky`, into the `lowres_wide` stream;
    fills `frame_pixels` (instance -> pixels) per frame."""
    from vsi100k.arkitscenes.camera import write_lowres_wide
    from vsi100k.synth.render import MeshRenderer

    color_camera, depth_camera = cameras(cfg)
    poses = held_poses(trajectory.poses, sky, color_camera.matrix()[:3, :3], color_camera.width, color_camera.height)
    face_labels = owner_instance[mesh.owner[mesh.faces[:, 0]]]
    renderer = MeshRenderer(mesh.vertices, mesh.faces, mesh.colors, face_labels)

    def images():
        for frame in renderer.render(poses, color_camera, depth_camera):
            frame_pixels.append(frame.label_pixels)
            yield frame.color

    write_lowres_wide(files.frames_dir, files.scene_id, trajectory.times_s, poses,
                      color_camera.matrix()[:3, :3], images())
