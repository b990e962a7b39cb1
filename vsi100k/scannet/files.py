"""ScanNet file names of one scan folder (the only place that knows them)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ScanFiles:
    directory: Path
    scene_id: str

    @property
    def mesh(self) -> Path:
        return self.directory / f"{self.scene_id}_vh_clean_2.ply"

    @property
    def segs(self) -> Path:
        return self.directory / f"{self.scene_id}_vh_clean_2.0.010000.segs.json"

    @property
    def aggregation(self) -> Path:
        """`<id>.aggregation.json`, or the older `<id>_vh_clean.aggregation.json` when only it exists."""
        primary = self.directory / f"{self.scene_id}.aggregation.json"
        legacy = self.directory / f"{self.scene_id}_vh_clean.aggregation.json"
        return legacy if not primary.exists() and legacy.exists() else primary

    @property
    def meta(self) -> Path:
        return self.directory / f"{self.scene_id}.txt"

    @property
    def sens(self) -> Path:
        return self.directory / f"{self.scene_id}.sens"

    @property
    def video(self) -> Path:
        return self.directory / f"{self.scene_id}.mp4"

    @property
    def pose_dir(self) -> Path:
        return self.directory / "pose"


def find_scenes(root: Path) -> list[Path]:
    """Scan folders under `root` (`<root>/<id>/` or `<root>/scans/<id>/`), sorted by scene id.

    A folder counts as a scan when its name looks like `sceneXXXX_YY`.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: scenes folder not found")
    base = root / "scans" if (root / "scans").is_dir() else root
    return sorted(p for p in base.iterdir() if p.is_dir() and p.name.startswith("scene") and "_" in p.name)


def find_dataset_file(scene_dir: Path, name: str) -> Path | None:
    """A dataset-wide file (label table, split list) in the scan's folder or up to two levels above."""
    for folder in (scene_dir, *list(Path(scene_dir).parents)[:3]):
        candidate = folder / name
        if candidate.exists():
            return candidate
    return None
