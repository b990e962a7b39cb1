"""room_size_estimation: the floor area (2D alpha shape of the mesh, see facts), m2 to 0.1.

One candidate per scene; a scene without a positive finite area is skipped ("no_room_area").
"""

from __future__ import annotations

import math
from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.common import numeric_question
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer, round_half_up
from vsi100k.tasks.templates import load_template

QUESTION_TYPE = "room_size_estimation"
ANSWER_KIND = "number"
SLOTS = ()
ANSWERS = None


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    template = load_template(QUESTION_TYPE, SLOTS, ANSWERS)
    area_m2 = float(facts.room_area_m2)
    if not math.isfinite(area_m2) or round_half_up(area_m2, 1) <= 0:
        yield Skip(QUESTION_TYPE, "no_room_area")
        return
    yield numeric_question(
        facts,
        question_type=QUESTION_TYPE,
        text=template.render(),
        value=area_m2,
        decimals=1,
        rng=rng,
        balancer=LetterBalancer(4, rng),
        low=cfg.distractor_low,
        high=cfg.distractor_high,
        min_ratio=cfg.distractor_min_ratio,
        instance_ids=(),
        details={"area_m2": area_m2},
    )


TASK = Task(QUESTION_TYPE, ANSWER_KIND, SLOTS, ANSWERS, generate)
