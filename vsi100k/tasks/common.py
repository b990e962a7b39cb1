"""Helpers shared by the task modules: category lookups on facts and question assembly.

Below every task module (imports no task); no wording (templates render it); helpers draw from the
generators they are given.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.ambiguity import AMBIGUOUS, ambiguity_details, numbers_disagree
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer, format_number, lettered, numeric_options, place_correct


class CategoryIndex:
    """Per-scene category lookups, computed once per task call.

    by_category: category -> instance ids (ascending), categorised objects only.
    """

    def __init__(self, facts: SceneFacts):
        self.facts = facts
        self.by_category = facts.instances_by_category()
        self._distance_cache: dict[tuple[str, str], float] = {}

    def categories(self) -> list[str]:
        """All categories, sorted by name (a deterministic base order before shuffling)."""
        return sorted(self.by_category)

    def unique_categories(self) -> list[str]:
        """Categories with exactly one instance, sorted by name."""
        return [c for c in self.categories() if len(self.by_category[c]) == 1]

    def non_unique_categories(self) -> list[str]:
        return [c for c in self.categories() if len(self.by_category[c]) != 1]

    def instance(self, category: str) -> int:
        """The instance id of a unique category."""
        (instance_id,) = self.by_category[category]
        return instance_id

    def distance_m(self, category_a: str, category_b: str) -> float:
        """Minimum surface distance over the instances of two categories, metres."""
        key = (category_a, category_b) if category_a <= category_b else (category_b, category_a)
        if key not in self._distance_cache:
            self._distance_cache[key] = min(
                self.facts.distance_m(a, b) for a in self.by_category[key[0]] for b in self.by_category[key[1]]
            )
        return self._distance_cache[key]

    def exact_distance_m(self, category_a: str, category_b: str) -> float:
        """Exact-geometry distance (closest points, 0 when overlapping), minimum over instances, metres."""
        return min(
            self.facts.exact_distance_m(a, b) for a in self.by_category[category_a] for b in self.by_category[category_b]
        )


def number_ambiguity(
    question_type: str, cfg: QuestionConfig, default: float, exact: float, decimals: int
) -> tuple[Skip | None, dict]:
    """Compare a number under both definitions: (a "definition_ambiguous" Skip or None, details).

    details: "answer_exact" / "answer_default" as answer text (rounded like the answer), and the
    raw "value_exact"; "definition_ambiguous" says whether they disagree beyond the tolerance.
    """
    disagree = numbers_disagree(default, exact, cfg.ambiguity_tolerance)
    details = {
        **ambiguity_details(format_number(default, decimals), format_number(exact, decimals), disagree),
        "value_exact": float(exact),
    }
    if disagree and not cfg.keep_ambiguous:
        return Skip(question_type, AMBIGUOUS, f"default {default:.4g} vs exact {exact:.4g}"), details
    return None, details


def shuffled(items: Sequence, rng: np.random.Generator) -> list:
    """A new list with the items in an order drawn from `rng`."""
    return [items[int(i)] for i in rng.permutation(len(items))]


def numeric_question(
    facts: SceneFacts,
    *,
    question_type: str,
    text: str,
    value: float,
    decimals: int,
    rng: np.random.Generator,
    balancer: LetterBalancer,
    low: float,
    high: float,
    min_ratio: float,
    instance_ids: tuple[int, ...],
    details: dict,
) -> Question | Skip:
    """A number question: answer and ground truth are the rounded value; four numeric options."""
    options = numeric_options(value, decimals, rng, balancer, low=low, high=high, min_ratio=min_ratio)
    if options is None:
        return Skip(question_type, "no_distinct_distractors")
    answer = options.words["ABCD".index(options.correct_letter)]
    return Question(
        scene_id=facts.scene_id,
        question_type=question_type,
        question=text,
        options=lettered(options.words),
        ground_truth=answer,
        answer=answer,
        answer_kind="number",
        correct_option=options.correct_letter,
        instance_ids=instance_ids,
        details={**details, "value": float(value), "distractor_range": list(options.range_factors)},
    )


def choice_question(
    facts: SceneFacts,
    *,
    question_type: str,
    text: str,
    correct: str,
    words: Sequence[str],
    correct_letter: str,
    instance_ids: tuple[int, ...],
    details: dict,
) -> Question:
    """A multiple-choice question: ground truth is the letter, answer the option-free word."""
    return Question(
        scene_id=facts.scene_id,
        question_type=question_type,
        question=text,
        options=lettered(words),
        ground_truth=correct_letter,
        answer=correct,
        answer_kind="choice",
        correct_option=correct_letter,
        instance_ids=instance_ids,
        details=dict(details),
    )


def arrange_choices(
    correct: str, others: Sequence[str], rng: np.random.Generator, balancer: LetterBalancer
) -> tuple[list[str], str]:
    """Shuffle the wrong choices, then put the correct one at the balancer's next position."""
    return place_correct(correct, shuffled(list(others), rng), balancer.next_position())
