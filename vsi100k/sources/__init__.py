"""Scan sources (ScanNet, ScanNet++, ARKitScenes) behind one contract, and the registry that picks one per folder.

Only the source modules know a source's file names (through its reader package); the pipeline
asks the registry which source a folder is and calls that source's functions.
"""

from __future__ import annotations

from pathlib import Path

from vsi100k.errors import ConfigError, SceneError
from vsi100k.sources import arkitscenes, scannet, scannetpp
from vsi100k.sources.base import Source

# Detection order matters: ScanNet++ and ARKitScenes folders are recognised by their layout before
# any name rule.
SOURCES: dict[str, Source] = {
    source.name: source for source in (scannetpp.SOURCE, arkitscenes.SOURCE, scannet.SOURCE)
}
DEFAULT_SOURCE = "scannet"


def get_source(name: str) -> Source:
    """The registered source called `name`; ConfigError listing the valid names otherwise."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; use one of {', '.join(sorted(SOURCES))}") from None


def source_of(folder: Path) -> Source:
    """The source whose layout `folder` has; SceneError when it has none."""
    for source in SOURCES.values():
        if source.is_scan(Path(folder)):
            return source
    raise SceneError(Path(folder).name, folder, "not a scan folder of any known source "
                                                f"({', '.join(sorted(SOURCES))})")


def find_scans(root: Path, sources: tuple[str, ...] | None = None) -> list[tuple[Source, Path]]:
    """Every scan folder under `root` with its source, sorted by folder name (scene id).

    sources: names of the sources to look for (all registered when None). Raises FileNotFoundError
    when `root` is not a folder and ConfigError for an unknown source name.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: scenes folder not found")
    chosen = [get_source(name) for name in sources] if sources is not None else list(SOURCES.values())
    found: dict[Path, Source] = {}
    for source in chosen:
        for folder in source.find_scans(root):
            found.setdefault(folder, source)
    return sorted(((source, folder) for folder, source in found.items()), key=lambda item: (item[1].name, str(item[1])))


def split_lists(root: Path) -> dict[str, str]:
    """scene id -> split ("train" / "validation" / "test") from every source's split lists under `root`."""
    splits: dict[str, str] = {}
    for source in SOURCES.values():
        splits.update(source.split_lists(Path(root)))
    return splits


def scene_rooms(root: Path) -> dict[str, str]:
    """scene id -> room for the scans under `root` whose source names rooms (`Source.rooms`)."""
    rooms: dict[str, str] = {}
    for source in SOURCES.values():
        if source.rooms is not None:
            rooms.update(source.rooms(Path(root)))
    return rooms


__all__ = ["DEFAULT_SOURCE", "SOURCES", "Source", "find_scans", "get_source", "scene_rooms", "source_of", "split_lists"]
