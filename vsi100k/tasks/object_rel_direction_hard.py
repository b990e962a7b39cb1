"""object_rel_direction_hard: the hard level of relative direction (geometry in `object_rel_direction`)."""

from __future__ import annotations

from typing import Iterator

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.object_rel_direction import ANSWER_KIND, LEVELS, SLOTS, generate_level

QUESTION_TYPE = "object_rel_direction_hard"
ANSWERS = LEVELS[QUESTION_TYPE].answers
__all__ = ["QUESTION_TYPE", "ANSWER_KIND", "SLOTS", "ANSWERS", "generate"]


def generate(facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator) -> Iterator[Question | Skip]:
    return generate_level(LEVELS[QUESTION_TYPE], facts, cfg, rng)
