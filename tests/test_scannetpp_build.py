"""ScanNet++ scans in the pipeline: a build over a folder mixing ScanNet and ScanNet++ scans (rows
name their source, the result loads with `datasets`), the leakage guard on ScanNet++'s val list,
frames and visibility from the iPhone stream, and every answer checked against the synthetic truth."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.config import BuildConfig
from vsi100k.synth import SynthConfig
from vsi100k.synth.scannetpp_writer import generate_scannetpp_scenes, scannetpp_scene_id
from vsi100k.tasks.config import QuestionConfig

FACTS_TYPES = ("object_counting", "object_size_estimation", "object_abs_distance", "room_size_estimation",
               "object_rel_distance", "object_rel_direction_easy", "object_rel_direction_medium",
               "object_rel_direction_hard")
ALL_TYPES = {name: 50 for name in FACTS_TYPES + ("obj_appearance_order",)}
PP = SynthConfig(n_frames=48, color_size=(160, 120), depth_size=(80, 60))
PP_IDS = [scannetpp_scene_id(11, k) for k in range(4)]  # the fourth room is in the val list


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> Path:
    """Two ScanNet scans (with .sens) beside four ScanNet++ scenes in the release layout."""
    from vsi100k.synth import generate_scenes

    root = tmp_path_factory.mktemp("mixed")
    generate_scenes(root, 2, seed=5, n_frames=12)
    generate_scannetpp_scenes(root, 4, seed=11, config=PP)
    return root


def config(root: Path, tmp: Path, **changes) -> BuildConfig:
    settings = dict(scenes_dir=root, out_dir=tmp / "out", cache_dir=tmp / "cache", overwrite=True,
                    frames=FramesConfig(n_frames=8), questions=QuestionConfig(caps=ALL_TYPES))
    settings.update(changes)
    return BuildConfig(**settings)


@pytest.fixture(scope="module")
def built(mixed, tmp_path_factory):
    from vsi100k.pipeline.run import run_build

    return run_build(config(mixed, tmp_path_factory.mktemp("build")), progress=False)


def test_mixed_build_rows_name_their_source_and_load_with_datasets(built):
    from vsi100k.dataset.load import load_questions, load_scene_frames

    report = built.report
    assert report["scenes"]["ok"] == 6 and report["scenes"]["failed"] == 0
    by_split = {split: load_questions(built.out_dir, "all", split=split) for split in ("train", "validation")}
    datasets_of = {}
    for split, questions in by_split.items():
        for scene, dataset in zip(questions["scene_name"], questions["dataset"]):
            datasets_of.setdefault(scene, set()).add((split, dataset))
    expected = {"scene0000_00": {("train", "scannet")}, "scene0001_00": {("train", "scannet")}}
    expected.update({scene: {("train", "scannetpp")} for scene in PP_IDS[:3]})
    expected[PP_IDS[3]] = {("validation", "scannetpp")}
    assert datasets_of == expected
    counts = Counter(by_split["train"]["dataset"])
    assert counts["scannet"] > 0 and counts["scannetpp"] > 0
    frames = load_scene_frames(built.out_dir, "train")
    for scene in PP_IDS[:3]:
        row = frames.record(scene)
        assert len(frames[scene]) == 8 and row["source"] == "mp4" and frames[scene][0].size == (160, 120)
        assert row["frame_indices"] == np.linspace(0, 47, 8, dtype=int).tolist()


def _letter_free(rows: list[dict]) -> list[dict]:
    """Rows without where their correct option sits (the build-wide letter pass places it by looking
    at every scan of the build): option words as a set, no ground-truth letter, the choices a
    relative-distance question lists (in option order) sorted."""
    import re

    def listed_sorted(match: re.Match) -> str:
        return "(" + ", ".join(sorted(match.group(1).split(", "))) + ")"

    return [dict(row, options=sorted(o.split(". ", 1)[1] for o in row["options"]), ground_truth=None,
                 question=re.sub(r"\(([^)]*)\)", listed_sorted, row["question"])) for row in rows]


def test_scannet_rows_keep_their_bytes_beside_scannetpp_scans(mixed, built, tmp_path):
    """The ScanNet scans' questions in the mixed build equal those of a ScanNet-only build (letters
    aside: they are balanced over the whole build)."""
    import shutil

    from vsi100k.dataset.load import read_local_scene
    from vsi100k.pipeline.run import run_build

    alone = tmp_path / "alone"
    alone.mkdir()
    for item in mixed.iterdir():
        if item.name not in ("data", "splits"):
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, alone / item.name)
    only = run_build(config(alone, tmp_path), progress=False)
    for scene in ("scene0000_00", "scene0001_00"):
        assert _letter_free(read_local_scene(only.out_dir, scene)[0]) == _letter_free(read_local_scene(built.out_dir, scene)[0])


def test_scannetpp_val_scene_is_refused_in_train(mixed, tmp_path):
    from vsi100k.pipeline.plan import LeakageRefused, plan_jobs

    val = PP_IDS[3]
    with pytest.raises(LeakageRefused, match=rf"refusing to build: 1 scene\(s\) would put ScanNet\+\+ validation data into the "
                                             rf"train split:\n  - {val}: {val}: refusing to put this scene in the train split"):
        plan_jobs(config(mixed, tmp_path, split="train"))
    jobs = {job.scene_id: job for job in plan_jobs(config(mixed, tmp_path, split="train", allow_val_in_train=True))}
    assert jobs[val].leakage_override and not any(jobs[s].leakage_override for s in PP_IDS[:3])
    assert {job.source for job in jobs.values()} == {"scannet", "scannetpp"}
    assert jobs[val].label_table is None and jobs["scene0000_00"].label_table is not None


def test_editing_a_scannetpp_file_misses_only_its_caches(mixed, tmp_path):
    from vsi100k.pipeline.plan import plan_jobs

    before = {job.scene_id: job for job in plan_jobs(config(mixed, tmp_path))}
    camera = mixed / "data" / PP_IDS[0] / "iphone" / "pose_intrinsic_imu.json"
    stat = camera.stat()
    import os

    os.utime(camera, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    try:
        after = {job.scene_id: job for job in plan_jobs(config(mixed, tmp_path))}
    finally:
        os.utime(camera, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert after[PP_IDS[0]].frames_key != before[PP_IDS[0]].frames_key
    assert after[PP_IDS[0]].facts_key == before[PP_IDS[0]].facts_key
    assert all(after[s].key == before[s].key for s in before if s != PP_IDS[0])


def test_iphone_frames_carry_the_written_poses_and_see_what_the_writer_rendered(mixed):
    from vsi100k.frames import frames_and_visibility
    from vsi100k.scannetpp import load_scan
    from vsi100k.synth import read_truth
    from vsi100k.synth.writer import cameras

    color_camera, _ = cameras(PP)
    folder = mixed / "data" / PP_IDS[0]
    scene, truth = load_scan(folder), read_truth(folder)
    frames, visibility = frames_and_visibility(scene, FramesConfig(n_frames=8))
    assert frames.indices.tolist() == np.linspace(0, 47, 8, dtype=int).tolist()
    assert np.allclose(frames.color_intrinsic, color_camera.matrix(), atol=1e-6)
    assert (frames.intrinsic_width, frames.intrinsic_height) == (160, 120)
    assert frames.time_source == "timestamps"
    assert np.allclose(frames.timestamps_s, np.asarray(truth.frame_times_s)[frames.indices], atol=1e-6)
    assert np.all((frames.poses[:, 2, 3] > 1.2) & (frames.poses[:, 2, 3] < 1.7))
    # visibility ray-casts the mesh from the read poses: instances seen must be those the writer's
    # render saw at those frames, with pixel shares close to the render's
    assert visibility is not None
    grid = visibility.grid_width * visibility.grid_height
    for n, index in enumerate(frames.indices):
        written = truth.frame_instance_pixels[int(index)]
        for k, instance in enumerate(visibility.instance_ids):
            share_cast = visibility.pixel_counts[n, k] / grid
            share_written = written.get(int(instance), 0) / (160 * 120)
            assert abs(share_cast - share_written) < 0.02, (int(index), int(instance), share_cast, share_written)


def test_missing_camera_entry_for_a_sampled_frame_is_named(mixed, tmp_path):
    import json
    import shutil

    from vsi100k.errors import SceneError
    from vsi100k.frames.sources import sample_scene_frames
    from vsi100k.scannetpp import load_scan

    folder = Path(shutil.copytree(mixed / "data" / PP_IDS[1], tmp_path / PP_IDS[1]))
    camera = folder / "iphone" / "pose_intrinsic_imu.json"
    data = json.loads(camera.read_text())
    del data["frame_000047"]
    camera.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=rf"^{PP_IDS[1]}: pose_intrinsic_imu.json: no pose for video frame 47 "
                                         r"\(47 frames have one\)$"):
        sample_scene_frames(load_scan(folder), FramesConfig(n_frames=8))


def test_a_release_tree_with_only_rgb_mkv_builds_frames(mixed, tmp_path):
    """As released: `iphone/rgb.mkv` and no mp4. Frames, poses and intrinsics come from it and its
    camera file; the same video renamed `rgb.mp4` (older layouts) samples the same frames."""
    import json
    import shutil

    from vsi100k.frames.sources import locate_stream, sample_scene_frames
    from vsi100k.scannetpp import load_scan

    folder = Path(shutil.copytree(mixed / "data" / PP_IDS[0], tmp_path / "data" / PP_IDS[0]))
    assert sorted(p.name for p in (folder / "iphone").iterdir()) == ["pose_intrinsic_imu.json", "rgb.mkv"]
    assert (folder / "iphone" / "rgb.mkv").read_bytes()[:4] == b"\x1aE\xdf\xa3"  # a Matroska (EBML) file
    stream = locate_stream(folder)
    assert (stream.kind, stream.name, stream.orientation) == ("video", "rgb.mkv", "as_stored")
    frames = sample_scene_frames(load_scan(folder), FramesConfig(n_frames=8))
    cameras = json.loads((folder / "iphone" / "pose_intrinsic_imu.json").read_text())
    assert frames.source_name == "rgb.mkv" and frames.total_frames == 48 and frames.rotation_deg == 0
    for k, index in enumerate(frames.indices):
        assert np.allclose(frames.poses[k], cameras[f"frame_{int(index):06d}"]["aligned_pose"])
    assert np.allclose(frames.color_intrinsic[:3, :3], cameras[f"frame_{int(frames.indices[0]):06d}"]["intrinsic"])
    assert (frames.intrinsic_width, frames.intrinsic_height) == (160, 120)
    (folder / "iphone" / "rgb.mkv").rename(folder / "iphone" / "rgb.mp4")
    again = sample_scene_frames(load_scan(folder), FramesConfig(n_frames=8))
    assert again.source_name == "rgb.mp4" and again.jpegs == frames.jpegs


def test_scannetpp_mesh_has_the_released_ply_properties(mixed):
    mesh = mixed / "data" / PP_IDS[0] / "scans" / "mesh_aligned_0.05.ply"
    header = mesh.read_bytes().split(b"end_header\n")[0].decode("ascii").splitlines()
    properties = [line for line in header if line.startswith("property")]
    assert properties == ["property float x", "property float y", "property float z", "property uchar red",
                          "property uchar green", "property uchar blue", "property list uchar int vertex_indices"]


@pytest.mark.slow
def test_every_scannetpp_answer_matches_the_truth(tmp_path_factory):
    """The independent checker of tests/test_tasks_checker.py on ten unrendered ScanNet++ scenes."""
    from test_tasks_checker import BIG_CAPS, CHECKED_TYPES, Tally, TruthIndex, check_question

    from vsi100k.facts.extract import FactsConfig, extract_facts
    from vsi100k.scannetpp import find_scans, load_scan, scannetpp_vocabulary
    from vsi100k.synth import read_truth
    from vsi100k.tasks.generate import generate_questions

    root = tmp_path_factory.mktemp("pp_truth")
    generate_scannetpp_scenes(root, 10, seed=0, render=False)
    facts_cfg = FactsConfig(box_method="axis_aligned", distance_method="closest_points")
    tally = Tally()
    for folder in find_scans(root):
        facts = extract_facts(load_scan(folder), facts_cfg, vocabulary=scannetpp_vocabulary())
        questions, _ = generate_questions(facts, QuestionConfig(caps=BIG_CAPS), has_frames=False)
        index = TruthIndex(read_truth(folder))
        for q in questions:
            check_question(q, index, tally)
        counted = {q.details["category"] for q in questions if q.question_type == "object_counting"}
        assert counted == {c for c, objs in index.by_category.items() if len(objs) >= 2}, folder.name
    assert not tally.failures, "\n".join(tally.failures[:20])
    for qtype in CHECKED_TYPES:
        assert tally.agree[qtype] + tally.near_tie[qtype] > 0, qtype
    assert sum(tally.near_tie.values()) <= 0.05 * sum(tally.agree.values())
