"""object_counting: "How many {category}(s) are in this room?" for categories with >= 2 instances.

Answer: the instance count (integer). Single-instance categories are skipped ("fewer_than_min_instances"):
VSI-Bench asks counts only where counting is needed.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.common import CategoryIndex, numeric_question, shuffled
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer
from vsi100k.tasks.templates import load_template

QUESTION_TYPE = "object_counting"
ANSWER_KIND = "number"
SLOTS = ("category",)
ANSWERS = None


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    template = load_template(QUESTION_TYPE, SLOTS, ANSWERS)
    index = CategoryIndex(facts)
    balancer = LetterBalancer(4, rng)
    for category in shuffled(index.categories(), rng):
        instance_ids = tuple(index.by_category[category])
        if len(instance_ids) < cfg.count_min_instances:
            yield Skip(QUESTION_TYPE, "fewer_than_min_instances")
            continue
        yield numeric_question(
            facts,
            question_type=QUESTION_TYPE,
            text=template.render(category=category),
            value=float(len(instance_ids)),
            decimals=0,
            rng=rng,
            balancer=balancer,
            low=cfg.distractor_low,
            high=cfg.distractor_high,
            min_ratio=cfg.distractor_min_ratio,
            instance_ids=instance_ids,
            details={"category": category, "count": len(instance_ids)},
        )


TASK = Task(QUESTION_TYPE, ANSWER_KIND, SLOTS, ANSWERS, generate)
