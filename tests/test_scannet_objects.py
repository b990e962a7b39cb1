"""Annotation faults resolved once on load: duplicated segGroups, shared objectIds, unknown labels.

A synthetic scan written with the project's ScanNet writer carries every fault at once; the
resolved objects, the fault counts and names, and what facts and visibility see are checked exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vsi100k.facts.extract import FactsConfig, extract_facts
from vsi100k.frames.visibility import vertex_instances
from vsi100k.scannet import load_scene, read_label_table, write_label_table, write_scene_files
from vsi100k.scene import AnnotationFaults, Scene, SegGroup, resolve_objects

SCENE = "scene0217_00"
# segment id -> number of vertices carrying it (segment 9 is in no group: vertices with no object)
SEGMENT_SIZES = {1: 30, 2: 20, 3: 25, 4: 12, 5: 7, 9: 6}
GROUPS = [
    SegGroup(0, 0, (1,), "chair"),
    SegGroup(1, 1, (2,), "table"),
    SegGroup(2, 1, (3,), "table"),  # same objectId as group 1: one table in two parts
    SegGroup(3, 2, (4,), "trashcan"),  # a ScanNet v1 label, absent from the label table
    SegGroup(4, 3, (1,), "chair"),  # the chair again: a duplicated segGroup (scene0217_00's fault)
    SegGroup(5, 4, (5,), "whatsit"),  # absent from the label table too
]


def _write_scan(root: Path, groups=GROUPS) -> Path:
    rng = np.random.default_rng(7)
    seg = np.concatenate([np.full(n, s, dtype=np.int64) for s, n in SEGMENT_SIZES.items()])
    rng.shuffle(seg)
    vertices = rng.uniform(0, 4, size=(len(seg), 3)).astype(np.float32)
    faces = np.stack([np.arange(len(seg) - 2), np.arange(1, len(seg) - 1), np.arange(2, len(seg))], axis=1)
    write_scene_files(
        root / SCENE, SCENE, vertices=vertices, colors=np.full((len(seg), 3), 128, np.uint8), faces=faces,
        seg_indices=seg, seg_groups=groups, axis_alignment=np.eye(4), metadata={"sceneType": "Office"},
    )
    table = root / "scannetv2-labels.combined.tsv"
    write_label_table(table, [
        {"id": "2", "raw_category": "chair", "category": "chair", "nyu40class": "chair"},
        {"id": "7", "raw_category": "table", "category": "table", "nyu40class": "table"},
    ])
    return root / SCENE


def test_faults_are_counted_named_and_resolved_once(tmp_path: Path):
    scan = _write_scan(tmp_path)
    scene = load_scene(scan, read_label_table(tmp_path / "scannetv2-labels.combined.tsv"))
    assert len(scene.seg_groups) == 6  # the file as stored
    got = [(o.instance_id, o.object_id, o.label, o.group_ids, o.segments, o.vertex_count) for o in scene.objects]
    assert got == [
        (1, 0, "chair", (0,), (1,), 30),
        (2, 1, "table", (1, 2), (2, 3), 45),
        (3, 2, "trashcan", (3,), (4,), 12),
        (4, 4, "whatsit", (5,), (5,), 7),
    ]
    for obj in scene.objects:  # the vertex indices are exactly the vertices of the object's segments
        expected = np.flatnonzero(np.isin(scene.seg_indices, obj.segments))
        np.testing.assert_array_equal(obj.vertex_indices, expected)
    faults = scene.annotation_faults
    assert faults == AnnotationFaults(
        label_table_checked=True, unknown_labels=("trashcan", "whatsit"), unknown_label_objects=2,
        merged_object_ids=(1,), merged_groups=1, merged_label_conflicts=(), duplicated_group_ids=(4,),
    )
    assert (faults.duplicated_groups, faults.count) == (1, 4)
    assert faults.to_json() == {
        "label_table_checked": True, "unknown_labels": ["trashcan", "whatsit"], "unknown_label_objects": 2,
        "merged_object_ids": [1], "merged_groups": 1, "merged_label_conflicts": [],
        "duplicated_group_ids": [4], "duplicated_groups": 1,
    }
    assert AnnotationFaults.from_json(faults.to_json()) == faults
    assert faults.notes() == [
        "removed 1 duplicated segGroups (same segments as an earlier group): ids 4",
        "merged 1 segGroups into an earlier group with the same objectId: objectIds 1",
        "2 objects have raw labels absent from the label table: 'trashcan', 'whatsit'",
    ]


def test_without_a_label_table_no_label_check_is_made(tmp_path: Path):
    scene = load_scene(_write_scan(tmp_path))
    assert len(scene.objects) == 4
    faults = scene.annotation_faults
    assert faults.label_table_checked is False
    assert (faults.unknown_labels, faults.unknown_label_objects) == ((), 0)
    assert (faults.merged_groups, faults.duplicated_group_ids) == (1, (4,))


def test_facts_and_visibility_use_the_same_resolved_objects(tmp_path: Path):
    scan = _write_scan(tmp_path)
    table = read_label_table(tmp_path / "scannetv2-labels.combined.tsv")
    scene = load_scene(scan, table)
    facts = extract_facts(scene, FactsConfig(oriented_engine="numpy"))
    assert [(o.instance_id, o.raw_label, o.category, o.vertex_count) for o in facts.objects] == [
        (1, "chair", "chair", 30), (2, "table", "table", 45), (3, "trashcan", "trash bin", 12), (4, "whatsit", None, 7),
    ]
    assert facts.extra["annotation_faults"] == scene.annotation_faults.to_json()
    assert facts.notes == tuple(scene.annotation_faults.notes())
    labels, counts = vertex_instances(scene.seg_indices, [o.segments for o in scene.objects])
    assert counts.tolist() == [o.vertex_count for o in facts.objects]
    assert np.bincount(labels, minlength=5).tolist() == [6, 30, 45, 12, 7]  # 6 vertices in no object


def test_merged_groups_with_different_labels_keep_the_first_and_say_so():
    groups = (SegGroup(10, 5, (1,), "desk"), SegGroup(11, 5, (2,), "table"), SegGroup(12, 5, (3,), "table"))
    objects, faults = resolve_objects(groups, np.array([1, 1, 2, 3, 3, 3]))
    assert [(o.instance_id, o.label, o.group_ids, o.segments, o.vertex_count) for o in objects] == [
        (1, "desk", (10, 11, 12), (1, 2, 3), 6),
    ]
    assert (faults.merged_object_ids, faults.merged_groups) == ((5,), 2)
    assert faults.merged_label_conflicts == ("5: desk, table",)
    assert "merged segGroups disagree on the label (first kept): 5: desk, table" in faults.notes()


def test_a_duplicate_is_dropped_before_objectids_are_merged():
    # group 2 repeats group 0's segments under group 1's objectId: dropped, not merged into object 1
    groups = (SegGroup(0, 0, (1,), "chair"), SegGroup(1, 1, (2,), "lamp"), SegGroup(2, 1, (1,), "chair"))
    objects, faults = resolve_objects(groups, np.array([1, 2, 2]), lambda label: label == "chair")
    assert [(o.object_id, o.segments, o.vertex_count) for o in objects] == [(0, (1,), 1), (1, (2,), 2)]
    assert (faults.duplicated_group_ids, faults.merged_groups) == ((2,), 0)
    assert (faults.unknown_labels, faults.unknown_label_objects) == (("lamp",), 1)


def test_a_scene_built_in_memory_resolves_its_objects_too():
    scene = Scene("scene0001_00", Path("scene0001_00"), np.zeros((3, 3), np.float32), np.zeros((3, 4), np.uint8),
                  np.array([[0, 1, 2]], np.int32), np.array([4, 4, 8]),
                  (SegGroup(0, 0, (4,), "lamp"), SegGroup(1, 1, (4,), "lamp")), np.eye(4))
    assert [(o.instance_id, o.vertex_count) for o in scene.objects] == [(1, 2)]
    assert scene.annotation_faults.duplicated_group_ids == (1,)


@pytest.mark.parametrize("groups, count", [((), 0), ((SegGroup(0, 0, (99,), "lamp"),), 1)])
def test_groups_without_vertices_still_get_an_instance_id(groups, count):
    objects, faults = resolve_objects(groups, np.array([1, 2, 3]))
    assert len(objects) == count and all(o.vertex_count == 0 for o in objects)
    assert faults.count == 0
