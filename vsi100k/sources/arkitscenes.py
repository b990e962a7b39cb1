"""ARKitScenes as a source: 3DOD video folders read by `vsi100k.arkitscenes`.

A video's room is its visit (`visit_id` of the release's split csv): videos of one visit share a
fate in the leakage guard; a video without a known visit is its own room.
"""

from __future__ import annotations

from pathlib import Path

from vsi100k.sources.base import Source


def is_scan(folder: Path) -> bool:
    from vsi100k.arkitscenes import is_scan as has_layout

    return has_layout(Path(folder))


def find_scans(root: Path) -> list[Path]:
    from vsi100k.arkitscenes import find_scans as find

    return find(Path(root))


def facts_inputs(folder: Path) -> list[Path]:
    """Mesh and box annotation."""
    from vsi100k.arkitscenes import ArkitFiles

    files = ArkitFiles(Path(folder))
    return [files.mesh, files.annotation]


def load(folder: Path, labels=None):
    from vsi100k.arkitscenes import load_scan

    return load_scan(Path(folder), labels)


def stream(folder: Path, scene=None):
    """The scan's colour stream (`vsi100k.arkitscenes.stream`), None when it has none."""
    from vsi100k.arkitscenes.stream import colour_stream

    return colour_stream(Path(folder), scene)


def split_list_files(root: Path) -> list[Path]:
    """The split csv (fold folders are part of the scans' paths, so their fingerprints cover them)."""
    from vsi100k.arkitscenes import split_csv_files

    return split_csv_files(Path(root))


def split_lists(root: Path) -> dict[str, str]:
    from vsi100k.arkitscenes import read_split_lists

    return read_split_lists(Path(root))


def rooms(root: Path) -> dict[str, str]:
    """video id -> its room, `visit <visit_id>`, for the videos whose visit the csv names."""
    from vsi100k.arkitscenes import read_visits

    return {video: f"visit {visit}" for video, visit in read_visits(Path(root)).items()}


def vocabulary():
    from vsi100k.arkitscenes import arkitscenes_vocabulary

    return arkitscenes_vocabulary()


SOURCE = Source(
    name="arkitscenes", is_scan=is_scan, find_scans=find_scans, facts_inputs=facts_inputs,
    load=load, stream=stream, split_lists=split_lists, split_list_files=split_list_files,
    vocabulary=vocabulary, rooms=rooms,
)
