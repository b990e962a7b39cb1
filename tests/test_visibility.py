"""Per-frame visibility: ray-cast pixel counts against analytic projections, instance labelling,
axis alignment, lost poses, and first appearances attached to the facts."""

import numpy as np
import pytest

from frames_support import intrinsic
from vsi100k.errors import SceneError
from vsi100k.facts.schema import Box, ObjectFacts, SceneFacts
from vsi100k.frames.config import FramesConfig
from vsi100k.frames.sampled import SampledFrames
from vsi100k.frames.visibility import (
    Visibility, attach_visibility, camera_rays, compute_visibility, face_instances, first_appearances,
    pixel_directions, ray_grid_size, vertex_instances,
)
from vsi100k.scene import Scene, SegGroup

W = H = 200
FOCAL = 100.0


def quad(x0, x1, y0, y1, z):
    """4 vertices and 2 triangles of an axis-aligned rectangle facing the camera at depth z."""
    vertices = np.array([[x0, y0, z], [x1, y0, z], [x1, y1, z], [x0, y1, z]], dtype=np.float64)
    return vertices, np.array([[0, 1, 2], [0, 2, 3]])


def two_quad_scene(align=np.eye(4), duplicate=False):
    """Instance 1: a 1 x 1 m quad 2 m ahead; instance 2: a 0.5 x 0.5 m quad 1 m ahead on the right.

    In the camera frame (identity pose, x right, y down, z forward) the far quad covers pixel
    centres 75..124 in u and v (2,500 px); the near one u 100..149, v 75..124 (2,500 px) and hides
    u 100..124 of the far one (1,250 px). The 0.004 m shift in y keeps triangle diagonals off pixel
    centres. `align` maps raw -> aligned; the stored vertices are raw.
    """
    v1, f1 = quad(-0.5, 0.5, -0.5 + 0.004, 0.5 + 0.004, 2.0)
    v2, f2 = quad(0.0, 0.5, -0.25 + 0.002, 0.25 + 0.002, 1.0)
    vertices = np.concatenate([v1, v2])
    raw = (vertices - align[:3, 3]) @ np.linalg.inv(align[:3, :3]).T
    groups = [SegGroup(0, 0, (10,), "whiteboard"), SegGroup(1, 1, (20,), "monitor")]
    if duplicate:
        groups.insert(1, SegGroup(2, 2, (10,), "whiteboard"))
    return Scene(
        scene_id="scene0100_00", directory=None, vertices=raw.astype(np.float32),
        colors=np.full((8, 4), 255, np.uint8), faces=np.concatenate([f1, f2 + 4]).astype(np.int32),
        seg_indices=np.array([10] * 4 + [20] * 4), seg_groups=tuple(groups), axis_alignment=align,
    )


def frames_with_poses(poses, times=None):
    poses = np.asarray(poses, dtype=np.float64)
    n = len(poses)
    return SampledFrames(
        scene_id="scene0100_00", source="sens", source_name="scene0100_00.sens", total_frames=10 * n,
        indices=np.arange(n) * 10, timestamps_s=np.arange(n) * 10 / 24.0 if times is None else np.asarray(times),
        time_source="fps", jpegs=(b"",) * n, width=W, height=H, poses=poses,
        color_intrinsic=intrinsic(W, H, FOCAL), intrinsic_width=W, intrinsic_height=H,
    )


def test_pixel_counts_match_the_analytic_projection():
    vis = compute_visibility(two_quad_scene(), frames_with_poses([np.eye(4)]), FramesConfig(visibility_downscale=1))
    assert (vis.grid_width, vis.grid_height) == (200, 200)
    assert vis.instance_ids.tolist() == [1, 2]
    assert vis.pixel_counts.tolist() == [[1250, 2500]]
    assert np.allclose(vis.pixel_fractions(), [[1250 / 40000, 2500 / 40000]])


def test_reduced_resolution_scales_the_counts():
    vis = compute_visibility(two_quad_scene(), frames_with_poses([np.eye(4)]), FramesConfig(visibility_downscale=4))
    assert (vis.grid_width, vis.grid_height) == (50, 50)
    # 1/16 of the full-resolution counts, up to one row/column of cells on each edge
    assert abs(vis.pixel_counts[0, 0] - 1250 / 16) <= 2 * 25 / 4 + 2
    assert abs(vis.pixel_counts[0, 1] - 2500 / 16) <= 2 * 50 / 4 + 2


def test_axis_alignment_is_applied_to_mesh_and_pose():
    angle = np.radians(30)
    align = np.eye(4)
    align[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    align[:3, 3] = [1.0, -2.0, 0.5]
    scene = two_quad_scene(align)
    raw_pose = np.linalg.inv(align)  # aligned pose = align @ raw pose = identity
    vis = compute_visibility(scene, frames_with_poses([raw_pose]), FramesConfig(visibility_downscale=1))
    assert vis.pixel_counts.tolist() == [[1250, 2500]]
    # using the raw pose as if it were aligned would look elsewhere
    wrong = compute_visibility(two_quad_scene(align), frames_with_poses([np.eye(4)]), FramesConfig(visibility_downscale=1))
    assert wrong.pixel_counts.tolist() != [[1250, 2500]]


def test_lost_tracking_frames_see_nothing_and_turning_away_sees_nothing():
    away = np.eye(4)
    away[:3, :3] = np.diag([-1.0, 1.0, -1.0])  # looking along -z
    lost = np.full((4, 4), -np.inf)
    vis = compute_visibility(two_quad_scene(), frames_with_poses([lost, away, np.eye(4)]), FramesConfig(visibility_downscale=2))
    assert vis.valid_pose.tolist() == [False, True, True]
    assert vis.pixel_counts[0].tolist() == [0, 0] and vis.pixel_counts[1].tolist() == [0, 0]
    assert vis.pixel_counts[2].sum() > 0


def test_duplicated_seg_groups_are_dropped_like_the_facts():
    vis = compute_visibility(two_quad_scene(duplicate=True), frames_with_poses([np.eye(4)]), FramesConfig(visibility_downscale=1))
    assert vis.instance_ids.tolist() == [1, 2]
    assert vis.instance_vertex_counts.tolist() == [4, 4]
    assert vis.pixel_counts.tolist() == [[1250, 2500]]


def test_vertex_and_face_labels():
    labels, counts = vertex_instances(np.array([5, 5, 7, 9, 7, 3]), [(7,), (5, 7)])
    # vertex segments 7 are in both groups: the first group wins; counts include overlaps
    assert labels.tolist() == [2, 2, 1, 0, 1, 0]
    assert counts.tolist() == [2, 4]
    faces = np.array([[0, 1, 2], [2, 3, 4], [0, 2, 3], [1, 4, 5]])
    assert face_instances(faces, labels).tolist() == [2, 1, 2, 2]


def test_camera_rays_pass_through_cell_centres():
    k = intrinsic(4, 2, 2.0)  # cx = 1.5, cy = 0.5
    directions = pixel_directions(k, 4, 2, (2, 1))
    # cells of 2 x 2 px: centres at u = 0.5, 2.5 and v = 0.5
    assert np.allclose(directions, [[-0.5, 0.0, 1.0], [0.5, 0.0, 1.0]])
    pose = np.eye(4)
    pose[:3, :3] = [[0, 0, 1], [-1, 0, 0], [0, -1, 0]]  # camera z -> world x, camera x -> world -y
    pose[:3, 3] = [1.0, 2.0, 3.0]
    rays = camera_rays(directions, pose)
    assert np.allclose(rays[:, :3], [[1, 2, 3], [1, 2, 3]])
    assert np.allclose(rays[:, 3:], [[1.0, 0.5, 0.0], [1.0, -0.5, 0.0]])
    assert ray_grid_size(1296, 968, 4) == (324, 242)


def test_visibility_needs_a_camera():
    frames = frames_with_poses([np.eye(4)])
    no_camera = SampledFrames(**{**frames.__dict__, "poses": None})
    with pytest.raises(SceneError, match=r"scene0100_00: scene0100_00\.sens: no camera poses or intrinsics"):
        compute_visibility(two_quad_scene(), no_camera, FramesConfig())


def make_facts(objects):
    box = Box(np.zeros(3), np.ones(3), np.eye(3))
    return SceneFacts(
        scene_id="scene0100_00",
        objects=tuple(ObjectFacts(i, label, cat, n, {"oriented": box}) for i, label, cat, n in objects),
        distances_m={}, room_area_m2=10.0, room_outline=[],
    )


def hand_visibility(counts, times, vertex_counts):
    counts = np.asarray(counts)
    return Visibility(
        scene_id="scene0100_00", frame_indices=np.arange(len(counts)) * 24, timestamps_s=np.asarray(times, float),
        grid_width=10, grid_height=10, instance_ids=np.arange(1, counts.shape[1] + 1),
        instance_vertex_counts=np.asarray(vertex_counts), pixel_counts=counts, valid_pose=np.ones(len(counts), bool),
    )


def test_first_appearance_sums_instances_of_a_category_and_applies_the_threshold():
    # 100 rays per frame; threshold 0.05 = 5 rays
    facts = make_facts([(1, "chair", "chair", 10), (2, "chair", "chair", 11), (3, "lamp", "lamp", 12), (4, "wall", None, 13)])
    vis = hand_visibility(
        [[3, 0, 4, 90], [3, 2, 4, 0], [0, 0, 5, 0], [4, 3, 0, 0]], [0.0, 1.0, 2.5, 4.0], [10, 11, 12, 13]
    )
    # chair: 3 + 2 = 5 rays in frame 1 (no single chair reaches 5); lamp reaches 5 in frame 2
    assert first_appearances(vis, facts.instances_by_category(), 0.05) == {"chair": 1, "lamp": 2}
    out = attach_visibility(facts, vis, min_pixel_fraction=0.05)
    assert out.appearances.first_s == {"chair": 1.0, "lamp": 2.5}
    assert out.appearances.first_frame == {"chair": 24, "lamp": 48}
    assert out.appearances.min_pixel_fraction == 0.05 and out.appearances.n_frames == 4
    assert facts.appearances is None  # the input is unchanged
    assert type(out).from_json(out.to_json()).appearances == out.appearances  # JSON round trip
    # a higher threshold: the chairs reach 6 rays only in frame 3, the lamp never does
    assert attach_visibility(facts, vis, min_pixel_fraction=0.06).appearances.first_s == {"chair": 4.0}
    # JSON round trip of the visibility keeps every count
    assert Visibility.from_json(vis.to_json()).pixel_counts.tolist() == vis.pixel_counts.tolist()


def test_attach_refuses_facts_numbered_differently():
    facts = make_facts([(1, "chair", "chair", 10), (2, "lamp", "lamp", 12)])
    vis = hand_visibility([[5, 5]], [0.0], [10, 99])
    with pytest.raises(SceneError, match=r"scene0100_00: -: facts object 2 \(lamp, 12 vertices\) does not match"):
        attach_visibility(facts, vis)
