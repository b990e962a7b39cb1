"""Property tests: mutated ScanNet files give a result or a SceneError naming the file, nothing else.

Valid bytes come from the project's own writers (PLY mesh, segs and aggregation JSON, txt, `.sens`);
hypothesis flips bytes, truncates, inserts and deletes header lines and swaps tokens for hostile
ones. Every case is bounded in time by the hypothesis deadline and the files are tiny, so a corrupt
count that made a reader allocate or loop would fail the deadline.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from vsi100k.errors import SceneError
from vsi100k.scannet import SensFrame, SensHeader, SensReader, write_sens
from vsi100k.scannet.annotations import read_aggregation, read_segs, write_aggregation, write_segs
from vsi100k.scannet.meta import axis_alignment, format_matrix, read_meta, write_meta
from vsi100k.scannet.ply import read_ply, write_ply
from vsi100k.scene import SegGroup

SCENE = "scene0123_00"
SETTINGS = settings(max_examples=120, deadline=2000, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
HOSTILE_TOKENS = [
    b"", b"0", b"-1", b"3", b"1e999", b"nan", b"-inf", b"99999999999999999999999", b"4294967295",
    b"float16", b"list", b"uchar", b"double", b"element", b"property", b"vertex", b"face", b"format",
    b"ascii", b"binary_big_endian", b"end_header", b"ply", b"\xff\xfe", b"\x00", b"{", b"}", b"[", b"]",
    b'"', b"null", b"true", b":", b",", b"=", b"axisAlignment", b"segGroups", b"segIndices", b"\n",
]


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mutations")


@st.composite
def mutations(draw, data: bytes, focus: int):
    """`data` after 1-3 mutations, most of them inside its first `focus` bytes (the header)."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        limit = len(out) if draw(st.booleans()) and draw(st.booleans()) else min(len(out), focus)
        at = draw(st.integers(0, max(0, limit - 1)))
        kind = draw(st.sampled_from(["flip", "truncate", "insert_line", "delete_line", "token", "bytes"]))
        if kind == "flip":
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del out[at:]
        elif kind in ("insert_line", "delete_line"):
            lines = bytes(out[:focus]).split(b"\n")
            k = draw(st.integers(0, len(lines) - 1))
            if kind == "delete_line":
                del lines[k]
            else:
                lines.insert(k, b" ".join(draw(st.lists(st.sampled_from(HOSTILE_TOKENS), min_size=1, max_size=3))))
            out = bytearray(b"\n".join(lines)) + out[focus:]
        elif kind == "token":
            head = bytes(out[:focus])
            tokens = head.replace(b"\n", b" \n ").split(b" ")
            k = draw(st.integers(0, len(tokens) - 1))
            tokens[k] = draw(st.sampled_from(HOSTILE_TOKENS))
            out = bytearray(b" ".join(tokens).replace(b" \n ", b"\n")) + out[focus:]
        else:
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(out)


def _check(call, path: Path):
    """Run a reader: a result is fine, a SceneError must name the scene and the file."""
    try:
        call()
    except SceneError as error:
        assert error.scene_id == SCENE and str(error).startswith(f"{SCENE}: {path.name}: "), str(error)


# ---- valid inputs written by the project ----

def _ply_bytes(folder: Path) -> bytes:
    rng = np.random.default_rng(0)
    path = folder / "valid.ply"
    write_ply(path, rng.uniform(-1, 1, (6, 3)), rng.integers(0, 255, (6, 3)).astype(np.uint8),
              np.array([[0, 1, 2], [2, 3, 4], [3, 4, 5]]))
    return path.read_bytes()


def _segs_bytes(folder: Path) -> bytes:
    path = folder / "valid.segs.json"
    write_segs(path, SCENE, np.array([0, 0, 1, 1, 2, 5]))
    return path.read_bytes()


def _aggregation_bytes(folder: Path) -> bytes:
    path = folder / "valid.aggregation.json"
    write_aggregation(path, SCENE, [SegGroup(0, 0, (0, 1), "chair"), SegGroup(1, 1, (5,), "trash can")])
    return path.read_bytes()


def _txt_bytes(folder: Path) -> bytes:
    path = folder / "valid.txt"
    write_meta(path, {"axisAlignment": format_matrix(np.eye(4)), "colorHeight": "480", "sceneType": "Office"})
    return path.read_bytes()


def _sens_bytes(folder: Path) -> bytes:
    k = np.array([[5.0, 0, 3.5, 0], [0, 5.0, 2.5, 0], [0, 0, 1, 0], [0, 0, 0, 1]])
    header = SensHeader(color_intrinsic=k, color_extrinsic=np.eye(4), depth_intrinsic=k, depth_extrinsic=np.eye(4),
                        color_width=8, color_height=6, depth_width=4, depth_height=3)
    buffer = io.BytesIO()
    Image.fromarray(np.full((6, 8, 3), 90, np.uint8)).save(buffer, format="JPEG")
    frames = [SensFrame(pose=np.eye(4), color_jpeg=buffer.getvalue(), depth=np.full((3, 4), i, np.uint16),
                        color_timestamp_us=i, depth_timestamp_us=i) for i in range(2)]
    path = folder / "valid.sens"
    write_sens(path, header, frames)
    return path.read_bytes()


def _read_all_frames(path: Path) -> None:
    with SensReader(path, SCENE) as reader:
        for i in range(reader.num_frames):
            reader.pose(i)
            reader.timestamps_us(i)
            reader.depth(i)
            reader.color(i)


# ---- the properties ----

def test_valid_files_read_back(work: Path):
    """The unmutated bytes are accepted (so the properties below start from valid files)."""
    for name, data, read in (
        (f"{SCENE}_vh_clean_2.ply", _ply_bytes(work), lambda p: read_ply(p, SCENE)),
        (f"{SCENE}.segs.json", _segs_bytes(work), lambda p: read_segs(p, SCENE, vertex_count=6)),
        (f"{SCENE}.aggregation.json", _aggregation_bytes(work), lambda p: read_aggregation(p, SCENE)),
        (f"{SCENE}.txt", _txt_bytes(work), lambda p: read_meta(p, SCENE)),
        (f"{SCENE}.sens", _sens_bytes(work), _read_all_frames),
    ):
        path = work / name
        path.write_bytes(data)
        read(path)


@SETTINGS
@given(data=st.data())
def test_mutated_ply_headers(work: Path, data):
    valid = _ply_bytes(work)
    payload = data.draw(mutations(valid, valid.index(b"end_header\n") + 11))
    path = work / f"{SCENE}_vh_clean_2.ply"
    path.write_bytes(payload)
    _check(lambda: read_ply(path, SCENE), path)


@SETTINGS
@given(data=st.data())
def test_mutated_segs_json(work: Path, data):
    valid = _segs_bytes(work)
    path = work / f"{SCENE}_vh_clean_2.0.010000.segs.json"
    path.write_bytes(data.draw(mutations(valid, len(valid))))
    _check(lambda: read_segs(path, SCENE, vertex_count=6), path)


@SETTINGS
@given(data=st.data())
def test_mutated_aggregation_json(work: Path, data):
    valid = _aggregation_bytes(work)
    path = work / f"{SCENE}.aggregation.json"
    path.write_bytes(data.draw(mutations(valid, len(valid))))
    _check(lambda: read_aggregation(path, SCENE, known_segments=np.array([0, 1, 2, 5])), path)


@SETTINGS
@given(data=st.data())
def test_mutated_txt(work: Path, data):
    valid = _txt_bytes(work)
    path = work / f"{SCENE}.txt"
    path.write_bytes(data.draw(mutations(valid, len(valid))))
    _check(lambda: axis_alignment(read_meta(path, SCENE), SCENE, path), path)


# (offset, struct format) of the `.sens` integer fields a corrupt file may get wrong: name length,
# compressions, colour/depth sizes, frame count, then the first frame's colour and depth byte counts
_NAME = len(b"StructureSensor")
SENS_FIELDS = [(4, "<Q"), (283 - 15 + _NAME, "<i"), (287 - 15 + _NAME, "<i"), (291 - 15 + _NAME, "<I"),
               (295 - 15 + _NAME, "<I"), (299 - 15 + _NAME, "<I"), (303 - 15 + _NAME, "<I"), (311 - 15 + _NAME, "<Q"),
               (399 - 15 + _NAME, "<Q"), (407 - 15 + _NAME, "<Q")]
HOSTILE_INTS = [0, 1, 2, 3, 2**31 - 1, 2**32 - 1, 2**40, 2**62, 2**64 - 1]


@pytest.mark.parametrize("value", HOSTILE_INTS)
@pytest.mark.parametrize("offset, fmt", SENS_FIELDS)
def test_hostile_sens_integer_fields(work: Path, offset: int, fmt: str, value: int):
    """Every integer field of the header and of a frame header set to every hostile value (the rest
    intact): a result or a SceneError, within the time limit of the whole file (no allocation from
    a count before it is checked against the file size)."""
    payload = bytearray(_sens_bytes(work))
    size = struct.calcsize(fmt)
    payload[offset:offset + size] = (value % (1 << (8 * size))).to_bytes(size, "little")
    path = work / f"{SCENE}.sens"
    path.write_bytes(bytes(payload))
    _check(lambda: _read_all_frames(path), path)


@SETTINGS
@given(data=st.data())
def test_mutated_sens_headers(work: Path, data):
    valid = _sens_bytes(work)
    path = work / f"{SCENE}.sens"
    # header: 12 + name + 256 + 8 + 20 + 8 bytes; mutations mostly there, some in the frames
    path.write_bytes(data.draw(mutations(valid, 12 + _NAME + 292 + 96)))
    _check(lambda: _read_all_frames(path), path)
