"""ARKitScenes' `metadata.csv`: the release's per-video table, read here for `sky_direction`.

Apple's downloader saves it beside the fold folders (`<root>/3dod/metadata.csv`, columns include
`video_id`, `visit_id`, `sky_direction`, `fold`). `sky_direction` says where the sky is in the
stored images: Up, Left, Down or Right (NA when unknown); images are stored as the sensor held
them. The column is known to be wrong for some videos, so the frames stage decides each video's
turn from its poses and only compares it with this value.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from vsi100k.errors import SceneError

METADATA_CSV = "metadata.csv"
SKY_DIRECTIONS = ("Up", "Left", "Down", "Right")
UNKNOWN = ("", "NA", "nan")


def metadata_csv_of(video_folder: Path) -> Path | None:
    """The `metadata.csv` of a video folder: beside its fold folder (`3dod/`), or beside the video
    folder itself (videos directly in the scenes folder); None when there is none."""
    folder = Path(video_folder)
    for base in (folder.parent.parent, folder.parent):
        if (base / METADATA_CSV).is_file():
            return base / METADATA_CSV
    return None


def read_sky_directions(path: Path) -> dict[str, str | None]:
    """video id -> sky direction (one of SKY_DIRECTIONS, None for NA) of every row.

    SceneError naming the file (and the line) for an unreadable file, a missing `video_id` or
    `sky_direction` column, or a value that is not a direction.
    """
    path = Path(path)
    stat = path.stat() if path.is_file() else None
    return dict(_read_cached(path, None if stat is None else (stat.st_size, stat.st_mtime_ns)))


@lru_cache(maxsize=8)
def _read_cached(path: Path, stamp) -> tuple[tuple[str, str | None], ...]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in ("video_id", "sky_direction") if c not in (reader.fieldnames or ())]
            if missing:
                raise SceneError(path.parent.name, path, f"metadata csv lacks the column(s) {', '.join(missing)}")
            rows = []
            for line, row in enumerate(reader, start=2):
                video = _video_key((row["video_id"] or "").strip())
                value = (row["sky_direction"] or "").strip()
                if value in UNKNOWN:
                    rows.append((video, None))
                    continue
                if value not in SKY_DIRECTIONS:
                    raise SceneError(video or path.parent.name, path,
                                     f"line {line}: sky_direction {value!r} is not one of {', '.join(SKY_DIRECTIONS)} or NA")
                rows.append((video, value))
            return tuple(rows)
    except UnicodeDecodeError as exc:
        raise SceneError(path.parent.name, path, f"metadata csv is not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise SceneError(path.parent.name, path, f"cannot read the metadata csv ({exc.strerror or exc})") from None


def _video_key(text: str) -> str:
    """Video ids as folder names: pandas-written tables may hold `41254925.0`."""
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def sky_direction(video_folder: Path, video_id: str) -> tuple[str | None, Path | None]:
    """(the video's sky direction or None, the csv read or None when there is none)."""
    path = metadata_csv_of(video_folder)
    if path is None:
        return None, None
    return read_sky_directions(path).get(str(video_id)), path


def write_metadata_csv(path: Path, rows: list[tuple[str, str | None, str | None, str]]) -> None:
    """Write a metadata csv from (video_id, visit_id, sky_direction, fold) rows (None -> NA)."""
    lines = ["video_id,visit_id,sky_direction,fold"]
    lines += [f"{video},{visit or 'NA'},{sky or 'NA'},{fold}" for video, visit, sky, fold in rows]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n")
