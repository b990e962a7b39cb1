"""Full validation of a dataset folder: every column decoded, counts against the report, scenes joined.

The folders here are written by the project's own writer (`write_dataset`) from hand-made rows, with
a card declaring `dataset_configs` and a report holding what the writer returned, so every expected
count is known by construction.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from dataset_support import N_FRAMES, hand_jpegs, hand_questions

from vsi100k.card import dataset_configs
from vsi100k.dataset.rows import frame_row, question_rows
from vsi100k.dataset.schema import frame_features, question_features
from vsi100k.dataset.validate import OutputInvalid, check_output, validate_output
from vsi100k.dataset.write import write_dataset

SCENES = (("scene0000_00", "train"), ("scene0001_00", "train"), ("scene0100_00", "validation"))
COUNTING = "data/questions/object_counting/train-00000-of-00001.parquet"
FRAMES_TRAIN = "data/frames/train-00000-of-00001.parquet"


def write_small_dataset(folder: Path, *, tag: str = "a", no_frames: tuple[str, ...] = (),
                        list_no_frames: bool = True) -> dict:
    """A complete dataset folder (shards, card, report) of SCENES; returns the report.

    tag: changes the build id and the question wording, so two folders differ in every shard.
    no_frames: scenes written without a frames row (a scan without a colour stream), listed in the
    report's `scenes_without_frames` when `list_no_frames`.
    """
    folder = Path(folder)
    questions: dict[str, list[dict]] = {}
    frames: dict[str, list[dict]] = {}
    for number, (scene, split) in enumerate(SCENES):
        rows = question_rows(hand_questions(scene))
        for row in rows:
            row["question"] = f"{row['question']} [{tag}]"
        questions.setdefault(split, []).extend(rows)
        if scene not in no_frames:
            frames.setdefault(split, []).append(
                frame_row(scene, frame_indices=[0, 10, 20, 30], timestamps_s=[0.0, 0.5, 1.0, 1.5],
                          jpegs=hand_jpegs(number), width=64, height=48, source="sens"))
    written = write_dataset(folder, questions, frames)
    report = {
        "build_id": f"build-{tag}",
        "questions": {"total": sum(len(r) for r in questions.values()), "by_type": written.question_counts},
        "frames": {"by_split": written.frame_counts},
        "shards": [{"path": s.path, "rows": s.rows, "size_bytes": s.size_bytes} for s in written.shards],
    }
    if list_no_frames:
        report["scenes_without_frames"] = sorted(no_frames)
    (folder / "build_report.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    configs = dataset_configs(written.question_counts, written.frame_counts)
    (folder / "README.md").write_text("---\n" + yaml.safe_dump({"configs": configs}, sort_keys=False) + f"---\n# {tag}\n")
    return report


@pytest.fixture
def small(tmp_path):
    folder = tmp_path / "out"
    write_small_dataset(folder)
    return folder


def _flip_bytes_in_column(path: Path, column: str, row_group: int = 0) -> None:
    """Overwrite 8 bytes in the middle of the last page of `column`'s chunk (inside page data, past its header)."""
    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(i).path for i in range(meta.num_columns)]
    index = next(i for i, name in enumerate(names) if name == column or name.startswith(column + "."))
    chunk = meta.row_group(row_group).column(index)
    start = chunk.dictionary_page_offset if chunk.has_dictionary_page else chunk.data_page_offset
    end = start + chunk.total_compressed_size
    data = bytearray(path.read_bytes())
    position = end - 12
    assert start < position < end
    data[position:position + 8] = bytes(b ^ 0xA5 for b in data[position:position + 8])
    path.write_bytes(bytes(data))


def _rewrite(path: Path, rows: list[dict], features) -> None:
    pq.write_table(pa.Table.from_pylist(rows, schema=features.arrow_schema), path, compression="zstd")


def test_a_written_dataset_is_valid(small):
    assert validate_output(small) == []
    check_output(small)
    # every page carries a checksum, which is what makes corrupt pages detectable
    with pq.ParquetFile(small / COUNTING, page_checksum_verification=True) as parquet:
        assert parquet.read().num_rows == 2


def test_corrupt_question_column_pages_are_named_not_a_traceback(small):
    _flip_bytes_in_column(small / COUNTING, "question")
    problems = validate_output(small)
    decode = [p for p in problems if "cannot be decoded" in p]
    assert len(decode) == 1
    assert decode[0].startswith(f"{COUNTING}: column question: row group 0: cannot be decoded (")
    assert "\n" not in decode[0]
    with pytest.raises(OutputInvalid, match=r"object_counting/train-00000-of-00001\.parquet: column question: row group 0"):
        check_output(small)


def test_corrupt_frames_pages_are_named(small):
    _flip_bytes_in_column(small / FRAMES_TRAIN, "frames")
    problems = validate_output(small)
    assert any(p.startswith(f"{FRAMES_TRAIN}: column frames: row group 0: cannot be decoded (") for p in problems), problems


def test_every_image_is_decoded_and_sized(small):
    rows = pq.read_table(small / FRAMES_TRAIN).to_pylist()
    good = rows[0]["frames"][1]["bytes"]
    rows[0]["frames"][1]["bytes"] = good[:200] + bytes(len(good) - 200)  # JPEG header kept, scan data zeroed
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(buffer, format="JPEG")
    rows[1]["frames"][0]["bytes"] = buffer.getvalue()
    _rewrite(small / FRAMES_TRAIN, rows, frame_features())
    problems = [p for p in validate_output(small) if p.startswith(FRAMES_TRAIN)]
    assert problems[0].startswith(f"{FRAMES_TRAIN}: column frames: scene scene0000_00: frame(s) 1 (")
    assert problems[0].endswith("cannot be decoded")
    assert problems[1] == f"{FRAMES_TRAIN}: scene scene0001_00: frame 0 is 32x24, the row says 64x48"


def test_row_counts_and_shards_are_checked_against_the_report(small):
    path = small / COUNTING
    rows = pq.read_table(path).to_pylist()
    _rewrite(path, rows[:1], question_features())
    problems = validate_output(small)
    assert "config object_counting, split train: 1 rows, the build report says 2" in problems
    assert "config all, split train: 7 rows, the build report says 8" in problems
    size = path.stat().st_size
    assert any(p.startswith(f"{COUNTING}: {size} bytes, build_report.json says ") and p.endswith(
        "(not the shard this build wrote)") for p in problems)


def test_a_shard_of_another_build_is_caught(small, tmp_path):
    other = tmp_path / "other"
    write_small_dataset(other, tag="another build")
    (small / COUNTING).write_bytes((other / COUNTING).read_bytes())
    problems = validate_output(small)
    assert len(problems) == 1 and problems[0].startswith(f"{COUNTING}: ") and "not the shard this build wrote" in problems[0]


def test_report_and_card_disagreements(small):
    report = json.loads((small / "build_report.json").read_text())
    report["questions"]["by_type"]["object_abs_distance"] = {"train": 3}
    listed = report["shards"].pop(0)["path"]
    problems = validate_output(small, expected_report=report)
    assert "config object_abs_distance, split train: 3 rows in build_report.json but not declared in README.md" in problems
    assert f"{listed}: not listed in build_report.json (a shard of another build?)" in problems
    assert "config all, split train: 8 rows, the build report says 11" in problems
    report = json.loads((small / "build_report.json").read_text())
    (small / report["shards"][0]["path"]).unlink()
    problems = validate_output(small)
    assert f"{report['shards'][0]['path']}: listed in build_report.json but missing" in problems


def test_missing_or_broken_report(small):
    report = json.loads((small / "build_report.json").read_text())
    (small / "build_report.json").unlink()
    assert validate_output(small) == ["build_report.json: missing (row counts cannot be checked; rebuild the dataset)"]
    assert validate_output(small, expected_report=report) == []
    (small / "build_report.json").write_text("{")
    problems = validate_output(small)
    assert len(problems) == 1 and problems[0].startswith("build_report.json: unreadable (")
    (small / "build_report.json").write_text("[]")
    assert validate_output(small) == ["build_report.json: not a JSON object"]


def test_question_ids_unique_and_types_in_their_own_shards(small):
    path = small / COUNTING
    rows = pq.read_table(path).to_pylist()
    rows[1]["id"] = rows[0]["id"]
    rows[1]["question_type"] = "object_size_estimation"
    _rewrite(path, rows, question_features())
    problems = validate_output(small)
    assert "split train: 1 question id(s) appear more than once, e.g. scene0000_00/object_counting/0000" in problems
    assert (f"{COUNTING}: column question_type: 1 row(s) of type 'object_size_estimation' in the object_counting shards"
            in problems)


def test_scenes_without_a_colour_stream_need_no_frames_row(tmp_path):
    listed = tmp_path / "listed"
    write_small_dataset(listed, no_frames=("scene0001_00",))
    assert validate_output(listed) == []
    unlisted = tmp_path / "unlisted"
    write_small_dataset(unlisted, no_frames=("scene0001_00",), list_no_frames=False)  # key absent: empty list
    assert "scenes_without_frames" not in json.loads((unlisted / "build_report.json").read_text())
    assert validate_output(unlisted) == ["split train: missing frames for 1 scene(s) with questions: scene0001_00"]


def test_unreadable_card_yaml(small):
    (small / "README.md").write_text("---\nconfigs: [\n---\n")
    problems = validate_output(small)
    assert len(problems) == 1 and problems[0].startswith("README.md: YAML front matter does not parse (")


def test_frames_of_the_stored_scenes(small):
    assert pq.read_table(small / FRAMES_TRAIN)["scene_name"].to_pylist() == ["scene0000_00", "scene0001_00"]
    assert len(pq.read_table(small / FRAMES_TRAIN)["frames"][0].as_py()) == N_FRAMES


def test_frames_checked_on_the_workers_are_matched_by_digest_not_decoded_again(small, monkeypatch):
    from vsi100k.dataset import validate

    rows = pq.read_table(small / FRAMES_TRAIN).to_pylist()
    checked = {}
    for row in rows:
        digests, problems = validate.check_jpegs([f["bytes"] for f in row["frames"]], row["width"], row["height"])
        assert problems == [] and len(digests) == len(row["frames"])
        checked[row["scene_name"]] = {"width": row["width"], "height": row["height"], "jpeg_sha256": digests}
    decoded = []
    real = validate._jpeg_problem
    monkeypatch.setattr(validate, "_jpeg_problem", lambda data, w, h: decoded.append(len(data)) or real(data, w, h))
    assert validate_output(small, checked_frames=checked) == []
    assert len(decoded) == N_FRAMES  # only the validation split's scene, which no worker checked
    # Bytes that differ from the checked ones, or a row whose size differs, are decoded (and fail) as before.
    good = rows[0]["frames"][1]["bytes"]
    rows[0]["frames"][1]["bytes"] = good[:200] + bytes(len(good) - 200)
    _rewrite(small / FRAMES_TRAIN, rows, frame_features())
    decoded.clear()
    problems = [p for p in validate_output(small, checked_frames=checked) if p.startswith(FRAMES_TRAIN)]
    assert problems[0].startswith(f"{FRAMES_TRAIN}: column frames: scene scene0000_00: frame(s) 1 (")
    assert not [p for p in problems[1:] if "scene" in p]  # the rest: the rewritten shard's size
    assert len(decoded) == 1 + N_FRAMES  # the changed frame, and the validation split's scene (not checked)
    checked["scene0001_00"] = {**checked["scene0001_00"], "width": 32}
    decoded.clear()
    validate_output(small, checked_frames=checked)
    assert len(decoded) == 1 + 2 * N_FRAMES


def test_check_jpegs_names_each_bad_frame():
    from PIL import Image

    from vsi100k.dataset.validate import check_jpegs, jpeg_digest

    good = hand_jpegs(0)[0]
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(buffer, format="JPEG")
    digests, problems = check_jpegs([good, b"not a jpeg", good[:200] + bytes(len(good) - 200), buffer.getvalue()], 64, 48)
    assert digests[0] == jpeg_digest(good) and len(digests) == 4
    assert problems[0] == "frame 1 is not a JPEG image"
    assert problems[1].startswith("frame 2 cannot be decoded (")
    assert problems[2] == "frame 3 is 32x24, expected 64x48"


def test_check_jpegs_on_frames_decoded_once_finds_the_same_and_decodes_nothing(monkeypatch):
    from PIL import Image, ImageFile

    from vsi100k.dataset.frame_decode import decode_frame, pixel_digest
    from vsi100k.dataset.manifest import frame_checksums
    from vsi100k.dataset.validate import check_jpegs
    from vsi100k.errors import SceneError

    good = hand_jpegs(0)[0]
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((24, 32, 3), np.uint8)).save(buffer, format="JPEG")
    jpegs = [good, b"not a jpeg", good[:200] + bytes(len(good) - 200), buffer.getvalue()]
    decoded = [decode_frame(data) for data in jpegs]
    assert decoded[0].size == (64, 48) and decoded[3].size == (32, 24) and decoded[2].size is None
    with Image.open(io.BytesIO(good)) as image:
        assert decoded[0].pixels_sha256 == pixel_digest(np.asarray(image.convert("RGB")))
    expected = check_jpegs(jpegs, 64, 48)

    def refuse(self):
        raise AssertionError("decoded again")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    assert check_jpegs(jpegs, 64, 48, decoded) == expected
    assert frame_checksums(good, "scene0000_00", "stored frame 0", decoded[0]) == {
        "sha256": decoded[0].sha256, "pixels_sha256": decoded[0].pixels_sha256}
    with pytest.raises(SceneError, match=r"scene0000_00: -: corrupt stored frame 2 \("):
        frame_checksums(jpegs[2], "scene0000_00", "stored frame 2", decoded[2])
