"""The per-scan metadata txt (`<id>.txt`): `key = value` lines, including axisAlignment."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vsi100k.errors import SceneError


def read_meta(path: Path, scene_id: str) -> dict[str, str]:
    """All `key = value` pairs. Blank lines are ignored; any other line is an error."""
    path = Path(path)
    try:
        text = path.read_text(errors="strict")
    except FileNotFoundError:
        raise SceneError(scene_id, path, "file not found") from None
    except (IsADirectoryError, PermissionError) as exc:
        raise SceneError(scene_id, path, f"cannot read the file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise SceneError(scene_id, path, "not a text file (undecodable bytes)") from None
    meta: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise SceneError(scene_id, path, f"line {number} is not 'key = value': {line[:60]!r}")
        meta[key.strip()] = value.strip()
    return meta


def axis_alignment(meta: dict[str, str], scene_id: str, path: Path) -> np.ndarray:
    """(4, 4) float64 row-major axisAlignment; identity when the key is absent (as for some scans)."""
    raw = meta.get("axisAlignment")
    if raw is None:
        return np.eye(4)
    try:
        values = [float(v) for v in raw.split()]
    except ValueError:
        raise SceneError(scene_id, path, f"axisAlignment is not 16 numbers: {raw[:60]!r}") from None
    if len(values) != 16 or not np.all(np.isfinite(values)):
        raise SceneError(scene_id, path, f"axisAlignment has {len(values)} values, expected 16 finite numbers")
    matrix = np.asarray(values, dtype=np.float64).reshape(4, 4)
    if not np.allclose(matrix[3], [0, 0, 0, 1], atol=1e-6):
        raise SceneError(scene_id, path, "axisAlignment's last row is not 0 0 0 1")
    return matrix


def write_meta(path: Path, meta: dict[str, str]) -> None:
    """Write `key = value` lines in the given order (ScanNet's own files are sorted by key)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(f"{k} = {v}\n" for k, v in meta.items()))
    tmp.replace(path)


def format_matrix(matrix: np.ndarray) -> str:
    """16 numbers, row-major, as ScanNet writes axisAlignment."""
    return " ".join(f"{v:.6f}" for v in np.asarray(matrix, dtype=np.float64).reshape(-1))
