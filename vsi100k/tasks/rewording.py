"""Re-wording a question whose text lists its options, after the letter pass moved them.

Only object_rel_distance lists its four choices in the question ("which of these objects (a, b, c,
d) is the closest to the X?"); its slots live here, below the task module that fills them and the
letter pass that re-lists them, so neither imports the other.
"""

from __future__ import annotations

from typing import Sequence

from vsi100k.tasks.templates import load_template

REL_DISTANCE_TYPE = "object_rel_distance"
REL_DISTANCE_SLOTS = ("choice_a", "choice_b", "choice_c", "choice_d", "category")
N_CHOICES = 4


def relist_choices(question: str, old_words: Sequence[str], new_words: Sequence[str]) -> str:
    """The question re-worded for options put in a new order: its choice list follows the options.

    question: an object_rel_distance question whose choice list is `old_words` in order; returns the
    same question listing `new_words` (the same words, reordered) instead. Raises ValueError when the
    question is not this type's wording of `old_words`.
    """
    if sorted(old_words) != sorted(new_words) or len(old_words) != N_CHOICES:
        raise ValueError(f"{REL_DISTANCE_TYPE}: {list(new_words)} is not a reordering of the 4 choices {list(old_words)}")
    template = load_template(REL_DISTANCE_TYPE, REL_DISTANCE_SLOTS, None)
    marker = "\x00"
    head, tail = template.render(**dict(zip(REL_DISTANCE_SLOTS[:N_CHOICES], old_words)), category=marker).split(marker)
    category = question[len(head):len(question) - len(tail)] if len(question) > len(head) + len(tail) else ""
    if not (category and question.startswith(head) and question.endswith(tail)):
        raise ValueError(f"{REL_DISTANCE_TYPE}: question {question!r} does not list the choices {list(old_words)} in order")
    return template.render(**dict(zip(REL_DISTANCE_SLOTS[:N_CHOICES], new_words)), category=category)
