"""ScanNet's label table (`scannetv2-labels.combined.tsv`) and split lists."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

LABEL_COLUMNS = (
    "id", "raw_category", "category", "count", "nyu40id", "eigen13id", "nyuClass", "nyu40class",
    "eigen13class", "ModelNet40", "ModelNet", "ShapeNetCore55", "synsetoffset", "wnsynsetid",
    "wnsynsetkey", "mpcat40index", "mpcat40",
)
SPLIT_FILES = {"train": "scannetv2_train.txt", "validation": "scannetv2_val.txt", "test": "scannetv2_test.txt"}


@dataclass(frozen=True)
class LabelTable:
    """Rows of the label table keyed by `raw_category` (ids are not unique: synonyms share them)."""

    rows: dict[str, dict[str, str]]

    def get(self, raw_label: str) -> dict[str, str] | None:
        """The row of a raw label, or None for labels absent from the table (e.g. v1's `trashcan`)."""
        return self.rows.get(raw_label.strip().lower())


def read_label_table(path: Path) -> LabelTable:
    path = Path(path)
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        if reader.fieldnames is None or "raw_category" not in reader.fieldnames:
            raise ValueError(f"{path.name}: not a ScanNet label table (no 'raw_category' column)")
        rows = {row["raw_category"].strip().lower(): row for row in reader}
    return LabelTable(rows)


def write_label_table(path: Path, rows: list[dict[str, str]]) -> None:
    """Write rows (dicts keyed by LABEL_COLUMNS; missing keys left empty) as ScanNet's tsv."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LABEL_COLUMNS, delimiter="\t", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({col: row.get(col, "") for col in LABEL_COLUMNS})
    tmp.replace(path)


def read_split_lists(root: Path) -> dict[str, str]:
    """scene_id -> split ("train" / "validation" / "test") from the lists found in `root`."""
    out: dict[str, str] = {}
    for split, name in SPLIT_FILES.items():
        path = Path(root) / name
        if path.exists():
            for line in path.read_text().splitlines():
                if line.strip():
                    out[line.strip()] = split
    return out


def write_split_list(path: Path, scene_ids: list[str]) -> None:
    Path(path).write_text("".join(f"{s}\n" for s in scene_ids))
