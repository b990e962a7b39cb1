"""ARKitScenes split lists and visits: the release's fold folders and its split csv.

The 3DOD release files every video under a fold folder (`Training/`, `Validation/`) and lists
them in `3dod_train_val_splits.csv` (`video_id,visit_id,fold`; `visit_id` "NA" when unknown).
VSI-Bench's ARKitScenes videos come from the Validation fold. A *visit* is one room: videos of
one visit share a fate in the leakage guard, as ScanNet's rescans of one room do.
"""

from __future__ import annotations

import csv
from pathlib import Path

from vsi100k.arkitscenes.files import CSV_COLUMNS, FOLDS, NO_VISIT, RELEASE_DIR, SPLIT_CSV, find_scans
from vsi100k.errors import ConfigError


def split_csv_files(root: Path) -> list[Path]:
    """The split csv beside the scans: in `root`, `root/3dod/` or the parent of `root` (first found)."""
    root = Path(root)
    for folder in (root, root / RELEASE_DIR, root.parent):
        if (folder / SPLIT_CSV).is_file():
            return [folder / SPLIT_CSV]
    return []


def read_split_csv(path: Path) -> list[tuple[str, str | None, str]]:
    """Rows (video_id, visit_id or None, split) of a split csv. ConfigError naming the file for an
    unreadable file or one that is not UTF-8 text, and the line too for a missing column, an empty
    video_id or an unknown fold."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _split_rows(csv.DictReader(handle), path)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: split csv is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the split csv ({exc.strerror or exc})") from None


def _split_rows(reader: csv.DictReader, path: Path) -> list[tuple[str, str | None, str]]:
    missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ConfigError(f"{path}: split csv lacks the column(s) {', '.join(missing)} "
                          f"(expected header {','.join(CSV_COLUMNS)})")
    rows = []
    for line, row in enumerate(reader, start=2):
        video = (row["video_id"] or "").strip()
        if not video:
            raise ConfigError(f"{path}: line {line}: empty video_id")
        fold = (row["fold"] or "").strip()
        if fold not in FOLDS:
            raise ConfigError(f"{path}: line {line}: fold {fold!r} is not one of {', '.join(FOLDS)}")
        visit = (row["visit_id"] or "").strip()
        rows.append((video, None if visit in ("", NO_VISIT) else visit, FOLDS[fold]))
    return rows


def fold_splits(root: Path) -> dict[str, str]:
    """video id -> split of the videos found under a fold folder (`Training/`, `Validation/`)."""
    out = {}
    for folder in find_scans(root):
        if folder.parent.name in FOLDS:
            out[folder.name] = FOLDS[folder.parent.name]
    return out


def read_split_lists(root: Path) -> dict[str, str]:
    """video id -> split ("train" / "validation") from the csv, then the fold folders.

    A video filed under a fold folder that disagrees with the csv counts as validation (either
    source saying validation is enough to keep it out of train).
    """
    out: dict[str, str] = {}
    for path in split_csv_files(root):
        for video, _, split in read_split_csv(path):
            out[video] = split
    for video, split in fold_splits(root).items():
        out[video] = "validation" if "validation" in (split, out.get(video)) else split
    return out


def read_visits(root: Path) -> dict[str, str]:
    """video id -> visit id, for the csv rows that name a visit."""
    return {video: visit for path in split_csv_files(root) for video, visit, _ in read_split_csv(path)
            if visit is not None}


def write_split_csv(path: Path, rows: list[tuple[str, str | None, str]]) -> None:
    """Write a split csv from (video_id, visit_id or None, split) rows, as the release writes it."""
    fold_of = {split: fold for fold, split in FOLDS.items()}
    lines = [",".join(CSV_COLUMNS)]
    lines += [f"{video},{visit or NO_VISIT},{fold_of[split]}" for video, visit, split in rows]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")
