"""obj_appearance_order questions: rules on hand-built facts, and agreement with the synthetic
writer's own render on generated scenes."""

from collections import Counter
from itertools import combinations

import numpy as np

from test_tasks_support import make_facts
from vsi100k.tasks import obj_appearance_order as task
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_type

FIRST_S = {"door": 0.0, "table": 2.0, "chair": 2.5, "lamp": 5.0, "bed": 9.0, "sofa": 12.0}


def with_appearances(facts, first_s):
    """`facts` with hand-made first appearances (what the frames stage attaches)."""
    from dataclasses import replace

    from vsi100k.facts.schema import Appearances

    return replace(facts, appearances=Appearances(first_s=dict(first_s), first_frame={c: 0 for c in first_s},
                                                  min_pixel_fraction=0.005, n_frames=32, frames_with_pose=32,
                                                  ray_grid=(160, 120)))


def appearance_facts(first_s, scene_id="scene0400_00", categories=None):
    names = categories or sorted(first_s)
    facts = make_facts(scene_id, [(c, (float(i), 0.0, 0.5), (0.5, 0.5, 0.5)) for i, c in enumerate(names)])
    return with_appearances(facts, first_s)


def run(facts, seed=0, cfg=QuestionConfig()):
    items = list(task.generate(facts, cfg, np.random.default_rng(seed)))
    return [q for q in items if isinstance(q, Question)], Counter(s.reason for s in items if isinstance(s, Skip))


def test_every_question_follows_the_rules():
    questions, skips = run(appearance_facts(FIRST_S))
    # 4-subsets of 6 categories: 15; those holding both table and chair (0.5 s apart) are dropped
    assert len(questions) == 15 - 6
    assert skips == Counter({"appearances_too_close": 6})
    for q in questions:
        listed = q.details["categories"]
        assert q.question == (
            "What will be the first-time appearance order of the following categories in the video: "
            f"{listed[0]}, {listed[1]}, {listed[2]}, {listed[3]}?"
        )
        truth = sorted(listed, key=FIRST_S.get)
        assert q.answer == ", ".join(truth)
        assert q.answer_kind == "choice" and q.ground_truth == q.correct_option
        assert q.options["ABCD".index(q.correct_option)] == f"{q.correct_option}. {q.answer}"
        words = [o[3:] for o in q.options]
        assert len(set(words)) == 4
        assert all(sorted(w.split(", ")) == sorted(listed) for w in words)
        assert all(FIRST_S[b] - FIRST_S[a] >= 1.0 for a, b in zip(truth, truth[1:]))
        assert not {"table", "chair"} <= set(listed)
    assert {frozenset(q.details["categories"]) for q in questions} == {
        frozenset(s) for s in combinations(sorted(FIRST_S), 4) if not {"table", "chair"} <= set(s)
    }
    letters = Counter(q.correct_option for q in questions)
    assert set(letters) == set("ABCD") and max(letters.values()) - min(letters.values()) <= 1


def test_gap_threshold_comes_from_the_config():
    questions, skips = run(appearance_facts(FIRST_S), cfg=QuestionConfig(appearance_min_gap_s=2.5))
    # gaps: door-table 2.0, table-chair 0.5, chair-lamp 2.5, lamp-bed 4, bed-sofa 3
    for q in questions:
        order = q.details["order"]
        assert all(FIRST_S[b] - FIRST_S[a] >= 2.5 for a, b in zip(order, order[1:]))
    assert {tuple(q.details["order"]) for q in questions} == {
        ("door", "chair", "lamp", "bed"), ("door", "chair", "lamp", "sofa"), ("door", "chair", "bed", "sofa"),
        ("door", "lamp", "bed", "sofa"), ("table", "lamp", "bed", "sofa"), ("chair", "lamp", "bed", "sofa"),
    }
    assert skips["appearances_too_close"] == 15 - 6


def test_same_seed_same_questions_and_ids_through_the_registry():
    facts = appearance_facts(FIRST_S)
    cfg = QuestionConfig(caps={"obj_appearance_order": 3})
    first, skips = generate_type(facts, cfg, "obj_appearance_order", seed=7)
    again, _ = generate_type(facts, cfg, "obj_appearance_order", seed=7)
    assert [(q.question, q.options) for q in first] == [(q.question, q.options) for q in again]
    assert len(first) == 3 and skips[("obj_appearance_order", "cap_reached")] == 9 - 3


def test_skips_without_visibility_or_with_too_few_categories():
    facts = make_facts("scene0401_00", [("chair", (0, 0, 0), (1, 1, 1)), ("lamp", (2, 0, 0), (1, 1, 1))])
    assert run(facts) == ([], Counter({"no_frame_visibility": 1}))
    few = appearance_facts({"door": 0.0, "table": 2.0, "lamp": 5.0}, categories=["door", "table", "lamp", "bed"])
    assert run(few) == ([], Counter({"too_few_categories": 1}))
    # categories the facts do not hold are ignored (e.g. times attached from another facts version)
    stray = appearance_facts({**FIRST_S, "piano": 20.0}, categories=sorted(FIRST_S))
    questions, _ = run(stray)
    assert all("piano" not in q.question for q in questions)


def test_many_categories_are_sampled_not_enumerated():
    first_s = {f"cat{i:02d}": 1.5 * i for i in range(12)}  # C(12, 4) = 495 subsets, all valid
    questions, skips = run(appearance_facts(first_s))
    assert len(questions) == task.MAX_SETS and not skips
    assert len({frozenset(q.details["categories"]) for q in questions}) == task.MAX_SETS


# ---- agreement with the synthetic writer's own render ----
import pytest  # noqa: E402

from vsi100k.facts.extract import extract_facts  # noqa: E402
from vsi100k.frames import FramesConfig, attach_visibility, frames_and_visibility  # noqa: E402
from vsi100k.scannet import load_scene  # noqa: E402


@pytest.fixture(scope="module")
def rendered_scenes(tmp_path_factory):
    """Three rendered synthetic scans: 64 frames of 320 x 240 at 4 fps (a 16 s walk, 1.1-1.6 turns)."""
    from vsi100k.synth import SynthConfig, generate_scenes
    from vsi100k.synth.trajectory import TrajectoryConfig

    cfg = SynthConfig(n_frames=64, color_size=(320, 240), depth_size=(160, 120),
                      trajectory=TrajectoryConfig(frame_interval_us=250_000))
    return generate_scenes(tmp_path_factory.mktemp("rendered"), 3, seed=11, config=cfg)


def truth_first_appearance_s(truth, frame_indices, min_pixel_fraction):
    """category -> seconds, from the writer's render: the first sampled frame where the category's
    instances cover at least `min_pixel_fraction` of the colour pixels (the writer knows which
    object every pixel shows)."""
    width, height = truth.instance_pixels_size
    first = {}
    for index in frame_indices:
        pixels = truth.frame_instance_pixels[int(index)]
        covered = {}
        for obj in truth.objects:
            if obj.category is not None:
                covered[obj.category] = covered.get(obj.category, 0) + pixels.get(obj.instance_id, 0)
        for category, n in covered.items():
            if category not in first and n / (width * height) >= min_pixel_fraction:
                first[category] = truth.frame_times_s[int(index)]
    return first


@pytest.mark.slow
def test_appearance_order_agrees_with_the_writers_render(rendered_scenes):
    from vsi100k.synth import read_truth

    cfg = FramesConfig(n_frames=32)
    n_questions = 0
    for scene_dir in rendered_scenes:
        scene = load_scene(scene_dir)
        truth = read_truth(scene_dir)
        frames, visibility = frames_and_visibility(scene, cfg)
        facts = attach_visibility(extract_facts(scene), visibility, min_pixel_fraction=cfg.min_pixel_fraction)
        assert frames.time_source == "timestamps"
        assert np.allclose(frames.timestamps_s, np.asarray(truth.frame_times_s)[frames.indices], atol=1e-6)
        expected_s = truth_first_appearance_s(truth, frames.indices, cfg.min_pixel_fraction)
        # every category's first appearance matches the render's, not only those asked about
        assert facts.appearances.first_s == pytest.approx(expected_s)
        questions, _ = run(facts, seed=1)
        for q in questions:
            order = sorted(q.details["categories"], key=lambda c: expected_s[c])
            assert q.answer == ", ".join(order), (scene.scene_id, q.question)
            assert all(expected_s[c] == pytest.approx(q.details["first_appearance_s"][c]) for c in order)
        n_questions += len(questions)
    assert n_questions >= 10


# ---- the demo's scan settings: rooms with enough categories, walks that start facing a gap ----
def test_min_categories_redraws_poor_rooms_and_changes_nothing_by_default():
    from vsi100k.synth.layout import LayoutConfig, generate_layout, n_categories

    plain = [generate_layout(np.random.default_rng([0, 1, room])) for room in range(12)]
    same = [generate_layout(np.random.default_rng([0, 1, room]), LayoutConfig(min_categories=0)) for room in range(12)]
    assert [o.position for layout in plain for o in layout.objects] == [o.position for layout in same for o in layout.objects]
    poor = [room for room, layout in enumerate(plain) if n_categories(layout) < 6]
    assert poor  # some default rooms hold fewer than 6 categories (small bathrooms, laundry rooms)
    rich = [generate_layout(np.random.default_rng([0, 1, room]), LayoutConfig(min_categories=6)) for room in range(12)]
    assert all(n_categories(layout) >= 6 for layout in rich)
    # a room that already has enough is kept as drawn
    assert all(rich[r].objects == plain[r].objects for r in range(12) if r not in poor)


def test_widest_gap_heading_faces_away_from_every_object():
    from vsi100k.synth.layout import generate_layout
    from vsi100k.synth.trajectory import TrajectoryConfig, generate_trajectory, widest_gap_heading

    layout = generate_layout(np.random.default_rng(5))
    walk = generate_trajectory(layout, 24, np.random.default_rng(9), TrajectoryConfig(start_heading="widest_gap"))
    default = generate_trajectory(layout, 24, np.random.default_rng(9))
    # the same path and timing: only the heading differs
    assert np.allclose(walk.poses[:, :3, 3], default.poses[:, :3, 3])
    assert np.array_equal(walk.color_timestamps_us, default.color_timestamps_us)
    start = walk.poses[0, :2, 3]
    forward = walk.poses[0, :2, 2]
    heading = np.arctan2(forward[1], forward[0])
    expected = widest_gap_heading(layout, start)
    assert abs(np.remainder(heading - expected + np.pi, 2 * np.pi) - np.pi) < 1e-6
    bearings = [np.arctan2(o.yaw_box().center[1] - start[1], o.yaw_box().center[0] - start[0])
                for o in layout.objects if o.category is not None]
    off = min(abs(np.remainder(b - heading + np.pi, 2 * np.pi) - np.pi) for b in bearings)
    ordered = np.sort(bearings)
    widest = np.diff(np.concatenate([ordered, ordered[:1] + 2 * np.pi])).max()
    assert widest > np.radians(40) and off == pytest.approx(widest / 2, abs=1e-6)  # mid-gap: no object nearer


def test_scan_setting_errors():
    from vsi100k.errors import ConfigError
    from vsi100k.synth.layout import LayoutConfig
    from vsi100k.synth.trajectory import TrajectoryConfig

    with pytest.raises(ConfigError, match=r"min_categories must be an integer in \[0, 12\] \(got 13\)"):
        LayoutConfig(min_categories=13)
    with pytest.raises(ConfigError, match=r"min_categories must be an integer in \[0, 12\] \(got -1\)"):
        LayoutConfig(min_categories=-1)
    with pytest.raises(ConfigError, match=r"start_heading must be one of random, widest_gap \(got 'north'\)"):
        TrajectoryConfig(start_heading="north")


def test_demo_scenes_folder_names_its_scan_settings(tmp_path):
    from vsi100k.pipeline.demo import DEMO_MIN_CATEGORIES, DEMO_START_HEADING, scenes_folder

    name = scenes_folder(6, 0, 48, tmp_path).name
    assert name == f"scenes-n6-seed0-f48-i1000000-c{DEMO_MIN_CATEGORIES}-{DEMO_START_HEADING}" == \
        "scenes-n6-seed0-f48-i1000000-c6-widest_gap"
