"""Grounded questions: every object a question names is shown by at least one stored frame.

A question is about what the frames show (SIMS-V counts an object only when its mask covers more
than 5% of some frame; VSI-Bench's users report counts the video contradicts). For a scan whose
frames were ray-cast (`vsi100k.frames.visibility`: each instance's largest share of one sampled
frame, `Appearances.max_share`), every instance of every category a question names must cover at
least the type's share (`GROUNDING_SHARES`, or one share for all types) of at least one stored frame,
else the candidate is dropped as "not_in_frames". Counting names every instance of its category;
relative distance its target and its four choice categories (every instance of each); direction
its three objects; route planning its start, facing object, goal and every landmark of the route.
Room size names no object; appearance order has its own frame rule (each category's first
appearance covers `FramesConfig.min_pixel_fraction`) and is not checked again.

Scans without a colour stream, without camera poses, or whose facts predate the per-instance shares
are not frame-checked: their questions are kept as before, and the report lists them. Pure
functions over questions and facts; below every task module.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question

NOT_IN_FRAMES = "not_in_frames"  # the skip reason
# Default share of one frame per type (docs/definitions.md, "Grounded questions", measured with
# bench/grounding.py). Types naming single objects: 0.5% of a frame (about 40 x 40 pixels of 640 x
# 480), the share at which the appearance order says a category "appears"; on scan-profile scans the
# share of candidates dropped is flat from 0.2% to 1%, so it removes the objects the frames barely
# or never show and not the visible ones. Counting needs every instance told apart, so it asks more:
# 2% (about 80 x 80 pixels); SIMS-V's 5% would drop 54% of counting candidates there (2%: 32%).
GROUNDING_SHARES: Mapping[str, float] = MappingProxyType({
    "object_counting": 0.02,
    "object_size_estimation": 0.005,
    "object_abs_distance": 0.005,
    "object_rel_distance": 0.005,
    "object_rel_direction_easy": 0.005,
    "object_rel_direction_medium": 0.005,
    "object_rel_direction_hard": 0.005,
    "route_planning": 0.005,
})


def named_categories(question: Question) -> tuple[str, ...]:
    """The categories a question names, read from its details (empty for types not checked)."""
    d = question.details
    qtype = question.question_type
    if qtype in ("object_counting", "object_size_estimation"):
        return (d["category"],)
    if qtype == "object_abs_distance":
        return (d["object_1"], d["object_2"])
    if qtype == "object_rel_distance":
        return (d["category"], *d["choice_distances_m"])
    if qtype.startswith("object_rel_direction_"):
        return (d["positioning_object"], d["orienting_object"], d["querying_object"])
    if qtype == "route_planning":
        return tuple(dict.fromkeys((d["start"], d["facing"], d["goal"], *d["landmarks"])))
    return ()


def frame_checked(facts: SceneFacts) -> bool:
    """True when the facts carry each instance's share of the stored frames (frames with poses were ray-cast)."""
    return facts.appearances is not None and bool(facts.appearances.max_pixels)


def unseen_objects(question: Question, facts: SceneFacts, min_share: float) -> list[str]:
    """The named categories with an instance that covers less than `min_share` of every stored frame
    ("chair #3 0.0012" style, for skip details); empty when the question is grounded."""
    by_category = facts.instances_by_category()
    appearances = facts.appearances
    out = []
    for category in named_categories(question):
        for instance_id in by_category.get(category, ()):
            share = appearances.max_share(instance_id)
            if share < min_share:
                out.append(f"{category} #{instance_id} {share:.4f}")
    return out
