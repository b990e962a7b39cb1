"""object_rel_distance: which of four categories is closest to a unique target category.

Candidates: for each unique target, up to `cfg.rel_distance_sets_per_target` distinct random sets of
four other categories (all sets when there are that few). A choice's distance is the minimum over
its instances (choices may have several instances; the target has one). Dropped, with reasons:
- "not_unique": a category with several instances cannot be the target (counted once per category);
- "too_few_categories": the scene has fewer than four categories besides the target;
- "nearest_too_close": the nearest choice is closer than `rel_distance_nearest_min_m` (0.15 m);
- "options_too_close": two choice distances are within `rel_distance_gap_for(room)` of each other
  (0.15 m, 0.30 m in rooms above 40 m2), so every kept question has all gaps above the threshold.
- "definition_ambiguous": under exact geometry (closest points of the vertex sets, 0 for
  overlapping solids) a different choice is the closest (`vsi100k.tasks.ambiguity`).
The gaps are measured with the default distances. Options list the four categories in the question's order; the answer is the closest one's name.
A build-wide letter pass may later move the correct option (`vsi100k.tasks.letters.balance_letters`);
`vsi100k.tasks.rewording.relist_choices` then re-words the question so that its choice list still follows the options.
"""

from __future__ import annotations

from itertools import combinations
from math import comb
from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.ambiguity import AMBIGUOUS, ambiguity_details
from vsi100k.tasks.common import CategoryIndex, arrange_choices, choice_question, shuffled
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer
from vsi100k.tasks.rewording import N_CHOICES, REL_DISTANCE_SLOTS, REL_DISTANCE_TYPE, relist_choices  # noqa: F401 (re-exported)
from vsi100k.tasks.templates import load_template

QUESTION_TYPE = REL_DISTANCE_TYPE
ANSWER_KIND = "choice"
SLOTS = REL_DISTANCE_SLOTS
ANSWERS = None


def choice_sets(others: list[str], k: int, rng: np.random.Generator) -> list[tuple[str, ...]]:
    """Up to k distinct 4-subsets of `others` (sorted tuples): all of them when there are <= k."""
    if comb(len(others), N_CHOICES) <= k:
        return list(combinations(others, N_CHOICES))
    seen: list[tuple[str, ...]] = []
    while len(seen) < k:
        picked = tuple(sorted(others[int(i)] for i in rng.choice(len(others), N_CHOICES, replace=False)))
        if picked not in seen:
            seen.append(picked)
    return seen


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    template = load_template(QUESTION_TYPE, SLOTS, ANSWERS)
    index = CategoryIndex(facts)
    balancer = LetterBalancer(N_CHOICES, rng)
    gap_m = cfg.rel_distance_gap_for(facts.room_area_m2)
    for _ in index.non_unique_categories():
        yield Skip(QUESTION_TYPE, "not_unique")
    candidates: list[tuple[str, tuple[str, ...]]] = []
    for target in index.unique_categories():
        others = [c for c in index.categories() if c != target]
        if len(others) < N_CHOICES:
            yield Skip(QUESTION_TYPE, "too_few_categories")
            continue
        candidates.extend((target, choice_set) for choice_set in choice_sets(others, cfg.rel_distance_sets_per_target, rng))
    for target, choice_set in shuffled(candidates, rng):
        distances_m = {choice: index.distance_m(target, choice) for choice in choice_set}
        ranked = sorted(choice_set, key=lambda c: (distances_m[c], c))
        if distances_m[ranked[0]] < cfg.rel_distance_nearest_min_m:
            yield Skip(QUESTION_TYPE, "nearest_too_close")
            continue
        smallest_gap_m = min(distances_m[b] - distances_m[a] for a, b in zip(ranked, ranked[1:]))
        if smallest_gap_m <= gap_m:
            yield Skip(QUESTION_TYPE, "options_too_close")
            continue
        closest = ranked[0]
        exact_m = {choice: index.exact_distance_m(target, choice) for choice in choice_set}
        closest_exact = min(choice_set, key=lambda c: (exact_m[c], c))
        if closest_exact != closest and not cfg.keep_ambiguous:
            yield Skip(QUESTION_TYPE, AMBIGUOUS, f"{target}: {closest} by default, {closest_exact} exactly")
            continue
        words, letter = arrange_choices(closest, ranked[1:], rng, balancer)
        yield choice_question(
            facts,
            question_type=QUESTION_TYPE,
            text=template.render(
                choice_a=words[0], choice_b=words[1], choice_c=words[2], choice_d=words[3], category=target
            ),
            correct=closest,
            words=words,
            correct_letter=letter,
            instance_ids=(index.instance(target),),
            details={
                "category": target,
                "choice_distances_m": {c: distances_m[c] for c in words},
                "min_gap_m": smallest_gap_m,
                "gap_threshold_m": gap_m,
                "distance_method": facts.distance_method,
                "choice_exact_distances_m": {c: exact_m[c] for c in words},
                **ambiguity_details(closest, closest_exact, closest_exact != closest),
            },
        )


TASK = Task(QUESTION_TYPE, ANSWER_KIND, SLOTS, ANSWERS, generate)
