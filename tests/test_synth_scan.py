"""The scan profile of the synthetic writer: shapes, damage, labels, videos, masks, and facts
measured from its noisy meshes against the exact truth."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from vsi100k.synth.boxes import YawBox, box_distance, project_onto_solid
from vsi100k.synth.catalogue import label_table_rows
from vsi100k.synth.masks import encode_mask, instance_archive_path, read_instance_masks
from vsi100k.synth.realism import ScanConfig, gravity_box_of_parts
from vsi100k.synth.truth import read_truth
from vsi100k.synth.writer import SynthConfig, generate_scenes, scan_profile

FPS = 0.25  # 15-45 frames per 1-3 minute video: enough for the checks, cheap to render


@pytest.fixture(scope="module")
def scan_dirs(tmp_path_factory) -> list[Path]:
    out = tmp_path_factory.mktemp("scan")
    cfg = scan_profile(color_size=(160, 120), depth_size=(80, 60), scan=ScanConfig(frame_rate_hz=FPS))
    return generate_scenes(out, 3, seed=3, config=cfg)


def test_rounded_distances_match_dense_sampling():
    rng = np.random.default_rng(0)
    for _ in range(12):
        def solid():
            size = rng.uniform(0.1, 0.6, 3)
            rho = rng.uniform(0, 0.5) * min(size[:2]) / 2
            r = rng.uniform(0, 0.9) * min((min(size[:2]) / 2 - rho), size[2] / 2)
            return YawBox(tuple(rng.uniform(-0.6, 0.6, 3)), tuple(size), float(rng.uniform(-3, 3)), rho, r)
        a, b = solid(), solid()
        exact = box_distance(a, b)
        # dense surface samples: the outer box grid projected onto each solid
        grid = np.stack(np.meshgrid(*[np.linspace(-0.5, 0.5, 17)] * 3, indexing="ij"), -1).reshape(-1, 3)
        shell = grid[np.abs(grid).max(axis=1) > 0.499]
        pa = project_onto_solid(shell * a.size @ a.rotation().T + a.center, a)
        pb = project_onto_solid(shell * b.size @ b.rotation().T + b.center, b)
        sampled = np.min(np.linalg.norm(pa[:, None] - pb[None], axis=2))
        if exact > 0:
            assert exact <= sampled + 1e-9
            assert sampled - exact < 0.05
        else:
            assert sampled < 0.06


def test_cylinder_and_pillow_closed_forms():
    bin_ = YawBox((0, 0, 0.3), (0.4, 0.4, 0.6), 0.7, 0.2, 0.0)  # cylinder r = 0.2
    other = YawBox((1.0, 0, 0.3), (0.4, 0.4, 0.6), 0.0, 0.2, 0.0)
    assert box_distance(bin_, other) == pytest.approx(0.6)
    pillow = YawBox((0, 0, 1.0), (0.6, 0.4, 0.16), 0.0, 0.0, 0.08)
    assert box_distance(bin_, pillow) == pytest.approx(0.92 - 0.6)  # pillow bottom at 1.0 - 0.08
    corner = YawBox((0.7, 0.7, 0.3), (0.4, 0.4, 0.6), 0.0, 0.2, 0.0)
    assert box_distance(bin_, corner) == pytest.approx(math.hypot(0.7, 0.7) - 0.4)
    center, size, _, lo, hi = gravity_box_of_parts([bin_])
    assert size == pytest.approx([0.4, 0.4, 0.6], abs=1e-5)
    assert lo == pytest.approx([-0.2, -0.2, 0.0], abs=1e-5) and hi == pytest.approx([0.2, 0.2, 0.6], abs=1e-5)


def test_projection_lands_on_the_rounded_surface():
    solid = YawBox((1, 2, 0.5), (0.5, 0.3, 0.4), 0.4, 0.05, 0.06)
    rng = np.random.default_rng(1)
    points = rng.uniform(-1, 1, (200, 3)) * 3 + np.array(solid.center)
    on = project_onto_solid(points, solid)
    probe = [YawBox(tuple(p), (0, 0, 0), 0.0) for p in on]
    assert max(box_distance(p, solid) for p in probe) < 1e-9  # on or in the solid
    # and on its boundary: pushing outwards by 1 mm leaves it
    out = on + 0.001 * (points - on) / np.linalg.norm(points - on, axis=1, keepdims=True)
    assert min(box_distance(YawBox(tuple(p), (0, 0, 0), 0.0), solid) for p in out) == pytest.approx(0.001, abs=1e-6)


def test_rounding_and_config_errors():
    with pytest.raises(ValueError, match="does not fit in a box"):
        YawBox((0, 0, 0), (0.2, 0.2, 0.2), 0.0, 0.08, 0.05)
    with pytest.raises(ValueError, match="rounding radii must be >= 0"):
        YawBox((0, 0, 0), (0.2, 0.2, 0.2), 0.0, -0.1, 0.0)
    with pytest.raises(ValueError, match="realism 'fancy' is unknown"):
        SynthConfig(realism="fancy")
    with pytest.raises(ValueError, match="noise_m must be in"):
        ScanConfig(noise_m=0.5)
    with pytest.raises(ValueError, match="frame_rate_hz must be in"):
        ScanConfig(frame_rate_hz=0.0)
    with pytest.raises(ValueError, match="duration_s must be"):
        ScanConfig(duration_s=(100.0, 50.0))
    with pytest.raises(ValueError, match="hole_radius_m must be"):
        ScanConfig(hole_radius_m=(0.1, 0.5))
    with pytest.raises(ValueError, match="holes must be"):
        ScanConfig(holes=(3, 1))
    with pytest.raises(ValueError, match="cut_probability must be in"):
        ScanConfig(cut_probability=2.0)
    with pytest.raises(ValueError, match="object_spacing_m must be in"):
        ScanConfig(object_spacing_m=0.2)
    with pytest.raises(ValueError, match="sceneX: instance ids must be in"):
        encode_mask(np.full((4, 4), 300), "sceneX")
    with pytest.raises(ValueError, match="must be \\(H, W\\)"):
        encode_mask(np.zeros(4), "sceneX")


def test_label_ids_are_unique_per_raw_label_in_the_scan_profile():
    labels = {"couch", "sofa", "trash can", "garbage bin", "table"}
    shared = {r["raw_category"]: r["id"] for r in label_table_rows(labels)}
    own = {r["raw_category"]: r["id"] for r in label_table_rows(labels, unique_ids=True)}
    assert shared["couch"] == shared["sofa"] and shared["trash can"] == shared["garbage bin"]
    assert len(set(own.values())) == len(own) == 5


def test_scan_facts_agree_with_truth_within_tolerances(scan_dirs):
    from vsi100k.facts.extract import FactsConfig, extract_facts
    from vsi100k.scannet import load_scene

    cfg = FactsConfig(box_method="gravity_aligned", distance_method="closest_points")
    n_distances = 0
    for scene_dir in scan_dirs:
        truth = read_truth(scene_dir)
        assert truth.realism == "scan"
        tol = truth.tolerances
        assert tol == {"size_m": 0.02, "distance_m": 0.02, "room_area_rel": 0.03}
        facts = extract_facts(load_scene(scene_dir), cfg)
        counts = Counter(o.category for o in facts.objects if o.category is not None)
        assert dict(sorted(counts.items())) == truth.counts
        measured = {o.instance_id: o for o in facts.objects}
        for obj in truth.objects:
            if obj.category is None:
                continue
            size = measured[obj.instance_id].boxes["gravity_aligned"].size_m
            assert abs(size - obj.size_m) <= tol["size_m"], (scene_dir.name, obj.kind, size, obj.size_m)
        for (a, b), d in facts.distances_m.items():
            assert abs(d - truth.distances_m[(a, b)]) <= tol["distance_m"], (scene_dir.name, a, b)
            n_distances += 1
        assert abs(facts.room_area_m2 / truth.floor_area_m2 - 1) <= tol["room_area_rel"]
    assert n_distances > 50


def test_scan_meshes_look_like_scans(scan_dirs):
    from vsi100k.scannet import load_scene

    rounded = outliers = unlabelled = 0
    for scene_dir in scan_dirs:
        truth = read_truth(scene_dir)
        scene = load_scene(scene_dir)
        rounded += sum(p.rounded for o in truth.objects for p in o.parts)
        grouped = {s for g in scene.seg_groups for s in g.segments}
        in_group = np.isin(scene.seg_indices, list(grouped))
        unlabelled += int((~in_group).sum())
        # outliers: ungrouped 3-vertex segments >= 0.25 m from every object (0.3 m minus noise)
        segs, sizes = np.unique(scene.seg_indices[~in_group], return_counts=True)
        parts = [p for o in truth.objects if o.kind not in ("wall", "floor", "ceiling") for p in o.parts]
        aligned = scene.aligned_vertices()
        for seg in segs[sizes == 3]:
            p = aligned[scene.seg_indices == seg].mean(axis=0)
            if min(box_distance(YawBox(tuple(p), (0, 0, 0), 0.0), q) for q in parts) > 0.25:
                outliers += 1
        # faces reference vertices that exist; holes leave fewer faces than a closed grid would
        assert scene.faces.max() < len(scene.vertices)
    assert rounded > 5
    assert unlabelled > 0
    assert outliers >= 3 * len(scan_dirs)


def test_videos_last_one_to_three_minutes(scan_dirs):
    for scene_dir in scan_dirs:
        times = read_truth(scene_dir).frame_times_s
        n = len(times)
        assert 60 * FPS - 1 <= n <= 180 * FPS + 1
        assert np.median(np.diff(times)) == pytest.approx(1 / FPS, rel=0.06)
        assert 59.0 - 1 / FPS <= times[-1] <= 180.0


def test_instance_archive_matches_a_rerender(scan_dirs):
    from vsi100k.scannet import load_scene
    from vsi100k.scannet.sens import SensReader
    from vsi100k.synth.render import Camera, MeshRenderer

    scene_dir = scan_dirs[0]
    scene = load_scene(scene_dir)
    truth = read_truth(scene_dir)
    masks = read_instance_masks(instance_archive_path(scene_dir))
    assert list(masks) == list(range(len(truth.frame_times_s)))
    assert all(m.dtype == np.uint8 and m.shape == (120, 160) for m in masks.values())
    # truth's per-frame pixel counts come from the same render
    for k, mask in masks.items():
        counts = np.bincount(mask.reshape(-1))
        assert {i: int(n) for i, n in enumerate(counts) if i > 0 and n > 0} == truth.frame_instance_pixels[k]
    # re-render from the files: PLY + segs + aggregation give face labels, .sens gives poses
    vertex_label = np.zeros(len(scene.vertices), dtype=np.int64)
    for group in scene.seg_groups:
        vertex_label[np.isin(scene.seg_indices, group.segments)] = group.object_id + 1
    faces = np.asarray(scene.faces)
    reader = SensReader(scene.sens_path, scene.scene_id)
    h = reader.header
    k_ = h.color_intrinsic
    camera = Camera(h.color_width, h.color_height, k_[0, 0], k_[1, 1], k_[0, 2], k_[1, 2])
    renderer = MeshRenderer(scene.vertices, faces, np.zeros((len(scene.vertices), 3), np.uint8),
                            vertex_label[faces[:, 0]])
    picks = list(range(0, len(masks), max(1, len(masks) // 6)))
    poses = np.stack([reader.pose(i) for i in picks])
    agree = []
    for i, frame in zip(picks, renderer.render(poses, camera, camera)):
        agree.append(np.mean(frame.labels == masks[i]))
    assert min(agree) > 0.99


def test_clean_default_is_unchanged(tmp_path):
    cfg = SynthConfig(n_frames=2, color_size=(64, 48), depth_size=(32, 24))
    assert cfg.realism == "clean"
    scene_dir = generate_scenes(tmp_path, 1, seed=0, config=cfg)[0]
    assert not instance_archive_path(scene_dir).exists()
    truth = read_truth(scene_dir)
    assert truth.realism == "clean" and truth.tolerances == {}
    assert not any(p.rounded for o in truth.objects for p in o.parts)
    assert "realism" not in (scene_dir / f"{scene_dir.name}.truth.json").read_text()


def test_cli_refuses_bad_realism_options(tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    runner = CliRunner()
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "a"), "--realism", "fancy"])
    assert result.exit_code == 2 and "Invalid value for '--realism'" in result.output and "'clean', 'scan'" in result.output
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "b"), "--fps", "3"])
    assert result.exit_code == 2 and "--scannet-size and --fps need --realism scan" in result.output
