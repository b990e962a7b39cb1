"""Reproducible outputs: the declared precision, plain arithmetic, the mp4 writer, the parquet layout, no machine paths."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from vsi100k.facts import precision
from vsi100k.facts.schema import Appearances, Box, ObjectFacts, SceneFacts
from vsi100k.frames.export import rgb_to_yuv420p, write_mp4
from vsi100k.geometry.plain import norm3, transform
from vsi100k.pipeline.config import BuildConfig
from vsi100k.tasks.base import stored_details

PACKAGE = Path(__file__).resolve().parents[1] / "vsi100k"


def box(center, extent, yaw=0.3) -> Box:
    c, s = np.cos(yaw), np.sin(yaw)
    return Box(np.array(center, float), np.array(extent, float), np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]]))


def test_facts_hold_values_at_the_declared_precision():
    obj = ObjectFacts(1, "chair", "chair", 10, {"oriented": box([1.23456789, -1e-9, 0.5], [0.1234564999, 0.2, 0.3])})
    facts = SceneFacts("scene0001_00", (obj,), {(1, 2): 2.0000004999}, 12.345678949, [],
                       exact_distances_m={(1, 2): 1.9999995001})
    stored = facts.box(1)
    assert stored.center.tolist() == [1.234568, 0.0, 0.5]
    assert str(stored.center[1]) == "0.0"  # -1e-9 rounds to -0.0, stored as 0.0
    assert stored.extent.tolist() == [0.123456, 0.2, 0.3]
    assert stored.rotation[0, 0] == round(float(np.cos(0.3)), 6)
    assert facts.distances_m == {(1, 2): 2.0} and facts.exact_distances_m == {(1, 2): 2.0}
    assert facts.room_area_m2 == 12.345679
    again = SceneFacts.from_json(json.loads(json.dumps(facts.to_json())))
    assert again.to_json() == facts.to_json()  # rounding is idempotent through JSON


def test_appearance_times_and_question_details_are_rounded():
    appearances = Appearances({"chair": 1.00000049}, {"chair": 24}, 0.05, 32, 32, (64, 48))
    assert appearances.first_s == {"chair": 1.0}
    details = {"angle_deg": 63.956371291664134, "pairs": [1.6288677599, 2], "flag": True, "name": "x", "n": None}
    assert stored_details(details) == {"angle_deg": 63.956371, "pairs": [1.628868, 2], "flag": True, "name": "x", "n": None}
    assert precision.PRECISION == {"length_m": 1e-6, "area_m2": 1e-6, "rotation": 1e-6, "time_s": 1e-6}


def test_plain_transform_and_norm_match_blas_to_rounding():
    rng = np.random.default_rng(0)
    points, matrix = rng.normal(size=(50, 3)), rng.normal(size=(3, 3))
    assert np.allclose(transform(points, matrix), points @ matrix, rtol=0, atol=1e-12)
    batch, matrices = rng.normal(size=(4, 7, 3)), rng.normal(size=(4, 3, 3))
    assert np.allclose(transform(batch, matrices[:, None]), np.matmul(batch, matrices), rtol=0, atol=1e-12)
    assert norm3([3.0, 4.0, 12.0]) == 13.0


def test_rgb_to_yuv420p_uses_bt601_limited_range():
    rgb = np.zeros((2, 4, 3), np.uint8)
    rgb[:, :2] = 255  # white block, then black block
    yuv = rgb_to_yuv420p(rgb)
    assert yuv.shape == (3, 4)
    assert yuv[:2].tolist() == [[235, 235, 16, 16], [235, 235, 16, 16]]
    assert yuv[2].tolist() == [128, 128, 128, 128]  # U of both blocks, then V of both blocks
    red = rgb_to_yuv420p(np.full((6, 4, 3), (255, 0, 0), np.uint8))  # 6 rows: chroma rows are odd in number
    assert red.shape == (9, 4) and red.ravel()[:24].tolist() == [82] * 24
    assert red.ravel()[24:30].tolist() == [90] * 6 and red.ravel()[30:].tolist() == [240] * 6


def test_mp4_writer_is_deterministic_and_single_threaded(tmp_path):
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (60, 80, 3), dtype=np.uint8) for _ in range(6)]
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    write_mp4(a, frames)
    write_mp4(b, frames)
    data = a.read_bytes()
    assert data == b.read_bytes()
    assert b"Lavf" not in data  # bitexact: no muxer version tag
    if b"x264" in data:
        assert b"threads=1 " in data and b"sliced_threads=0" in data and b"mbtree=0" in data


def test_only_the_mp4_writer_opens_a_video_for_writing():
    writers = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
               if re.search(r"av\.open\(.*mode=\"w\"", p.read_text())]
    assert writers == ["frames/export.py"]


def test_parquet_layout_is_set_explicitly(tmp_path):
    import pyarrow.parquet as pq

    from vsi100k.dataset.schema import question_features
    from vsi100k.dataset.write import DICTIONARY_COLUMNS, QUESTION_LIMITS, write_shards

    rows = [{"id": f"scene0001_00/object_counting/{k:04d}", "dataset": "scannet", "scene_name": "scene0001_00",
             "question_type": "object_counting", "question": f"How many chair(s) are in this room? {k}",
             "options": ["A. 1", "B. 2"], "ground_truth": "A", "answer": "1", "answer_kind": "number",
             "instance_ids": [1, 2]} for k in range(20)]
    [path] = write_shards(rows, question_features(), tmp_path, "train", QUESTION_LIMITS)
    metadata = pq.ParquetFile(path).metadata
    group = metadata.row_group(0)
    for k in range(group.num_columns):
        column = group.column(k)
        name = column.path_in_schema.split(".")[0]
        assert not column.is_stats_set, name
        assert column.compression == "ZSTD"
        assert (column.dictionary_page_offset is not None) == (name in DICTIONARY_COLUMNS), name
    assert metadata.format_version == "2.6"


@pytest.mark.parametrize("scenes, out", [("/data/scannet/scans", "/home/someone/vsi/out"), ("scans", "out")])
def test_recorded_command_names_folders_without_machine_paths(scenes, out):
    command = BuildConfig(scenes_dir=scenes, out_dir=out).command()
    assert "--scenes scans --out out " in command and "/" not in command
