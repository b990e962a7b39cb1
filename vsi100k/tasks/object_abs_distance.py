"""object_abs_distance: closest-point distance between two unique objects, metres to 0.1.

Every unordered pair of unique categories is a candidate (which one is named first is drawn from
the generator). Distance = the facts' minimum surface distance (`facts.distance_m`). Pairs closer
than `cfg.abs_distance_min_m` (0.2 m) are skipped ("too_close": touching objects make the answer
depend on annotation noise). The exact distance (closest points of the vertex sets, 0 for
overlapping solids) must agree within `cfg.ambiguity_tolerance` ("definition_ambiguous" otherwise,
see `vsi100k.tasks.ambiguity`). Each non-unique category is counted once as "not_unique".
"""

from __future__ import annotations

from itertools import combinations
from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.common import CategoryIndex, number_ambiguity, numeric_question, shuffled
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer
from vsi100k.tasks.templates import load_template

QUESTION_TYPE = "object_abs_distance"
ANSWER_KIND = "number"
SLOTS = ("object_1", "object_2")
ANSWERS = None


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    template = load_template(QUESTION_TYPE, SLOTS, ANSWERS)
    index = CategoryIndex(facts)
    balancer = LetterBalancer(4, rng)
    for _ in index.non_unique_categories():
        yield Skip(QUESTION_TYPE, "not_unique")
    for pair in shuffled(list(combinations(index.unique_categories(), 2)), rng):
        first, second = pair if rng.random() < 0.5 else pair[::-1]
        distance_m = index.distance_m(first, second)
        if distance_m < cfg.abs_distance_min_m:
            yield Skip(QUESTION_TYPE, "too_close")
            continue
        skip, ambiguity = number_ambiguity(QUESTION_TYPE, cfg, distance_m, index.exact_distance_m(first, second), 1)
        if skip is not None:
            yield skip
            continue
        yield numeric_question(
            facts,
            question_type=QUESTION_TYPE,
            text=template.render(object_1=first, object_2=second),
            value=distance_m,
            decimals=1,
            rng=rng,
            balancer=balancer,
            low=cfg.distractor_low,
            high=cfg.distractor_high,
            min_ratio=cfg.distractor_min_ratio,
            instance_ids=(index.instance(first), index.instance(second)),
            details={
                "object_1": first,
                "object_2": second,
                "distance_m": distance_m,
                "distance_method": facts.distance_method,
                **ambiguity,
            },
        )


TASK = Task(QUESTION_TYPE, ANSWER_KIND, SLOTS, ANSWERS, generate)
