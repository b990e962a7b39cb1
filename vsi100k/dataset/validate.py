"""Check a build folder before anyone publishes or trains on it: every problem gets a clear reason.

Checked, in full (nothing is sampled):
- the card declares configs; every declared config/split has shards, and they are not empty; no
  shard under data/ is left undeclared;
- every shard's schema equals the explicit Features, and EVERY column of EVERY row group decodes
  (page checksums verified where the writer stored them, arrow data validated, every frame image
  decoded), so corrupt pages are named by shard, column and row group, never a traceback;
- row counts per config and split, and every shard's rows and bytes, equal the build report's (a
  shard of another build, or one missing, is caught); question ids are unique within a split and
  a question type's shards hold only that type;
- every question's scene has a frames row in the same split, except the scenes the report lists
  under `scenes_without_frames` (scans without a colour stream); every frames row holds JPEG images
  consistent with its indices, timestamps, width and height;
- the frames manifest, when there is one (`vsi100k.dataset.manifest`): well formed, and listing
  exactly the frames rows with their values and checksums.
Decoding every image is the costly part (milliseconds each), so a build decodes its frames on its
workers (`check_jpegs`, one scan at a time, on the decode that also gives the manifest's pixel
checksums: `vsi100k.dataset.frame_decode`) and hands their sha256 digests to `validate_output`
(`checked_frames`): an image whose bytes have the digest of one a worker decoded at the row's size
is not decoded again. Any other image is decoded here.
Reads files only; changes nothing.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vsi100k.dataset.frame_decode import DecodedFrame
from vsi100k.dataset.schema import (
    ALL_CONFIG,
    CARD_FILE,
    FRAMES_CONFIG,
    QUESTIONS_DIR,
    REPORT_FILE,
    frame_features,
    question_features,
)
from vsi100k.errors import Vsi100kError

JPEG_MAGIC = b"\xff\xd8"
# Errors a damaged parquet file can raise while being decoded (pyarrow's ArrowException derives from these).
_DECODE_ERRORS = (OSError, ValueError, TypeError, KeyError, IndexError, RuntimeError, NotImplementedError)


class OutputInvalid(Vsi100kError, ValueError):
    """A build folder failed validation; `problems` lists every reason."""

    def __init__(self, out_dir: Path, problems: list[str]):
        self.out_dir = Path(out_dir)
        self.problems = list(problems)
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{out_dir}: the dataset failed validation:\n{listed}")


def read_front_matter(card_path: Path) -> dict:
    """The YAML front matter of a dataset card (the block between the first two `---` lines)."""
    import yaml

    text = Path(card_path).read_text()
    if not text.startswith("---\n"):
        raise ValueError(f"{card_path.name}: no YAML front matter (the card must start with a '---' line)")
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ValueError(f"{card_path.name}: YAML front matter is not closed by a '---' line")
    try:
        data = yaml.safe_load(text[4:end])
    except yaml.YAMLError as error:
        raise ValueError(f"{card_path.name}: YAML front matter does not parse ({_first_line(error)})") from None
    if not isinstance(data, dict):
        raise ValueError(f"{card_path.name}: YAML front matter is not a mapping")
    return data


@dataclass
class _Shard:
    """What decoding one shard found. ok: schema matched and every column decoded."""

    rows: int = 0
    ok: bool = True
    scenes: set[str] = field(default_factory=set)
    ids: list[str] = field(default_factory=list)


def jpeg_digest(data: bytes) -> str:
    """sha256 (hex) of one encoded image."""
    return hashlib.sha256(data).hexdigest()


def check_jpegs(jpegs: Sequence[bytes], width: int, height: int,
                decoded: Sequence[DecodedFrame] | None = None) -> tuple[list[str], list[str]]:
    """Decode every image of one scan's frames: (their sha256 digests, problems). A problem names
    the frame's position: not a JPEG, cannot be decoded, or not `width` x `height` pixels.
    decoded: `decode_frame` of each image when the caller decoded them already (not decoded again)."""
    digests, problems = [], []
    for k, data in enumerate(jpegs):
        problem = _jpeg_problem(bytes(data), width, height, None if decoded is None else decoded[k])
        if problem is not None:
            problems.append(f"frame {k} {problem[1]}")
        digests.append(jpeg_digest(bytes(data)))
    return digests, problems


def validate_output(out_dir: Path, expected_report: Mapping | None = None,
                    checked_frames: Mapping[str, Mapping] | None = None) -> list[str]:
    """Every problem of a build folder, as sentences naming the file, column, config or scene; [] when valid.

    expected_report: the build report the folder must match (default: the folder's own
    build_report.json, which must then exist).
    checked_frames: scene -> {"width", "height", "jpeg_sha256": [one digest per frame]} of frames
    that were decoded already (`check_jpegs`, on the build's workers); a frame whose row has that
    width and height and whose bytes have that digest is not decoded again.
    """
    out_dir = Path(out_dir)
    card = out_dir / CARD_FILE
    if not card.is_file():
        return [f"{CARD_FILE}: missing (the card declares the configs; rebuild the dataset)"]
    try:
        configs = read_front_matter(card).get("configs")
    except (ValueError, OSError) as error:
        return [str(error)]
    if not configs or not isinstance(configs, list):
        return [f"{CARD_FILE}: front matter declares no configs"]
    problems: list[str] = []
    report = expected_report if expected_report is not None else _read_report(out_dir, problems)
    shards: dict[Path, _Shard] = {}
    declared: set[Path] = set()
    question_scenes: dict[str, set[str]] = {}
    frame_scenes: dict[str, set[str]] = {}
    question_ids: dict[str, dict[Path, list[str]]] = {}
    found_rows: dict[tuple[str, str], int] = {}
    for config in configs:
        name = str(config.get("config_name", "?")) if isinstance(config, dict) else "?"
        entries = config.get("data_files", []) if isinstance(config, dict) else []
        is_frames = name == FRAMES_CONFIG
        for entry in entries:
            split, pattern = entry["split"], entry["path"]
            files = sorted(Path(p) for p in glob.glob(str(out_dir / pattern)))
            declared.update(files)
            if not files:
                problems.append(f"config {name}, split {split}: no shard matches {pattern}")
                continue
            rows, all_ok = 0, True
            for path in files:
                if path not in shards:
                    shards[path] = _check_shard(path, out_dir, is_frames, problems, checked_frames or {})
                shard = shards[path]
                all_ok = all_ok and shard.ok
                rows += shard.rows
                if is_frames:
                    frame_scenes.setdefault(split, set()).update(shard.scenes)
                else:
                    question_scenes.setdefault(split, set()).update(shard.scenes)
                    question_ids.setdefault(split, {})[path] = shard.ids
            if rows == 0:
                problems.append(f"config {name}, split {split}: empty split (0 rows)")
            if all_ok:
                found_rows[(name, split)] = rows
    if report is not None:
        problems += _report_problems(out_dir, report, found_rows, configs)
    for split, by_file in sorted(question_ids.items()):
        counts = Counter(qid for ids in by_file.values() for qid in ids)
        repeated = sorted(qid for qid, n in counts.items() if n > 1)
        if repeated:
            problems.append(f"split {split}: {len(repeated)} question id(s) appear more than once, e.g. {repeated[0]}")
    without_frames = set(report.get("scenes_without_frames", []) or []) if report is not None else set()
    if report is not None:  # a partial `vsi100k rehydrate`: scans whose frames could not be rebuilt
        without_frames |= set(report.get("scenes_not_rehydrated", []) or [])
    for split, scenes in sorted(question_scenes.items()):
        missing = sorted(scenes - frame_scenes.get(split, set()) - without_frames)
        if missing:
            shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            problems.append(f"split {split}: missing frames for {len(missing)} scene(s) with questions: {shown}")
    data_dir = out_dir / "data"
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*.parquet")):
            if path not in declared:
                problems.append(f"{path.relative_to(out_dir).as_posix()}: shard not declared by any config in {CARD_FILE}")
    from vsi100k.dataset.manifest import manifest_problems

    problems += manifest_problems(out_dir, without_frames)
    return problems


def check_output(out_dir: Path, expected_report: Mapping | None = None) -> None:
    """Raise OutputInvalid listing every problem, or return when the build folder is valid."""
    problems = validate_output(out_dir, expected_report)
    if problems:
        raise OutputInvalid(out_dir, problems)


def _read_report(out_dir: Path, problems: list[str]) -> dict | None:
    path = out_dir / REPORT_FILE
    if not path.is_file():
        problems.append(f"{REPORT_FILE}: missing (row counts cannot be checked; rebuild the dataset)")
        return None
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        problems.append(f"{REPORT_FILE}: unreadable ({_first_line(error)})")
        return None
    if not isinstance(report, dict):
        problems.append(f"{REPORT_FILE}: not a JSON object")
        return None
    return report


def _report_problems(out_dir: Path, report: Mapping, found_rows: dict[tuple[str, str], int], configs: list) -> list[str]:
    """Row counts per config/split and the shard list against the build report."""
    problems: list[str] = []
    by_type = (report.get("questions") or {}).get("by_type") or {}
    expected: dict[tuple[str, str], int] = {}
    for question_type, splits in by_type.items():
        for split, n in splits.items():
            expected[(question_type, split)] = int(n)
            expected[(ALL_CONFIG, split)] = expected.get((ALL_CONFIG, split), 0) + int(n)
    for split, n in ((report.get("frames") or {}).get("by_split") or {}).items():
        expected[(FRAMES_CONFIG, split)] = int(n)
    declared = {
        (str(c.get("config_name")), str(e.get("split")))
        for c in configs if isinstance(c, dict) for e in c.get("data_files", [])
    }
    for key, rows in sorted(found_rows.items()):
        want = expected.get(key, 0)
        if rows != want:
            problems.append(f"config {key[0]}, split {key[1]}: {rows} rows, the build report says {want}")
    for key in sorted(set(expected) - declared):
        if expected[key]:
            problems.append(f"config {key[0]}, split {key[1]}: {expected[key]} rows in {REPORT_FILE} but not declared in {CARD_FILE}")
    listed = set()
    for item in report.get("shards") or []:
        rel = str(item.get("path"))
        listed.add(rel)
        path = out_dir / rel
        if not path.is_file():
            problems.append(f"{rel}: listed in {REPORT_FILE} but missing")
            continue
        size = path.stat().st_size
        if size != item.get("size_bytes"):
            problems.append(f"{rel}: {size} bytes, {REPORT_FILE} says {item.get('size_bytes')} (not the shard this build wrote)")
    data_dir = out_dir / "data"
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*.parquet")):
            rel = path.relative_to(out_dir).as_posix()
            if rel not in listed:
                problems.append(f"{rel}: not listed in {REPORT_FILE} (a shard of another build?)")
    return problems


def _check_shard(path: Path, out_dir: Path, is_frames: bool, problems: list[str],
                 checked_frames: Mapping[str, Mapping]) -> _Shard:
    """Schema, then every column of every row group decoded; appends problems; returns what it read."""
    import pyarrow.parquet as pq

    where = path.relative_to(out_dir).as_posix()
    shard = _Shard()
    features = frame_features() if is_frames else question_features()
    try:
        parquet = pq.ParquetFile(path, page_checksum_verification=True)
        schema_problem = _schema_problem(parquet.schema_arrow, features)
    except _DECODE_ERRORS as error:
        schema_problem = f"unreadable parquet ({_first_line(error)})"
    if schema_problem:
        problems.append(f"{where}: schema mismatch: {schema_problem}")
        shard.ok = False
        return shard
    expected_type = None
    if not is_frames and path.parent.parent == out_dir / QUESTIONS_DIR:
        expected_type = path.parent.name
    wrong_type: Counter = Counter()
    for group in range(parquet.num_row_groups):
        columns = {}
        for name in features:
            try:
                table = parquet.read_row_group(group, columns=[name])
                table.validate(full=True)
                columns[name] = table.column(name).to_pylist()
            except _DECODE_ERRORS as error:
                problems.append(f"{where}: column {name}: row group {group}: cannot be decoded ({_first_line(error)})")
                shard.ok = False
        n_rows = parquet.metadata.row_group(group).num_rows
        shard.rows += n_rows
        if "scene_name" in columns:
            shard.scenes.update(columns["scene_name"])
        if is_frames:
            if set(columns) == set(features):
                _check_frame_rows(columns, where, problems, checked_frames)
        else:
            shard.ids += columns.get("id", [])
            if expected_type is not None:
                wrong_type.update(t for t in columns.get("question_type", []) if t != expected_type)
    for found, n in sorted(wrong_type.items()):
        problems.append(f"{where}: column question_type: {n} row(s) of type {found!r} in the {expected_type} shards")
        shard.ok = False
    return shard


def _check_frame_rows(columns: dict[str, list], where: str, problems: list[str],
                      checked_frames: Mapping[str, Mapping]) -> None:
    """Each frames row: images present, as many as indices and timestamps, JPEGs that decode at the
    row's size (or whose bytes are those `checked_frames` says were decoded at that size)."""
    for position, scene in enumerate(columns["scene_name"]):
        images = columns["frames"][position] or []
        indices = columns["frame_indices"][position] or []
        times = columns["timestamps_s"][position] or []
        width, height = columns["width"][position], columns["height"][position]
        if not images:
            problems.append(f"{where}: scene {scene}: no frames")
        elif not len(images) == len(indices) == len(times):
            problems.append(
                f"{where}: scene {scene}: {len(images)} images but {len(indices)} frame "
                f"indices and {len(times)} timestamps"
            )
        checked = checked_frames.get(scene) or {}
        digests = checked.get("jpeg_sha256") or []
        same_size = (checked.get("width"), checked.get("height")) == (width, height)
        found: dict[str, list[str]] = {"not_jpeg": [], "broken": [], "wrong_size": []}
        for k, image in enumerate(images):
            data = (image or {}).get("bytes") or b""
            if same_size and k < len(digests) and data.startswith(JPEG_MAGIC) and jpeg_digest(data) == digests[k]:
                continue  # decoded at this size by a worker, byte for byte these bytes
            problem = _jpeg_problem(data, width, height)
            if problem is not None:
                found[problem[0]].append(f"{k}" if problem[0] == "not_jpeg" else f"{k} {problem[2]}")
        if found["not_jpeg"]:
            problems.append(f"{where}: scene {scene}: frame(s) {[int(k) for k in found['not_jpeg'][:5]]} are not JPEG images")
        if found["broken"]:
            problems.append(f"{where}: column frames: scene {scene}: frame(s) {', '.join(found['broken'][:3])} cannot be decoded")
        if found["wrong_size"]:
            problems.append(f"{where}: scene {scene}: frame {', '.join(found['wrong_size'][:3])}, the row says {width}x{height}")


def _jpeg_problem(data: bytes, width: int, height: int,
                  decoded: DecodedFrame | None = None) -> tuple[str, str, str] | None:
    """None when `data` is a JPEG that decodes at width x height; else (kind, sentence, detail)
    with kind "not_jpeg", "broken" or "wrong_size". decoded: `decode_frame(data)`, when known."""
    from PIL import Image

    if not data.startswith(JPEG_MAGIC):
        return "not_jpeg", "is not a JPEG image", ""
    if decoded is not None:
        size, error = decoded.size, decoded.error
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                size, error = image.size, None
        except (OSError, ValueError, SyntaxError) as exc:
            size, error = None, exc
    if size is None:
        detail = f"({_first_line(error)})"
        return "broken", f"cannot be decoded {detail}", detail
    if size != (width, height):
        detail = f"is {size[0]}x{size[1]}"
        return "wrong_size", f"{detail}, expected {width}x{height}", detail
    return None


def _schema_problem(actual, features) -> str | None:
    expected = features.arrow_schema
    if actual.equals(expected, check_metadata=False):
        return None
    missing = [n for n in expected.names if n not in actual.names]
    extra = [n for n in actual.names if n not in expected.names]
    if missing or extra:
        parts = []
        if missing:
            parts.append("missing column(s) " + ", ".join(missing))
        if extra:
            parts.append("unexpected column(s) " + ", ".join(extra))
        return "; ".join(parts)
    for field_ in expected:
        found = actual.field(field_.name)
        if not found.type.equals(field_.type):
            return f"column {field_.name} is {found.type}, expected {field_.type}"
    return f"columns are in the order {', '.join(actual.names)}, expected {', '.join(expected.names)}"


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
