"""The `Scene` value: one scan as loaded from disk, handed unchanged to every stage.

Pure data (numpy arrays and paths) plus the one rule that turns annotation groups into objects
(`resolve_objects`) and the one path from parsed annotations to a `Scene` (`assemble_scene`), which
every source's reader takes; no file-format knowledge lives here. Only the source packages
(`vsi100k.scannet`, `vsi100k.scannetpp`, `vsi100k.arkitscenes`) know their files and formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    from vsi100k.geometry.box import Box

_NAME_LIST_LIMIT = 20  # names listed in a fault summary before it says "..."


@dataclass(frozen=True)
class SegGroup:
    """One annotated object of the aggregation file (a ScanNet `segGroup`)."""

    id: int
    object_id: int
    segments: tuple[int, ...]
    label: str  # raw ScanNet category, e.g. "office chair"


@dataclass(frozen=True)
class SceneObject:
    """One object of a scan after annotation faults are resolved.

    instance_id: 1-based position in the resolved list (0 means "no object" elsewhere).
    object_id: the aggregation's `objectId` (shared by the segGroups merged into this object).
    label: raw ScanNet category of the object's first segGroup.
    group_ids: `id` of every segGroup merged into this object, in file order.
    segments: sorted distinct over-segment ids of those segGroups.
    vertex_indices: (n,) int64 ascending indices of the mesh vertices whose segment is in
        `segments` (n may be 0 when no vertex carries any of them).
    """

    instance_id: int
    object_id: int
    label: str
    group_ids: tuple[int, ...]
    segments: tuple[int, ...]
    vertex_indices: np.ndarray = field(compare=False, repr=False)

    @property
    def vertex_count(self) -> int:
        return int(len(self.vertex_indices))


@dataclass(frozen=True)
class AnnotationFaults:
    """What resolving a scan's segGroups into objects had to fix or could not check, per scan.

    label_table_checked: whether raw labels were looked up in ScanNet's label table.
    unknown_labels: distinct raw labels absent from the label table, sorted (empty when unchecked).
    unknown_label_objects: resolved objects whose raw label is absent from the table.
    merged_object_ids: objectIds carried by more than one segGroup (merged into one object each).
    merged_groups: segGroups folded into an earlier segGroup with the same objectId.
    merged_label_conflicts: "objectId: label, label" where merged segGroups disagree on the label
        (the first segGroup's label is kept).
    duplicated_group_ids: `id` of segGroups dropped because their segment set repeats an earlier
        segGroup's (scene0217_00 repeats every object from objectId 31).
    """

    label_table_checked: bool = False
    unknown_labels: tuple[str, ...] = ()
    unknown_label_objects: int = 0
    merged_object_ids: tuple[int, ...] = ()
    merged_groups: int = 0
    merged_label_conflicts: tuple[str, ...] = ()
    duplicated_group_ids: tuple[int, ...] = ()

    @property
    def duplicated_groups(self) -> int:
        return len(self.duplicated_group_ids)

    @property
    def count(self) -> int:
        """Faults of all kinds: duplicated and merged segGroups plus objects with an unknown label."""
        return self.duplicated_groups + self.merged_groups + self.unknown_label_objects

    def notes(self) -> list[str]:
        """One human-readable sentence per kind of fault found (empty when the scan is clean)."""
        out = []
        if self.duplicated_group_ids:
            out.append(
                f"removed {self.duplicated_groups} duplicated segGroups (same segments as an earlier group): "
                f"ids {_listing([str(i) for i in self.duplicated_group_ids])}"
            )
        if self.merged_groups:
            out.append(
                f"merged {self.merged_groups} segGroups into an earlier group with the same objectId: "
                f"objectIds {_listing([str(i) for i in self.merged_object_ids])}"
            )
        if self.merged_label_conflicts:
            out.append(f"merged segGroups disagree on the label (first kept): {_listing(list(self.merged_label_conflicts))}")
        if self.unknown_labels:
            out.append(
                f"{self.unknown_label_objects} objects have raw labels absent from the label table: "
                f"{_listing([repr(label) for label in self.unknown_labels])}"
            )
        return out

    def to_json(self) -> dict:
        return {
            "label_table_checked": self.label_table_checked,
            "unknown_labels": list(self.unknown_labels),
            "unknown_label_objects": self.unknown_label_objects,
            "merged_object_ids": list(self.merged_object_ids),
            "merged_groups": self.merged_groups,
            "merged_label_conflicts": list(self.merged_label_conflicts),
            "duplicated_group_ids": list(self.duplicated_group_ids),
            "duplicated_groups": self.duplicated_groups,
        }

    @classmethod
    def from_json(cls, data: dict) -> "AnnotationFaults":
        return cls(
            label_table_checked=bool(data["label_table_checked"]),
            unknown_labels=tuple(str(v) for v in data["unknown_labels"]),
            unknown_label_objects=int(data["unknown_label_objects"]),
            merged_object_ids=tuple(int(v) for v in data["merged_object_ids"]),
            merged_groups=int(data["merged_groups"]),
            merged_label_conflicts=tuple(str(v) for v in data["merged_label_conflicts"]),
            duplicated_group_ids=tuple(int(v) for v in data["duplicated_group_ids"]),
        )


@dataclass(frozen=True)
class Scene:
    """A ScanNet scan in memory. Coordinates are raw (not axis-aligned) unless stated.

    vertices: (V, 3) float32 metres, raw scan frame.
    colors: (V, 4) uint8 RGBA.
    faces: (F, 3) int32 vertex indices.
    seg_indices: (V,) int64 over-segment id of each vertex.
    seg_groups: the aggregation's segGroups as stored, faults included.
    axis_alignment: (4, 4) float64, maps raw -> aligned (z up); identity when the txt has none.
    objects: the resolved objects every stage uses (see `resolve_objects`); resolved from
        `seg_groups` without a label-table check when not given.
    annotation_faults: what that resolution fixed (set together with `objects`).
    annotated_boxes: for sources whose objects are annotated as oriented boxes (ARKitScenes):
        segGroup objectId -> its `Box` in the aligned frame (z up, metres); the facts use these
        boxes instead of boxes fitted to vertices. None for vertex-annotated sources.
    """

    scene_id: str
    directory: Path
    vertices: np.ndarray
    colors: np.ndarray
    faces: np.ndarray
    seg_indices: np.ndarray
    seg_groups: tuple[SegGroup, ...]
    axis_alignment: np.ndarray
    metadata: dict[str, str] = field(default_factory=dict)
    sens_path: Path | None = None
    video_path: Path | None = None
    objects: tuple[SceneObject, ...] | None = None
    annotation_faults: AnnotationFaults | None = None
    annotated_boxes: Mapping[int, "Box"] | None = None

    def __post_init__(self) -> None:
        if self.objects is None or self.annotation_faults is None:
            objects, faults = resolve_objects(self.seg_groups, self.seg_indices)
            object.__setattr__(self, "objects", objects)
            object.__setattr__(self, "annotation_faults", faults)

    @property
    def room_id(self) -> str:
        """The room a scan belongs to: `scene0217` for `scene0217_00` (scans of one room share it)."""
        return self.scene_id.split("_")[0]

    def aligned_vertices(self) -> np.ndarray:
        """(V, 3) float64 vertices after axisAlignment (z up, metres)."""
        return apply_transform(self.axis_alignment, self.vertices)


def assemble_scene(
    scene_id: str,
    directory: Path,
    *,
    vertices: np.ndarray,
    colors: np.ndarray,
    faces: np.ndarray,
    seg_indices: np.ndarray,
    seg_groups: tuple[SegGroup, ...],
    labels=None,
    axis_alignment: np.ndarray | None = None,
    metadata: dict[str, str] | None = None,
    sens_path: Path | None = None,
    video_path: Path | None = None,
    annotated_boxes: Mapping[int, "Box"] | None = None,
) -> Scene:
    """The `Scene` of one parsed scan, its segGroups resolved into objects (`resolve_objects`).

    labels: anything with `.get(raw_label) -> row or None` (e.g. ScanNet's label table); objects
    whose raw label it lacks are counted in `Scene.annotation_faults`. None: no check.
    axis_alignment: (4, 4) raw -> aligned; None: the identity (meshes stored aligned).
    """
    is_known = None if labels is None else (lambda raw: labels.get(raw) is not None)
    objects, faults = resolve_objects(seg_groups, seg_indices, is_known)
    return Scene(
        scene_id=scene_id,
        directory=Path(directory),
        vertices=vertices,
        colors=colors,
        faces=faces,
        seg_indices=seg_indices,
        seg_groups=tuple(seg_groups),
        axis_alignment=np.eye(4) if axis_alignment is None else axis_alignment,
        metadata=dict(metadata or {}),
        sens_path=sens_path,
        video_path=video_path,
        objects=objects,
        annotation_faults=faults,
        annotated_boxes=annotated_boxes,
    )


def find_scan_folders(bases, is_scan: Callable[[Path], bool]) -> list[Path]:
    """Sub-folders of the existing `bases` (in order) for which `is_scan` holds, one per folder name
    (the first base wins), sorted by name (the scene id)."""
    found: dict[str, Path] = {}
    for base in bases:
        base = Path(base)
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            if folder.is_dir() and folder.name not in found and is_scan(folder):
                found[folder.name] = folder
    return [found[name] for name in sorted(found)]


def apply_transform(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a (4, 4) homogeneous transform to (N, 3) points; returns (N, 3) float64."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:3, :3].T + matrix[:3, 3]


def resolve_objects(
    seg_groups: tuple[SegGroup, ...] | list[SegGroup],
    seg_indices: np.ndarray,
    is_known_label: Callable[[str], bool] | None = None,
) -> tuple[tuple[SceneObject, ...], AnnotationFaults]:
    """Turn segGroups into objects, once per scan, the same way for every stage.

    1. A segGroup whose segment set equals an earlier segGroup's is a duplicate and is dropped.
    2. segGroups sharing one objectId are merged into one object (as ScanNet's own tools do):
       segments united, the first segGroup's label and position kept.
    3. With `is_known_label` (raw label -> bool, e.g. a lookup in ScanNet's label table), objects
       whose label it rejects are counted and their labels named.
    Instance ids are 1-based positions in the resulting order (file order of first appearance).
    seg_indices: (V,) over-segment id of each vertex.
    """
    seen_sets: set[frozenset[int]] = set()
    duplicated: list[int] = []
    merged: dict[int, list[SegGroup]] = {}  # objectId -> its groups, in file order (dict keeps first-seen order)
    for group in seg_groups:
        key = frozenset(int(s) for s in group.segments)
        if key in seen_sets:
            duplicated.append(int(group.id))
            continue
        seen_sets.add(key)
        merged.setdefault(int(group.object_id), []).append(group)
    segment_sets = [
        tuple(sorted({int(s) for group in groups for s in group.segments})) for groups in merged.values()
    ]
    members = group_vertices(seg_indices, segment_sets)
    objects = tuple(
        SceneObject(
            instance_id=position,
            object_id=object_id,
            label=groups[0].label,
            group_ids=tuple(int(g.id) for g in groups),
            segments=segments,
            vertex_indices=index,
        )
        for position, ((object_id, groups), segments, index) in enumerate(
            zip(merged.items(), segment_sets, members), start=1
        )
    )
    shared = [(object_id, groups) for object_id, groups in merged.items() if len(groups) > 1]
    conflicts = []
    for object_id, groups in shared:
        labels = list(dict.fromkeys(g.label for g in groups))
        if len(labels) > 1:
            conflicts.append(f"{object_id}: {', '.join(labels)}")
    unknown = [] if is_known_label is None else [o.label for o in objects if not is_known_label(o.label)]
    faults = AnnotationFaults(
        label_table_checked=is_known_label is not None,
        unknown_labels=tuple(sorted(set(unknown))),
        unknown_label_objects=len(unknown),
        merged_object_ids=tuple(object_id for object_id, _ in shared),
        merged_groups=sum(len(groups) - 1 for _, groups in shared),
        merged_label_conflicts=tuple(conflicts),
        duplicated_group_ids=tuple(duplicated),
    )
    return objects, faults


def group_vertices(seg_indices: np.ndarray, segment_sets: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Ascending vertex indices of every segment set: the vertices whose segment id is in the set.

    seg_indices: (V,) segment id per vertex. Returns one (n_k,) int64 array per set. One pass over
    the vertices: each vertex gets the slot of its segment among the annotated segments, vertices
    are bucketed by slot with one stable sort, and a set gathers its slots.
    """
    seg = np.asarray(seg_indices).reshape(-1).astype(np.int64, copy=False)
    if not segment_sets:
        return []
    annotated = np.unique(np.concatenate([np.asarray(s, dtype=np.int64).reshape(-1) for s in segment_sets]))
    if len(annotated) == 0 or len(seg) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in segment_sets]
    # slot of each vertex's segment in `annotated`, or len(annotated) when it is in no set
    pos = np.minimum(np.searchsorted(annotated, seg), len(annotated) - 1)
    slot = np.where(annotated[pos] == seg, pos, len(annotated))
    small = np.int16 if len(annotated) < np.iinfo(np.int16).max else np.int32
    order = np.argsort(slot.astype(small), kind="stable")  # radix sort for small ints
    counts = np.bincount(slot, minlength=len(annotated) + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = []
    for segments in segment_sets:
        slots = np.searchsorted(annotated, np.unique(np.asarray(segments, dtype=np.int64)))
        sizes = counts[slots]
        if sizes.sum() == 0:
            out.append(np.zeros(0, dtype=np.int64))
            continue
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        gather = np.repeat(starts[slots] - offsets, sizes) + np.arange(sizes.sum())
        out.append(np.sort(order[gather]).astype(np.int64, copy=False))
    return out


def _listing(items: list[str]) -> str:
    head = ", ".join(items[:_NAME_LIST_LIMIT])
    return head + (", ..." if len(items) > _NAME_LIST_LIMIT else "")
