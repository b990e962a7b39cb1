"""Write the dataset's parquet shards: streamed, deterministic, and never half-written.

Each shard is written under a temporary name and renamed once complete (the final name needs the
shard count, known only at the end), so a crash leaves at most hidden `*.tmp` files that the next
write removes. Bytes are deterministic: rows arrive in a fixed order (callers sort them), shard and
row-group boundaries depend only on the rows, and the parquet metadata holds the Features and the
writer's version but no timestamp. Every page carries a CRC checksum, so validation detects
corrupt pages. The file layout is fixed by explicit writer options (`parquet_writer_options`), never
by pyarrow's defaults, which change between versions: dictionary encoding only for the short
repeated string columns, no column statistics or page index, fixed page and batch sizes. Only the
footer's `created_by` (pyarrow's version, which pyarrow does not let a writer set) and the
encodings a pyarrow release chooses inside those settings still tie the bytes to the installed
pyarrow: bytes are promised under the lock file, values under every pyarrow the package allows.
A failing write (disk full, read-only folder) raises `OutputError` naming the shard.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from vsi100k.dataset.output import output_error
from vsi100k.dataset.schema import (
    FRAMES_DIR,
    QUESTIONS_DIR,
    SPLITS,
    frame_features,
    question_features,
    shard_name,
)

TMP_SUFFIX = ".tmp"


@dataclass(frozen=True)
class ShardLimits:
    """When to start a new shard or row group.

    max_rows / max_bytes: a shard closes once it holds this many rows or this many (estimated) bytes.
    row_group_rows: rows per parquet row group (small for frames so a reader fetches one scene's
    images without reading its neighbours').
    """

    max_rows: int
    max_bytes: int
    row_group_rows: int

    def __post_init__(self) -> None:
        for name in ("max_rows", "max_bytes", "row_group_rows"):
            if getattr(self, name) < 1:
                raise ValueError(f"ShardLimits.{name} must be >= 1, got {getattr(self, name)}")


# Columns dictionary-encoded (few distinct values per shard); every other column is plain-encoded.
DICTIONARY_COLUMNS = ("dataset", "scene_name", "question_type", "ground_truth", "answer", "answer_kind", "source")


def parquet_writer_options(schema) -> dict:
    """Every `pyarrow.parquet.ParquetWriter` option that shapes the file, set explicitly.

    schema: the arrow schema written; dictionary encoding is enabled for its `DICTIONARY_COLUMNS`.
    """
    return {
        "version": "2.6",
        "data_page_version": "1.0",
        "compression": "zstd",
        "compression_level": 3,
        "use_dictionary": [name for name in schema.names if name in DICTIONARY_COLUMNS],
        "dictionary_pagesize_limit": 2**20,
        "data_page_size": 2**20,
        "write_batch_size": 1024,
        "write_statistics": False,
        "write_page_index": False,
        "write_page_checksum": True,
        "use_byte_stream_split": False,
        "use_compliant_nested_type": True,
        "store_schema": True,
    }


def write_table(table, path: Path) -> Path:
    """Write one arrow table to `path` as parquet with `parquet_writer_options` (temporary name, then
    rename): for parquet files written outside the dataset's shards, e.g. an exported task."""
    import pyarrow.parquet as pq

    path = Path(path)
    tmp = path.with_name(path.name + TMP_SUFFIX)
    with _writing(tmp):
        with pq.ParquetWriter(tmp, table.schema, **parquet_writer_options(table.schema)) as writer:
            writer.write_table(table)
        os.replace(tmp, path)
    return path


QUESTION_LIMITS = ShardLimits(max_rows=1_000_000, max_bytes=256 * 2**20, row_group_rows=10_000)
FRAME_LIMITS = ShardLimits(max_rows=100_000, max_bytes=256 * 2**20, row_group_rows=4)


@dataclass(frozen=True)
class ShardFile:
    """One written shard: repo-relative posix path, row count and size in bytes."""

    path: str
    rows: int
    size_bytes: int


@dataclass
class WrittenDataset:
    """What `write_dataset` wrote.

    question_counts: question type -> split -> rows. frame_counts: split -> scenes.
    frame_image_bytes: sum of the JPEG bytes of every stored frame (the frames' own bytes).
    """

    shards: list[ShardFile] = field(default_factory=list)
    question_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    frame_counts: dict[str, int] = field(default_factory=dict)
    frame_image_bytes: int = 0

    @property
    def question_bytes(self) -> int:
        return sum(s.size_bytes for s in self.shards if s.path.startswith(str(QUESTIONS_DIR)))

    @property
    def frame_shard_bytes(self) -> int:
        return sum(s.size_bytes for s in self.shards if s.path.startswith(str(FRAMES_DIR)))


def estimate_row_bytes(row: Mapping) -> int:
    """Rough stored size of a row in bytes (payload bytes and string lengths), to size shards."""
    total = 0
    for value in row.values():
        total += _value_bytes(value)
    return total


def _value_bytes(value) -> int:
    if isinstance(value, (bytes, bytearray)):
        return len(value)
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, Mapping):
        return sum(_value_bytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_value_bytes(v) for v in value)
    return 8


def write_shards(rows: Iterable[dict], features, directory: Path, split: str, limits: ShardLimits) -> list[Path]:
    """Stream `rows` (in the order given) into `<directory>/<split>-0000k-of-0000n.parquet`.

    features: the `datasets.Features` of the rows; their arrow schema (with the Features in its
    metadata, which `datasets` reads back) is the file schema. Writes nothing for zero rows.
    Returns the final paths, in shard order.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory = Path(directory)
    with _writing(directory):
        directory.mkdir(parents=True, exist_ok=True)
    schema = features.arrow_schema
    temp_paths: list[Path] = []
    writer = None
    shard_rows = shard_bytes = 0
    group: list[dict] = []

    def flush_group() -> None:
        if group:
            table = pa.Table.from_pylist(group, schema=schema)
            with _writing(temp_paths[-1]):
                writer.write_table(table)
            group.clear()

    def close_shard() -> None:
        nonlocal writer
        flush_group()
        with _writing(temp_paths[-1]):
            writer.close()
            _fsync(temp_paths[-1])
        writer = None

    try:
        for row in rows:
            if writer is None:
                temp_paths.append(directory / f".{split}-{len(temp_paths):05d}.parquet{TMP_SUFFIX}")
                with _writing(temp_paths[-1]):
                    writer = pq.ParquetWriter(temp_paths[-1], schema, **parquet_writer_options(schema))
                shard_rows = shard_bytes = 0
            group.append(row)
            shard_rows += 1
            shard_bytes += estimate_row_bytes(row)
            if len(group) >= limits.row_group_rows:
                flush_group()
            if shard_rows >= limits.max_rows or shard_bytes >= limits.max_bytes:
                close_shard()
        if writer is not None:
            close_shard()
    except BaseException:
        if writer is not None:
            try:
                writer.close()
            except OSError:
                pass  # the file is deleted below; the first error is the one to report
        for path in temp_paths:
            path.unlink(missing_ok=True)
        raise
    final_paths = []
    for index, temp in enumerate(temp_paths):
        final = directory / shard_name(split, index, len(temp_paths))
        with _writing(final):
            os.replace(temp, final)
        final_paths.append(final)
    return final_paths


@contextmanager
def _writing(path: Path):
    """Turn an OSError of a write to `path` (disk full, read-only, no permission) into an OutputError naming it.

    pyarrow's write errors carry the errno only in their text, so it is recovered from there."""
    try:
        yield
    except OSError as error:
        if error.errno is None:
            text = str(error).lower()
            for code in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EIO):
                if f"errno {code}]" in text or os.strerror(code).lower() in text:
                    error = OSError(code, os.strerror(code))
                    break
        raise output_error(error, path, "writing a parquet shard") from None


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def question_sort_key(row: Mapping) -> tuple[str, str, int]:
    """Fixed row order: scene, then question type, then the question's number within the type."""
    return (row["scene_name"], row["question_type"], int(row["id"].rsplit("/", 1)[1]))


def write_dataset(
    out_dir: Path,
    questions: Mapping[str, list[dict]],
    frames: Mapping[str, Iterable[dict]],
    *,
    question_limits: ShardLimits = QUESTION_LIMITS,
    frame_limits: ShardLimits = FRAME_LIMITS,
) -> WrittenDataset:
    """Write both parts under `out_dir/data/` and remove shards of an earlier build that are not rewritten.

    questions: split -> question rows (any order; sorted here by scene, type, number).
    frames: split -> frame rows, already in scene order (an iterable, so a caller can stream one
    scene's images at a time from its cache).
    """
    out_dir = Path(out_dir)
    result = WrittenDataset()
    unknown = sorted(set(questions) - set(SPLITS)) + sorted(set(frames) - set(SPLITS))
    if unknown:
        raise ValueError(f"unknown split(s) {', '.join(unknown)}; splits are {', '.join(SPLITS)}")
    written: list[Path] = []
    q_features = question_features()
    by_type: dict[str, dict[str, list[dict]]] = {}
    for split, rows in questions.items():
        for row in rows:
            by_type.setdefault(row["question_type"], {}).setdefault(split, []).append(row)
    for question_type in sorted(by_type):
        for split in SPLITS:
            rows = sorted(by_type[question_type].get(split, []), key=question_sort_key)
            if not rows:
                continue
            directory = out_dir / QUESTIONS_DIR / question_type
            written += write_shards(rows, q_features, directory, split, question_limits)
            result.question_counts.setdefault(question_type, {})[split] = len(rows)
    f_features = frame_features()
    for split in SPLITS:
        if split not in frames:
            continue
        counter = _FrameCounter(frames[split])
        written += write_shards(counter, f_features, out_dir / FRAMES_DIR, split, frame_limits)
        if counter.rows:
            result.frame_counts[split] = counter.rows
        result.frame_image_bytes += counter.image_bytes
    _remove_stale(out_dir, set(written))
    for path in written:
        result.shards.append(
            ShardFile(path.relative_to(out_dir).as_posix(), _parquet_rows(path), path.stat().st_size)
        )
    return result


class _FrameCounter:
    """Passes frame rows through while counting them, their scene order and their JPEG bytes."""

    def __init__(self, rows: Iterable[dict]):
        self._rows = rows
        self.rows = 0
        self.image_bytes = 0
        self._last_scene: str | None = None

    def __iter__(self):
        for row in self._rows:
            if self._last_scene is not None and row["scene_name"] <= self._last_scene:
                raise ValueError(
                    f"{row['scene_name']}: frame rows must come in increasing scene order "
                    f"(after {self._last_scene}); sort the scenes before writing"
                )
            self._last_scene = row["scene_name"]
            self.rows += 1
            self.image_bytes += sum(len(image["bytes"]) for image in row["frames"])
            yield row


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


def _remove_stale(out_dir: Path, keep: set[Path]) -> None:
    """Delete parquet shards and leftover temporaries under data/ that this write did not produce."""
    data_dir = out_dir / "data"
    if not data_dir.is_dir():
        return
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and (path.name.endswith(TMP_SUFFIX) or path.suffix == ".parquet") and path not in keep:
            path.unlink()
    for directory in sorted((p for p in data_dir.rglob("*") if p.is_dir()), reverse=True):
        if not any(directory.iterdir()):
            directory.rmdir()
