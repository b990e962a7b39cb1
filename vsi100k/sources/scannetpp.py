"""ScanNet++ as a source: scene folders with `scans/` and `iphone/`, read by `vsi100k.scannetpp`."""

from __future__ import annotations

from pathlib import Path

from vsi100k.sources.base import Source


def is_scan(folder: Path) -> bool:
    from vsi100k.scannetpp import is_scan as has_layout

    return has_layout(Path(folder))


def find_scans(root: Path) -> list[Path]:
    from vsi100k.scannetpp import find_scans as find

    return find(Path(root))


def facts_inputs(folder: Path) -> list[Path]:
    """Mesh, segments and annotation."""
    from vsi100k.scannetpp import ScanppFiles

    files = ScanppFiles(Path(folder))
    return [files.mesh, files.segments, files.annotation]


def load(folder: Path, labels=None):
    from vsi100k.scannetpp import load_scan

    return load_scan(Path(folder), labels)


def stream(folder: Path, scene=None):
    """The scan's colour stream (`vsi100k.scannetpp.stream`), None when it has none."""
    from vsi100k.scannetpp.stream import colour_stream

    return colour_stream(Path(folder), scene)


def split_list_files(root: Path) -> list[Path]:
    from vsi100k.scannetpp.files import split_list_files as files

    return files(Path(root))


def split_lists(root: Path) -> dict[str, str]:
    from vsi100k.scannetpp import read_split_lists

    return read_split_lists(Path(root))


def vocabulary():
    from vsi100k.scannetpp import scannetpp_vocabulary

    return scannetpp_vocabulary()


SOURCE = Source(
    name="scannetpp", is_scan=is_scan, find_scans=find_scans, facts_inputs=facts_inputs,
    load=load, stream=stream, split_lists=split_lists, split_list_files=split_list_files,
    vocabulary=vocabulary,
)
