"""Relative direction (VSI-Bench easy / medium / hard): "If I am standing by A and facing B, where is C?"

Geometry, in the xy plane of the aligned frame (z up), with A, B, C three distinct unique categories
and points = centres of their facts boxes (`facts.box`):
    forward = B - A,  v = C - A,
    angle   = the angle from forward to v, counter-clockwise (towards the left) in [0, 360) degrees.
Sectors (start angle, inclusive):
    hard:   front-left [0, 90), back-left [90, 180), back-right [180, 270), front-right [270, 360)
            (a Cartesian plane seen from the origin facing +y: counter-clockwise from +y is left);
    medium: left [0, 135), back [135, 225), right [225, 360);
    easy:   the medium sectors with "back" dropped: "is C to the left or the right of B" has no good
            answer when C is behind me, and VSI-Bench's easy options are only left / right. Its
            boundaries are therefore 0, 135 and 225, which also keeps kept answers 10 degrees clear of
            the back sector.
A candidate triple (A, B, C) is dropped, in this order, with the reason:
    "pair_distance_out_of_range"  any object distance A-B, A-C, B-C outside
                                  [direction_pair_min_m, direction_pair_max_m] (0.3, 5.0 m). The
                                  distance is the facts' pair distance (`facts.distance_m`), the same
                                  one distance questions use (box grid by default), so a lamp standing
                                  on a table (touching, 0 m apart) never gives a facing direction;
    "near_sector_boundary"        angle within direction_boundary_margin_deg (10) of any boundary,
                                  0/360 included, on either side;
    "back_dropped"                easy only: C is in the back sector;
    "corners_span_sectors"        more than direction_max_corners_outside (2) of C's 8 box corners lie
                                  in a sector other than C's centre's (for easy, "back" counts as other);
    "definition_ambiguous"        with the centres of the gravity-aligned boxes (exact geometry) C
                                  falls in another sector (for easy: back, or the other side), see
                                  `vsi100k.tasks.ambiguity`; kept with both answers when
                                  `cfg.keep_ambiguous`.
Each non-unique category is counted once as "not_unique", each unique one whose box is under 1 cm
once as "degenerate_box"; a scene with fewer than three usable categories yields one "too_few_unique".

No answer priors: the kept triples are yielded in complete rounds of answer words
(`vsi100k.tasks.options.balanced_by_answer`): one triple per answer word per round, in a random word
order, while every word of the level still has a triple. The triples left over are dropped as
"answer_balance" (a scene with no "back" triple yields no medium question), so every scene, and
so every build, holds each answer word equally often up to one partial round cut by the per-scene
cap. The correct letter is balanced separately (`LetterBalancer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from itertools import permutations
from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.ambiguity import AMBIGUOUS, ambiguity_details
from vsi100k.tasks.common import CategoryIndex, arrange_choices, choice_question
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer, balanced_by_answer
from vsi100k.tasks.templates import load_template

SLOTS = ("positioning_object", "orienting_object", "querying_object")
MIN_BOX_SIZE_M = 0.01  # a box below 1 cm has no meaningful centre or corners
ANSWER_KIND = "choice"


@dataclass(frozen=True)
class Level:
    """One difficulty level: sectors as (name, start angle in degrees), ascending from 0."""

    question_type: str
    sectors: tuple[tuple[str, float], ...]
    answers: tuple[str, ...]  # option words, in the template's order
    dropped: frozenset[str] = frozenset()

    @property
    def boundaries_deg(self) -> np.ndarray:
        return np.array([start for _, start in self.sectors], dtype=float)

    def sector_index(self, angle_deg: np.ndarray) -> np.ndarray:
        """Index into `sectors` of each angle in [0, 360)."""
        return np.searchsorted(self.boundaries_deg, angle_deg, side="right") - 1


LEVELS: dict[str, Level] = {
    level.question_type: level
    for level in (
        Level(
            "object_rel_direction_easy",
            (("left", 0.0), ("back", 135.0), ("right", 225.0)),
            ("left", "right"),
            frozenset({"back"}),
        ),
        Level(
            "object_rel_direction_medium",
            (("left", 0.0), ("back", 135.0), ("right", 225.0)),
            ("left", "right", "back"),
        ),
        Level(
            "object_rel_direction_hard",
            (("front-left", 0.0), ("back-left", 90.0), ("back-right", 180.0), ("front-right", 270.0)),
            ("front-left", "front-right", "back-left", "back-right"),
        ),
    )
}


def ccw_angle_deg(forward_xy: np.ndarray, vector_xy: np.ndarray) -> np.ndarray:
    """Counter-clockwise angle from forward to vector, degrees in [0, 360). Shapes (..., 2) -> (...)."""
    cross = forward_xy[..., 0] * vector_xy[..., 1] - forward_xy[..., 1] * vector_xy[..., 0]
    dot = forward_xy[..., 0] * vector_xy[..., 0] + forward_xy[..., 1] * vector_xy[..., 1]
    angle = np.mod(np.degrees(np.arctan2(cross, dot)), 360.0)
    return np.where(angle >= 360.0, angle - 360.0, angle)


def boundary_distance_deg(angle_deg: np.ndarray, boundaries_deg: np.ndarray) -> np.ndarray:
    """Smallest circular distance (degrees) from each angle to any boundary. (...) -> (...)."""
    diff = np.abs(np.mod(angle_deg[..., None] - boundaries_deg + 180.0, 360.0) - 180.0)
    return diff.min(axis=-1)


def generate_level(
    level: Level, facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator
) -> Iterator[Question | Skip]:
    """All candidate triples of one level, in an order drawn from `rng`."""
    qtype = level.question_type
    template = load_template(qtype, SLOTS, level.answers)
    index = CategoryIndex(facts)
    for _ in index.non_unique_categories():
        yield Skip(qtype, "not_unique")
    names = []
    for name in index.unique_categories():
        if facts.box(index.instance(name)).size_m < MIN_BOX_SIZE_M:
            yield Skip(qtype, "degenerate_box", name)  # no usable centre or corners
        else:
            names.append(name)
    if len(names) < 3:
        yield Skip(qtype, "too_few_unique")
        return
    ids = [index.instance(name) for name in names]
    boxes = [facts.box(i) for i in ids]
    centers = np.array([np.asarray(box.center, dtype=float)[:2] for box in boxes])  # (n, 2)
    corners = np.stack([box.corners()[:, :2] for box in boxes])  # (n, 8, 2)
    exact_centers = np.array([np.asarray(facts.exact_box(i).center, dtype=float)[:2] for i in ids])  # (n, 2)
    object_m = np.array([[facts.distance_m(i, j) for j in ids] for i in ids])  # (n, n) pair distances

    triples = np.array(list(permutations(range(len(names)), 3)), dtype=np.int64)  # (T, 3): A, B, C
    a, b, c = triples[:, 0], triples[:, 1], triples[:, 2]
    forward = centers[b] - centers[a]
    to_c = centers[c] - centers[a]
    pair_m = np.stack([object_m[a, b], object_m[a, c], object_m[b, c]], axis=1)  # (T, 3): A-B, A-C, B-C
    pair_ok = np.all((pair_m >= cfg.direction_pair_min_m) & (pair_m <= cfg.direction_pair_max_m), axis=1)
    angle = ccw_angle_deg(forward, to_c)  # (T,)
    clearance = boundary_distance_deg(angle, level.boundaries_deg)
    sector = level.sector_index(angle)
    corner_angle = ccw_angle_deg(forward[:, None, :], corners[c] - centers[a][:, None, :])  # (T, 8)
    outside = (level.sector_index(corner_angle) != sector[:, None]).sum(axis=1)
    dropped = np.array([level.sectors[s][0] in level.dropped for s in sector])
    exact_angle = ccw_angle_deg(exact_centers[b] - exact_centers[a], exact_centers[c] - exact_centers[a])
    exact_sector = level.sector_index(exact_angle)

    kept: list[int] = []
    for t in rng.permutation(len(triples)):
        reason = None
        if not pair_ok[t]:
            reason = "pair_distance_out_of_range"
        elif clearance[t] < cfg.direction_boundary_margin_deg:
            reason = "near_sector_boundary"
        elif dropped[t]:
            reason = "back_dropped"
        elif outside[t] > cfg.direction_max_corners_outside:
            reason = "corners_span_sectors"
        elif exact_sector[t] != sector[t] and not cfg.keep_ambiguous:
            reason = AMBIGUOUS
        if reason is not None:
            yield Skip(qtype, reason, " / ".join(names[int(i)] for i in triples[t]))
            continue
        kept.append(int(t))

    answers = [level.sectors[int(sector[t])][0] for t in kept]
    balancer = LetterBalancer(len(level.answers), rng)
    if cfg.balance_answer_words:
        order, left_over = balanced_by_answer(answers, level.answers, rng)
    else:
        order, left_over = list(range(len(kept))), []
    for k in left_over:
        t = kept[k]
        yield Skip(qtype, "answer_balance", " / ".join(names[int(i)] for i in triples[t]))
    for k in order:
        t = kept[k]
        name_a, name_b, name_c = (names[int(i)] for i in triples[t])
        correct = answers[k]
        correct_exact = level.sectors[int(exact_sector[t])][0]
        words, letter = arrange_choices(correct, [w for w in level.answers if w != correct], rng, balancer)
        yield choice_question(
            facts,
            question_type=qtype,
            text=template.render(positioning_object=name_a, orienting_object=name_b, querying_object=name_c),
            correct=correct,
            words=words,
            correct_letter=letter,
            instance_ids=tuple(ids[int(i)] for i in triples[t]),
            details={
                "positioning_object": name_a,
                "orienting_object": name_b,
                "querying_object": name_c,
                "angle_deg": float(angle[t]),
                "boundary_clearance_deg": float(clearance[t]),
                "corners_outside": int(outside[t]),
                "pair_distances_m": [float(d) for d in pair_m[t]],
                "box_method": facts.box_method,
                "distance_method": facts.distance_method,
                "angle_exact_deg": float(exact_angle[t]),
                **ambiguity_details(correct, correct_exact, correct_exact != correct),
            },
        )


# The three VSI-Bench levels, registered from this one module with their level settings.
TASKS: tuple[Task, ...] = tuple(
    Task(level.question_type, ANSWER_KIND, SLOTS, level.answers, partial(generate_level, level)) for level in LEVELS.values()
)
