"""The dataset part: rows, deterministic shards, the loader and the validator (hand-made build)."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dataset_support import HAND_SCENES, N_FRAMES, hand_build, hand_jpegs, hand_questions, hf_cache  # noqa: F401

from vsi100k.dataset.load import load_questions, load_scene_frames, read_local_scene
from vsi100k.dataset.rows import frame_row, question_id, question_row, question_rows
from vsi100k.dataset.schema import QUESTION_COLUMNS, FRAME_COLUMNS, frame_features, question_features
from vsi100k.dataset.validate import OutputInvalid, check_output, read_front_matter, validate_output
from vsi100k.dataset.write import ShardLimits, write_dataset, write_shards
from vsi100k.tasks.base import Question


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _question(scene="scene0000_00", qtype="object_counting", kind="number", qid=""):
    return Question(scene, qtype, "How many chair(s) are in this room?", ("A. 2", "B. 3", "C. 1", "D. 4"),
                    "2", "2", kind, "A", (1, 2), question_id=qid)


# ---- rows ----
def test_question_row_has_the_contract_columns_and_values():
    row = question_row(_question(), 3)
    assert tuple(row) == QUESTION_COLUMNS == tuple(question_features())
    assert row["id"] == "scene0000_00/object_counting/0003"
    assert row["dataset"] == "scannet" and row["options"] == ["A. 2", "B. 3", "C. 1", "D. 4"]
    assert row["instance_ids"] == [1, 2] and row["answer_kind"] == "number"


def test_question_rows_number_each_type_separately():
    rows = question_rows([q for q in hand_questions("scene0000_00")] + [_question(qid="scene0000_00/object_counting/0001")])
    ids = [row["id"] for row in rows]
    assert ids[0] == "scene0000_00/object_counting/0000" and ids[-1] == "scene0000_00/object_counting/0001"
    assert "scene0000_00/room_size_estimation/0000" in ids


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: question_row(_question(kind="text"), 0), "answer_kind 'text' is not one of choice, number"),
        (lambda: question_row(_question(qid="scene0000_00/object_counting/0007"), 0), "does not match its position"),
        (lambda: question_id("scene0000_00", "object_counting", -1), "question index must be >= 0"),
        (lambda: frame_row("s", frame_indices=[0, 1], timestamps_s=[0.0], jpegs=[b"\xff\xd8"], width=8, height=8, source="sens"),
         "2 frame indices, 1 timestamps and 1 images"),
        (lambda: frame_row("s", frame_indices=[], timestamps_s=[], jpegs=[], width=8, height=8, source="sens"),
         "no frames; a scene needs at least one"),
        (lambda: frame_row("s", frame_indices=[0], timestamps_s=[0.0], jpegs=[b"\xff\xd8"], width=8, height=8, source="png"),
         "frame source 'png' is not one of sens, mp4"),
        (lambda: frame_row("s", frame_indices=[0], timestamps_s=[0.0], jpegs=[b"\x89PNG"], width=8, height=8, source="sens"),
         "frame 0 is not a JPEG image"),
        (lambda: ShardLimits(max_rows=0, max_bytes=1, row_group_rows=1), r"ShardLimits.max_rows must be >= 1, got 0"),
    ],
)
def test_row_and_limit_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- shards ----
def _rows(n):
    return [question_row(_question(qid=f"scene0000_00/object_counting/{i:04d}"), i) for i in range(n)]


def test_shards_split_by_rows_keep_order_and_are_byte_deterministic(tmp_path):
    limits = ShardLimits(max_rows=4, max_bytes=10**9, row_group_rows=2)
    first = write_shards(_rows(10), question_features(), tmp_path / "a", "train", limits)
    second = write_shards(_rows(10), question_features(), tmp_path / "b", "train", limits)
    assert [p.name for p in first] == [f"train-0000{k}-of-00003.parquet" for k in range(3)]
    assert [_digest(p) for p in first] == [_digest(p) for p in second]
    ids = [i for p in first for i in pq.read_table(p)["id"].to_pylist()]
    assert ids == [f"scene0000_00/object_counting/{i:04d}" for i in range(10)]
    assert [pq.ParquetFile(p).metadata.num_row_groups for p in first] == [2, 2, 1]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [p.name for p in first]  # no temporaries left


def test_shards_split_by_bytes(tmp_path):
    rows = [frame_row(f"scene{k:04d}_00", frame_indices=range(N_FRAMES), timestamps_s=[0.0] * N_FRAMES,
                      jpegs=hand_jpegs(k), width=64, height=48, source="sens") for k in range(3)]
    one_row_bytes = sum(len(j) for j in hand_jpegs(0))
    paths = write_shards(rows, frame_features(), tmp_path, "train", ShardLimits(10**6, one_row_bytes, 1))
    assert len(paths) == 3 and all(pq.ParquetFile(p).metadata.num_rows == 1 for p in paths)


def test_interrupted_shard_write_leaves_nothing(tmp_path):
    def rows():
        yield from _rows(5)
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        write_shards(rows(), question_features(), tmp_path, "train", ShardLimits(2, 10**9, 1))
    assert list(tmp_path.iterdir()) == []


def test_write_failures_become_one_line_errors_naming_the_shard(tmp_path, monkeypatch):
    from vsi100k.dataset.output import OutputError

    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match=r"file/q: writing a parquet shard: (already exists|a path component is not a folder)$"):
        write_shards(_rows(2), question_features(), tmp_path / "file" / "q", "train", ShardLimits(2, 10**9, 1))

    def full(self, table, *args, **kwargs):  # what pyarrow raises when the disk fills up
        raise OSError("[errno 28] Error writing bytes to file. Detail: [errno 28] No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(pq.ParquetWriter, "write_table", full)
        with pytest.raises(OutputError, match=r"q/\.train-00000\.parquet\.tmp: writing a parquet shard: no space left on the device$"):
            write_shards(_rows(2), question_features(), tmp_path / "q", "train", ShardLimits(2, 10**9, 1))
    assert list((tmp_path / "q").iterdir()) == []

    def unreadable_rows():  # a failing read of the rows is not a write error: it stays as raised
        yield from _rows(1)
        raise FileNotFoundError(2, "No such file or directory", "cache/scene0000_00.json")

    with pytest.raises(FileNotFoundError, match="cache/scene0000_00.json"):
        write_shards(unreadable_rows(), question_features(), tmp_path / "q", "train", ShardLimits(2, 10**9, 1))
    assert list((tmp_path / "q").iterdir()) == []


def test_every_page_has_a_checksum(tmp_path):
    path = write_shards(_rows(3), question_features(), tmp_path, "train", ShardLimits(10, 10**9, 2))[0]
    data = bytearray(path.read_bytes())
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    end = start + chunk.total_compressed_size
    data[end - 3] ^= 0xFF  # one flipped byte in the id column's last page
    path.write_bytes(bytes(data))
    with pytest.raises(OSError, match="CRC checksum verification failed"):
        pq.ParquetFile(path, page_checksum_verification=True).read_row_group(0, columns=["id"])


def test_parquet_metadata_holds_the_features_and_no_timestamp(hand_build):
    out, _ = hand_build
    path = out / "data/questions/object_counting/train-00000-of-00001.parquet"
    metadata = pq.read_schema(path).metadata
    assert set(metadata) == {b"huggingface"}
    assert json.loads(metadata[b"huggingface"])["info"]["features"] == question_features().to_dict()
    assert pq.ParquetFile(path).metadata.created_by.startswith("parquet-cpp-arrow")


def test_write_dataset_removes_stale_shards_and_checks_inputs(hand_build):
    out, _ = hand_build
    stale = out / "data/questions/object_abs_distance/train-00000-of-00001.parquet"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (out / "data/frames/.train-00000.parquet.tmp").write_bytes(b"half")
    written = write_dataset(out, {"train": _rows(2)}, {})
    assert not stale.exists() and not stale.parent.exists()
    assert not (out / "data/frames").exists()
    assert written.question_counts == {"object_counting": {"train": 2}}
    with pytest.raises(ValueError, match="unknown split\\(s\\) val; splits are train, validation, test"):
        write_dataset(out, {"val": []}, {})
    unordered = [frame_row(s, frame_indices=[0], timestamps_s=[0.0], jpegs=hand_jpegs(0)[:1], width=64, height=48,
                           source="sens") for s in ("scene0002_00", "scene0001_00")]
    with pytest.raises(ValueError, match="frame rows must come in increasing scene order"):
        write_dataset(out, {}, {"train": unordered})


# ---- loading ----
def test_load_questions_counts_features_and_values(hand_build, hf_cache):
    out, report = hand_build
    train = load_questions(out, "all", "train")
    assert train.num_rows == report["questions"]["by_type"]["object_counting"]["train"] * 4 == 8
    assert train.features == question_features()
    counting = load_questions(out, "object_counting", "validation")
    assert counting.num_rows == 1 and counting[0]["answer"] == "2" and counting[0]["instance_ids"] == [1, 2]
    assert counting[0]["scene_name"] == "scene0100_00"
    assert sorted(train.unique("scene_name")) == ["scene0000_00", "scene0001_00"]


def test_scene_frames_are_lazy_joined_and_decode(hand_build, hf_cache):
    out, _ = hand_build
    frames = load_scene_frames(out, "train")
    assert sorted(frames) == ["scene0000_00", "scene0001_00"] and len(frames) == 2
    assert frames.frame_count("scene0001_00") == N_FRAMES
    assert frames.timestamps_s("scene0000_00") == pytest.approx([0.0, 10 / 24, 20 / 24, 30 / 24])
    images = frames["scene0001_00"]
    assert [im.size for im in images] == [(64, 48)] * N_FRAMES
    # the stored pixels are the JPEGs written for this scene (scene index 1 in HAND_SCENES)
    from PIL import Image
    import io

    expected = np.asarray(Image.open(io.BytesIO(hand_jpegs(1)[2])))
    assert np.array_equal(np.asarray(images[2]), expected)
    with pytest.raises(KeyError, match="scene0100_00: no frames in split train"):
        frames["scene0100_00"]


def test_loader_errors(tmp_path, hand_build):
    out, _ = hand_build
    with pytest.raises(ValueError, match="config 'frames' holds frames, not questions"):
        load_questions(out, "frames", "train")
    with pytest.raises(FileNotFoundError, match="dataset folder not found"):
        load_questions(tmp_path / "nowhere", "all", "train")
    with pytest.raises(NotADirectoryError, match="not a dataset folder"):
        load_questions(out / "README.md", "all", "train")
    with pytest.raises(FileNotFoundError, match="no data/ folder"):
        read_local_scene(tmp_path, "scene0000_00")


def test_scene_frames_refuse_a_scene_stored_twice():
    from vsi100k.dataset.load import SceneFrames

    with pytest.raises(ValueError, match="frames split train: a scene has more than one frames row"):
        SceneFrames({"scene_name": ["scene0000_00", "scene0000_00"]}, "train")


def test_read_local_scene(hand_build):
    out, _ = hand_build
    questions, frames = read_local_scene(out, "scene0100_00")
    assert [q["question_type"] for q in questions] == [
        "object_counting", "object_rel_direction_easy", "object_size_estimation", "room_size_estimation"]
    assert frames["scene_name"] == "scene0100_00" and len(frames["frames"]) == N_FRAMES
    assert tuple(frames) == FRAME_COLUMNS
    assert read_local_scene(out, "scene9999_00") == ([], None)


# ---- validation ----
def _replaced_shard(problem, path, out):
    """The problem says `path` is not the shard the build wrote (its size differs from the report's)."""
    rel = path.relative_to(out).as_posix()
    return problem.startswith(f"{rel}: {path.stat().st_size} bytes, build_report.json says ") and problem.endswith(
        "(not the shard this build wrote)")


def test_valid_build_has_no_problems(hand_build):
    out, _ = hand_build
    assert validate_output(out) == []
    check_output(out)


def test_empty_split_is_reported(hand_build):
    out, _ = hand_build
    path = out / "data/questions/object_counting/validation-00000-of-00001.parquet"
    pq.write_table(pa.Table.from_pylist([], schema=question_features().arrow_schema), path)
    problems = validate_output(out)
    assert problems[:3] == [
        "config object_counting, split validation: empty split (0 rows)",
        "config all, split validation: 3 rows, the build report says 4",
        "config object_counting, split validation: 0 rows, the build report says 1",
    ]
    assert _replaced_shard(problems[3], path, out) and len(problems) == 4
    with pytest.raises(OutputInvalid, match="empty split"):
        check_output(out)


def test_missing_frames_are_reported(hand_build):
    out, _ = hand_build
    path = out / "data/frames/train-00000-of-00001.parquet"
    table = pq.read_table(path)
    pq.write_table(table.slice(0, 1), path)  # keep scene0000_00 only
    problems = validate_output(out)
    assert problems[0] == "config frames, split train: 1 rows, the build report says 2"
    assert _replaced_shard(problems[1], path, out)
    assert problems[2:] == ["split train: missing frames for 1 scene(s) with questions: scene0001_00",
                            "frames_manifest.json: scene scene0001_00 is listed but has no frames row"]


def test_schema_mismatch_is_reported(hand_build):
    out, _ = hand_build
    path = out / "data/questions/room_size_estimation/train-00000-of-00001.parquet"
    table = pq.read_table(path)
    pq.write_table(table.append_column("split", pa.array(["train"] * table.num_rows)), path)
    changed = out / "data/questions/object_counting/train-00000-of-00001.parquet"
    table = pq.read_table(changed)
    pq.write_table(table.set_column(table.schema.get_field_index("instance_ids"), "instance_ids",
                                    pa.array([[1, 2]] * table.num_rows, pa.list_(pa.int64()))), changed)
    problems = validate_output(out)
    assert "data/questions/room_size_estimation/train-00000-of-00001.parquet: schema mismatch: unexpected column(s) split" in problems
    assert ("data/questions/object_counting/train-00000-of-00001.parquet: schema mismatch: column instance_ids is "
            "list<element: int64>, expected list<item: int32>") in problems


def test_unreadable_and_reordered_shards_are_reported(hand_build):
    out, _ = hand_build
    (out / "data/questions/room_size_estimation/validation-00000-of-00001.parquet").write_bytes(b"not parquet")
    path = out / "data/questions/object_counting/validation-00000-of-00001.parquet"
    table = pq.read_table(path)
    pq.write_table(table.select(list(reversed(table.column_names))), path)
    problems = validate_output(out)
    assert problems[0].startswith(
        "data/questions/object_counting/validation-00000-of-00001.parquet: schema mismatch: columns are in the order "
        "instance_ids, answer_kind,")
    assert problems[1].startswith(
        "data/questions/room_size_estimation/validation-00000-of-00001.parquet: schema mismatch: unreadable parquet (")


def test_bad_frames_rows_are_reported(hand_build):
    out, _ = hand_build
    path = out / "data/frames/validation-00000-of-00001.parquet"
    row = pq.read_table(path).to_pylist()[0]
    row["frames"][1]["bytes"] = b"\x89PNG"
    row["timestamps_s"] = row["timestamps_s"][:2]
    pq.write_table(pa.Table.from_pylist([row], schema=frame_features().arrow_schema), path)
    problems = validate_output(out)
    assert problems[:2] == [
        "data/frames/validation-00000-of-00001.parquet: scene scene0100_00: 4 images but 4 frame indices and 2 timestamps",
        "data/frames/validation-00000-of-00001.parquet: scene scene0100_00: frame(s) [1] are not JPEG images",
    ]
    assert _replaced_shard(problems[2], path, out)
    assert problems[3:] == ["frames_manifest.json: scene scene0100_00: timestamps_s differ from its frames row",
                            "frames_manifest.json: scene scene0100_00: frame checksums differ from the stored frames"]


def test_card_and_declaration_problems(hand_build):
    out, _ = hand_build
    extra = out / "data/questions/object_counting/test-00000-of-00001.parquet"
    extra.write_bytes((out / "data/questions/object_counting/validation-00000-of-00001.parquet").read_bytes())
    assert validate_output(out) == [
        "data/questions/object_counting/test-00000-of-00001.parquet: not listed in build_report.json (a shard of "
        "another build?)",
        "data/questions/object_counting/test-00000-of-00001.parquet: shard not declared by any config in README.md"]
    extra.unlink()
    (out / "data/questions/object_size_estimation/train-00000-of-00001.parquet").unlink()
    assert validate_output(out) == [
        "config object_size_estimation, split train: no shard matches "
        "data/questions/object_size_estimation/train-*.parquet",
        "config all, split train: 6 rows, the build report says 8",
        "data/questions/object_size_estimation/train-00000-of-00001.parquet: listed in build_report.json but missing"]
    card = out / "README.md"
    text = card.read_text()
    card.write_text(text.split("---\n", 2)[2])
    assert validate_output(out) == ["README.md: no YAML front matter (the card must start with a '---' line)"]
    card.write_text("---\npretty_name: x\n")
    assert validate_output(out) == ["README.md: YAML front matter is not closed by a '---' line"]
    card.write_text("---\n- a\n---\n")
    assert validate_output(out) == ["README.md: YAML front matter is not a mapping"]
    card.write_text("---\npretty_name: x\n---\n")
    assert validate_output(out) == ["README.md: front matter declares no configs"]
    card.unlink()
    assert validate_output(out) == ["README.md: missing (the card declares the configs; rebuild the dataset)"]
    with pytest.raises(ValueError, match="no YAML front matter"):
        read_front_matter(out / "build_report.json")


def test_hand_build_scenes_match_support_table(hand_build):
    out, report = hand_build
    assert report["scenes"]["by_split"] == {"train": 2, "validation": 1}
    assert sorted(p.stem for p in (out / "facts").glob("*.json")) == sorted(s for s, _ in HAND_SCENES)
