"""The contract of a scan source: how to recognise, find, fingerprint and load its scans, and
how to read their colour streams.

A source is data (a frozen record of functions), registered in `vsi100k.sources.SOURCES`. Every
source's `load` returns the same `Scene` value (mesh in a gravity-aligned metric frame via
`axis_alignment`, objects with raw labels and instance ids), and its `stream` the same
`ColourStream` record (frames, poses, intrinsics, orientation), so the stages after loading never
ask where a scan came from; only the `dataset` column names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from vsi100k.facts.vocabulary import Vocabulary
from vsi100k.scene import Scene

if TYPE_CHECKING:
    from vsi100k.frames.stream import ColourStream


@dataclass(frozen=True)
class Source:
    """One scan source.

    name: the `dataset` column value of its rows ("scannet", "scannetpp", "arkitscenes"), as VSI-Bench
        writes it.
    is_scan(folder): whether a folder is one scan of this source (by its layout).
    find_scans(root): its scan folders under a scenes folder, sorted by scene id.
    facts_inputs(folder): the files the facts depend on (cache keys fingerprint those that exist);
        the first is the mesh.
    load(folder, labels=None): the `Scene`; SceneError naming the scene, the file and the problem.
    split_lists(root): scene id -> split ("train" / "validation" / "test") from the source's lists
        found beside the scans; split_list_files(root): those list files.
    vocabulary(): raw label -> category map of the source; None means the project's default
        (ScanNet) vocabulary.
    rooms(root): scene id -> room for sources whose room is not derived from the scene id
        (ARKitScenes: the visit of each video); None: `vsi100k.tasks.leakage.room_of`.
    stream(folder, scene=None): the scan's `ColourStream`, or None when it has no colour stream;
        computed from the folder alone (cache keys are computed before any mesh is read), or with
        the loaded `Scene` when there is one.
    """

    name: str
    is_scan: Callable[[Path], bool]
    find_scans: Callable[[Path], list[Path]]
    facts_inputs: Callable[[Path], list[Path]]
    load: Callable[..., Scene]
    split_lists: Callable[[Path], dict[str, str]]
    split_list_files: Callable[[Path], list[Path]]
    stream: Callable[..., "ColourStream | None"] = lambda folder, scene=None: None
    vocabulary: Callable[[], Vocabulary] | None = None
    rooms: Callable[[Path], dict[str, str]] | None = None
