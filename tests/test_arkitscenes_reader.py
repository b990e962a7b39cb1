"""ARKitScenes reader against the ARKitScenes writers: exact round trips (boxes, labels, vertices),
byte-identical synthetic videos, split csv and fold folders, the label map, the source registry,
and a named error for every kind of bad input."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from vsi100k.arkitscenes import (
    ARKIT_CLASSES, ArkitFiles, arkitscenes_vocabulary, find_scans, load_scan, read_split_lists, read_visits,
    write_annotation, write_split_csv,
)
from vsi100k.errors import ConfigError, SceneError
from vsi100k.geometry.box import Box
from vsi100k.scannetpp.writer import write_mesh
from vsi100k.synth import SynthConfig
from vsi100k.synth.arkitscenes_writer import (
    arkitscenes_video_id, arkitscenes_visit_id, generate_arkitscenes_scenes,
)
from vsi100k.synth.boxes import yaw_rotation

FAST = SynthConfig(render=False, rescan_probability=0.5)
IDS = [arkitscenes_video_id(13, k) for k in range(5)]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """Five synthetic ARKitScenes videos (no frames) in the 3DOD release layout."""
    root = tmp_path_factory.mktemp("arkitscenes")
    generate_arkitscenes_scenes(root, 5, seed=13, config=FAST)
    return root


def folder_of(release: Path, index: int) -> Path:
    return next(p for p in find_scans(release) if p.name == IDS[index])


def copy_scene(release: Path, tmp_path: Path, index: int = 0) -> Path:
    source = folder_of(release, index)
    return Path(shutil.copytree(source, tmp_path / source.name))


def tiny_scene(folder: Path) -> tuple[np.ndarray, list[Box]]:
    """Six vertices, a big box (table) and a small rotated box inside it (tv_monitor)."""
    vertices = np.array([[0, 0, 0], [0.1, 0.1, 0.1], [0.9, 0.9, 0.9], [3, 3, 3], [0.5, 0.5, 0.5], [1.0, 0, 0]],
                        dtype=np.float32)
    colors = (np.arange(18, dtype=np.uint8).reshape(6, 3) * 11)
    faces = np.array([[0, 1, 2], [2, 3, 4], [3, 4, 5]], dtype=np.int32)
    big = Box(np.array([0.5, 0.5, 0.5]), np.array([1.0, 1.0, 1.0]), np.eye(3))
    small = Box(np.array([0.5, 0.5, 0.5]), np.array([0.3, 0.2, 0.25]), yaw_rotation(0.3))
    files = ArkitFiles(folder)
    write_mesh(files.mesh, vertices, colors, faces)
    write_annotation(files.annotation, [("u-big", "table", big), ("u-small", "tv_monitor", small)])
    return vertices, [big, small]


def test_writer_and_reader_round_trip_exactly(tmp_path):
    folder = tmp_path / "41254925"
    vertices, boxes = tiny_scene(folder)
    scene = load_scan(folder)
    assert scene.scene_id == "41254925"
    assert np.array_equal(scene.vertices, vertices) and scene.vertices.dtype == np.float32
    assert np.array_equal(scene.colors[:, :3], np.arange(18, dtype=np.uint8).reshape(6, 3) * 11)
    assert np.array_equal(scene.axis_alignment, np.eye(4))
    assert scene.video_path is None and scene.sens_path is None
    # box k is segment k + 1; vertex 4 lies in both boxes and goes to the smaller; vertex 5 is on
    # the big box's surface (inside); vertex 3 is in none
    assert scene.seg_indices.tolist() == [1, 1, 1, 0, 2, 1]
    assert [(g.object_id, g.segments, g.label) for g in scene.seg_groups] == [(0, (1,), "table"), (1, (2,), "tv_monitor")]
    assert [(o.instance_id, o.label, o.vertex_indices.tolist()) for o in scene.objects] == [
        (1, "table", [0, 1, 2, 5]), (2, "tv_monitor", [4])]
    assert sorted(scene.annotated_boxes) == [0, 1]
    for k, box in enumerate(boxes):
        got = scene.annotated_boxes[k]
        assert np.array_equal(got.center, box.center) and np.array_equal(got.extent, box.extent)
        assert np.array_equal(got.rotation, box.rotation)


def test_annotation_axes_are_rows_of_normalized_axes(tmp_path):
    folder = tmp_path / "40753679"
    tiny_scene(folder)
    record = json.loads(ArkitFiles(folder).annotation.read_text())["data"][1]["segments"]["obbAligned"]
    axes = np.asarray(record["normalizedAxes"]).reshape(3, 3)
    # the first row is the box's first axis: yaw 0.3 about +z
    assert axes[0] == pytest.approx([np.cos(0.3), np.sin(0.3), 0.0]) and record["axesLengths"] == [0.3, 0.2, 0.25]


def test_mesh_without_colours_is_grey(tmp_path):
    from vsi100k.arkitscenes.reader import NO_COLOR_GREY

    folder = tmp_path / "40753686"
    tiny_scene(folder)
    mesh = ArkitFiles(folder).mesh
    header = ("ply\nformat binary_little_endian 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
              "property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n").encode()
    body = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], dtype="<f4").tobytes() + bytes([3]) + np.array([0, 1, 2], "<i4").tobytes()
    mesh.write_bytes(header + body)
    scene = load_scan(folder)
    assert scene.colors.tolist() == [list(NO_COLOR_GREY)] * 3


def test_synthetic_videos_round_trip_against_their_truth(release):
    from vsi100k.synth import read_truth

    folders = find_scans(release)
    assert sorted(f.name for f in folders) == sorted(IDS) and [f.name for f in folders] == sorted(IDS)
    for folder in folders:
        scene = load_scan(folder)
        truth = read_truth(folder)
        assert len(scene.vertices) == truth.n_vertices
        assert [o.instance_id for o in scene.objects] == [o.instance_id for o in truth.objects]
        for obj in scene.objects:
            expected = truth.object(obj.instance_id)
            assert obj.label == expected.raw_label and obj.label in ARKIT_CLASSES
            box = scene.annotated_boxes[obj.object_id]
            assert np.array_equal(box.center, expected.center) and np.array_equal(box.extent, expected.size_xyz_m)
            assert np.allclose(box.rotation, yaw_rotation(expected.yaw_rad), atol=1e-15)
            # every vertex the reader gives the object lies in its box
            local = (scene.vertices[obj.vertex_indices].astype(np.float64) - box.center) @ box.rotation
            assert np.all(np.abs(local) <= box.extent / 2 + 2e-4)
        assert scene.objects, folder


def test_same_seed_writes_identical_bytes(release, tmp_path):
    again = tmp_path / "again"
    generate_arkitscenes_scenes(again, 2, seed=13, config=FAST)

    def digests(root: Path) -> dict[str, str]:
        return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for name in IDS[:2] for p in sorted(root.rglob(f"{name}/*")) if p.is_file()}

    first, second = digests(release), digests(again)
    assert len(first) == 2 * 3 and first == second


def test_split_csv_and_fold_folders(release):
    from vsi100k.synth.writer import plan_scans, split_of_room

    plans = plan_scans(5, 13, FAST)
    expected = {IDS[p.index]: ("validation" if split_of_room(p.room, FAST) == "val" else "train") for p in plans}
    assert read_split_lists(release) == expected
    assert read_visits(release) == {IDS[p.index]: arkitscenes_visit_id(13, p.room) for p in plans}
    assert len({p.room for p in plans}) < 5  # some room is filmed twice: its videos share a visit
    for folder in find_scans(release):
        assert folder.parent.name == {"train": "Training", "validation": "Validation"}[expected[folder.name]]
    lines = (release / "3dod_train_val_splits.csv").read_text().splitlines()
    assert lines[0] == "video_id,visit_id,fold" and len(lines) == 6


def test_fold_folder_saying_validation_wins_over_the_csv(tmp_path):
    folder = tmp_path / "3dod" / "Validation" / "41000001"
    tiny_scene(folder)
    write_split_csv(tmp_path / "3dod_train_val_splits.csv", [("41000001", None, "train"), ("41000002", "400", "train")])
    assert read_split_lists(tmp_path) == {"41000001": "validation", "41000002": "train"}
    assert read_visits(tmp_path) == {"41000002": "400"}


def test_malformed_split_csv(tmp_path):
    (tmp_path / "3dod_train_val_splits.csv").write_text("video_id,fold\n1,Training\n")
    with pytest.raises(ConfigError, match=r"3dod_train_val_splits.csv: split csv lacks the column\(s\) visit_id"):
        read_split_lists(tmp_path)
    (tmp_path / "3dod_train_val_splits.csv").write_text("video_id,visit_id,fold\n1,NA,Test\n")
    with pytest.raises(ConfigError, match=r"line 2: fold 'Test' is not one of Training, Validation"):
        read_split_lists(tmp_path)


def test_unreadable_split_csv_and_empty_video_id_are_named(tmp_path):
    from vsi100k.arkitscenes.splits import read_split_csv

    csv_path = tmp_path / "3dod_train_val_splits.csv"
    csv_path.write_text("video_id,visit_id,fold\n41000001,NA,Training\n ,400,Validation\n")
    with pytest.raises(ConfigError, match=r"3dod_train_val_splits\.csv: line 3: empty video_id$"):
        read_split_lists(tmp_path)
    csv_path.write_bytes(b"video_id,visit_id,fold\n41000001,NA,Training\n4100\xff0002,NA,Training\n")
    with pytest.raises(ConfigError, match=r"3dod_train_val_splits\.csv: split csv is not UTF-8 text \(byte \d+\)$"):
        read_split_lists(tmp_path)
    with pytest.raises(ConfigError, match=rf"^{tmp_path}: cannot read the split csv \(Is a directory\)$"):
        read_split_csv(tmp_path)
    csv_path.write_bytes(b"\xef\xbb\xbfvideo_id,visit_id,fold\n41000001,7,Validation\n")  # a byte-order mark
    assert read_split_csv(csv_path) == [("41000001", "7", "validation")]


def test_every_release_class_is_known_to_the_label_map():
    """No class of the release falls through as unknown: each is mapped to a category or excluded."""
    from vsi100k.facts.vocabulary import normalize_label

    vocabulary = arkitscenes_vocabulary()
    assert len(set(ARKIT_CLASSES)) == 17
    unknown = [c for c in ARKIT_CLASSES if normalize_label(c) not in set(vocabulary.synonyms) | vocabulary.excluded]
    assert unknown == []
    assert sorted(c for c in ARKIT_CLASSES if normalize_label(c) in vocabulary.excluded) == ["cabinet", "shelf", "stool"]


def test_stream_paths_are_those_of_the_frames_folder(tmp_path):
    from vsi100k.arkitscenes.files import LowresWideFiles

    files = ArkitFiles(tmp_path / "41000001")
    frames_dir = tmp_path / "41000001" / "41000001_frames"
    assert files.stream == LowresWideFiles(frames_dir)
    assert (files.images_dir, files.intrinsics_dir, files.traj) == (
        frames_dir / "lowres_wide", frames_dir / "lowres_wide_intrinsics", frames_dir / "lowres_wide.traj")


def test_label_map_follows_the_project_vocabulary():
    vocabulary = arkitscenes_vocabulary()
    assert {c: vocabulary.category_for(c) for c in ARKIT_CLASSES} == {
        "cabinet": None, "refrigerator": "refrigerator", "shelf": None, "stove": "stove", "bed": "bed",
        "sink": "sink", "washer": "washing machine", "toilet": "toilet", "bathtub": "bathtub", "oven": "oven",
        "dishwasher": "dishwasher", "fireplace": "fireplace", "stool": None, "chair": "chair", "table": "table",
        "tv_monitor": "tv", "sofa": "sofa"}
    from vsi100k.facts.vocabulary import default_vocabulary

    assert set(vocabulary.categories) - set(default_vocabulary().categories) == {"fireplace"}


# ---- the source registry -------------------------------------------------------------------


def test_registry_detects_arkitscenes_beside_scannet(release, tmp_path):
    from vsi100k.sources import find_scans as find_all, get_source, scene_rooms, source_of
    from vsi100k.synth import generate_scenes

    mixed = tmp_path / "mixed"
    generate_scenes(mixed, 1, seed=1, render=False)
    shutil.copytree(release / "3dod", mixed / "3dod")
    shutil.copy(release / "3dod_train_val_splits.csv", mixed)
    found = find_all(mixed)
    assert sorted((s.name, p.name) for s, p in found) == sorted(
        [("arkitscenes", name) for name in IDS] + [("scannet", "scene0000_00")])
    assert [p.name for _, p in find_all(mixed, ("arkitscenes",))] == sorted(IDS)
    video = folder_of(mixed, 0)
    assert source_of(video).name == "arkitscenes"
    assert [p.name for p in get_source("arkitscenes").facts_inputs(video)] == [
        f"{IDS[0]}_3dod_mesh.ply", f"{IDS[0]}_3dod_annotation.json"]
    assert scene_rooms(mixed) == {name: f"visit {visit}" for name, visit in read_visits(release).items()}


# ---- bad input, one named error each ---------------------------------------------------------


def test_missing_annotation_file(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ArkitFiles(folder).annotation.unlink()
    with pytest.raises(SceneError, match=rf"^{folder.name}: {folder.name}_3dod_annotation.json: annotation file not found"):
        load_scan(folder)


def test_truncated_mesh(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    mesh = ArkitFiles(folder).mesh
    mesh.write_bytes(mesh.read_bytes()[:2000])
    with pytest.raises(SceneError, match=rf"^{folder.name}: {folder.name}_3dod_mesh.ply: truncated vertex block"):
        load_scan(folder)


def test_missing_mesh(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ArkitFiles(folder).mesh.unlink()
    with pytest.raises(SceneError, match=rf"^{folder.name}: {folder.name}_3dod_mesh.ply: file not found"):
        load_scan(folder)


def _edit_first_box(folder: Path, change) -> None:
    path = ArkitFiles(folder).annotation
    data = json.loads(path.read_text())
    change(data["data"][0])
    path.write_text(json.dumps(data))


def test_box_with_non_orthonormal_axes(release, tmp_path):
    folder = copy_scene(release, tmp_path)

    def skew(record):
        record["segments"]["obbAligned"]["normalizedAxes"][1] += 0.2
    _edit_first_box(folder, skew)
    with pytest.raises(SceneError, match=rf"^{folder.name}: {folder.name}_3dod_annotation.json: data\[0\] \('\w+'\): "
                                         r"box axes are not orthonormal \(max deviation 0\.\d+, tolerance 0\.001\)"):
        load_scan(folder)


@pytest.mark.parametrize("change, message", [
    (lambda r: r["segments"]["obbAligned"].__setitem__("axesLengths", [1.0, 0.0, 1.0]),
     r"data\[0\] \('\w+'\): box side lengths must be > 0 metres \(got \[1\.0, 0\.0, 1\.0\]\)"),
    (lambda r: r["segments"]["obbAligned"].__setitem__("centroid", [1.0, float("nan"), 0.0]),
     r"data\[0\] \('\w+'\): box has non-finite numbers"),
    (lambda r: r["segments"]["obbAligned"].pop("centroid"),
     r"data\[0\] \('\w+'\): a box needs 3 'centroid', 9 'normalizedAxes' and 3 'axesLengths' numbers"),
    (lambda r: r.pop("segments"), r"data\[0\] \('\w+'\): no 'segments.obbAligned' box"),
    (lambda r: r.pop("label"), r"data\[0\]: no 'label' string"),
])
def test_malformed_box_records(release, tmp_path, change, message):
    folder = copy_scene(release, tmp_path)
    _edit_first_box(folder, change)
    with pytest.raises(SceneError, match=rf"^{folder.name}: {folder.name}_3dod_annotation.json: {message}"):
        load_scan(folder)


def test_box_read_from_obb_when_obb_aligned_is_absent(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    before = load_scan(folder).annotated_boxes[0]
    _edit_first_box(folder, lambda r: r["segments"].pop("obbAligned"))
    after = load_scan(folder).annotated_boxes[0]
    assert np.array_equal(before.center, after.center) and np.array_equal(before.rotation, after.rotation)


def test_annotation_that_is_not_json_or_has_no_data(release, tmp_path):
    folder = copy_scene(release, tmp_path)
    ArkitFiles(folder).annotation.write_text("{not json")
    with pytest.raises(SceneError, match=r"_3dod_annotation.json: invalid JSON"):
        load_scan(folder)
    ArkitFiles(folder).annotation.write_text('{"skipped": false}')
    with pytest.raises(SceneError, match=r"_3dod_annotation.json: expected a JSON object with a 'data' list of boxes"):
        load_scan(folder)


def test_clean_profile_only(tmp_path):
    from vsi100k.synth.writer import scan_profile

    with pytest.raises(ConfigError, match=r"realism 'scan' is not available for ARKitScenes scans; use 'clean'"):
        generate_arkitscenes_scenes(tmp_path, 1, seed=0, config=scan_profile(render=False))
