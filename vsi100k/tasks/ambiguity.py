"""Faithful answers: does a question's answer depend on which geometry defines it?

Every answer is computed twice: under the default definitions (VSI-Bench parity: the facts' box
method, oriented by default, and the facts' distance method, a 5 cm box-surface grid by default) and
under exact geometry (gravity-aligned boxes for sizes and direction centres; the closest points of the
objects' vertex sets for distances, 0 for objects whose solids overlap; see
`vsi100k.facts.extract`). Counts, room areas and appearance orders read the same facts either way.

- numbers disagree when |default - exact| > tolerance * exact (relative to the exact value, the
  one the question's wording describes; an exact value of 0 disagrees with any non-zero default);
- choices disagree when the two answers are different options.

A disagreeing candidate is dropped with the reason "definition_ambiguous", or kept with both
answers in its details when `QuestionConfig.keep_ambiguous` is set. Pure functions; no facts.
"""

from __future__ import annotations

import math

AMBIGUOUS = "definition_ambiguous"  # the skip reason


def relative_difference(default: float, exact: float) -> float:
    """|default - exact| / exact; 0 when both are 0, infinite when only exact is 0."""
    if exact == 0:
        return 0.0 if default == 0 else math.inf
    return abs(default - exact) / abs(exact)


def numbers_disagree(default: float, exact: float, tolerance: float) -> bool:
    """True when the two values differ by more than `tolerance` (a fraction) of the exact one."""
    return relative_difference(default, exact) > tolerance


def ambiguity_details(default, exact, disagree: bool) -> dict:
    """The details a question carries: the exact answer and whether it disagrees with the default."""
    return {"answer_exact": exact, "answer_default": default, "definition_ambiguous": bool(disagree)}
