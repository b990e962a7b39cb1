"""Synthetic ScanNet scans (vsi100k.synth): exact geometry, layout rules, files the reader loads,
rendered frames that agree with the mesh, the truth file, determinism, the CLI and every error."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from vsi100k.errors import SceneError
from vsi100k.geometry.box_distance import segment_distance
from vsi100k.synth.boxes import YawBox, box_distance, box_set_distance
from vsi100k.synth.catalogue import (
    CATEGORY_OF_RAW_LABEL, KINDS, LABELS, SHAPES, VSI_CATEGORIES, FurnitureKind, category_of,
    label_table_rows,
)
from vsi100k.synth.layout import LayoutConfig, generate_layout, generate_room
from vsi100k.synth.mesh import MeshConfig, build_room_mesh
from vsi100k.synth.render import Camera
from vsi100k.synth.trajectory import TrajectoryConfig, generate_trajectory, look_pose
from vsi100k.synth.truth import read_truth, truth_path, write_truth
from vsi100k.synth.writer import SynthConfig, generate_scenes, plan_scans

STRUCTURE = ("wall", "floor", "ceiling")
SMALL_RENDER = dict(color_size=(160, 120), depth_size=(80, 60))


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def rendered_root(tmp_path_factory) -> Path:
    """Six rendered scans (24 frames at 320 x 240), half of them with the duplicated-segGroup fault."""
    root = tmp_path_factory.mktemp("synth_rendered")
    cfg = SynthConfig(n_frames=24, color_size=(320, 240), depth_size=(160, 120), duplicate_fault_rate=0.5)
    generate_scenes(root, 6, seed=3, config=cfg)
    return root


@pytest.fixture(scope="module")
def layouts():
    """30 furnished rooms with their meshes."""
    out = []
    for seed in range(30):
        rng = np.random.default_rng([seed, 12])
        layout = generate_layout(rng)
        out.append((layout, build_room_mesh(layout, rng)))
    return out


def _scene_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("scene"))


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------------------------- exact boxes
def _surface_samples(box: YawBox, step: float) -> np.ndarray:
    """Points on the six sides of a box, `step` apart (both ends of every side included)."""
    half = np.asarray(box.size) / 2
    points = []
    for axis in range(3):
        a, b = [k for k in range(3) if k != axis]
        ua = np.linspace(-half[a], half[a], max(2, int(math.ceil(2 * half[a] / step)) + 1))
        ub = np.linspace(-half[b], half[b], max(2, int(math.ceil(2 * half[b] / step)) + 1))
        ga, gb = np.meshgrid(ua, ub)
        for sign in (-1, 1):
            p = np.zeros((ga.size, 3))
            p[:, a], p[:, b], p[:, axis] = ga.ravel(), gb.ravel(), sign * half[axis]
            points.append(p)
    return np.concatenate(points) @ box.rotation().T + np.asarray(box.center)


def test_box_distance_known_cases():
    unit = YawBox((0, 0, 0), (1, 1, 1), 0.0)
    assert box_distance(unit, YawBox((3, 0, 0), (1, 1, 1), 0.0)) == pytest.approx(2.0)
    # corner to corner along the diagonal
    assert box_distance(unit, YawBox((2, 2, 2), (1, 1, 1), 0.0)) == pytest.approx(math.sqrt(3))
    # a box turned 45 degrees points its vertical edge at the face of the other: 2 - sqrt(2)/2 - 0.5
    assert box_distance(unit, YawBox((2, 0, 0), (1, 1, 1), math.pi / 4)) == pytest.approx(1.5 - math.sqrt(0.5))
    # overlapping and touching boxes are 0 apart
    assert box_distance(unit, YawBox((0.5, 0.5, 0), (1, 1, 1), 0.3)) == 0.0
    assert box_distance(unit, YawBox((1, 0, 0), (1, 1, 1), 0.0)) == pytest.approx(0.0, abs=1e-12)
    # crossed bars: no corner of either is inside the other, yet they intersect
    assert box_distance(YawBox((0, 0, 0), (4, 0.2, 0.2), 0.0), YawBox((0, 0, 0), (4, 0.2, 0.2), math.pi / 2)) == 0.0
    # flat boxes (a floor patch and a wall) work: a point 0.3 above the floor
    floor = YawBox((0, 0, 0), (2, 2, 0), 0.0)
    assert box_distance(floor, YawBox((0, 0, 0.4), (0.2, 0.2, 0.2), 1.0)) == pytest.approx(0.3)
    wall = YawBox((5, 0, 1), (4, 0, 2), math.pi / 2)
    assert box_distance(floor, wall) == pytest.approx(4.0)


def test_box_distance_matches_dense_sampling():
    rng = np.random.default_rng(0)
    step = 0.01
    checked = 0
    for _ in range(150):
        a = YawBox(tuple(rng.uniform(-0.6, 0.6, 3)), tuple(rng.uniform(0.0, 0.5, 3) * (rng.random(3) > 0.1)),
                   float(rng.uniform(-np.pi, np.pi)))
        b = YawBox(tuple(rng.uniform(-0.6, 0.6, 3)), tuple(rng.uniform(0.0, 0.5, 3) * (rng.random(3) > 0.1)),
                   float(rng.uniform(-np.pi, np.pi)))
        exact = box_distance(a, b)
        sampled = cKDTree(_surface_samples(b, step)).query(_surface_samples(a, step))[0].min()
        if exact > 0:
            # sampled points lie on the surfaces: never closer than the exact distance, and a grid of
            # `step` misses the closest pair by at most one cell diagonal on each side
            assert exact <= sampled + 1e-9
            assert sampled - exact <= 2 * step
            checked += 1
        else:
            assert sampled <= 2 * step  # overlapping boxes of these sizes have surfaces that meet
    assert checked > 60


def test_box_set_distance_is_min_over_parts():
    table = [YawBox((0, 0, 0.72), (1.2, 0.8, 0.04), 0.0)] + [
        YawBox((sx * 0.55, sy * 0.35, 0.35), (0.05, 0.05, 0.7), 0.0) for sx in (-1, 1) for sy in (-1, 1)]
    ball = [YawBox((0.0, 0.0, 0.3), (0.1, 0.1, 0.1), 0.0)]  # under the table top, between the legs
    assert box_set_distance(table, ball) == pytest.approx(0.72 - 0.02 - 0.35)
    assert box_set_distance(ball, table) == box_set_distance(table, ball)


def test_segment_distance_cases():
    p = np.array
    assert segment_distance(p([0, 0, 0.]), p([1, 0, 0.]), p([0, 1, 0.]), p([1, 1, 0.])) == pytest.approx(1.0)  # parallel
    assert segment_distance(p([0, 0, 0.]), p([1, 0, 0.]), p([0.5, -1, 1.]), p([0.5, 1, 1.])) == pytest.approx(1.0)  # skew
    assert segment_distance(p([0, 0, 0.]), p([1, 0, 0.]), p([3, 0, 0.]), p([4, 0, 0.])) == pytest.approx(2.0)  # collinear
    assert segment_distance(p([0, 0, 0.]), p([0, 0, 0.]), p([1, -1, 0.]), p([1, 1, 0.])) == pytest.approx(1.0)  # point
    assert segment_distance(p([1, -1, 0.]), p([1, 1, 0.]), p([0, 0, 0.]), p([0, 0, 0.])) == pytest.approx(1.0)
    assert segment_distance(p([0, 0, 0.]), p([0, 0, 0.]), p([0, 3, 4.]), p([0, 3, 4.])) == pytest.approx(5.0)


# --------------------------------------------------------------------------------------- catalogue
def test_catalogue_labels_agree_with_the_project_vocabulary():
    from vsi100k.facts.vocabulary import category_for

    assert {raw: category_for(raw) for raw in CATEGORY_OF_RAW_LABEL} == CATEGORY_OF_RAW_LABEL
    assert {k.category for k in KINDS.values()} - {None} == set(VSI_CATEGORIES)  # every category can appear
    assert category_of("trash can") == category_of("trashcan") == category_of("garbage bin") == "trash bin"
    assert category_of("night stand") == category_of("nightstand") == "nightstand"
    assert category_of("television") == category_of("tv") == "tv"
    assert category_of("office chair") == "chair"
    for raw in ("box", "shelf", "kitchen cabinets", "object", "wall", "floor", "ceiling"):
        assert category_of(raw) is None


def test_label_table_rows_share_ids_between_synonyms_and_leave_v1_labels_out():
    from vsi100k.scannet.labels import LABEL_COLUMNS

    rows = {r["raw_category"]: r for r in label_table_rows({"couch", "sofa", "trash can", "garbage bin", "trashcan",
                                                             "chair", "office chair", "wall"})}
    assert "trashcan" not in rows  # a v1 label, absent from the v2 table
    assert rows["couch"]["id"] == rows["sofa"]["id"] and rows["sofa"]["category"] == "couch"
    assert rows["trash can"]["id"] == rows["garbage bin"]["id"]
    assert rows["chair"]["id"] != rows["office chair"]["id"]  # different ScanNet categories
    assert rows["chair"]["nyu40class"] == rows["office chair"]["nyu40class"] == "chair"
    assert rows["chair"]["nyu40id"] == "5" and rows["wall"]["nyu40id"] == "1"
    assert all(set(r) == set(LABEL_COLUMNS) for r in rows.values())


def test_shapes_stand_on_the_floor_within_their_size():
    rng = np.random.default_rng(1)
    for kind in KINDS.values():
        size = kind.sample_size(rng)
        parts, top = SHAPES[kind.shape](size, rng)
        lo = np.min([np.asarray(c) - np.asarray(s) / 2 for c, s in parts], axis=0)
        hi = np.max([np.asarray(c) + np.asarray(s) / 2 for c, s in parts], axis=0)
        assert lo[2] == pytest.approx(0.0, abs=1e-9), kind.name
        np.testing.assert_allclose(hi - lo, size, atol=1e-9, err_msg=kind.name)
        assert all(min(s) > 0 for _, s in parts), kind.name
        assert top is None or 0 <= top < len(parts)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(placement="ceiling"), "placement 'ceiling' is not one of"),
        (dict(shape="sphere"), "shape 'sphere' is not one of"),
        (dict(labels=(("sofa bed", 1.0),)), "raw label 'sofa bed' is missing from LABELS"),
        (dict(labels=(("chair", 1.0), ("table", 1.0))), "its synonyms map to different categories"),
        (dict(placement="on_top"), "'supports' must be given exactly for placement 'on_top'"),
    ],
)
def test_furniture_kind_errors(changes, message):
    base = dict(name="thing", labels=(("chair", 1.0),), shape="block", size_m=((1, 1), (1, 1), (1, 1)),
                placement="floor", colors=((1, 2, 3),))
    with pytest.raises(ValueError, match=message):
        FurnitureKind(**(base | changes))


# ------------------------------------------------------------------------------------------ layout
def test_room_areas_shapes_and_vertex_counts(layouts):
    shapes = Counter()
    for layout, mesh in layouts:
        assert 5.0 <= layout.room.area_m2 <= 80.0
        polygon = layout.room.polygon
        shoelace = 0.5 * np.sum(polygon[:, 0] * np.roll(polygon[:, 1], -1) - np.roll(polygon[:, 0], -1) * polygon[:, 1])
        assert shoelace == pytest.approx(layout.room.area_m2)  # counter-clockwise, rectangles tile it
        shapes[len(polygon)] += 1
        assert 50_000 <= len(mesh.vertices) <= 150_000
        assert 2.4 <= layout.room.height_m <= 3.0
    assert shapes[4] > 0 and shapes[6] > 0  # rectangles and L-shapes
    assert len({layout.scene_type for layout, _ in layouts}) >= 5


def test_generate_room_hits_the_requested_area():
    cfg = LayoutConfig(l_shape_probability=1.0)
    for seed, area in enumerate((5.0, 12.5, 33.0, 80.0)):
        room = generate_room(np.random.default_rng(seed), area, cfg)
        assert room.area_m2 == pytest.approx(area)
        x0, y0, x1, y1 = room.bounds
        assert min(x1 - x0, y1 - y0) >= 1.8 - 1e-9


def test_objects_do_not_overlap_and_stay_in_the_room(layouts):
    gap = LayoutConfig().min_gap_m
    checked = 0
    for layout, _ in layouts:
        room = layout.room
        objects = layout.objects
        x0, y0, x1, y1 = room.bounds
        for index, obj in enumerate(objects):
            lo, hi = obj.aabb()
            assert lo[0] > x0 and lo[1] > y0 and hi[0] < x1 and hi[1] < y1, obj.kind
            assert lo[2] >= -1e-9 and hi[2] < room.height_m, obj.kind
            if room.notch is not None:
                nx0, ny0, nx1, ny1 = room.notch
                notch = YawBox(((nx0 + nx1) / 2, (ny0 + ny1) / 2, 1.0), (nx1 - nx0, ny1 - ny0, 10.0), 0.0)
                assert box_set_distance(list(obj.parts), [notch]) > 0, obj.kind
            if obj.support is not None:
                support = objects[obj.support]
                top = support.parts[support.top_part]
                assert lo[2] == pytest.approx(top.center[2] + top.size[2] / 2)  # resting on the top
                assert obj.support < index  # supports are placed first
            for other_index in range(index):
                other = objects[other_index]
                if obj.support == other_index or other.support == index:
                    continue
                assert box_set_distance(list(obj.parts), list(other.parts)) >= gap - 1e-9, (obj.kind, other.kind)
                checked += 1
    assert checked > 1000


def test_rooms_hold_several_instances_and_things_on_tables_and_walls(layouts):
    kinds = Counter(o.kind for layout, _ in layouts for o in layout.objects)
    on_top = Counter(o.kind for layout, _ in layouts for o in layout.objects if o.support is not None)
    assert {"monitor", "telephone", "microwave", "pillow"} <= set(on_top)
    assert {"door", "window", "mirror", "radiator"} <= set(kinds)
    repeated = sum(1 for layout, _ in layouts
                   for n in Counter(o.category for o in layout.objects if o.category).values() if n >= 2)
    assert repeated >= len(layouts)  # on average at least one countable category per room
    labels = {o.raw_label for layout, _ in layouts for o in layout.objects}
    assert {"trashcan", "box", "object"} <= labels  # v1 labels and labels outside the vocabulary
    # wall objects hang against a wall with their back `wall_gap_m` from it
    wall_gap = LayoutConfig().wall_gap_m
    for layout, _ in layouts[:10]:
        walls = layout.room.wall_boxes()
        for obj in layout.objects:
            if KINDS[obj.kind].placement == "wall":
                assert min(box_set_distance(list(obj.parts), [w]) for w in walls) == pytest.approx(wall_gap)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(min_gap_m=0.0), "min_gap_m must be > 0"),
        (dict(wall_gap_m=0.2), r"wall_gap_m must be in \(0, 0.1\)"),
        (dict(camera_spot_half_width_m=1.0), r"camera_spot_half_width_m must be in \[0.2, 0.8\]"),
        (dict(l_shape_probability=1.5), r"l_shape_probability must be in \[0, 1\]"),
        (dict(max_attempts=0), "max_attempts must be >= 1"),
    ],
)
def test_layout_config_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        LayoutConfig(**changes)


def test_generate_room_rejects_areas_outside_the_range():
    with pytest.raises(ValueError, match=r"room area 90.0 m2 is outside \[5.0, 80.0\]"):
        generate_room(np.random.default_rng(0), 90.0, LayoutConfig())


# -------------------------------------------------------------------------------------------- mesh
def test_mesh_segments_and_owners(layouts):
    layout, mesh = layouts[0]
    assert mesh.faces.min() >= 0 and mesh.faces.max() < len(mesh.vertices)
    assert mesh.colors.shape == (len(mesh.vertices), 4) and np.all(mesh.colors[:, 3] == 255)
    # every triangle lies within one owner, and segments never straddle owners
    assert np.all(mesh.owner[mesh.faces[:, 0]] == mesh.owner[mesh.faces[:, 1]])
    seg_owner = {}
    for seg, owner in zip(mesh.seg_indices, mesh.owner):
        assert seg_owner.setdefault(int(seg), int(owner)) == owner
    # a segment id is the index of one of its vertices
    assert np.all(mesh.seg_indices[np.unique(mesh.seg_indices)] == np.unique(mesh.seg_indices))
    per_object = Counter(seg_owner.values())
    assert all(per_object[k] >= 5 for k, name in enumerate(mesh.owners) if name.startswith("object:"))
    # vertices of each object span exactly its parts' bounds
    for k, obj in enumerate(layout.objects):
        verts = mesh.vertices[mesh.owner == mesh.owners.index(f"object:{k}")]
        lo, hi = obj.aabb()
        np.testing.assert_allclose(verts.min(axis=0), lo, atol=1e-9)
        np.testing.assert_allclose(verts.max(axis=0), hi, atol=1e-9)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(vertices=(500, 1000)), r"vertices must be \(min, max\) with 1000 <= min <= max"),
        (dict(object_segment_m=0.0), "object_segment_m and structure_segment_m must be > 0 m"),
        (dict(jitter=0.5), r"jitter must be in \[0, 0.5\) grid spacings"),
    ],
)
def test_mesh_config_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        MeshConfig(**changes)


# -------------------------------------------------------------------------------------- trajectory
def test_trajectory_stays_on_free_floor_and_looks_around(layouts):
    cfg = TrajectoryConfig()
    for layout, _ in layouts[:10]:
        traj = generate_trajectory(layout, 48, np.random.default_rng(5), cfg)
        positions = traj.poses[:, :3, 3]
        assert np.all((positions[:, 2] > 1.25) & (positions[:, 2] < 1.65))
        for obj in layout.objects:  # never inside a piece of furniture's footprint
            box = obj.yaw_box()
            local = (positions[:, :2] - np.asarray(box.center[:2])) @ box.rotation()[:2, :2]
            assert np.all(np.any(np.abs(local) > np.asarray(box.size[:2]) / 2, axis=1)), obj.kind
        rotations = traj.poses[:, :3, :3]
        identity = np.broadcast_to(np.eye(3), rotations.shape)
        np.testing.assert_allclose(rotations @ rotations.transpose(0, 2, 1), identity, atol=1e-9)
        headings = np.unwrap(np.arctan2(rotations[:, 1, 2], rotations[:, 0, 2]))
        assert abs(headings[-1] - headings[0]) > 2 * np.pi * 0.9  # turns (about) all the way round
        assert np.all(np.diff(traj.color_timestamps_us) > 0.9 * cfg.frame_interval_us)
        assert np.all(traj.depth_timestamps_us >= traj.color_timestamps_us)


def test_look_pose_uses_scannet_camera_axes():
    pose = look_pose(np.array([1.0, 2.0, 1.5]), yaw_rad=0.0, pitch_rad=0.0)
    np.testing.assert_allclose(pose[:3, 2], [1, 0, 0], atol=1e-12)  # z forward
    np.testing.assert_allclose(pose[:3, 0], [0, -1, 0], atol=1e-12)  # x right (facing +x, right is -y)
    np.testing.assert_allclose(pose[:3, 1], [0, 0, -1], atol=1e-12)  # y down
    np.testing.assert_allclose(pose[:3, 3], [1, 2, 1.5])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(frame_interval_us=10), "frame_interval_us must be >= 1000"),
        (dict(height_m=(1.0, 3.0)), r"height_m must be \(min, max\) within \[0.5, 2.2\] m"),
        (dict(clearance_m=0.05), r"clearance_m must be in \[0.1, 0.6\] m"),
        (dict(turns=(2.0, 1.0)), r"turns must be \(min, max\) with 0 < min <= max"),
        (dict(wall_clearance_m=0.2), r"wall_clearance_m must be in \[clearance_m, 1.5\] m"),
    ],
)
def test_trajectory_config_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        TrajectoryConfig(**changes)


def test_generate_trajectory_needs_frames(layouts):
    with pytest.raises(ValueError, match="n_frames must be >= 1"):
        generate_trajectory(layouts[0][0], 0, np.random.default_rng(0))


# ------------------------------------------------------------------------------------------ render
def test_camera_intrinsics_and_errors():
    cam = Camera.scannet_like(640, 480)
    assert cam.fx == pytest.approx(1170.187988 * 640 / 1296) and cam.fx == cam.fy
    assert (cam.cx, cam.cy) == (319.5, 239.5)
    small = cam.downscaled(2)
    np.testing.assert_allclose(small.ray_directions().reshape(240, 320, 3),
                               cam.ray_directions().reshape(480, 640, 3)[::2, ::2])
    with pytest.raises(ValueError, match="camera size must be positive"):
        Camera(0, 10, 1, 1, 0, 0)
    with pytest.raises(ValueError, match="focal lengths must be > 0"):
        Camera(10, 10, 0, 1, 0, 0)
    with pytest.raises(ValueError, match="cannot downscale a 640 x 480 camera by 7"):
        cam.downscaled(7)


def test_renderer_on_a_known_wall():
    from vsi100k.synth.render import MeshRenderer

    # a 4 x 4 m wall at x = 2, facing a camera at the origin looking along +x
    vertices = np.array([[2, -2, -2], [2, 2, -2], [2, 2, 2], [2, -2, 2]], dtype=float)
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    colors = np.full((4, 3), 200, np.uint8)
    renderer = MeshRenderer(vertices, faces, colors, np.array([7, 7]))
    color_cam = Camera.scannet_like(64, 48)
    pose = look_pose(np.zeros(3), 0.0, 0.0)
    (frame,) = list(renderer.render(pose[None], color_cam, color_cam.downscaled(2)))
    assert np.all(frame.depth_mm == 2000)  # z-depth, not ray length
    assert frame.label_pixels == {7: 64 * 48}
    assert frame.color[24, 32].tolist() == [200, 200, 200]  # head-on: full light
    assert frame.color[0, 0, 0] < 200  # oblique rays are darker
    (missed,) = list(renderer.render(look_pose(np.zeros(3), np.pi, 0.0)[None], color_cam, color_cam.downscaled(2)))
    assert missed.label_pixels == {} and np.all(missed.depth_mm == 0) and np.all(missed.color == 0)
    with pytest.raises(ValueError, match="face_labels has 1 entries for 2 faces"):
        MeshRenderer(vertices, faces, colors, np.array([1]))


# ------------------------------------------------------------------------- written scans and truth
def test_scans_load_and_truth_matches_the_aggregation(rendered_root):
    from vsi100k.scannet import load_scene

    dirs = _scene_dirs(rendered_root)
    assert len(dirs) == 6
    faults = 0
    for scene_dir in dirs:
        scene = load_scene(scene_dir)
        truth = read_truth(scene_dir)
        assert truth.scene_id == scene.scene_id == scene_dir.name
        # dedupe by segment set, as for ScanNet's scene0217_00
        seen, kept = set(), []
        for group in scene.seg_groups:
            key = frozenset(group.segments)
            if key not in seen:
                seen.add(key)
                kept.append(group)
        assert len(scene.seg_groups) - len(kept) == truth.duplicated_seg_groups
        faults += truth.duplicated_seg_groups > 0
        assert [g.label for g in kept] == [o.raw_label for o in truth.objects]
        assert [o.instance_id for o in truth.objects] == list(range(1, len(kept) + 1))
        counts = Counter(category_of(g.label) for g in kept if category_of(g.label) is not None)
        assert dict(sorted(counts.items())) == truth.counts
        aligned = scene.aligned_vertices()
        for group, obj in zip(kept, truth.objects):
            mask = np.isin(scene.seg_indices, group.segments)
            assert mask.sum() == obj.vertex_count
            np.testing.assert_allclose(aligned[mask].min(axis=0), obj.aabb_min, atol=2e-4)
            np.testing.assert_allclose(aligned[mask].max(axis=0), obj.aabb_max, atol=2e-4)
        assert truth.n_vertices == len(scene.vertices)
        assert 50_000 <= truth.n_vertices <= 150_000
        np.testing.assert_allclose(scene.axis_alignment, truth.axis_alignment, atol=1e-12)
        # raw coordinates are rotated and shifted; aligned ones put the floor at z = 0
        assert not np.allclose(scene.vertices[:, :2], aligned[:, :2], atol=0.1)
        assert aligned[:, 2].min() == pytest.approx(0.0, abs=1e-4)
        assert aligned[:, 2].max() == pytest.approx(truth.wall_height_m, abs=1e-4)
    assert faults >= 1


def test_truth_distances_are_exact_and_stored(rendered_root):
    for scene_dir in _scene_dirs(rendered_root)[:3]:
        truth = read_truth(scene_dir)
        ids = [o.instance_id for o in truth.objects]
        assert set(truth.distances_m) == {(a, b) for a in ids for b in ids if a < b}
        for (a, b), d in list(truth.distances_m.items())[::7]:
            assert truth.min_distance_m(a, b) == pytest.approx(d, abs=1e-12)
        furniture = [o for o in truth.objects if o.kind not in STRUCTURE]
        for i, a in enumerate(furniture):
            for b in furniture[:i]:
                if a.support_instance_id == b.instance_id or b.support_instance_id == a.instance_id:
                    assert truth.min_distance_m(a.instance_id, b.instance_id) == pytest.approx(0.0, abs=1e-9)
                else:
                    assert truth.min_distance_m(a.instance_id, b.instance_id) >= LayoutConfig().min_gap_m - 1e-9


def test_truth_of_objects_is_consistent(rendered_root):
    for scene_dir in _scene_dirs(rendered_root):
        truth = read_truth(scene_dir)
        polygon = np.asarray(truth.floor_polygon)
        for obj in truth.objects:
            corners = np.concatenate([p.corners() for p in obj.parts])
            np.testing.assert_allclose(corners.min(axis=0), obj.aabb_min, atol=1e-9)
            np.testing.assert_allclose(corners.max(axis=0), obj.aabb_max, atol=1e-9)
            assert obj.size_m == pytest.approx(max(obj.size_xyz_m))
            assert obj.category == CATEGORY_OF_RAW_LABEL[obj.raw_label]
            if obj.kind in STRUCTURE:
                continue
            # the yaw box holds every part: its corners in the object's frame stay within size / 2
            rot = YawBox(tuple(obj.center), tuple(obj.size_xyz_m), obj.yaw_rad).rotation()
            local = (corners - obj.center) @ rot
            assert np.all(np.abs(local) <= np.asarray(obj.size_xyz_m) / 2 + 1e-9)
            np.testing.assert_allclose(np.abs(local).max(axis=0), np.asarray(obj.size_xyz_m) / 2, atol=1e-9)
            assert np.all(obj.aabb_min[:2] > polygon.min(axis=0)) and np.all(obj.aabb_max[:2] < polygon.max(axis=0))


def test_rendered_frames_agree_with_the_mesh(rendered_root):
    from vsi100k.scannet import SensReader, load_scene

    scene_dir = _scene_dirs(rendered_root)[0]
    scene = load_scene(scene_dir)
    truth = read_truth(scene_dir)
    tree = cKDTree(scene.aligned_vertices())
    with SensReader(scene.sens_path, scene.scene_id) as sens:
        header = sens.header
        assert (header.color_width, header.color_height, header.depth_width, header.depth_height) == (320, 240, 160, 120)
        assert header.depth_shift == 1000.0 and sens.num_frames == 24
        assert header.color_intrinsic[0, 0] == pytest.approx(1170.187988 * 320 / 1296, rel=1e-6)
        fx, fy, cx, cy = (header.depth_intrinsic[0, 0], header.depth_intrinsic[1, 1], header.depth_intrinsic[0, 2],
                          header.depth_intrinsic[1, 2])
        stamps = [sens.timestamps_us(i)[0] for i in range(sens.num_frames)]
        np.testing.assert_allclose(np.asarray(stamps) / 1e6, truth.frame_times_s)
        assert np.all(np.diff(stamps) > 0) and abs(np.mean(np.diff(stamps)) - 41_667) < 2_000
        for i in (0, 11, 23):
            color, depth = sens.color(i), sens.depth(i)
            assert color.shape == (240, 320, 3) and depth.shape == (120, 160) and depth.dtype == np.uint16
            assert (depth > 0).mean() > 0.99  # a closed room: every ray hits something
            v, u = np.nonzero(depth)
            z = depth[v, u] / 1000.0
            camera_points = np.stack([(u - cx) / fx * z, (v - cy) / fy * z, z], axis=1)
            pose_aligned = scene.axis_alignment @ sens.pose(i)  # poses are stored in the raw frame
            world = camera_points @ pose_aligned[:3, :3].T + pose_aligned[:3, 3]
            gaps = tree.query(world[::37])[0]
            assert np.percentile(gaps, 99) < 0.08  # depth lands on the surfaces (grid spacing ~3-5 cm)
            assert sum(truth.frame_instance_pixels[i].values()) <= 320 * 240


def test_most_objects_are_seen(rendered_root):
    seen = total = 0
    for scene_dir in _scene_dirs(rendered_root):
        truth = read_truth(scene_dir)
        assert truth.instance_pixels_size == (320, 240) and len(truth.frame_instance_pixels) == 24
        ids = {o.instance_id for o in truth.objects}
        visible = truth.visible_instances()
        assert visible <= ids
        furniture = [o for o in truth.objects if o.kind not in STRUCTURE]
        total += len(furniture)
        seen += sum(1 for o in furniture if o.instance_id in visible)
    assert seen / total >= 0.8


def test_rescans_split_lists_and_label_table(rendered_root, tmp_path):
    from vsi100k.scannet import read_label_table, read_split_lists

    cfg = SynthConfig()
    plans = plan_scans(40, 3, cfg)
    assert plans[:6] == plan_scans(6, 3, cfg)  # a longer run starts with the same scenes
    assert [p.scan for p in plans].count(1) >= 3  # some rooms scanned twice
    for before, plan in zip(plans, plans[1:]):
        assert plan.room == before.room + (plan.scan == 0)
    splits = read_split_lists(rendered_root)
    names = [p.name for p in _scene_dirs(rendered_root)]
    assert sorted(splits) == names
    by_room = {}
    for scene_id, split in splits.items():
        assert by_room.setdefault(scene_id.split("_")[0], split) == split  # a room never straddles splits
    table = read_label_table(rendered_root / "scannetv2-labels.combined.tsv")
    used = {o.raw_label for p in _scene_dirs(rendered_root) for o in read_truth(p).objects}
    assert {raw for raw in used if LABELS[raw].in_label_table} == set(table.rows)
    # a rescan is the same room: same objects and floor, a different scan
    rescan = next(p for p in plans if p.scan == 1)
    root = tmp_path / "rescan"
    generate_scenes(root, rescan.index + 1, seed=3, render=False)
    first, second = read_truth(root / f"scene{rescan.room:04d}_00"), read_truth(root / rescan.scene_id)
    assert first.floor_polygon == second.floor_polygon
    assert sorted(o.raw_label for o in first.objects if o.kind not in STRUCTURE) == sorted(
        o.raw_label for o in second.objects if o.kind not in STRUCTURE)
    assert first.n_vertices != second.n_vertices
    assert not np.allclose(first.axis_alignment, second.axis_alignment)


def test_duplicate_fault_repeats_seg_groups(tmp_path):
    from vsi100k.scannet import load_scene

    dirs = generate_scenes(tmp_path, 2, seed=8, render=False, duplicate_fault_rate=1.0)
    for scene_dir in dirs:
        scene, truth = load_scene(scene_dir), read_truth(scene_dir)
        groups = scene.seg_groups
        n_real = len(truth.objects)
        repeated = groups[n_real:]
        assert len(repeated) == truth.duplicated_seg_groups > 0
        # the copies repeat the groups from some objectId on, in order, with new ids
        start = n_real - len(repeated)
        assert [(g.segments, g.label) for g in repeated] == [(g.segments, g.label) for g in groups[start:n_real]]
        assert [g.object_id for g in groups] == list(range(len(groups)))
        assert len({frozenset(g.segments) for g in groups}) == n_real


def test_same_seed_writes_identical_bytes(tmp_path):
    cfg = SynthConfig(n_frames=3, duplicate_fault_rate=0.5, **SMALL_RENDER)
    generate_scenes(tmp_path / "a", 2, seed=5, config=cfg)
    generate_scenes(tmp_path / "b", 2, seed=5, config=cfg)
    generate_scenes(tmp_path / "c", 2, seed=6, config=cfg)
    a, b, c = _files(tmp_path / "a"), _files(tmp_path / "b"), _files(tmp_path / "c")
    assert len(a) == 2 * 6 + 3  # ply, segs, aggregation, txt, sens, truth per scene + tsv and 2 lists
    assert a == b
    assert a["scene0000_00/scene0000_00_vh_clean_2.ply"] != c.get("scene0000_00/scene0000_00_vh_clean_2.ply")


def test_no_render_writes_no_sens(tmp_path):
    (scene_dir,) = generate_scenes(tmp_path, 1, seed=0, render=False)
    truth = read_truth(scene_dir)
    assert not list(scene_dir.glob("*.sens"))
    assert truth.frame_instance_pixels == [] and truth.instance_pixels_size == (0, 0)
    meta = dict(line.split(" = ", 1) for line in (scene_dir / f"{scene_dir.name}.txt").read_text().splitlines())
    assert meta["numColorFrames"] == "0" and meta["sceneType"] == truth.scene_type


# --------------------------------------------------------------------------------- truth file errors
def test_read_truth_errors(tmp_path, rendered_root):
    scene_dir = tmp_path / "scene0999_00"
    scene_dir.mkdir()
    with pytest.raises(SceneError, match=r"scene0999_00: scene0999_00.truth.json: file not found"):
        read_truth(scene_dir)
    truth_path(scene_dir).write_text("{not json")
    with pytest.raises(SceneError, match=r"scene0999_00.truth.json: invalid JSON"):
        read_truth(scene_dir)
    truth_path(scene_dir).write_text(json.dumps({"version": 99}))
    with pytest.raises(SceneError, match=r"truth version 99 is not 1; regenerate with `vsi100k synth`"):
        read_truth(scene_dir)
    truth_path(scene_dir).write_text(json.dumps({"version": 1, "scene_id": "scene0999_00"}))
    with pytest.raises(SceneError, match=r"malformed truth file \(KeyError"):
        read_truth(scene_dir)
    good = read_truth(_scene_dirs(rendered_root)[0])
    with pytest.raises(ValueError, match="truth belongs in a folder named"):
        write_truth(scene_dir, good)
    with pytest.raises(KeyError, match="no object with instance id 9999"):
        good.object(9999)


def test_box_set_distance_needs_boxes():
    with pytest.raises(ValueError, match="box_set_distance needs at least one box on each side"):
        box_set_distance([], [YawBox((0, 0, 0), (1, 1, 1), 0.0)])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (dict(n_frames=0), "n_frames must be >= 1"),
        (dict(color_size=(4, 4)), "color_size must be at least 8 x 8 pixels"),
        (dict(depth_size=(300, 100)), "must share an aspect ratio"),
        (dict(jpeg_quality=100), r"jpeg_quality must be in \[1, 95\]"),
        (dict(duplicate_fault_rate=2.0), r"duplicate_fault_rate must be in \[0, 1\]"),
        (dict(val_every=1), "val_every must be >= 2"),
    ],
)
def test_synth_config_errors(changes, message):
    with pytest.raises(ValueError, match=message):
        SynthConfig(**changes)


def test_generate_scenes_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="n_scenes must be >= 1"):
        generate_scenes(tmp_path, 0, seed=0)
    with pytest.raises(ValueError, match="seed must be >= 0"):
        generate_scenes(tmp_path, 1, seed=-1)


# --------------------------------------------------------------------------------------------- CLI
def test_cli_writes_scans(tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    out = tmp_path / "cli"
    result = CliRunner().invoke(app, ["synth", "--out", str(out), "--scenes", "2", "--seed", "4", "--frames", "2",
                                      "--duplicate-fault"])
    assert result.exit_code == 0, result.output
    assert "synth: 2 scans" in result.output
    assert [p.name for p in _scene_dirs(out)] == [p.scene_id for p in plan_scans(2, 4, SynthConfig())]
    from vsi100k.scannet import SensReader

    scene_dir = _scene_dirs(out)[0]
    with SensReader(scene_dir / f"{scene_dir.name}.sens", scene_dir.name) as sens:
        assert sens.num_frames == 2 and sens.header.color_width == 640 and sens.header.depth_width == 320
    result = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "none"), "--scenes", "1", "--no-render"])
    assert result.exit_code == 0 and not list((tmp_path / "none").rglob("*.sens"))
