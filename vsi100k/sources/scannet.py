"""ScanNet v2 as a source: `sceneXXXX_YY` folders read by `vsi100k.scannet`."""

from __future__ import annotations

from pathlib import Path

from vsi100k.sources.base import Source

SPLIT_LIST_NAMES = ("scannetv2_train.txt", "scannetv2_val.txt", "scannetv2_test.txt")


def is_scan(folder: Path) -> bool:
    """A `sceneXXXX_YY` folder that does not have ScanNet++'s layout."""
    from vsi100k.scannetpp import is_scan as is_scannetpp_scan

    folder = Path(folder)
    return folder.is_dir() and folder.name.startswith("scene") and "_" in folder.name and not is_scannetpp_scan(folder)


def find_scans(root: Path) -> list[Path]:
    """`<root>/<id>/` or `<root>/scans/<id>/` folders named `sceneXXXX_YY`, sorted by scene id."""
    from vsi100k.scannet import find_scenes

    return [folder for folder in find_scenes(Path(root)) if is_scan(folder)]


def facts_inputs(folder: Path) -> list[Path]:
    """Mesh, segs, aggregation and txt (the label table is added by the planner)."""
    from vsi100k.scannet import ScanFiles

    files = ScanFiles(Path(folder), Path(folder).name)
    return [files.mesh, files.segs, files.aggregation, files.meta]


def load(folder: Path, labels=None):
    from vsi100k.scannet import load_scene

    return load_scene(Path(folder), labels)


def split_lists_root(root: Path) -> Path:
    """The folder holding ScanNet's split lists: the scenes folder, else its parent (else itself)."""
    for folder in (Path(root), Path(root).parent):
        if any((folder / name).is_file() for name in SPLIT_LIST_NAMES):
            return folder
    return Path(root)


def stream(folder: Path, scene=None):
    """The scan's colour stream (`vsi100k.scannet.stream`), None when it has none."""
    from vsi100k.scannet.stream import colour_stream

    return colour_stream(Path(folder), scene)


def split_list_files(root: Path) -> list[Path]:
    base = split_lists_root(root)
    return [base / name for name in SPLIT_LIST_NAMES if (base / name).exists()]


def split_lists(root: Path) -> dict[str, str]:
    from vsi100k.scannet import read_split_lists

    return read_split_lists(split_lists_root(root))


SOURCE = Source(
    name="scannet", is_scan=is_scan, find_scans=find_scans, facts_inputs=facts_inputs,
    load=load, stream=stream, split_lists=split_lists, split_list_files=split_list_files,
    vocabulary=None,
)
