"""The dataset card: YAML front matter (configs, DatasetCardData fields) and the build's real statistics."""

from __future__ import annotations

import json

import pytest
import yaml
from dataset_support import hand_build  # noqa: F401

from vsi100k.card import LEAKAGE_RULE, dataset_configs, render_card, size_category
from vsi100k.card_sources import SCANNET_TERMS_URL
from vsi100k.dataset.validate import read_front_matter


def test_front_matter_fields_and_configs(hand_build):
    out, _ = hand_build
    front = read_front_matter(out / "README.md")
    assert front["license"] == "other" and front["license_link"] == SCANNET_TERMS_URL
    assert front["task_categories"] == ["visual-question-answering"]
    assert front["size_categories"] == ["n<1K"]
    assert front["source_datasets"] == ["ScanNet"]
    names = [c["config_name"] for c in front["configs"]]
    assert names == ["all", "object_counting", "object_rel_direction_easy", "object_size_estimation",
                     "room_size_estimation", "frames"]
    assert front["configs"][0]["default"] is True
    assert front["configs"][0]["data_files"] == [
        {"split": "train", "path": "data/questions/*/train-*.parquet"},
        {"split": "validation", "path": "data/questions/*/validation-*.parquet"},
    ]
    assert front["configs"][-1]["data_files"][1] == {"split": "validation", "path": "data/frames/validation-*.parquet"}


def test_body_states_this_builds_statistics(hand_build):
    out, report = hand_build
    text = (out / "README.md").read_text()
    assert "| object_counting | 2 | 1 | 0 | 3 |" in text
    assert "| **all** | 8 | 4 | 0 | 12 |" in text
    assert "| object_counting | single_instance | 9 |" in text  # 3 per scene x 3 scenes
    assert "| object_abs_distance | too_close | 6 |" in text
    assert "- Scenes: 3 built of 4 found (1 failed)." in text
    assert "failed `scene0002_00`: scene0002_00: scene0002_00_vh_clean_2.ply: truncated vertex block" in text
    assert "| object_rel_direction_easy | correct letter: A 2, B 1; most frequent answers: left (3) |" in text  # all A per scan, balanced per build
    assert "| room_size_estimation | min 20, median 20, mean 20, max 20 |" in text
    assert "```\nvsi100k build --scenes scans --out out\n```" in text
    assert json.dumps(report["settings"], indent=2, sort_keys=True) in text
    assert f"build `{report['build_id']}`" in text
    frames_mib = report["sizes"]["frame_image_bytes"] / 2**20
    assert f"Frames' own bytes (JPEG payloads): {frames_mib:.2f} MiB" in text
    assert LEAKAGE_RULE in text and "This build enforced the rule" in text
    assert "derived data of ScanNet scans" in text and "**you must hold your own ScanNet access**" in text
    assert "ScanNet++ Terms of Use" not in text and "derived data of ARKitScenes" not in text  # only this build's sources
    assert "$" not in text.replace("${", "")  # every template field was filled


def test_leakage_override_is_recorded(hand_build):
    _, report = hand_build
    report = dict(report, leakage={"override": True, "overridden_scenes": ["scene0100_00"]})
    text = render_card(report)
    assert "**This build overrode the rule** (`--allow-val-in-train`)" in text
    assert "validation scenes or scans of validation rooms: `scene0100_00`." in text
    assert "Do not evaluate a model trained on it on VSI-Bench." in text
    assert "This build enforced the rule" not in text


def _front_and_body(report: dict) -> tuple[dict, str]:
    text = render_card(report)
    return yaml.safe_load(text.split("---")[1]), text


def test_card_of_a_mixed_build_names_every_source_and_its_terms(hand_build):
    _, report = hand_build
    mixed = dict(report, scenes=dict(report["scenes"], by_source={"scannet": 2, "scannetpp": 1, "arkitscenes": 1}))
    front, text = _front_and_body(mixed)
    assert front["source_datasets"] == ["ScanNet", "ScanNet++", "ARKitScenes"]
    assert front["license"] == "other" and front["license_name"] == "terms-of-each-source-dataset"
    assert "questions about ScanNet, ScanNet++ and ARKitScenes scans" in text
    assert "## License and terms of the source datasets" in text
    assert "**You must hold your own ScanNet++ access**" in text
    assert "derived data of ARKitScenes captures" in text and "these rows are shared under the same licence" in text
    assert "`splits/nvs_sem_val.txt` -> `validation`" in text and "`Validation` fold -> `validation`" in text
    assert "a copy that holds rows of several sources is bound by all of them" in text


@pytest.mark.parametrize("source, license_fields", [
    ("scannetpp", {"license": "other", "license_name": "scannetpp-terms-of-use",
                   "license_link": "https://kaldir.vc.in.tum.de/scannetpp/static/scannetpp-terms-of-use.pdf"}),
    ("arkitscenes", {"license": "cc-by-nc-sa-4.0"}),
])
def test_card_of_a_one_source_build_carries_that_sources_licence(hand_build, source, license_fields):
    _, report = hand_build
    front, text = _front_and_body(dict(report, scenes=dict(report["scenes"], by_source={source: 3})))
    assert {k: front.get(k) for k in ("license", "license_name", "license_link") if k in front} == license_fields
    assert "ScanNet Terms of Use" not in text


def test_card_lists_frames_left_out_for_want_of_a_pose(hand_build):
    _, report = hand_build
    _, text = _front_and_body(dict(report, frames_without_pose={"41069025": 7}))
    assert "- Frames left out of sampling for want of a camera pose (image-folder streams): `41069025` 7." in text
    assert "want of a camera pose" not in render_card(report)


def test_unknown_template_field_is_an_error(hand_build):
    _, report = hand_build
    with pytest.raises(ValueError, match=r"dataset card template uses an unknown field \$nope"):
        render_card(report, template="---\n$front_matter\n---\n$nope\n")


@pytest.mark.parametrize("n, name", [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (99_999, "10K<n<100K"),
                                      (100_000, "100K<n<1M"), (10**7, "n>10M")])
def test_size_category(n, name):
    assert size_category(n) == name


def test_configs_never_declare_an_empty_split():
    configs = dataset_configs({"object_counting": {"train": 3, "test": 0}, "room_size_estimation": {"test": 0}},
                              {"train": 2, "validation": 0})
    assert configs == [
        {"config_name": "all", "default": True, "data_files": [{"split": "train", "path": "data/questions/*/train-*.parquet"}]},
        {"config_name": "object_counting", "data_files": [{"split": "train", "path": "data/questions/object_counting/train-*.parquet"}]},
        {"config_name": "frames", "data_files": [{"split": "train", "path": "data/frames/train-*.parquet"}]},
    ]
    assert yaml.safe_load(yaml.safe_dump({"configs": configs}))["configs"] == configs
