"""object_size_estimation: the longest side of a unique object's box, in whole centimetres.

Size = longest extent of `facts.box(id)` (the facts' box method: oriented by default, VSI-Bench
parity). The same size from the gravity-aligned box (exact geometry) must agree within
`cfg.ambiguity_tolerance` ("definition_ambiguous" otherwise, see `vsi100k.tasks.ambiguity`). Only categories with exactly one instance are asked about ("not_unique" otherwise); boxes
whose size rounds to 0 cm are skipped ("degenerate_box").
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.common import CategoryIndex, number_ambiguity, numeric_question, shuffled
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer, round_half_up
from vsi100k.tasks.templates import load_template

QUESTION_TYPE = "object_size_estimation"
ANSWER_KIND = "number"
SLOTS = ("category",)
ANSWERS = None


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    template = load_template(QUESTION_TYPE, SLOTS, ANSWERS)
    index = CategoryIndex(facts)
    balancer = LetterBalancer(4, rng)
    for category in shuffled(index.categories(), rng):
        if len(index.by_category[category]) != 1:
            yield Skip(QUESTION_TYPE, "not_unique")
            continue
        instance_id = index.instance(category)
        size_cm = facts.box(instance_id).size_m * 100.0
        if round_half_up(size_cm, 0) < 1:
            yield Skip(QUESTION_TYPE, "degenerate_box")
            continue
        exact_cm = facts.exact_box(instance_id).size_m * 100.0
        skip, ambiguity = number_ambiguity(QUESTION_TYPE, cfg, size_cm, exact_cm, 0)
        if skip is not None:
            yield skip
            continue
        yield numeric_question(
            facts,
            question_type=QUESTION_TYPE,
            text=template.render(category=category),
            value=size_cm,
            decimals=0,
            rng=rng,
            balancer=balancer,
            low=cfg.size_distractor_low,
            high=cfg.size_distractor_high,
            min_ratio=cfg.distractor_min_ratio,
            instance_ids=(instance_id,),
            details={"category": category, "size_cm": size_cm, "box_method": facts.box_method, **ambiguity},
        )


TASK = Task(QUESTION_TYPE, ANSWER_KIND, SLOTS, ANSWERS, generate)
