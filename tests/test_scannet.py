"""ScanNet reader: round trips through the project's writer, and every bad-input error."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from vsi100k.errors import SceneError
from vsi100k.scannet import (
    ScanFiles, SensFrame, SensHeader, SensReader, find_scenes, load_scene, read_label_table,
    read_split_lists, write_label_table, write_scene_files, write_sens,
)
from vsi100k.scannet.labels import write_split_list
from vsi100k.scene import SegGroup

SCENE = "scene0042_00"


def _mesh(rng: np.random.Generator, n_vertices: int = 500):
    vertices = rng.uniform(-3, 3, size=(n_vertices, 3)).astype(np.float32)
    colors = rng.integers(0, 256, size=(n_vertices, 4), dtype=np.uint8)
    faces = rng.integers(0, n_vertices, size=(2 * n_vertices, 3), dtype=np.int32)
    seg = rng.integers(0, 20, size=n_vertices).astype(np.int64)
    groups = [
        SegGroup(0, 0, (0, 1, 2), "office chair"),
        SegGroup(1, 1, (5, 7), "trashcan"),  # a v1 label, absent from the label table
        SegGroup(2, 2, (9,), "wall"),
    ]
    return vertices, colors, faces, seg, groups


def _alignment(yaw: float, shift) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    m = np.eye(4)
    m[:2, :2] = [[c, -s], [s, c]]
    m[:3, 3] = shift
    return m


@pytest.fixture
def scene_dir(tmp_path: Path) -> Path:
    rng = np.random.default_rng(3)
    vertices, colors, faces, seg, groups = _mesh(rng)
    write_scene_files(
        tmp_path / SCENE, SCENE, vertices=vertices, colors=colors, faces=faces, seg_indices=seg,
        seg_groups=groups, axis_alignment=_alignment(0.7, [1.5, -2.0, 0.1]),
        metadata={"colorWidth": "640", "colorHeight": "480", "sceneType": "Office"},
    )
    return tmp_path / SCENE


def test_round_trip_mesh_segments_groups_and_alignment(scene_dir: Path):
    rng = np.random.default_rng(3)
    vertices, colors, faces, seg, groups = _mesh(rng)
    scene = load_scene(scene_dir)
    assert scene.scene_id == SCENE and scene.room_id == "scene0042"
    np.testing.assert_array_equal(scene.vertices, vertices)
    np.testing.assert_array_equal(scene.colors, colors)
    np.testing.assert_array_equal(scene.faces, faces)
    np.testing.assert_array_equal(scene.seg_indices, seg)
    assert scene.seg_groups == tuple(groups)
    np.testing.assert_allclose(scene.axis_alignment, _alignment(0.7, [1.5, -2.0, 0.1]), atol=1e-6)
    assert scene.metadata["sceneType"] == "Office"
    aligned = scene.aligned_vertices()
    np.testing.assert_allclose(aligned[:, 2], vertices[:, 2] + 0.1, atol=1e-5)  # yaw keeps z


def test_ply_bytes_follow_scannet_layout(scene_dir: Path):
    data = ScanFiles(scene_dir, SCENE).mesh.read_bytes()
    header, _, body = data.partition(b"end_header\n")
    assert b"format binary_little_endian 1.0" in header
    assert b"property uchar alpha" in header and b"property list uchar int vertex_indices" in header
    assert len(body) == 500 * 16 + 1000 * 13


def test_missing_axis_alignment_is_identity(tmp_path: Path):
    vertices, colors, faces, seg, groups = _mesh(np.random.default_rng(0))
    write_scene_files(tmp_path / SCENE, SCENE, vertices=vertices, colors=colors, faces=faces,
                      seg_indices=seg, seg_groups=groups, axis_alignment=None)
    np.testing.assert_array_equal(load_scene(tmp_path / SCENE).axis_alignment, np.eye(4))


def test_legacy_aggregation_name_is_accepted(scene_dir: Path):
    files = ScanFiles(scene_dir, SCENE)
    files.aggregation.rename(scene_dir / f"{SCENE}_vh_clean.aggregation.json")
    assert len(load_scene(scene_dir).seg_groups) == 3


def test_find_scenes_accepts_both_layouts(tmp_path: Path):
    for name in ("scene0001_00", "scene0000_01"):
        (tmp_path / "scans" / name).mkdir(parents=True)
    (tmp_path / "scans" / "notes").mkdir()
    assert [p.name for p in find_scenes(tmp_path)] == ["scene0000_01", "scene0001_00"]
    assert [p.name for p in find_scenes(tmp_path / "scans")] == ["scene0000_01", "scene0001_00"]


def test_label_table_maps_by_raw_category_and_tolerates_unknown(tmp_path: Path):
    path = tmp_path / "scannetv2-labels.combined.tsv"
    write_label_table(path, [
        {"id": "40", "raw_category": "trash can", "category": "trash can", "nyu40class": "otherprop"},
        {"id": "40", "raw_category": "garbage bin", "category": "trash can", "nyu40class": "otherprop"},
        {"id": "2", "raw_category": "chair", "category": "chair", "nyu40class": "chair"},
    ])
    table = read_label_table(path)
    assert table.get("garbage bin")["category"] == "trash can"
    assert table.get("Trash Can")["id"] == "40"
    assert table.get("trashcan") is None


def test_split_lists(tmp_path: Path):
    write_split_list(tmp_path / "scannetv2_train.txt", ["scene0000_00", "scene0000_01"])
    write_split_list(tmp_path / "scannetv2_val.txt", ["scene0011_00"])
    assert read_split_lists(tmp_path) == {
        "scene0000_00": "train", "scene0000_01": "train", "scene0011_00": "validation",
    }


# ---- bad input: each names the scene, the file and the problem ----

def test_missing_file(scene_dir: Path):
    ScanFiles(scene_dir, SCENE).segs.unlink()
    with pytest.raises(SceneError, match=rf"{SCENE}: {SCENE}_vh_clean_2.0.010000.segs.json: file not found"):
        load_scene(scene_dir)


def test_truncated_ply(scene_dir: Path):
    mesh = ScanFiles(scene_dir, SCENE).mesh
    mesh.write_bytes(mesh.read_bytes()[:1000])
    with pytest.raises(SceneError, match=rf"{SCENE}: {SCENE}_vh_clean_2.ply: truncated vertex block"):
        load_scene(scene_dir)


def test_not_a_ply(scene_dir: Path):
    ScanFiles(scene_dir, SCENE).mesh.write_bytes(b"hello")
    with pytest.raises(SceneError, match=r"_vh_clean_2.ply: not a PLY file"):
        load_scene(scene_dir)


def test_segs_length_differs_from_vertex_count(scene_dir: Path):
    files = ScanFiles(scene_dir, SCENE)
    from vsi100k.scannet.annotations import write_segs

    write_segs(files.segs, SCENE, np.zeros(499, dtype=np.int64))
    with pytest.raises(SceneError, match=r"segs.json: segIndices has 499 entries but the mesh has 500 vertices"):
        load_scene(scene_dir)


def test_aggregation_names_unknown_segments(scene_dir: Path):
    from vsi100k.scannet.annotations import write_aggregation

    write_aggregation(ScanFiles(scene_dir, SCENE).aggregation, SCENE, [SegGroup(0, 0, (1, 999), "chair")])
    with pytest.raises(SceneError, match=rf"{SCENE}.aggregation.json: aggregation names 1 segment\(s\) absent .*999"):
        load_scene(scene_dir)


def test_aggregation_not_json(scene_dir: Path):
    ScanFiles(scene_dir, SCENE).aggregation.write_text("{nope")
    with pytest.raises(SceneError, match=r"aggregation.json: invalid JSON"):
        load_scene(scene_dir)


@pytest.mark.parametrize("text, problem", [
    ("axisAlignment = 1 0 0\n", "axisAlignment has 3 values, expected 16"),
    ("axisAlignment = 1 0 zero 0 0 1 0 0 0 0 1 0 0 0 0 1\n", "axisAlignment is not 16 numbers"),
    ("this line has no equals sign\n", "line 1 is not 'key = value'"),
])
def test_garbage_in_txt(scene_dir: Path, text: str, problem: str):
    ScanFiles(scene_dir, SCENE).meta.write_text(text)
    with pytest.raises(SceneError, match=rf"{SCENE}: {SCENE}.txt: {problem}"):
        load_scene(scene_dir)


def test_binary_txt(scene_dir: Path):
    ScanFiles(scene_dir, SCENE).meta.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SceneError, match=r"\.txt: not a text file"):
        load_scene(scene_dir)


# ---- .sens ----

def _sens_header(n: int = 0) -> SensHeader:
    k = np.array([[577.0, 0, 319.5, 0], [0, 577.0, 239.5, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    return SensHeader(color_intrinsic=k, color_extrinsic=np.eye(4), depth_intrinsic=k / 2 + np.diag([0, 0, .5, .5]),
                      depth_extrinsic=np.eye(4), color_width=64, color_height=48, depth_width=32,
                      depth_height=24, num_frames=n)


def _frames(n: int):
    rng = np.random.default_rng(5)
    out = []
    for i in range(n):
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :, 0] = 40 * i % 256
        image[10:30, 10 + i:40 + i] = (200, 120, 30)
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, format="JPEG", quality=95)
        pose = np.eye(4)
        pose[:3, 3] = rng.normal(size=3)
        out.append((image, SensFrame(pose=pose, color_jpeg=buf.getvalue(),
                                     depth=rng.integers(0, 5000, (24, 32)).astype(np.uint16),
                                     color_timestamp_us=i * 41667, depth_timestamp_us=i * 41667 + 3)))
    return out


def test_sens_round_trip(tmp_path: Path):
    frames = _frames(6)
    path = tmp_path / f"{SCENE}.sens"
    assert write_sens(path, _sens_header(), (f for _, f in frames)) == 6
    with SensReader(path, SCENE) as reader:
        assert reader.num_frames == 6
        assert (reader.header.color_width, reader.header.depth_height) == (64, 24)
        np.testing.assert_allclose(reader.header.color_intrinsic, _sens_header().color_intrinsic)
        for i in (4, 0, 5):  # random access, any order
            image, frame = frames[i]
            np.testing.assert_allclose(reader.pose(i), frame.pose, atol=1e-6)
            np.testing.assert_array_equal(reader.depth(i), frame.depth)
            assert reader.color_jpeg(i) == frame.color_jpeg
            assert np.abs(reader.color(i).astype(int) - image).mean() < 3  # JPEG tolerance
            assert reader.timestamps_us(i) == (i * 41667, i * 41667 + 3)
        with pytest.raises(IndexError, match="frame 6 outside"):
            reader.pose(6)


def test_truncated_sens(tmp_path: Path):
    path = tmp_path / f"{SCENE}.sens"
    write_sens(path, _sens_header(), (f for _, f in _frames(4)))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(SceneError, match=rf"{SCENE}: {SCENE}.sens: truncated stream: frame 3 of 4"):
        SensReader(path, SCENE)
    path.write_bytes(data[:30])
    with pytest.raises(SceneError, match=r"\.sens: truncated stream while reading the calibration matrices"):
        SensReader(path, SCENE)


def test_corrupt_sens_frame(tmp_path: Path):
    path = tmp_path / f"{SCENE}.sens"
    write_sens(path, _sens_header(), (f for _, f in _frames(2)))
    with SensReader(path, SCENE) as reader:
        depth_at = int(reader._offsets[1, 3])
    data = bytearray(path.read_bytes())
    data[depth_at:depth_at + 8] = b"\x00" * 8
    path.write_bytes(bytes(data))
    with SensReader(path, SCENE) as reader, pytest.raises(SceneError, match=r"\.sens: corrupt depth frame 1"):
        reader.depth(1)


def test_wrong_sens_version(tmp_path: Path):
    path = tmp_path / f"{SCENE}.sens"
    write_sens(path, _sens_header(), [])
    data = bytearray(path.read_bytes())
    data[0] = 3
    path.write_bytes(bytes(data))
    with pytest.raises(SceneError, match=r"unsupported .sens version 3"):
        SensReader(path, SCENE)
