"""The build-wide passes: what runs over a whole build's questions once every scan's are known.

1. The answer-share cap (`vsi100k.tasks.answer_cap`) drops over-represented route-planning answers.
2. The letter pass (`vsi100k.tasks.letters.balance_letters`) balances every choice type's correct
   letters.
Both `vsi100k build` (at assembly, on dataset rows) and `vsi100k questions` (on `Question` values)
call them here, so the two commands write the same questions. Nothing cached is rewritten.
"""

from __future__ import annotations

from collections import Counter
from typing import Hashable, Mapping, Sequence

from vsi100k.tasks.answer_cap import capped_indices
from vsi100k.tasks.base import Question
from vsi100k.tasks.letters import balance_letters


def build_wide_passes(records: Sequence[Mapping], seed: int,
                      groups: Sequence[Hashable] | None = None) -> tuple[list[int], list[dict], Counter]:
    """Both passes over question records (dataset rows or `vsi100k.tasks.io` records).

    groups: one label per record (its split); each split is capped and balanced on its own.
    Returns (indices of the kept records in the order given, those records after the letter pass:
    moved ones as new dicts, the others as given, Counter question type -> records dropped by the cap).
    """
    kept, dropped = capped_indices(records, seed, groups)
    labels = [groups[k] for k in kept] if groups is not None else None
    return kept, balance_letters([records[k] for k in kept], seed, labels), dropped


def questions_after_build_passes(questions: Sequence[Question], seed: int) -> tuple[list[Question], Counter]:
    """`build_wide_passes` over `Question` values grouped by their split: the kept questions in the
    order given (moved ones replaced) and the cap's drops per question type."""
    from vsi100k.tasks.io import question_to_record, record_to_question

    records = [question_to_record(q) for q in questions]
    kept, balanced, dropped = build_wide_passes(records, seed, [q.split for q in questions])
    return [questions[k] if new is records[k] else record_to_question(new) for k, new in zip(kept, balanced)], dropped
