"""The build-wide answer-word pass (vsi100k.tasks.answer_cap): the answers of closed-answer types
(route planning, the direction levels) never exceed chance + 5 points in a split or in the build, by
dropping as few questions as the rule allows, reproducibly; splits too small to balance are reported."""

from __future__ import annotations

from collections import Counter

import pytest

from vsi100k.tasks.answer_cap import CAP_MARGIN, capped_indices, largest_count_cap


def _route(scene: str, k: int, answer: str, split: str = "train") -> dict:
    return {"question_type": "route_planning", "answer": answer, "options": ["A. a", "B. b", "C. c", "D. d"],
            "scene_name": scene, "id": f"{scene}-route-{k}", "split": split, "answer_kind": "choice"}


@pytest.mark.parametrize("counts, share, cap", [
    ([9, 9, 2, 2], 0.30, 3),    # 3 + 3 + 2 + 2 = 10, top 3/10 = 0.30; c = 4 gives 4/12 = 0.33
    ([5, 5, 5, 5], 0.30, 5),    # already uniform: nothing dropped
    ([10], 0.30, 10),           # one answer only: nothing to balance it against, all kept
    ([5, 3], 0.30, 3),          # two answers: 0.30 is out of reach, the best is 1/2 (3 + 3)
    ([4, 1], 0.55, 1),          # c = 2 gives 2/3; c = 1 gives 1/2
    ([], 0.30, 0),
])
def test_largest_count_cap_by_hand(counts, share, cap):
    assert largest_count_cap(counts, share) == cap


def test_route_answers_are_capped_at_chance_plus_five_points_per_split():
    records = [_route(f"scene{n:04d}_00", 0, "Turn Right, Turn Left") for n in range(9)]
    records += [_route(f"scene{n:04d}_00", 1, "Turn Left, Turn Right") for n in range(9)]
    records += [_route("scene0100_00", 0, "Turn Back, Turn Left"), _route("scene0101_00", 0, "Turn Left, Turn Left")]
    records += [_route("scene0200_00", 0, "Turn Right, Turn Left", split="validation")]
    records.append({"question_type": "object_rel_direction_easy", "answer": "left", "options": ["A. left", "B. right"],
                    "scene_name": "scene0000_00", "id": "x", "split": "train", "answer_kind": "choice"})
    kept, dropped = capped_indices(records, seed=0, groups=[r["split"] for r in records])
    train_routes = Counter(records[k]["answer"] for k in kept if records[k]["question_type"] == "route_planning"
                           and records[k]["split"] == "train")
    # counts 9, 9, 1, 1: c = 2 keeps 2 + 2 + 1 + 1 = 6, top share 2/6 = 0.33 > 0.30; c = 1: 1/4 = 0.25
    assert train_routes == {"Turn Right, Turn Left": 1, "Turn Left, Turn Right": 1, "Turn Back, Turn Left": 1,
                            "Turn Left, Turn Left": 1}
    assert max(train_routes.values()) / sum(train_routes.values()) <= 0.25 + CAP_MARGIN
    # the lone validation question is too small a split to balance alone; the whole build's balance
    # needs it gone: with it, "Turn Right, Turn Left" would be 2 of 5 = 40% of the build's routes
    assert dropped == {"route_planning": 17}
    assert len(records) - 2 not in kept
    assert len(records) - 1 in kept  # other types untouched
    assert kept == sorted(kept)


def test_cap_is_reproducible_and_seeded():
    records = [_route(f"scene{n:04d}_00", 0, "Turn Right, Turn Left") for n in range(12)]
    records += [_route(f"scene{n:04d}_01", 0, "Turn Left, Turn Right") for n in range(3)]
    records += [_route(f"scene{n:04d}_02", 0, "Turn Back, Turn Right") for n in range(3)]
    records += [_route(f"scene{n:04d}_03", 0, "Turn Left, Turn Left") for n in range(3)]
    first, _ = capped_indices(records, seed=3)
    assert capped_indices(records, seed=3)[0] == first
    assert capped_indices(list(reversed(records)), seed=3)[0] == sorted(len(records) - 1 - k for k in first)
    others = {tuple(capped_indices(records, seed=s)[0]) for s in range(6)}
    assert len(others) > 1  # which over-represented questions go depends on the seed
    kept = Counter(records[k]["answer"] for k in first)
    assert kept["Turn Right, Turn Left"] == 3 and sum(kept.values()) == 12


def test_group_labels_must_match_the_records():
    with pytest.raises(ValueError, match="answer cap: 1 group labels for 2 records"):
        capped_indices([_route("s", 0, "a"), _route("s", 1, "a")], seed=0, groups=["train"])
