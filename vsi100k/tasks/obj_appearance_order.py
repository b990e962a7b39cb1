"""obj_appearance_order: in which order do four categories first appear in the video?

Reads only the facts: `facts.appearances.first_s` (category -> seconds since the stream's first
frame) is written by the frames stage (`vsi100k.frames.visibility.attach_visibility`), from the
mesh ray-cast from each sampled camera pose. Candidates are 4-subsets of the categories that appear
(all subsets when there are at most `MAX_SETS`, else `MAX_SETS` distinct random ones), in random
order. Dropped, with reasons:
- "no_frame_visibility": the facts carry no first-appearance times (no poses, or frames not built);
- "too_few_categories": fewer than four categories ever appear;
- "appearances_too_close": two of the four first appear less than `cfg.appearance_min_gap_s` (1 s)
  apart, so the order would hinge on a single frame.
Options are four orderings of the categories (the true one and three other random permutations),
each written "a, b, c, d"; the option-free answer is the true ordering in the same form.
"""

from __future__ import annotations

from itertools import combinations, permutations
from math import comb
from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.common import arrange_choices, choice_question, shuffled
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer
from vsi100k.tasks.templates import load_template

QUESTION_TYPE = "obj_appearance_order"
ANSWER_KIND = "choice"
SLOTS = ("choice_a", "choice_b", "choice_c", "choice_d")
ANSWERS = None
N_CHOICES = 4
MAX_SETS = 64  # candidate category sets examined per scene (the mix's per-scene cap is ~2)


def ordering_text(categories) -> str:
    """("chair", "lamp", ...) -> "chair, lamp, ..." (VSI-Bench's option form)."""
    return ", ".join(categories)


def _category_sets(categories: list[str], rng: np.random.Generator) -> list[tuple[str, ...]]:
    """Distinct 4-subsets (sorted tuples) of the appearing categories, in random order."""
    if comb(len(categories), N_CHOICES) <= MAX_SETS:
        return shuffled(list(combinations(categories, N_CHOICES)), rng)
    seen: set[tuple[str, ...]] = set()
    picked: list[tuple[str, ...]] = []
    while len(picked) < MAX_SETS:
        subset = tuple(sorted(categories[int(i)] for i in rng.choice(len(categories), N_CHOICES, replace=False)))
        if subset not in seen:
            seen.add(subset)
            picked.append(subset)
    return picked


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    template = load_template(QUESTION_TYPE, SLOTS, ANSWERS)
    first_s = facts.appearances.first_s if facts.appearances is not None else None
    if not first_s:
        yield Skip(QUESTION_TYPE, "no_frame_visibility")
        return
    known = facts.instances_by_category()
    first_s = {c: float(t) for c, t in first_s.items() if c in known}
    categories = sorted(first_s)
    if len(categories) < N_CHOICES:
        yield Skip(QUESTION_TYPE, "too_few_categories")
        return
    balancer = LetterBalancer(N_CHOICES, rng)
    for subset in _category_sets(categories, rng):
        order = sorted(subset, key=lambda c: (first_s[c], c))
        gaps_s = [first_s[b] - first_s[a] for a, b in zip(order, order[1:])]
        if min(gaps_s) < cfg.appearance_min_gap_s:
            yield Skip(QUESTION_TYPE, "appearances_too_close")
            continue
        correct = ordering_text(order)
        wrong = [ordering_text(p) for p in permutations(order) if list(p) != order]
        distractors = [wrong[int(i)] for i in rng.choice(len(wrong), N_CHOICES - 1, replace=False)]
        words, letter = arrange_choices(correct, distractors, rng, balancer)
        listed = shuffled(list(subset), rng)
        yield choice_question(
            facts,
            question_type=QUESTION_TYPE,
            text=template.render(choice_a=listed[0], choice_b=listed[1], choice_c=listed[2], choice_d=listed[3]),
            correct=correct,
            words=words,
            correct_letter=letter,
            instance_ids=tuple(i for c in order for i in known[c]),
            details={
                "categories": listed,
                "order": order,
                "first_appearance_s": {c: first_s[c] for c in order},
                "min_gap_s": min(gaps_s),
            },
        )


TASK = Task(QUESTION_TYPE, ANSWER_KIND, SLOTS, ANSWERS, generate, needs_frames=True)
