"""Frames of rendered synthetic scans equal the writer's render at the sampled indices, and the
poses read back are the poses the writer rendered from."""

import numpy as np
import pytest

from frames_support import mean_abs_diff
from vsi100k.frames import FramesConfig, frames_and_visibility
from vsi100k.frames.visibility import deduplicated_groups, face_instances, vertex_instances
from vsi100k.scannet import load_scene


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    from vsi100k.synth import SynthConfig, generate_scenes

    cfg = SynthConfig(n_frames=40, color_size=(320, 240), depth_size=(160, 120))
    return cfg, generate_scenes(tmp_path_factory.mktemp("rendered"), 2, seed=5, config=cfg)


@pytest.mark.slow
def test_sampled_frames_and_poses_reproduce_the_render(rendered):
    from vsi100k.synth import read_truth
    from vsi100k.synth.render import MeshRenderer
    from vsi100k.synth.writer import cameras

    synth_cfg, scene_dirs = rendered
    color_camera, depth_camera = cameras(synth_cfg)
    for scene_dir in scene_dirs:
        scene = load_scene(scene_dir)
        truth = read_truth(scene_dir)
        frames, visibility = frames_and_visibility(scene, FramesConfig(n_frames=8, visibility=False))
        assert visibility is None
        assert frames.indices.tolist() == np.linspace(0, 39, 8, dtype=int).tolist()
        assert np.allclose(frames.color_intrinsic, color_camera.matrix(), atol=1e-4)
        aligned_poses = np.stack([scene.axis_alignment @ p for p in frames.poses])
        # the writer's camera walks at about 1.3-1.6 m above the floor (z = 0 in the aligned frame)
        assert np.all((aligned_poses[:, 2, 3] > 1.2) & (aligned_poses[:, 2, 3] < 1.7))
        assert np.allclose(aligned_poses[:, :3, :3] @ aligned_poses[:, :3, :3].transpose(0, 2, 1), np.eye(3), atol=1e-5)
        # re-render the scan's mesh from the poses read back, labelling pixels by instance
        groups = deduplicated_groups(scene)
        labels, _ = vertex_instances(scene.seg_indices, [g.segments for g in groups])
        renderer = MeshRenderer(scene.aligned_vertices(), scene.faces, scene.colors[:, :3],
                                face_instances(np.asarray(scene.faces), labels))
        renders = list(renderer.render(aligned_poses, color_camera, depth_camera))
        for k, index in enumerate(frames.indices):
            sampled = frames.image(k)
            assert sampled.shape == (240, 320, 3)
            assert mean_abs_diff(sampled, renders[k].color) < 3.0  # JPEG quality 90 of a flat-shaded render
            if k:
                assert mean_abs_diff(sampled, renders[k - 1].color) > 3 * mean_abs_diff(sampled, renders[k].color)
            # the writer counted, per instance, the pixels of its own render at the written pose
            written = truth.frame_instance_pixels[int(index)]
            again = renders[k].label_pixels
            changed = sum(abs(written.get(i, 0) - again.get(i, 0)) for i in set(written) | set(again))
            assert changed <= 20, (scene.scene_id, int(index), changed)  # float32 poses may move an edge pixel
        assert np.allclose(frames.timestamps_s, np.asarray(truth.frame_times_s)[frames.indices], atol=1e-6)
