"""ARKitScenes videos in the pipeline: facts from the annotated boxes against the synthetic truth,
every answer checked by the independent checker, a build over a folder mixing ScanNet, ScanNet++
and ARKitScenes scans (rows name their source, the result loads with `datasets`), the leakage
guard on the Validation fold and on visits, and `--source`."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from vsi100k.arkitscenes import arkitscenes_vocabulary, find_scans, load_scan, read_split_lists
from vsi100k.errors import ConfigError
from vsi100k.facts.extract import FactsConfig, extract_facts
from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.config import BuildConfig
from vsi100k.synth import SynthConfig, read_truth
from vsi100k.synth.arkitscenes_writer import arkitscenes_video_id, generate_arkitscenes_scenes
from vsi100k.synth.writer import plan_scans, split_of_room
from vsi100k.tasks.config import QuestionConfig

FACTS_TYPES = ("object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
               "object_rel_distance", "object_rel_direction_easy", "object_rel_direction_medium",
               "object_rel_direction_hard")
ALL_TYPES = {name: 50 for name in FACTS_TYPES + ("obj_appearance_order",)}
AK = SynthConfig(render=False)  # frame-free videos: the camera stream is covered by its own tests
AK_SEED, AK_N = 21, 5
AK_IDS = [arkitscenes_video_id(AK_SEED, k) for k in range(AK_N)]
EXACT = FactsConfig(distance_method="closest_points")
CHECKER = FactsConfig(box_method="axis_aligned", distance_method="closest_points")  # the checker's definitions

# Agreement with the truth (1e-6 m) plus half the declared storage step of facts (rounded to 1e-6 m).
TOLERANCE_M = 1.5e-6


def expected_splits(n: int, seed: int, cfg: SynthConfig) -> dict[str, str]:
    return {arkitscenes_video_id(seed, p.index): "validation" if split_of_room(p.room, cfg) == "val" else "train"
            for p in plan_scans(n, seed, cfg)}


@pytest.fixture(scope="module")
def unrendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("ak_truth")
    generate_arkitscenes_scenes(root, 8, seed=0, render=False)
    return root


def test_facts_from_boxes_match_the_truth(unrendered):
    checked_pairs = 0
    for folder in find_scans(unrendered):
        scene, truth = load_scan(folder), read_truth(folder)
        facts = extract_facts(scene, EXACT, vocabulary=arkitscenes_vocabulary())
        assert Counter(o.category for o in facts.objects if o.category) == Counter(
            o.category for o in truth.objects if o.category), folder.name
        for obj in facts.objects:
            expected = truth.object(obj.instance_id)
            for method in ("oriented", "gravity_aligned"):
                box = obj.boxes[method]
                assert box.size_m == pytest.approx(expected.size_m, abs=TOLERANCE_M)
                assert np.allclose(box.center, expected.center, atol=TOLERANCE_M)
            assert np.allclose(np.sort(obj.boxes["oriented"].extent), np.sort(expected.size_xyz_m), atol=TOLERANCE_M)
            lo, hi = obj.boxes["axis_aligned"].corners().min(axis=0), obj.boxes["axis_aligned"].corners().max(axis=0)
            corners = np.concatenate([p.corners() for p in expected.parts])
            assert np.allclose(lo, corners.min(axis=0), atol=TOLERANCE_M) and np.allclose(hi, corners.max(axis=0), atol=TOLERANCE_M)
        assert facts.distances_m.keys() == facts.exact_distances_m.keys()
        checked_pairs += len(facts.exact_distances_m)
        for (a, b), distance in facts.exact_distances_m.items():
            assert distance == pytest.approx(truth.distances_m[(a, b)], abs=TOLERANCE_M), (folder.name, a, b)
            assert facts.distances_m[(a, b)] == distance
        for pair in facts.overlapping_pairs:
            assert facts.exact_distances_m[pair] == 0.0
        assert facts.room_area_m2 == pytest.approx(truth.floor_area_m2, rel=0.03)
    assert checked_pairs > 100


def test_object_keeps_its_box_without_vertices(unrendered, tmp_path):
    source = next(f for f in find_scans(unrendered) if len(load_scan(f).objects) >= 2)
    folder = Path(shutil.copytree(source, tmp_path / source.name))
    path = folder / f"{folder.name}_3dod_annotation.json"
    data = json.loads(path.read_text())
    record = json.loads(json.dumps(data["data"][0]))
    record["label"] = "bed"
    record["segments"]["obbAligned"]["centroid"] = [100.0, 100.0, 0.5]  # far outside the mesh
    data["data"].append(record)
    path.write_text(json.dumps(data))
    facts = extract_facts(load_scan(folder), EXACT, vocabulary=arkitscenes_vocabulary())
    far = facts.objects[-1]
    assert far.vertex_count == 0 and far.category == "bed"
    assert np.allclose(far.boxes["oriented"].center, [100, 100, 0.5])


def test_tilted_box_gets_a_yaw_box_around_its_corners():
    from scipy.spatial.transform import Rotation

    from vsi100k.facts.extract import annotated_box_methods
    from vsi100k.geometry.box import Box

    tilted = Box(np.zeros(3), np.array([2.0, 1.0, 0.5]), Rotation.from_euler("xz", [30, 20], degrees=True).as_matrix())
    boxes = annotated_box_methods(tilted)
    corners = tilted.corners()
    assert boxes["oriented"] is tilted
    assert np.allclose(boxes["axis_aligned"].extent, corners.max(axis=0) - corners.min(axis=0))
    gravity = boxes["gravity_aligned"]
    assert np.allclose(gravity.rotation[:, 2], [0, 0, 1]) and gravity.extent[2] == pytest.approx(np.ptp(corners[:, 2]))
    upright = Box(np.ones(3), np.array([2.0, 1.0, 0.5]), Rotation.from_euler("z", 20, degrees=True).as_matrix())
    assert annotated_box_methods(upright)["gravity_aligned"] is upright


@pytest.fixture(scope="module")
def rich_rooms(tmp_path_factory) -> Path:
    """Twelve unrendered videos of rooms holding at least 10 categories, so that enough of their
    furniture falls in ARKitScenes' classes for direction questions of every level."""
    from vsi100k.synth.layout import LayoutConfig

    root = tmp_path_factory.mktemp("ak_rich")
    generate_arkitscenes_scenes(root, 12, seed=6, config=SynthConfig(render=False, layout=LayoutConfig(min_categories=10)))
    return root


@pytest.mark.parametrize("videos, expected", [
    ("unrendered", {"object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation"}),
    ("rich_rooms", {"object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
                    "object_rel_direction_easy", "object_rel_direction_medium", "object_rel_direction_hard"}),
])
def test_every_arkitscenes_answer_matches_the_truth(videos, expected, request):
    """The independent checker of tests/test_tasks_checker.py on unrendered ARKitScenes videos."""
    from test_tasks_checker import BIG_CAPS, CHECKED_TYPES, Tally, TruthIndex, check_question

    from vsi100k.tasks.generate import generate_questions

    tally = Tally()
    for folder in find_scans(request.getfixturevalue(videos)):
        facts = extract_facts(load_scan(folder), CHECKER, vocabulary=arkitscenes_vocabulary())
        questions, _ = generate_questions(facts, QuestionConfig(caps=BIG_CAPS), has_frames=False)
        index = TruthIndex(read_truth(folder))
        for q in questions:
            check_question(q, index, tally)
        counted = {q.details["category"] for q in questions if q.question_type == "object_counting"}
        assert counted == {c for c, objs in index.by_category.items() if len(objs) >= 2}, folder.name
    assert not tally.failures, "\n".join(tally.failures[:20])
    checked = [qtype for qtype in CHECKED_TYPES if tally.agree[qtype] + tally.near_tie[qtype] > 0]
    # ARKitScenes' 17 classes leave few unique categories per room: relative distance and direction
    # questions are rare (none in the eight default videos, direction in the richer rooms); every
    # question that was generated is checked
    assert set(checked) >= expected, checked
    assert sum(tally.near_tie.values()) <= 0.05 * sum(tally.agree.values())


# ---- a build over a folder mixing the three sources ------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """Two ScanNet scans, two ScanNet++ scenes and five ARKitScenes videos (without frames)."""
    from vsi100k.synth import generate_scenes
    from vsi100k.synth.scannetpp_writer import generate_scannetpp_scenes

    root = tmp_path_factory.mktemp("mixed3")
    generate_scenes(root, 2, seed=5, n_frames=12)
    generate_scannetpp_scenes(root, 2, seed=11, config=SynthConfig(n_frames=12, color_size=(160, 120),
                                                                    depth_size=(80, 60)))
    generate_arkitscenes_scenes(root, AK_N, seed=AK_SEED, config=AK)
    return root


def config(root: Path, tmp: Path, **changes) -> BuildConfig:
    settings = dict(scenes_dir=root, out_dir=tmp / "out", cache_dir=tmp / "cache", overwrite=True,
                    frames=FramesConfig(n_frames=8), questions=QuestionConfig(caps=ALL_TYPES))
    settings.update(changes)
    return BuildConfig(**settings)


def test_rendered_video_writes_the_lowres_wide_stream_and_its_pixels(tmp_path):
    from vsi100k.arkitscenes import ArkitFiles

    cfg = SynthConfig(n_frames=6, color_size=(64, 48), depth_size=(32, 24))
    folder = generate_arkitscenes_scenes(tmp_path, 1, seed=4, config=cfg)[0]
    files, truth = ArkitFiles(folder), read_truth(folder)
    assert len(sorted(files.images_dir.glob("*.png"))) == 6 and len(sorted(files.intrinsics_dir.glob("*.pincam"))) == 6
    assert len(files.traj.read_text().splitlines()) == 6
    assert len(truth.frame_instance_pixels) == 6 and truth.instance_pixels_size == (64, 48)
    seen = truth.visible_instances()
    assert seen and seen <= {o.instance_id for o in truth.objects}
    assert len(truth.frame_times_s) == 6


def test_synthetic_release_has_a_validation_video():
    splits = expected_splits(AK_N, AK_SEED, AK)
    assert "validation" in splits.values() and "train" in splits.values()


def test_mixed_build_rows_name_their_source_and_load_with_datasets(mixed, tmp_path):
    from vsi100k.dataset.load import load_questions
    from vsi100k.pipeline.run import run_build

    built = run_build(config(mixed, tmp_path), progress=False)
    report = built.report
    assert report["scenes"]["ok"] == 2 + 2 + AK_N and report["scenes"]["failed"] == 0
    seen: dict[str, set] = {}
    for split in ("train", "validation"):
        questions = load_questions(built.out_dir, "all", split=split)
        for scene, dataset in zip(questions["scene_name"], questions["dataset"]):
            seen.setdefault(scene, set()).add((split, dataset))
    splits = expected_splits(AK_N, AK_SEED, AK)
    for video in AK_IDS:
        assert seen.get(video, {(splits[video], "arkitscenes")}) == {(splits[video], "arkitscenes")}
    assert any(("train", "arkitscenes") in kinds for kinds in seen.values())
    assert {dataset for kinds in seen.values() for _, dataset in kinds} == {"scannet", "scannetpp", "arkitscenes"}
    assert report["scenes"]["by_source"] == {"arkitscenes": AK_N, "scannet": 2, "scannetpp": 2}

    # `vsi100k questions` over the build's facts names each scan's source too
    from vsi100k.pipeline.from_facts import build_questions

    again = build_questions(built.out_dir / "facts", QuestionConfig(caps=ALL_TYPES))
    by_scene = {q.scene_id: q.dataset for q in again.questions}
    assert {scene: by_scene[scene] for scene in seen if scene in by_scene} == {
        scene: next(iter(kinds))[1] for scene, kinds in seen.items() if scene in by_scene}
    assert set(by_scene.values()) == {"scannet", "scannetpp", "arkitscenes"}


def test_validation_videos_and_their_visits_are_refused_in_train(mixed, tmp_path):
    from vsi100k.pipeline.plan import LeakageRefused, plan_jobs

    splits = read_split_lists(mixed)
    val = sorted(v for v in AK_IDS if splits[v] == "validation")
    with pytest.raises(LeakageRefused, match=rf"would put ARKitScenes validation data into the train split:\n"
                                             rf"  - {val[0]}: {val[0]}: refusing to put this scene in the train split: "
                                             r"it is listed in the ARKitScenes validation split, and VSI-Bench "
                                             r"evaluates on ARKitScenes validation scenes"):
        plan_jobs(config(mixed, tmp_path, split="train", sources=("arkitscenes",)))
    jobs = {job.scene_id: job for job in plan_jobs(config(mixed, tmp_path, split="train", allow_val_in_train=True))}
    assert {v for v in AK_IDS if jobs[v].leakage_override} == set(val)
    # a train video filmed in the same visit as a validation video shares its fate
    room = tmp_path / "visit"
    shutil.copytree(mixed / "3dod", room / "3dod")
    train_video = next(v for v in AK_IDS if splits[v] == "train")
    rows = (mixed / "3dod_train_val_splits.csv").read_text().splitlines()
    visit = next(line.split(",")[1] for line in rows if line.startswith(val[0]))
    rows = [f"{train_video},{visit},Training" if line.startswith(train_video) else line for line in rows]
    (room / "3dod_train_val_splits.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(LeakageRefused, match=rf"{train_video}: refusing to put this scene in the train split: its room "
                                             rf"visit {visit} has scans in the ARKitScenes validation split"):
        plan_jobs(config(room, tmp_path))


def test_scannet_refusal_message_is_unchanged(mixed, tmp_path):
    from vsi100k.pipeline.plan import LeakageRefused, plan_jobs

    root = tmp_path / "scannet"
    root.mkdir()
    for item in mixed.iterdir():
        if item.name.startswith("scene") or item.suffix in (".txt", ".tsv"):
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, root / item.name)
    (root / "scannetv2_val.txt").write_text("scene0000_00\n")
    with pytest.raises(LeakageRefused, match=r"would put ScanNet val data into the train split:\n  - scene0000_00: "
                                             r"scene0000_00: refusing to put this scene in the train split: it is "
                                             r"listed in the ScanNet val split, and VSI-Bench evaluates on ScanNet "
                                             r"val scenes"):
        plan_jobs(config(root, tmp_path, split="train"))


def test_source_option_restricts_the_build(mixed, tmp_path):
    from vsi100k.cli.build_cmd import source_names
    from vsi100k.pipeline.plan import plan_jobs

    jobs = plan_jobs(config(mixed, tmp_path, sources=("arkitscenes", "scannetpp")))
    assert Counter(job.source for job in jobs) == {"arkitscenes": AK_N, "scannetpp": 2}
    assert source_names(["arkitscenes,scannet", "scannetpp"]) == ("arkitscenes", "scannet", "scannetpp")
    assert source_names(None) is None
    cfg = config(mixed, tmp_path, sources=("arkitscenes", "arkitscenes"))
    assert cfg.sources == ("arkitscenes",) and cfg.settings()["sources"] == ["arkitscenes"]
    assert "--source arkitscenes" in cfg.command() and "sources" not in config(mixed, tmp_path).settings()
    with pytest.raises(ConfigError, match=r"unknown source 'arkit'; use one of arkitscenes, scannet, scannetpp"):
        config(mixed, tmp_path, sources=("arkit",))
    with pytest.raises(ConfigError, match=r"sources is empty: name at least one source"):
        config(mixed, tmp_path, sources=())


def test_no_scan_folders_message_names_the_arkitscenes_layout(tmp_path):
    from vsi100k.pipeline.plan import plan_jobs

    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match=r"or ARKitScenes videos <root>/3dod/Training\|Validation/<video_id>/"):
        plan_jobs(config(tmp_path / "empty", tmp_path))
