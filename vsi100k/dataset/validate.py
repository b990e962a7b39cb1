"""Check a build folder before anyone publishes or trains on it: every problem gets a clear reason.

Checked: the card declares configs; every declared config/split has shards, and they are not empty;
every shard's schema equals the explicit Features; every question's scene has a frames row in the
same split, and every frames row holds JPEG images consistent with its indices and timestamps;
no shard under data/ is left undeclared. Reads files only; changes nothing.
"""

from __future__ import annotations

import glob
from pathlib import Path

from vsi100k.dataset.schema import CARD_FILE, FRAMES_CONFIG, frame_features, question_features
from vsi100k.errors import Vsi100kError

JPEG_MAGIC = b"\xff\xd8"


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
    data = yaml.safe_load(text[4:end])
    if not isinstance(data, dict):
        raise ValueError(f"{card_path.name}: YAML front matter is not a mapping")
    return data


def validate_output(out_dir: Path) -> list[str]:
    """Every problem of a build folder, as sentences naming the file, config or scene; [] when valid."""
    out_dir = Path(out_dir)
    card = out_dir / CARD_FILE
    if not card.is_file():
        return [f"{CARD_FILE}: missing (the card declares the configs; rebuild the dataset)"]
    try:
        configs = read_front_matter(card).get("configs")
    except ValueError as error:
        return [str(error)]
    if not configs:
        return [f"{CARD_FILE}: front matter declares no configs"]
    problems: list[str] = []
    declared: set[Path] = set()
    question_scenes: dict[str, set[str]] = {}
    frame_scenes: dict[str, set[str]] = {}
    for config in configs:
        name = config.get("config_name", "?")
        features = frame_features() if name == FRAMES_CONFIG else question_features()
        for entry in config.get("data_files", []):
            split, pattern = entry["split"], entry["path"]
            files = sorted(Path(p) for p in glob.glob(str(out_dir / pattern)))
            declared.update(files)
            if not files:
                problems.append(f"config {name}, split {split}: no shard matches {pattern}")
                continue
            rows = 0
            for path in files:
                schema_problem = _schema_problem(path, features)
                if schema_problem:
                    problems.append(f"{path.relative_to(out_dir).as_posix()}: schema mismatch: {schema_problem}")
                    continue
                if name == FRAMES_CONFIG:
                    rows += _check_frames(path, out_dir, frame_scenes.setdefault(split, set()), problems)
                else:
                    rows += _collect_scenes(path, question_scenes.setdefault(split, set()))
            if rows == 0:
                problems.append(f"config {name}, split {split}: empty split (0 rows)")
    for split, scenes in sorted(question_scenes.items()):
        missing = sorted(scenes - frame_scenes.get(split, set()))
        if missing:
            shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            problems.append(f"split {split}: missing frames for {len(missing)} scene(s) with questions: {shown}")
    data_dir = out_dir / "data"
    if data_dir.is_dir():
        for path in sorted(data_dir.rglob("*.parquet")):
            if path not in declared:
                problems.append(f"{path.relative_to(out_dir).as_posix()}: shard not declared by any config in {CARD_FILE}")
    return problems


def check_output(out_dir: Path) -> None:
    """Raise OutputInvalid listing every problem, or return when the build folder is valid."""
    problems = validate_output(out_dir)
    if problems:
        raise OutputInvalid(out_dir, problems)


def _schema_problem(path: Path, features) -> str | None:
    import pyarrow.parquet as pq

    try:
        actual = pq.read_schema(path)
    except Exception as error:  # noqa: BLE001 - any unreadable file is a validation failure
        return f"unreadable parquet ({error})"
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
    for field in expected:
        found = actual.field(field.name)
        if not found.type.equals(field.type):
            return f"column {field.name} is {found.type}, expected {field.type}"
    return f"columns are in the order {', '.join(actual.names)}, expected {', '.join(expected.names)}"


def _collect_scenes(path: Path, scenes: set[str]) -> int:
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["scene_name"])
    scenes.update(table.column("scene_name").to_pylist())
    return table.num_rows


def _check_frames(path: Path, out_dir: Path, scenes: set[str], problems: list[str]) -> int:
    """Check each frames row (one row group at a time, to bound memory); returns the row count."""
    import pyarrow.parquet as pq

    where = path.relative_to(out_dir).as_posix()
    parquet = pq.ParquetFile(path)
    for group in range(parquet.num_row_groups):
        table = parquet.read_row_group(group, columns=["scene_name", "frame_indices", "timestamps_s", "frames"])
        for row in table.to_pylist():
            scene = row["scene_name"]
            scenes.add(scene)
            n_images = len(row["frames"])
            if n_images == 0:
                problems.append(f"{where}: scene {scene}: no frames")
            elif not n_images == len(row["frame_indices"]) == len(row["timestamps_s"]):
                problems.append(
                    f"{where}: scene {scene}: {n_images} images but {len(row['frame_indices'])} frame "
                    f"indices and {len(row['timestamps_s'])} timestamps"
                )
            bad = [i for i, image in enumerate(row["frames"]) if not (image["bytes"] or b"").startswith(JPEG_MAGIC)]
            if bad:
                problems.append(f"{where}: scene {scene}: frame(s) {bad[:5]} are not JPEG images")
    return parquet.metadata.num_rows
