"""object_rel_distance: exact hand-built answers, thresholds, and properties over random rooms."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
from test_tasks_support import make_facts, random_facts

from vsi100k.tasks import object_rel_distance
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig

CFG = QuestionConfig(rel_distance_sets_per_target=100)  # enumerate every choice set in these small scenes

# The bed (id 1) is the target under test; distances to it are set explicitly (metres).
OBJECTS = [
    ("bed", (0.0, 0.0, 0.3), (0.2, 0.2, 0.2)),
    ("chair", (9.0, 0.0, 0.3), (0.2, 0.2, 0.2)),
    ("chair", (0.0, 9.0, 0.3), (0.2, 0.2, 0.2)),
    ("table", (-9.0, 0.0, 0.3), (0.2, 0.2, 0.2)),
    ("lamp", (0.0, -9.0, 0.3), (0.2, 0.2, 0.2)),
    ("tv", (9.0, 9.0, 0.3), (0.2, 0.2, 0.2)),
    ("plant", (-9.0, -9.0, 0.3), (0.2, 0.2, 0.2)),
]
BED_DISTANCES = {(1, 2): 0.5, (1, 3): 3.0, (1, 4): 1.0, (1, 5): 1.5, (1, 6): 2.0, (1, 7): 1.1}


def bed_questions(facts, cfg=CFG, seed=0):
    items = list(object_rel_distance.generate(facts, cfg, np.random.default_rng(seed)))
    questions = [i for i in items if isinstance(i, Question) and i.details["category"] == "bed"]
    return questions, Counter(i.reason for i in items if isinstance(i, Skip))


def test_closest_choice_uses_the_nearest_instance_and_drops_close_gaps():
    facts = make_facts("scene0200_00", OBJECTS, distances_m=BED_DISTANCES)
    questions, skips = bed_questions(facts)
    # Sets without the plant-table pair (1.1 vs 1.0 m, 0.1 m apart) survive: two of the five.
    assert sorted(tuple(sorted(q.details["choice_distances_m"])) for q in questions) == [
        ("chair", "lamp", "plant", "tv"),
        ("chair", "lamp", "table", "tv"),
    ]
    for q in questions:
        assert q.answer == "chair"  # 0.5 m via the nearer chair, although the other chair is 3.0 m away
        assert q.details["choice_distances_m"]["chair"] == 0.5
        assert q.ground_truth == q.correct_option
        assert q.options["ABCD".index(q.correct_option)] == f"{q.correct_option}. chair"
        words = [o.split(". ", 1)[1] for o in q.options]
        assert q.question == (
            "Measuring from the closest point of each object, which of these objects "
            f"({', '.join(words)}) is the closest to the bed?"
        )
        assert q.instance_ids == (1,)
    assert skips["not_unique"] == 1  # chair cannot be a target
    assert skips["options_too_close"] >= 3


def test_nearest_closer_than_15_cm_is_dropped():
    facts = make_facts("scene0201_00", OBJECTS, distances_m={**BED_DISTANCES, (1, 2): 0.1})
    questions, skips = bed_questions(facts)
    assert all("chair" not in q.details["choice_distances_m"] for q in questions)
    assert skips["nearest_too_close"] >= 3  # every bed set holding a chair


def test_gap_threshold_doubles_in_rooms_above_40_m2():
    distances = {**BED_DISTANCES, (1, 5): 1.25}  # lamp 0.25 m from the table: fine at 0.15, not at 0.30
    small = make_facts("scene0202_00", OBJECTS, distances_m=distances, room_area_m2=40.0)
    large = make_facts("scene0202_00", OBJECTS, distances_m=distances, room_area_m2=40.5)
    kept_small = {tuple(sorted(q.details["choice_distances_m"])) for q in bed_questions(small)[0]}
    kept_large = {tuple(sorted(q.details["choice_distances_m"])) for q in bed_questions(large)[0]}
    assert ("chair", "lamp", "table", "tv") in kept_small
    assert ("chair", "lamp", "table", "tv") not in kept_large
    assert all(q.details["gap_threshold_m"] == 0.30 for q in bed_questions(large)[0])


def test_too_few_categories():
    facts = make_facts("scene0203_00", OBJECTS[:4])  # bed, chair x2, table: 2 others at most
    items = list(object_rel_distance.generate(facts, CFG, np.random.default_rng(0)))
    assert Counter(i.reason for i in items) == Counter({"too_few_categories": 2, "not_unique": 1})


def test_properties_over_random_rooms():
    """Every kept question: answer = true argmin, nearest >= 0.15 m, all gaps above the room's threshold."""
    kept = 0
    for seed in range(40):
        facts = random_facts(f"scene{seed:04d}_00", seed, n_objects=16, room_m=5.0 + (seed % 2) * 3.0)
        by_cat = facts.instances_by_category()
        for item in object_rel_distance.generate(facts, QuestionConfig(), np.random.default_rng(seed)):
            if not isinstance(item, Question):
                continue
            kept += 1
            target = item.details["category"]
            assert len(by_cat[target]) == 1
            words = [o.split(". ", 1)[1] for o in item.options]
            assert target not in words and len(set(words)) == 4
            truth = {w: min(facts.distance_m(by_cat[target][0], j) for j in by_cat[w]) for w in words}
            threshold = 0.30 if facts.room_area_m2 > 40 else 0.15
            assert min(truth.values()) >= 0.15
            for a, b in combinations(words, 2):
                assert abs(truth[a] - truth[b]) > threshold
            assert item.answer == min(words, key=truth.get)
            assert item.options["ABCD".index(item.correct_option)].endswith(". " + item.answer)
    assert kept >= 100


def test_sets_per_target_limits_candidates():
    facts = random_facts("scene0300_00", 3, n_objects=18)
    one = QuestionConfig(rel_distance_sets_per_target=1)
    items = list(object_rel_distance.generate(facts, one, np.random.default_rng(0)))
    index_targets = [c for c, ids in facts.instances_by_category().items() if len(ids) == 1]
    candidates = [i for i in items if isinstance(i, Question) or i.reason in ("nearest_too_close", "options_too_close")]
    assert len(candidates) == len(index_targets)
