"""Write synthetic scans in ScanNet's layout, with a truth file of exact answers per scan.

Orchestration only: layout, mesh, trajectory and rendering come from the sibling modules, and
every ScanNet file is written by `vsi100k.scannet` (PLY, segs, aggregation, txt, .sens, label
table, split lists). What this module decides is what a real scan looks like on disk:

- geometry is built in the aligned frame, then moved by the INVERSE of a random axisAlignment
  (yaw + shift), so raw coordinates and camera poses are rotated and shifted as in real scans and
  the txt's `axisAlignment` maps them back;
- annotation: one segGroup per object in a shuffled order (instance ids follow it), walls, floor
  and ceiling annotated as groups in some scans only, raw labels with synonyms and v1 labels
  that the label table lacks; optionally ScanNet's duplicated-segGroup fault (scene0217_00
  repeats every group from some objectId on);
- some rooms are scanned twice (`sceneNNNN_01`): same room and furniture, a new scan;
- rooms go to ScanNet-style train / val split lists, all scans of a room to the same list.

Deterministic: a scene depends only on (seed, scene index); the same (seed, n) writes identical
bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from vsi100k.errors import ConfigError
from vsi100k.scene import SegGroup
from vsi100k.synth.catalogue import label_table_rows
from vsi100k.synth.layout import Layout, LayoutConfig, generate_layout
from vsi100k.synth.mesh import CEILING, FLOOR, MeshConfig, RoomMesh, build_room_mesh
from vsi100k.synth.realism import ScanConfig, damage_mesh, gravity_box_of_parts, hidden_sides, shape_scan_layout
from vsi100k.synth.render import Camera
from vsi100k.synth.trajectory import Trajectory, TrajectoryConfig, generate_trajectory
from vsi100k.synth.truth import SceneTruth, TruthObject, pairwise_distances, write_truth

LABEL_TABLE_NAME = "scannetv2-labels.combined.tsv"
SPLIT_LIST_NAMES = {"train": "scannetv2_train.txt", "val": "scannetv2_val.txt"}
_STREAM_ROOM, _STREAM_SCAN = 1, 2  # seed-sequence streams: room layouts vs. per-scan choices
REALISMS = ("clean", "scan")
# Kinds an annotator may skip in the scan profile (their vertices stay unlabelled).
CLUTTER_KINDS = ("object", "box", "small_box")
# What noise, tessellation and the gravity box method allow between the scan profile's truth and
# facts measured from its mesh (gravity-aligned boxes, closest vertex distances, alpha-shape area).
SCAN_TOLERANCES = {"size_m": 0.02, "distance_m": 0.02, "room_area_rel": 0.03}


@dataclass(frozen=True)
class SynthConfig:
    """Settings of `vsi100k synth`.

    n_frames: frames per `.sens` (rendered colour + depth + pose). render: False writes no `.sens`.
    color_size, depth_size: (width, height) in pixels; intrinsics are ScanNet's scaled to them.
    jpeg_quality: Pillow JPEG quality of colour frames (fixed for byte-identical output).
    duplicate_fault_rate: fraction of scans written with the duplicated-segGroup fault.
    rescan_probability: chance that a scan is a second scan of the previous room.
    structure_probability: fraction of scans that annotate walls / floor / ceiling as segGroups.
    val_every: every `val_every`-th room goes to the val list (the rest to train).
    realism: "clean" (boxes, exact meshes, n_frames per video) or "scan" (the scan profile of
        `realism.ScanConfig`: rounded and cut shapes, holes, noise, outliers, unlabelled clutter,
        mostly no ceiling, labels with their own ids, 1-3 minute videos at scan.frame_rate_hz
        (n_frames ignored), and `<id>_2d-instance-filt.zip` masks). See `scan_profile`.
    """

    n_frames: int = 96
    render: bool = True
    color_size: tuple[int, int] = (640, 480)
    depth_size: tuple[int, int] = (320, 240)
    jpeg_quality: int = 90
    duplicate_fault_rate: float = 0.0
    rescan_probability: float = 0.25
    structure_probability: float = 0.5
    val_every: int = 4
    layout: LayoutConfig = field(default_factory=LayoutConfig)
    mesh: MeshConfig = field(default_factory=MeshConfig)
    trajectory: TrajectoryConfig = field(default_factory=TrajectoryConfig)
    realism: str = "clean"
    scan: ScanConfig = field(default_factory=ScanConfig)

    def __post_init__(self) -> None:
        if self.realism not in REALISMS:
            raise ValueError(f"realism {self.realism!r} is unknown; use one of {', '.join(REALISMS)}")
        if self.n_frames < 1:
            raise ValueError(f"n_frames must be >= 1 (got {self.n_frames}); use render=False for no frames")
        for name in ("color_size", "depth_size"):
            width, height = getattr(self, name)
            if width < 8 or height < 8:
                raise ValueError(f"{name} must be at least 8 x 8 pixels (got {width} x {height})")
        cw, ch = self.color_size
        dw, dh = self.depth_size
        if abs(cw / ch - dw / dh) > 1e-6:
            raise ValueError(f"color_size {self.color_size} and depth_size {self.depth_size} must share an aspect ratio")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError(f"jpeg_quality must be in [1, 95] (got {self.jpeg_quality})")
        for name in ("duplicate_fault_rate", "rescan_probability", "structure_probability"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1] (got {value})")
        if self.val_every < 2:
            raise ValueError(f"val_every must be >= 2 so that some rooms are train rooms (got {self.val_every})")


def scan_profile(scannet_size: bool = False, **overrides) -> SynthConfig:
    """A SynthConfig of the scan profile.

    scannet_size=False: the cheap profile for demos and tests (1 frame per second, colour
    320 x 240, depth 160 x 120). True: ScanNet's sizes (30 Hz, colour 1296 x 968, depth 640 x 480;
    1800-5400 frames per scan). `overrides` are further SynthConfig fields.
    """
    if scannet_size:
        base = dict(color_size=(1296, 968), depth_size=(640, 480), scan=ScanConfig(frame_rate_hz=30.0))
    else:
        base = dict(color_size=(320, 240), depth_size=(160, 120), scan=ScanConfig(frame_rate_hz=1.0))
    return SynthConfig(**{**base, "realism": "scan", **overrides})


@dataclass(frozen=True)
class ScanPlan:
    """Which room a scene index scans: scene id `scene{room:04d}_{scan:02d}`."""

    index: int
    room: int
    scan: int

    @property
    def scene_id(self) -> str:
        return f"scene{self.room:04d}_{self.scan:02d}"


def plan_scans(n_scenes: int, seed: int, cfg: SynthConfig) -> list[ScanPlan]:
    """Room and scan number of each scene index; a prefix of a longer plan is the shorter plan."""
    plans: list[ScanPlan] = []
    for index in range(n_scenes):
        rng = _scan_rng(seed, index)
        if plans and plans[-1].scan < 2 and rng.random() < cfg.rescan_probability:
            plans.append(ScanPlan(index, plans[-1].room, plans[-1].scan + 1))
        else:
            plans.append(ScanPlan(index, plans[-1].room + 1 if plans else 0, 0))
    return plans


def _scan_rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM_SCAN, index])


def _room_rng(seed: int, room: int) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM_ROOM, room])


def split_of_room(room: int, cfg: SynthConfig) -> str:
    return "val" if room % cfg.val_every == cfg.val_every - 1 else "train"


def generate_scenes(out_dir: Path, n_scenes: int, seed: int, *, n_frames: int = 96, render: bool = True,
                    duplicate_fault_rate: float = 0.0, config: SynthConfig | None = None) -> list[Path]:
    """Write `n_scenes` synthetic ScanNet scans into `out_dir`; returns the scene folders.

    `config`, when given, overrides n_frames / render / duplicate_fault_rate.
    Writes `<out_dir>/sceneNNNN_MM/` (PLY, segs, aggregation, txt, `.sens` unless render=False,
    `<id>.truth.json`), `<out_dir>/scannetv2-labels.combined.tsv` and the split lists.
    """
    cfg = config or SynthConfig(n_frames=n_frames, render=render, duplicate_fault_rate=duplicate_fault_rate)
    return list(iter_generate_scenes(out_dir, n_scenes, seed, cfg))


def check_request(n_scenes: int, seed: int, cfg: SynthConfig, clean_only: str | None = None) -> None:
    """Refuse a request every writer refuses: fewer than 1 scene, a negative seed, and (for the
    writers of other sources, named by `clean_only`) a realism other than "clean"."""
    if clean_only is not None and cfg.realism != "clean":
        raise ConfigError(f"realism {cfg.realism!r} is not available for {clean_only} scans; use 'clean'")
    if n_scenes < 1:
        raise ValueError(f"n_scenes must be >= 1 (got {n_scenes})")
    if seed < 0:
        raise ValueError(f"seed must be >= 0 (got {seed})")


def iter_generate_scenes(out_dir: Path, n_scenes: int, seed: int, cfg: SynthConfig = SynthConfig()) -> Iterator[Path]:
    """Like `generate_scenes`, yielding each scene folder once it is complete (for progress bars).

    The label table and split lists are rewritten after every scene, so they always describe the
    scenes written so far.
    """
    from vsi100k.scannet.labels import write_label_table, write_split_list

    check_request(n_scenes, seed, cfg)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels_used: set[str] = set()
    splits: dict[str, list[str]] = {"train": [], "val": []}
    for plan in plan_scans(n_scenes, seed, cfg):
        layout = generate_layout(_room_rng(seed, plan.room), cfg.layout)
        split = split_of_room(plan.room, cfg)
        scene_dir = out_dir / plan.scene_id
        truth = write_scan(scene_dir, plan.scene_id, layout, _scan_rng(seed, plan.index), cfg, split)
        labels_used.update(o.raw_label for o in truth.objects)
        splits[split].append(plan.scene_id)
        write_label_table(out_dir / LABEL_TABLE_NAME,
                          label_table_rows(labels_used, unique_ids=cfg.realism == "scan"))
        for name, scene_ids in splits.items():
            write_split_list(out_dir / SPLIT_LIST_NAMES[name], sorted(scene_ids))
        yield scene_dir


# ---------------------------------------------------------------------------------------------
# One scan


@dataclass(frozen=True)
class Annotation:
    """The aggregation of one scan: its segGroups and which instance each mesh owner became."""

    seg_groups: tuple[SegGroup, ...]
    owner_instance: np.ndarray  # (n_owners,) instance id of each mesh owner, 0 = unannotated
    n_duplicated: int


def annotate(mesh: RoomMesh, layout: Layout, rng: np.random.Generator, cfg: SynthConfig,
             unlabelled: frozenset[int] = frozenset()) -> Annotation:
    """segGroups in a shuffled order (instance id = position + 1); walls / floor / ceiling annotated
    in some scans; ScanNet's duplicated-segGroup fault in a share of scans. Owners in `unlabelled`
    and owners without vertices (a ceiling that was not scanned) get no segGroup."""
    annotated = [k for k, name in enumerate(mesh.owners) if name.startswith("object:") and k not in unlabelled]
    if rng.random() < cfg.structure_probability:
        annotated += [k for k, name in enumerate(mesh.owners) if name.startswith("wall:") or name == FLOOR]
        if rng.random() < 0.5:
            annotated.append(mesh.owners.index(CEILING))
    present = np.bincount(mesh.owner, minlength=len(mesh.owners)) > 0
    annotated = [k for k in annotated if present[k]]
    order = [annotated[k] for k in rng.permutation(len(annotated))]
    owner_instance = np.zeros(len(mesh.owners), dtype=np.int64)
    groups = []
    for position, owner in enumerate(order):
        owner_instance[owner] = position + 1
        segments = tuple(int(s) for s in np.unique(mesh.seg_indices[mesh.owner == owner]))
        label = _owner_label(mesh.owners[owner], layout)
        groups.append(SegGroup(id=position, object_id=position, segments=segments, label=label))
    n_duplicated = 0
    if len(groups) >= 2 and rng.random() < cfg.duplicate_fault_rate:
        first = int(rng.integers(len(groups) // 3, len(groups) - 1))
        copies = [SegGroup(id=len(groups) + k, object_id=len(groups) + k, segments=g.segments, label=g.label)
                  for k, g in enumerate(groups[first:])]
        n_duplicated = len(copies)
        groups.extend(copies)
    return Annotation(tuple(groups), owner_instance, n_duplicated)


def _owner_label(owner: str, layout: Layout) -> str:
    if owner.startswith("object:"):
        return layout.objects[int(owner.split(":")[1])].raw_label
    return "wall" if owner.startswith("wall:") else owner


def random_axis_alignment(rng: np.random.Generator) -> np.ndarray:
    """(4, 4) raw -> aligned transform: a yaw and a shift, rounded to the 6 decimals the txt keeps."""
    from vsi100k.scannet.meta import format_matrix

    yaw = rng.uniform(-np.pi, np.pi)
    c, s = np.cos(yaw), np.sin(yaw)
    matrix = np.eye(4)
    matrix[:2, :2] = [[c, -s], [s, c]]
    matrix[:3, 3] = [rng.uniform(-3.0, 3.0), rng.uniform(-3.0, 3.0), rng.uniform(-0.05, 0.05)]
    return np.array([float(v) for v in format_matrix(matrix).split()]).reshape(4, 4)


def truth_objects(layout: Layout, mesh: RoomMesh, annotation: Annotation,
                  exact_boxes: bool = False) -> tuple[TruthObject, ...]:
    """Truth records of the annotated owners, ordered by instance id.

    exact_boxes: the box of an object is the yaw-only box of its exact surface as the gravity-
    aligned box method defines it (minimum-area footprint rectangle x z range; the scan profile),
    instead of the bounding box in the object's own yaw."""
    room = layout.room
    wall_boxes = room.wall_boxes()
    counts = np.bincount(mesh.owner, minlength=len(mesh.owners))
    objects = []
    for owner, name in enumerate(mesh.owners):
        instance = int(annotation.owner_instance[owner])
        if instance == 0:
            continue
        if name.startswith("object:"):
            obj = layout.objects[int(name.split(":")[1])]
            box = obj.yaw_box()
            lo, hi = obj.aabb()
            support = None
            if obj.support is not None:
                support = int(annotation.owner_instance[mesh.owners.index(f"object:{obj.support}")]) or None
            if exact_boxes:
                center, size, yaw, lo, hi = gravity_box_of_parts(obj.parts)
            else:
                center, size, yaw = np.asarray(box.center), np.asarray(box.size), obj.yaw_rad
            objects.append(TruthObject(instance, obj.raw_label, obj.category, obj.kind, center,
                                       size, yaw, lo, hi, obj.parts, int(counts[owner]), support))
            continue
        if name.startswith("wall:"):
            parts = (wall_boxes[int(name.split(":")[1])],)
            kind = "wall"
            yaw = parts[0].yaw_rad
        else:
            parts = tuple(room.floor_boxes(0.0 if name == FLOOR else room.height_m))
            kind = name
            yaw = 0.0
        corners = np.concatenate([p.corners() for p in parts])
        lo, hi = corners.min(axis=0), corners.max(axis=0)
        size = np.asarray(parts[0].size) if kind == "wall" else hi - lo
        objects.append(TruthObject(instance, kind, None, kind, (lo + hi) / 2, size, yaw, lo, hi, parts, int(counts[owner])))
    return tuple(sorted(objects, key=lambda o: o.instance_id))


def cameras(cfg: SynthConfig) -> tuple[Camera, Camera]:
    """(colour, depth) cameras: ScanNet's colour camera scaled to color_size, principal point at the
    centre; the depth camera is the colour camera downscaled when the sizes allow (so each depth
    pixel shares a colour pixel's ray), else ScanNet's camera scaled to depth_size."""
    color = Camera.scannet_like(*cfg.color_size)
    factor = cfg.color_size[0] // cfg.depth_size[0]
    if factor >= 1 and cfg.color_size == (cfg.depth_size[0] * factor, cfg.depth_size[1] * factor):
        return color, color.downscaled(factor)
    return color, Camera.scannet_like(*cfg.depth_size)


def _metadata(cfg: SynthConfig, scene_type: str, n_frames: int) -> dict[str, str]:
    color, depth = cameras(cfg)
    return {
        "colorHeight": str(color.height), "colorWidth": str(color.width),
        "depthHeight": str(depth.height), "depthWidth": str(depth.width),
        "fx_color": f"{color.fx:.6f}", "fy_color": f"{color.fy:.6f}",
        "mx_color": f"{color.cx:.6f}", "my_color": f"{color.cy:.6f}",
        "fx_depth": f"{depth.fx:.6f}", "fy_depth": f"{depth.fy:.6f}",
        "mx_depth": f"{depth.cx:.6f}", "my_depth": f"{depth.cy:.6f}",
        "colorToDepthExtrinsics": " ".join(f"{v:.6f}" for v in np.eye(4).reshape(-1)),
        "numColorFrames": str(n_frames), "numDepthFrames": str(n_frames), "numIMUmeasurements": "0",
        "sceneType": scene_type,
    }


def write_scan(scene_dir: Path, scene_id: str, layout: Layout, rng: np.random.Generator, cfg: SynthConfig,
               split: str) -> SceneTruth:
    """Tessellate, annotate, align, render and write one scan of `layout`; returns its truth."""
    from vsi100k.scannet import write_scene_files

    scan = cfg.realism == "scan"
    if scan:
        layout, cut_faces = shape_scan_layout(layout, rng, cfg.scan, cfg.layout.min_gap_m,
                                              cfg.layout.camera_spot_half_width_m)
        ceiling = bool(rng.random() < cfg.scan.ceiling_probability)
        mesh = build_room_mesh(layout, rng, replace(cfg.mesh, object_spacing_m=cfg.scan.object_spacing_m),
                               skip_sides=hidden_sides(layout, cut_faces), ceiling=ceiling)
        mesh = damage_mesh(mesh, layout, rng, cfg.scan)
        unlabelled = frozenset(k for k, name in enumerate(mesh.owners) if name.startswith("object:")
                               and layout.objects[int(name.split(":")[1])].kind in CLUTTER_KINDS
                               and rng.random() < cfg.scan.unlabelled_clutter_probability)
    else:
        mesh = build_room_mesh(layout, rng, cfg.mesh)
        unlabelled = frozenset()
    annotation = annotate(mesh, layout, rng, cfg, unlabelled)
    alignment = random_axis_alignment(rng)
    to_raw = np.linalg.inv(alignment)
    raw_vertices = (mesh.vertices @ to_raw[:3, :3].T + to_raw[:3, 3]).astype(np.float32)
    if scan:
        duration_s = float(rng.uniform(*cfg.scan.duration_s))
        video_frames = max(1, int(round(duration_s * cfg.scan.frame_rate_hz)))
        trajectory_cfg = replace(cfg.trajectory, frame_interval_us=int(round(1e6 / cfg.scan.frame_rate_hz)),
                                 turns=(1.5, 3.0))
    else:
        video_frames, trajectory_cfg = cfg.n_frames, cfg.trajectory
    trajectory = generate_trajectory(layout, video_frames, rng, trajectory_cfg)
    n_frames = video_frames if cfg.render else 0
    write_scene_files(scene_dir, scene_id, vertices=raw_vertices, colors=mesh.colors, faces=mesh.faces,
                      seg_indices=mesh.seg_indices, seg_groups=annotation.seg_groups, axis_alignment=alignment,
                      metadata=_metadata(cfg, layout.scene_type, n_frames))
    frame_pixels: list[dict[int, int]] = []
    if cfg.render:
        masks = None
        if scan:
            from vsi100k.synth.masks import InstanceArchiveWriter, instance_archive_path

            masks = InstanceArchiveWriter(instance_archive_path(scene_dir), scene_id)
        _write_frames(scene_dir / f"{scene_id}.sens", mesh, annotation, trajectory, to_raw, cfg, frame_pixels, masks)
        if masks is not None:
            masks.close()
    objects = truth_objects(layout, mesh, annotation, exact_boxes=scan)
    truth = SceneTruth(
        scene_id=scene_id, scene_type=layout.scene_type, split=split, floor_area_m2=layout.room.area_m2,
        floor_polygon=layout.room.polygon.tolist(), wall_height_m=layout.room.height_m, axis_alignment=alignment,
        objects=objects, distances_m=pairwise_distances(objects), n_vertices=len(mesh.vertices),
        duplicated_seg_groups=annotation.n_duplicated, frame_instance_pixels=frame_pixels,
        frame_times_s=trajectory.times_s.tolist() if cfg.render else [],
        instance_pixels_size=tuple(cfg.color_size) if cfg.render else (0, 0),
        realism=cfg.realism, tolerances=dict(SCAN_TOLERANCES) if scan else {},
    )
    write_truth(scene_dir, truth)
    return truth


def _write_frames(path: Path, mesh: RoomMesh, annotation: Annotation, trajectory: Trajectory, to_raw: np.ndarray,
                  cfg: SynthConfig, frame_pixels: list[dict[int, int]], masks=None) -> None:
    """Render every pose and stream the frames into a `.sens`; fills `frame_pixels` per frame and
    adds each frame's instance mask to `masks` (an `InstanceArchiveWriter`) when given."""
    from PIL import Image

    from vsi100k.scannet import SensFrame, SensHeader, write_sens
    from vsi100k.synth.render import MeshRenderer

    color_camera, depth_camera = cameras(cfg)
    face_labels = annotation.owner_instance[mesh.owner[mesh.faces[:, 0]]]
    renderer = MeshRenderer(mesh.vertices, mesh.faces, mesh.colors, face_labels)
    header = SensHeader(color_intrinsic=color_camera.matrix(), color_extrinsic=np.eye(4),
                        depth_intrinsic=depth_camera.matrix(), depth_extrinsic=np.eye(4),
                        color_width=color_camera.width, color_height=color_camera.height,
                        depth_width=depth_camera.width, depth_height=depth_camera.height,
                        depth_shift=1000.0, num_frames=len(trajectory.poses))

    def frames():
        rendered = renderer.render(trajectory.poses, color_camera, depth_camera)
        for k, frame in enumerate(rendered):
            buffer = io.BytesIO()
            Image.fromarray(frame.color).save(buffer, format="JPEG", quality=cfg.jpeg_quality)
            frame_pixels.append(frame.label_pixels)
            if masks is not None:
                masks.add(k, frame.labels)
            yield SensFrame(pose=to_raw @ trajectory.poses[k], color_jpeg=buffer.getvalue(), depth=frame.depth_mm,
                            color_timestamp_us=int(trajectory.color_timestamps_us[k]),
                            depth_timestamp_us=int(trajectory.depth_timestamps_us[k]))

    write_sens(path, header, frames())

