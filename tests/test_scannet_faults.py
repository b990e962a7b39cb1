"""Every fault of a scan's input files is a SceneError naming the scene, the file and the problem.

Valid files come from the project's own writers; each test breaks one thing.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from vsi100k.errors import SceneError
from vsi100k.scannet import ScanFiles, SensHeader, SensReader, load_scene, write_scene_files, write_sens
from vsi100k.scannet.annotations import read_aggregation, read_segs
from vsi100k.scannet.meta import read_meta
from vsi100k.scannet.ply import read_ply, write_ply
from vsi100k.scene import SegGroup

SCENE = "scene0007_00"
HEADER = (
    b"ply\nformat binary_little_endian 1.0\nelement vertex 3\n"
    b"property float x\nproperty float y\nproperty float z\n"
    b"property uchar red\nproperty uchar green\nproperty uchar blue\nproperty uchar alpha\n"
    b"element face 1\nproperty list uchar int vertex_indices\nend_header\n"
)


def _ply_bytes(tmp_path: Path, n_faces: int = 1) -> bytes:
    path = tmp_path / "mesh.ply"
    faces = np.array([[0, 1, 2]] * n_faces, dtype=np.int32).reshape(-1, 3)
    write_ply(path, np.arange(9, dtype=np.float32).reshape(3, 3), np.zeros((3, 3), np.uint8), faces)
    return path.read_bytes()


def _read(tmp_path: Path, payload: bytes):
    path = tmp_path / f"{SCENE}_vh_clean_2.ply"
    path.write_bytes(payload)
    return read_ply(path, SCENE)


def test_the_header_written_by_the_project_reads_back(tmp_path: Path):
    data = _ply_bytes(tmp_path)
    assert data.startswith(HEADER)
    vertices, colors, faces = _read(tmp_path, data)
    assert vertices.shape == (3, 3) and faces.tolist() == [[0, 1, 2]] and colors[:, 3].tolist() == [255] * 3


@pytest.mark.parametrize("old, new, problem", [
    (b"property float y", b"property float16 y", r"header line 5: unknown property type 'float16'"),
    (b"element vertex 3", b"element vertex three", r"header line 3: element count 'three' is not a non-negative integer"),
    (b"element vertex 3", b"element vertex -3", r"element count '-3' is not a non-negative integer"),
    (b"element vertex 3", b"element vertex", r"header line 3 is not 'element <name> <count>'"),
    (b"format binary_little_endian 1.0", b"format ascii 1.0", r"PLY format 'format ascii 1.0' is not supported"),
    (b"format binary_little_endian 1.0\n", b"", r"PLY format '0 format lines' is not supported"),
    (b"property float x", b"property float", r"header line 4 is not 'property <type> <name>'"),
    (b"property list uchar int vertex_indices", b"property list uchar vertex_indices",
     r"is not 'property list <count type> <index type> <name>'"),
    (b"property list uchar int", b"property list float int", r"a list's count and index types must be integers"),
    (b"property float y", b"property float x", r"element 'vertex' repeats a property name"),
    (b"property float z\n", b"property float z\nbanana split\n", r"header line 7 is not a PLY header line: 'banana split'"),
    (b"property float x\nproperty float y\nproperty float z\n", b"property float w\n", r"vertex element has no x, y, z property"),
    (b"ply\n", b"ply\nproperty float q\n", r"property before any element"),
    (b"element face 1\nproperty list uchar int vertex_indices\n", b"element face 1\n", r"element 'face' has no properties"),
])
def test_ply_header_faults(tmp_path: Path, old: bytes, new: bytes, problem: str):
    data = _ply_bytes(tmp_path)
    assert old in data
    with pytest.raises(SceneError, match=rf"^{SCENE}: {SCENE}_vh_clean_2.ply: .*{problem}"):
        _read(tmp_path, data.replace(old, new, 1))


def test_ply_without_end_header_or_truncated_in_the_header(tmp_path: Path):
    data = _ply_bytes(tmp_path)
    for broken in (data.replace(b"end_header", b"end_hoader"), data[:40], b"ply\n" + b"comment x\n" * 8000):
        with pytest.raises(SceneError, match=r"_vh_clean_2.ply: not a PLY file or truncated header \(no 'end_header' line"):
            _read(tmp_path, broken)


def test_ply_header_with_non_ascii_bytes(tmp_path: Path):
    data = _ply_bytes(tmp_path).replace(b"property float z", b"property float \xff\xfe")
    with pytest.raises(SceneError, match=r"_vh_clean_2.ply: PLY header has non-ASCII bytes \(byte \d+\)"):
        _read(tmp_path, data)


def test_ply_with_zero_faces_or_zero_vertices(tmp_path: Path):
    with pytest.raises(SceneError, match=rf"^{SCENE}: {SCENE}_vh_clean_2.ply: mesh has no faces$"):
        _read(tmp_path, _ply_bytes(tmp_path, n_faces=0))
    path = tmp_path / "empty.ply"
    write_ply(path, np.zeros((0, 3)), np.zeros((0, 3), np.uint8), np.zeros((0, 3)))
    with pytest.raises(SceneError, match=r"empty.ply: mesh has no vertices$"):
        read_ply(path, SCENE)
    no_face_element = path.read_bytes().replace(b"element face 0\nproperty list uchar int vertex_indices\n", b"")
    with pytest.raises(SceneError, match=r"mesh has no vertices$"):
        _read(tmp_path, no_face_element)


def test_ply_huge_counts_do_not_allocate_or_loop(tmp_path: Path):
    data = _ply_bytes(tmp_path)
    with pytest.raises(SceneError, match=r"truncated vertex block \(expected 16000000000000000000000 bytes, got 61\)"):
        _read(tmp_path, data.replace(b"element vertex 3", b"element vertex 1000000000000000000000"))
    with pytest.raises(SceneError, match=r"truncated face block"):
        _read(tmp_path, data.replace(b"element face 1", b"element face 99999999999999"))


def test_ply_polygons_and_bad_polygon_sizes(tmp_path: Path):
    data = _ply_bytes(tmp_path)
    body = data[len(HEADER):]
    quad = b"\x04" + struct.pack("<4i", 0, 1, 2, 0)
    _, _, faces = _read(tmp_path, data[:len(HEADER)] + body[:48] + quad)
    assert faces.tolist() == [[0, 1, 2], [0, 2, 0]]  # fan triangulation
    signed = data.replace(b"property list uchar int", b"property list char int")
    bad = signed[:len(HEADER) - 1] + body[:48] + b"\xff" + struct.pack("<3i", 0, 1, 2)
    with pytest.raises(SceneError, match=r"negative polygon size -1"):
        _read(tmp_path, bad)
    out_of_range = data[:len(HEADER)] + body[:48] + b"\x03" + struct.pack("<3i", 0, 1, 3)
    with pytest.raises(SceneError, match=r"face indices outside \[0, 3\)"):
        _read(tmp_path, out_of_range)


def test_unreadable_files_are_scene_errors(tmp_path: Path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    with pytest.raises(SceneError, match=r"a_folder: cannot read the file"):
        read_ply(folder, SCENE)
    with pytest.raises(SceneError, match=r"a_folder: cannot read the file"):
        read_segs(folder, SCENE)
    with pytest.raises(SceneError, match=r"a_folder: cannot read the file"):
        read_meta(folder, SCENE)
    with pytest.raises(SceneError, match=r"a_folder: cannot read the file"):
        SensReader(folder, SCENE)


# ---- segs and aggregation JSON ----

@pytest.mark.parametrize("payload, problem", [
    (b'{"segIndices": [1, 2, \xff]}', r"not UTF-8 text \(undecodable byte at 22\)"),
    (b"[" * 100_000 + b"]" * 100_000, r"invalid JSON \(nested too deeply\)"),
    (b'{"segIndices": "1 2 3"}', r"'segIndices' is not a list of integers"),
    (b'{"segIndices": [1.5, 2, 3]}', r"'segIndices' is not a list of integers"),
    (b'{"segIndices": [true, false, true]}', r"'segIndices' is not a list of integers"),
    (b'{"segIndices": [1, null, 3]}', r"'segIndices' is not a list of integers"),
    (b'{"segIndices": [1, [2], 3]}', r"'segIndices' is not a flat list of integers"),
    (b'{"segIndices": [[1], [2], [3]]}', r"'segIndices' is not a flat list$"),
    (b'{"segIndices": [1, 99999999999999999999999, 3]}', r"'segIndices' is not a list of integers"),
    (b'{"segIndices": []}', r"segIndices has 0 entries but the mesh has 3 vertices"),
])
def test_segs_faults(tmp_path: Path, payload: bytes, problem: str):
    path = tmp_path / f"{SCENE}_vh_clean_2.0.010000.segs.json"
    path.write_bytes(payload)
    with pytest.raises(SceneError, match=rf"^{SCENE}: {path.name}: {problem}"):
        read_segs(path, SCENE, vertex_count=3)


@pytest.mark.parametrize("group, problem", [
    ([1, 2], r"segGroup #0 is malformed \(TypeError\('expected an object, got list'\)\)"),
    ({"id": 0, "objectId": 0, "segments": "123", "label": "chair"}, r"'segments' is not a list"),
    ({"id": 0, "objectId": 0, "segments": [1], "label": 5}, r"'label' is not a string"),
    ({"id": 1e999, "objectId": 0, "segments": [1], "label": "chair"}, r"inf is not an integer"),
    ({"id": 0, "objectId": 0, "segments": [2**64], "label": "chair"}, r"18446744073709551616 is out of the int64 range"),
    ({"id": 0, "objectId": 0.5, "segments": [1], "label": "chair"}, r"0.5 is not an integer"),
    ({"id": 0, "objectId": 0, "segments": [True], "label": "chair"}, r"True is not an integer"),
    ({"objectId": 0, "segments": [1], "label": "chair"}, r"KeyError\('id'\)"),
])
def test_aggregation_faults(tmp_path: Path, group, problem: str):
    path = tmp_path / f"{SCENE}.aggregation.json"
    path.write_text(json.dumps({"segGroups": [group]}))
    with pytest.raises(SceneError, match=rf"^{SCENE}: {path.name}: .*{problem}"):
        read_aggregation(path, SCENE)


def test_integral_floats_in_the_aggregation_are_accepted(tmp_path: Path):
    path = tmp_path / f"{SCENE}.aggregation.json"
    path.write_text(json.dumps({"segGroups": [{"id": 3.0, "objectId": 2, "segments": [4.0, 5], "label": "bed"}]}))
    assert read_aggregation(path, SCENE) == (SegGroup(3, 2, (4, 5), "bed"),)


# ---- .sens header ----

def _sens(tmp_path: Path) -> Path:
    k = np.eye(4)
    header = SensHeader(color_intrinsic=k, color_extrinsic=k, depth_intrinsic=k, depth_extrinsic=k,
                        color_width=8, color_height=6, depth_width=4, depth_height=3)
    path = tmp_path / f"{SCENE}.sens"
    write_sens(path, header, [])
    return path


def test_sens_absurd_frame_count_is_refused_before_allocating(tmp_path: Path):
    path = _sens(tmp_path)
    data = bytearray(path.read_bytes())
    data[-8:] = struct.pack("<Q", 2**62)
    path.write_bytes(bytes(data))
    with pytest.raises(SceneError, match=rf"^{SCENE}: {SCENE}.sens: corrupt header: it says 4611686018427387904 frames "
                                         rf"but the file \({len(data)} bytes\) can hold at most 0$"):
        SensReader(path, SCENE)


def test_sens_absurd_name_length(tmp_path: Path):
    path = _sens(tmp_path)
    data = bytearray(path.read_bytes())
    data[4:12] = struct.pack("<Q", 2**40)
    path.write_bytes(bytes(data))
    with pytest.raises(SceneError, match=r"\.sens: corrupt header \(sensor name length 1099511627776\)"):
        SensReader(path, SCENE)


def test_a_scan_with_a_faulty_mesh_fails_on_load_naming_the_mesh(tmp_path: Path):
    scan = tmp_path / SCENE
    write_scene_files(scan, SCENE, vertices=np.zeros((3, 3)), colors=np.zeros((3, 3), np.uint8),
                      faces=np.zeros((0, 3)), seg_indices=np.zeros(3, np.int64), seg_groups=[], axis_alignment=None)
    with pytest.raises(SceneError, match=rf"^{SCENE}: {ScanFiles(scan, SCENE).mesh.name}: mesh has no faces$"):
        load_scene(scan)
