"""Shared test fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory):
    """20 synthetic ScanNet-format scenes (no rendering), generated once per test session.

    Returns the root folder holding `sceneNNNN_00/` folders, the label table and split lists;
    each scene folder also has its `<scene_id>.truth.json` (read with vsi100k.synth.truth.read_truth).
    """
    from vsi100k.synth import generate_scenes

    root = tmp_path_factory.mktemp("synthetic")
    generate_scenes(root, 20, seed=0, render=False)
    return root
