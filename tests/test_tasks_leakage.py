"""The leakage guard: no ScanNet val scene or val room in train unless explicitly overridden."""

from __future__ import annotations

import pytest

from vsi100k.tasks.leakage import LeakageError, SplitGuard, normalize_split, room_of

LISTS = {
    "scene0000_00": "train",
    "scene0000_01": "train",
    "scene0011_00": "validation",
    "scene0011_01": "validation",
    "scene0707_00": "test",
}


def test_room_of():
    assert room_of("scene0217_00") == "scene0217"


def test_normalize_split():
    assert normalize_split("val") == "validation"
    assert normalize_split("train") == "train"
    assert normalize_split(None) is None
    with pytest.raises(ValueError, match=r"unknown split 'dev'; use one of train, validation, test \(or 'val'\)"):
        normalize_split("dev")


def test_splits_come_from_the_lists_then_facts_then_default():
    guard = SplitGuard(LISTS)
    assert guard.assign("scene0000_00").split == "train"
    assert guard.assign("scene0011_00").split == "validation"
    assert guard.assign("scene0707_00").source == "split lists"
    assert guard.assign("scene0500_00", facts_split="test").split == "test"
    decision = guard.assign("scene0500_00")
    assert (decision.split, decision.source, decision.leakage_override) == ("train", "default", False)
    assert guard.val_rooms == frozenset({"scene0011"})


def test_val_scene_in_train_is_refused():
    guard = SplitGuard(LISTS)
    with pytest.raises(
        LeakageError,
        match=r"^scene0011_00: scene0011_00\.json: refusing to put this scene in the train split: "
        r"it is listed in the ScanNet val split.*--allow-val-in-train",
    ):
        guard.assign("scene0011_00", requested="train", path="facts/scene0011_00.json")


def test_other_scan_of_a_val_room_is_refused():
    guard = SplitGuard(LISTS)
    with pytest.raises(LeakageError, match=r"its room scene0011 has scans in the ScanNet val split"):
        guard.assign("scene0011_02", path="scene0011_02.json")  # not listed: would default to train


def test_val_in_facts_is_refused_without_lists():
    with pytest.raises(LeakageError, match=r"^scene0300_00: -: refusing.*its facts record the validation split"):
        SplitGuard().assign("scene0300_00", facts_split="val", requested="train")


def test_override_is_recorded():
    guard = SplitGuard(LISTS, allow_val_in_train=True)
    decision = guard.assign("scene0011_00", requested="train")
    assert decision.split == "train" and decision.leakage_override
    assert decision.val_evidence == "it is listed in the ScanNet val split"
    assert not guard.assign("scene0000_00", requested="train").leakage_override


def test_val_scenes_may_go_to_validation():
    decision = SplitGuard(LISTS).assign("scene0011_01", requested="val")
    assert decision.split == "validation" and not decision.leakage_override


def test_bad_split_names_in_lists():
    with pytest.raises(ValueError, match=r"split lists: scene0000_00: unknown split 'dev'"):
        SplitGuard({"scene0000_00": "dev"})
