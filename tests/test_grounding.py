"""Grounded questions (vsi100k.tasks.grounding): candidates naming an object that no stored frame
shows well enough are dropped as not_in_frames; scans without frames are not frame-checked; the
rule can be turned off; the report gives the drop share per type. The build check recomputes each
kept question's visibility from the ray-cast pixel counts, independently of the rule's code."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from test_tasks_support import make_facts
from vsi100k.errors import ConfigError
from vsi100k.facts.schema import Appearances, SceneFacts
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.generate import generate_questions
from vsi100k.tasks.grounding import GROUNDING_SHARES, NOT_IN_FRAMES, frame_checked
from vsi100k.tasks.report import grounding_summary

CAPS = {"object_counting": 100, "object_size_estimation": 100}


def _facts(max_pixels: dict[int, int] | None) -> SceneFacts:
    facts = make_facts("scene0500_00", [
        ("chair", (0, 0, 0.5), (0.5, 0.5, 1.0)),
        ("chair", (1, 0, 0.5), (0.5, 0.5, 1.0)),
        ("chair", (2, 0, 0.5), (0.5, 0.5, 1.0)),
        ("table", (1, 2, 0.4), (1.5, 0.8, 0.8)),
        ("sofa", (4, 3, 0.4), (2.0, 0.9, 0.8)),
        ("lamp", (-2, 3, 0.8), (0.3, 0.3, 1.6)),
    ])
    if max_pixels is None:
        return facts
    return replace(facts, appearances=Appearances(first_s={}, first_frame={}, min_pixel_fraction=0.005, n_frames=4,
                                                  frames_with_pose=4, ray_grid=(10, 10), max_pixels=max_pixels))


# rays per frame: 100, so a pixel count is a percentage of the frame
SEEN = {1: 5, 2: 5, 3: 1, 4: 50, 5: 0, 6: 1}  # chair #3 1% (< 2%), sofa never, lamp 1% (>= 0.5%)


def _kept(questions, question_type):
    return sorted(q.details["category"] for q in questions if q.question_type == question_type)


def test_candidates_naming_an_unseen_object_are_dropped_by_hand():
    questions, skips = generate_questions(_facts(SEEN), QuestionConfig(caps=CAPS))
    assert _kept(questions, "object_counting") == []  # chair #3 covers 1% of its best frame, counting asks 2%
    assert _kept(questions, "object_size_estimation") == ["lamp", "table"]  # the sofa is in no frame
    assert skips[("object_counting", NOT_IN_FRAMES)] == 1
    assert skips[("object_size_estimation", NOT_IN_FRAMES)] == 1
    assert GROUNDING_SHARES["object_counting"] == 0.02 and GROUNDING_SHARES["object_size_estimation"] == 0.005


def test_one_share_for_every_type_and_the_flag_off():
    strict, skips = generate_questions(_facts(SEEN), QuestionConfig(caps=CAPS, grounding_share=0.06))
    assert _kept(strict, "object_size_estimation") == ["table"] and skips[("object_size_estimation", NOT_IN_FRAMES)] == 2
    loose, _ = generate_questions(_facts(SEEN), QuestionConfig(caps=CAPS, grounding_share=0.01))
    assert _kept(loose, "object_counting") == ["chair"]
    off, skips = generate_questions(_facts(SEEN), QuestionConfig(caps=CAPS, grounding=False))
    plain, _ = generate_questions(_facts(None), QuestionConfig(caps=CAPS))
    assert off == plain and not any(reason == NOT_IN_FRAMES for _, reason in skips)


def test_facts_without_frame_shares_are_not_frame_checked():
    facts = _facts(None)
    assert not frame_checked(facts) and frame_checked(_facts(SEEN))
    questions, skips = generate_questions(facts, QuestionConfig(caps=CAPS))
    assert _kept(questions, "object_counting") == ["chair"]
    assert _kept(questions, "object_size_estimation") == ["lamp", "sofa", "table"]
    assert not any(reason == NOT_IN_FRAMES for _, reason in skips)


def test_frame_shares_round_trip_and_older_facts_read_as_unchecked():
    facts = _facts(SEEN)
    again = SceneFacts.from_json(facts.to_json())
    assert again.appearances.max_pixels == SEEN and again.appearances.max_share(4) == 0.5
    data = facts.to_json()
    del data["appearances"]["max_pixels"]
    assert not frame_checked(SceneFacts.from_json(data))


def test_config_rejects_bad_shares():
    with pytest.raises(ConfigError, match=r"grounding_share must be a fraction of a frame in \[0, 1\).*got 1.5"):
        QuestionConfig(grounding_share=1.5)
    with pytest.raises(ConfigError, match="grounding must be True or False, got 'yes'"):
        QuestionConfig(grounding="yes")
    assert QuestionConfig().grounding_share_for("room_size_estimation") is None
    assert QuestionConfig().grounding_share_for("obj_appearance_order") is None
    assert QuestionConfig(grounding=False).grounding_share_for("object_counting") is None


def test_grounding_summary_by_hand():
    scans = [
        {"scene": "a", "checked": True, "kept": Counter({"object_counting": 2}),
         "skips": Counter({("object_counting", NOT_IN_FRAMES): 1, ("object_counting", "cap_reached"): 1})},
        {"scene": "b", "checked": False, "kept": Counter({"object_counting": 5}), "skips": Counter()},
    ]
    summary = grounding_summary(scans, {"object_counting": 0.02, "room_size_estimation": None})
    assert summary == {"enabled": True, "shares": {"object_counting": 0.02}, "frame_checked_scans": 1,
                       "not_frame_checked": ["b"],
                       "by_type": {"object_counting": {"candidates": 4, "not_in_frames": 1, "dropped_share": 0.25}}}
    assert grounding_summary(scans, {"object_counting": None})["enabled"] is False


# ---------------------------------------------------------------- a build of scan-profile scans with frames
def _named_instances(question, facts: SceneFacts) -> list[int]:
    """Every instance of every category the question names, from its details and the facts' objects."""
    d = question.details
    names = {
        "object_counting": lambda: [d["category"]],
        "object_size_estimation": lambda: [d["category"]],
        "object_abs_distance": lambda: [d["object_1"], d["object_2"]],
        "object_rel_distance": lambda: [d["category"], *d["choice_distances_m"]],
        "route_planning": lambda: [d["start"], d["facing"], d["goal"], *d["landmarks"]],
    }.get(question.question_type, lambda: [d["positioning_object"], d["orienting_object"], d["querying_object"]])()
    return [o.instance_id for o in facts.objects if o.category in set(names)]


@pytest.mark.slow
def test_build_keeps_only_questions_whose_objects_the_frames_show(tmp_path):
    from vsi100k.frames.config import FramesConfig
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.pipeline.run import run_build
    from vsi100k.synth.layout import LayoutConfig
    from vsi100k.synth.writer import generate_scenes, scan_profile

    scans = tmp_path / "scans"
    dirs = generate_scenes(scans, 3, 11, config=scan_profile(layout=LayoutConfig(min_categories=10)))
    blind = dirs[-1]
    (blind / f"{blind.name}.sens").unlink()  # a scan without a colour stream
    cfg = BuildConfig(scenes_dir=scans, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache",
                      frames=FramesConfig(n_frames=16), questions=QuestionConfig(seed=2, mix="vsibench"))
    report = run_build(cfg, progress=False).report
    grounding = report["grounding"]
    assert grounding["not_frame_checked"] == [blind.name] and grounding["frame_checked_scans"] == 2
    dropped = sum(row["not_in_frames"] for row in grounding["by_type"].values())
    assert dropped > 0 and report["skipped"]  # the rule had candidates to drop
    for qtype, row in grounding["by_type"].items():
        assert report["skipped"].get(qtype, {}).get(NOT_IN_FRAMES, 0) == row["not_in_frames"]

    cache = BuildCache(cfg.cache_root)
    checked = 0
    for job in plan_jobs(cfg):
        entry = cache.load_scene(job.scene_id, job.key)
        facts = SceneFacts.from_json(entry.result["facts"])
        if job.scene_id == blind.name:
            assert job.visibility_key is None and facts.appearances is None
            continue
        visibility = cache.frames.load_visibility(job.scene_id, job.visibility_key)
        best = visibility.pixel_counts.max(axis=0) / (visibility.grid_width * visibility.grid_height)  # (K,)
        share_of = {int(i): float(s) for i, s in zip(visibility.instance_ids, best)}
        # the build's questions of this scan, with their details (rows do not carry them)
        questions, _ = generate_questions(facts, cfg.questions)
        assert [q.question for q in questions] == [row["question"] for row in entry.result["questions"]]
        for q in questions:
            if q.question_type in GROUNDING_SHARES:
                for instance_id in _named_instances(q, facts):
                    assert share_of[instance_id] >= GROUNDING_SHARES[q.question_type], (q.question_id, instance_id)
                    checked += 1
    assert checked > 50

    # the flag off: the blind scan's questions are unchanged, the others may name unseen objects
    off = replace(cfg, out_dir=tmp_path / "off", questions=replace(cfg.questions, grounding=False))
    report_off = run_build(off, progress=False).report
    assert report_off["grounding"] == {"enabled": False, "shares": {}, "frame_checked_scans": 2,
                                       "not_frame_checked": [blind.name], "by_type": {}}
    rows = {job.scene_id: BuildCache(off.cache_root).load_scene(job.scene_id, job.key).result["questions"]
            for job in plan_jobs(off)}
    blind_on = [j for j in plan_jobs(cfg) if j.scene_id == blind.name][0]
    assert rows[blind.name] == cache.load_scene(blind.name, blind_on.key).result["questions"]
    assert not any(NOT_IN_FRAMES in r for r in report_off["skipped"].values())


def test_card_states_the_rule_the_drop_shares_and_the_unchecked_scans():
    from vsi100k.card import grounding_text

    summary = {"enabled": True, "shares": {"object_counting": 0.02}, "frame_checked_scans": 3,
               "not_frame_checked": ["scene0007_00"],
               "by_type": {"object_counting": {"candidates": 40, "not_in_frames": 10, "dropped_share": 0.25}}}
    text = grounding_text(summary, 32)
    assert "on the 3 scans whose frames were ray-cast" in text and "at least one of the 32 frames" in text
    assert "a trainer that feeds a subset" in text
    assert "Not frame-checked (1 scans without a colour stream or camera poses" in text and "`scene0007_00`" in text
    assert "| object_counting | 2.0% | 40 | 10 | 25.0% |" in text
    off = grounding_text({**summary, "enabled": False}, 32)
    assert "not frame-checked (grounding off)" in off
    assert grounding_text(None, 32) == "" and grounding_text({}, 32) == ""
