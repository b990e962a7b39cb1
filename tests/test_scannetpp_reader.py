"""ScanNet++ reader against the ScanNet++ writers: exact round trips, byte-identical synthetic
scans, the label map, the source registry, and a named error for every kind of bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vsi100k.errors import ConfigError, SceneError
from vsi100k.scannetpp import (
    ScanppFiles, find_scans, load_scan, read_iphone_cameras, read_split_lists, scannetpp_vocabulary, write_scan_files,
)
from vsi100k.scene import SegGroup
from vsi100k.synth import SynthConfig
from vsi100k.synth.scannetpp_writer import generate_scannetpp_scenes, scannetpp_scene_id

SMALL = SynthConfig(n_frames=24, color_size=(160, 120), depth_size=(80, 60))


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """Four rendered synthetic ScanNet++ scenes in the release layout (the fourth room is val)."""
    root = tmp_path_factory.mktemp("scannetpp")
    generate_scannetpp_scenes(root, 4, seed=11, config=SMALL)
    return root


def copy_scene(release: Path, tmp_path: Path, index: int = 0) -> Path:
    source = release / "data" / scannetpp_scene_id(11, index)
    return Path(shutil.copytree(source, tmp_path / source.name))


def tiny_arrays():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [2, 2, 2], [3, 2, 2]], dtype=np.float32) * 0.5
    colors = np.arange(18, dtype=np.uint8).reshape(6, 3) * 7
    faces = np.array([[0, 1, 2], [0, 2, 3], [3, 4, 5]], dtype=np.int32)
    seg_indices = np.array([4, 4, 4, 9, 7, 7])
    groups = (SegGroup(id=0, object_id=0, segments=(7,), label="office chair"),
              SegGroup(id=1, object_id=1, segments=(4, 9), label="ceiling lamp"))
    return vertices, colors, faces, seg_indices, groups


def test_writer_and_reader_round_trip_exactly(tmp_path):
    vertices, colors, faces, seg_indices, groups = tiny_arrays()
    folder = tmp_path / "0a1b2c3d4e"
    write_scan_files(folder, vertices=vertices, colors=colors, faces=faces, seg_indices=seg_indices, seg_groups=groups)
    scene = load_scan(folder)
    assert scene.scene_id == "0a1b2c3d4e"
    assert np.array_equal(scene.vertices, vertices) and scene.vertices.dtype == np.float32
    assert np.array_equal(scene.colors[:, :3], colors) and np.all(scene.colors[:, 3] == 255)
    assert np.array_equal(scene.faces, faces)
    assert scene.seg_indices.tolist() == [4, 4, 4, 9, 7, 7]
    assert scene.seg_groups == groups
    assert np.array_equal(scene.axis_alignment, np.eye(4))
    assert [(o.instance_id, o.label, o.vertex_indices.tolist()) for o in scene.objects] == [
        (1, "office chair", [4, 5]), (2, "ceiling lamp", [0, 1, 2, 3])]
    assert scene.video_path is None and scene.sens_path is None
    # objects without a given box get their vertices' axis-aligned box
    anno = json.loads(ScanppFiles(folder).annotation.read_text())
    assert anno["segGroups"][0]["obb"]["axesLengths"] == [0.5, 0.0, 0.0]
    assert anno["segGroups"][1]["obb"]["min"] == [0.0, 0.0, 0.0] and anno["segGroups"][1]["obb"]["max"] == [0.5, 0.5, 0.5]


def test_synthetic_scenes_round_trip_against_their_truth(release):
    from vsi100k.synth import read_truth

    folders = find_scans(release)
    assert [f.name for f in folders] == sorted(scannetpp_scene_id(11, k) for k in range(4))
    for folder in folders:
        scene = load_scan(folder)
        truth = read_truth(folder)
        assert len(scene.vertices) == truth.n_vertices
        assert scene.video_path == folder / "iphone" / "rgb.mkv"
        by_instance = {o.instance_id: o for o in truth.objects}
        assert sorted(by_instance) == [o.instance_id for o in scene.objects]
        for obj in scene.objects:
            expected = by_instance[obj.instance_id]
            assert obj.label == expected.raw_label and obj.vertex_count == expected.vertex_count
        # the mesh is stored aligned: every object's vertices lie in its truth bounds
        for obj in scene.objects:
            points = scene.vertices[obj.vertex_indices].astype(np.float64)
            lo, hi = by_instance[obj.instance_id].aabb_min, by_instance[obj.instance_id].aabb_max
            assert np.all(points >= np.asarray(lo) - 1e-4) and np.all(points <= np.asarray(hi) + 1e-4)
        cameras = read_iphone_cameras(ScanppFiles(folder).camera, folder.name)
        assert cameras.frame_indices.tolist() == list(range(24))
        assert np.allclose(cameras.timestamps_s, truth.frame_times_s, atol=1e-6)
        # camera ~1.3-1.6 m above the floor in the aligned frame; the ARKit `pose` differs from it
        assert np.all((cameras.poses[:, 2, 3] > 1.2) & (cameras.poses[:, 2, 3] < 1.7))
        raw = json.loads(ScanppFiles(folder).camera.read_text())["frame_000000"]
        assert not np.allclose(raw["pose"], raw["aligned_pose"])


def test_same_seed_writes_identical_bytes(release, tmp_path):
    again = tmp_path / "again"
    generate_scannetpp_scenes(again, 2, seed=11, config=SMALL)

    def digests(root: Path, names: list[str]) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for name in names for p in sorted((root / "data" / name).rglob("*")) if p.is_file()}

    names = [scannetpp_scene_id(11, k) for k in range(2)]
    first, second = digests(release, names), digests(again, names)
    assert len(first) == 2 * 6 and first == second


def test_split_lists_put_every_fourth_room_in_val(release):
    splits = read_split_lists(release)
    assert splits == {scannetpp_scene_id(11, k): ("validation" if k == 3 else "train") for k in range(4)}
    assert (release / "splits" / "nvs_sem_val.txt").read_text() == f"{scannetpp_scene_id(11, 3)}\n"


def test_label_map_follows_the_project_vocabulary():
    vocabulary = scannetpp_vocabulary()
    assert vocabulary.category_for("office chair") == "chair"
    assert vocabulary.category_for("Trash Can") == "trash bin"
    assert vocabulary.category_for("table lamp") == "lamp"
    assert vocabulary.category_for("mouse") == "computer mouse"
    for excluded in ("ceiling lamp", "wall", "desk", "exhaust fan", "whiteboard", "no such label"):
        assert vocabulary.category_for(excluded) is None
    from vsi100k.facts.vocabulary import default_vocabulary

    assert set(vocabulary.categories) <= set(default_vocabulary().categories)


# ---- the source registry -------------------------------------------------------------------


def test_registry_detects_each_layout(release, tmp_path):
    from vsi100k.sources import find_scans as find_all, get_source, source_of
    from vsi100k.synth import generate_scenes

    generate_scenes(tmp_path / "mixed", 2, seed=1, render=False)
    shutil.copytree(release / "data", tmp_path / "mixed" / "data")
    found = find_all(tmp_path / "mixed")
    assert [(s.name, p.name) for s, p in found] == sorted(
        [("scannetpp", scannetpp_scene_id(11, k)) for k in range(4)] + [("scannet", "scene0000_00"), ("scannet", "scene0001_00")],
        key=lambda item: item[1])
    assert source_of(tmp_path / "mixed" / "scene0000_00").name == "scannet"
    assert source_of(tmp_path / "mixed" / "data" / scannetpp_scene_id(11, 0)).name == "scannetpp"
    assert [p.name for p in get_source("scannetpp").facts_inputs(tmp_path)] == [
        "mesh_aligned_0.05.ply", "segments.json", "segments_anno.json"]


def test_registry_errors_name_the_problem(tmp_path):
    from vsi100k.sources import find_scans as find_all, get_source, source_of

    with pytest.raises(ConfigError, match=r"unknown source 'arkit'; use one of arkitscenes, scannet, scannetpp"):
        get_source("arkit")
    (tmp_path / "notes").mkdir()
    with pytest.raises(SceneError, match=r"notes: notes: not a scan folder of any known source \(arkitscenes, scannet, scannetpp\)"):
        source_of(tmp_path / "notes")
    with pytest.raises(FileNotFoundError, match=r"missing: scenes folder not found"):
        find_all(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match=r"missing: scenes folder not found"):
        find_scans(tmp_path / "missing")


# ---- bad input, one named error each ---------------------------------------------------------


def test_missing_annotation_file(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ScanppFiles(folder).annotation.unlink()
    with pytest.raises(SceneError, match=rf"^{folder.name}: segments_anno.json: file not found$"):
        load_scan(folder)


def test_missing_segments_file(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ScanppFiles(folder).segments.unlink()
    with pytest.raises(SceneError, match=rf"^{folder.name}: segments.json: file not found$"):
        load_scan(folder)


def test_truncated_mesh(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    mesh = ScanppFiles(folder).mesh
    mesh.write_bytes(mesh.read_bytes()[:2000])
    with pytest.raises(SceneError, match=rf"^{folder.name}: mesh_aligned_0.05.ply: truncated vertex block \(expected \d+ bytes, got \d+\)"):
        load_scan(folder)


def test_missing_mesh(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ScanppFiles(folder).mesh.unlink()
    with pytest.raises(SceneError, match=rf"^{folder.name}: mesh_aligned_0.05.ply: file not found$"):
        load_scan(folder)


def test_missing_pose_file(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ScanppFiles(folder).camera.unlink()
    with pytest.raises(SceneError, match=rf"^{folder.name}: pose_intrinsic_imu.json: file not found "
                                         r"\(the iPhone video needs its poses and intrinsics\)$"):
        load_scan(folder)
    with pytest.raises(SceneError, match=r"pose_intrinsic_imu.json: file not found"):
        read_iphone_cameras(ScanppFiles(folder).camera, folder.name)


def test_segments_disagree_with_the_mesh(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    path = ScanppFiles(folder).segments
    data = json.loads(path.read_text())
    data["segIndices"] = data["segIndices"][:-3]
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=r"segments.json: segIndices has \d+ entries but the mesh has \d+ vertices"):
        load_scan(folder)


def test_box_with_non_orthonormal_axes(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    path = ScanppFiles(folder).annotation
    data = json.loads(path.read_text())
    data["segGroups"][1]["obb"]["normalizedAxes"] = [1, 0, 0, 0.5, 1, 0, 0, 0, 1]
    path.write_text(json.dumps(data))
    label = data["segGroups"][1]["label"]
    with pytest.raises(SceneError, match=rf"segments_anno.json: segGroup #1 \(objectId 1, '{label}'\): obb axes are not "
                                         r"orthonormal \(max deviation 0.5\)"):
        load_scan(folder)
    data["segGroups"][1]["obb"]["normalizedAxes"] = [1, 0, 0]
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=r"obb needs 9 'normalizedAxes' and 3 'axesLengths' numbers"):
        load_scan(folder)
    data["segGroups"][1]["obb"]["normalizedAxes"] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    data["segGroups"][1]["obb"]["axesLengths"] = [1, -0.5, 1]
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=r"obb has a negative axis length"):
        load_scan(folder)
    data["segGroups"][1]["obb"]["axesLengths"] = [1, float("nan"), 1]
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=r"obb has non-finite numbers"):
        load_scan(folder)


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update({"frame_000001": {"intrinsic": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}}), r"frame_000001: no 'aligned_pose'"),
    (lambda d: d.update({"image_1": d["frame_000000"]}), r"key 'image_1' is not frame_NNNNNN"),
    (lambda d: d["frame_000002"].update({"aligned_pose": [[1, 0], [0, 1]]}), r"frame_000002: 'aligned_pose' has shape \(2, 2\), expected 4x4"),
    (lambda d: d["frame_000003"].update({"intrinsic": [[0, 0, 5], [0, 0, 5], [0, 0, 1]]}), r"frame_000003: intrinsic focal lengths must be > 0"),
    (lambda d: d["frame_000004"].update({"intrinsic": "none"}), r"frame_000004: 'intrinsic' is not a matrix of numbers"),
    (lambda d: d.clear(), r"expected a non-empty JSON object keyed frame_NNNNNN"),
])
def test_malformed_camera_file(release, tmp_path, change, message):
    folder = copy_scene(release, tmp_path)
    path = ScanppFiles(folder).camera
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=rf"^{folder.name}: pose_intrinsic_imu.json: {message}"):
        read_iphone_cameras(path, folder.name)


def test_camera_file_that_is_not_json(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ScanppFiles(folder).camera.write_text("{frame")
    with pytest.raises(SceneError, match=r"pose_intrinsic_imu.json: invalid JSON"):
        read_iphone_cameras(ScanppFiles(folder).camera, folder.name)


def test_clean_profile_only(tmp_path):
    with pytest.raises(ConfigError, match=r"realism 'scan' is not available for ScanNet\+\+ scans; use 'clean'"):
        generate_scannetpp_scenes(tmp_path, 1, seed=0, config=SynthConfig(realism="scan"))
