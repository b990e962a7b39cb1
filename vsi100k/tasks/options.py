"""VSI-Bench style answer options: letters, balanced correct positions and numeric distractors.

Pure functions over numbers and words plus one small stateful helper (`LetterBalancer`); no facts,
no templates. Numbers are rounded half-up (not Python's banker's rounding) so that a checker can
reproduce every answer with one rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

LETTERS = "ABCD"


def round_half_up(value: float, decimals: int) -> float:
    """Round to `decimals` places, halves away from zero (0.25 -> 0.3, 2.5 -> 3)."""
    scale = 10.0**decimals
    return math.copysign(math.floor(abs(value) * scale + 0.5) / scale, value)


def format_number(value: float, decimals: int) -> str:
    """The answer text of a number: `decimals` = 0 gives "152", 1 gives "1.5"."""
    rounded = round_half_up(value, decimals)
    if decimals == 0:
        return str(int(rounded))
    return f"{rounded:.{decimals}f}"


def lettered(words: Sequence[str]) -> tuple[str, ...]:
    """("chair", "table") -> ("A. chair", "B. table")."""
    if not 1 <= len(words) <= len(LETTERS):
        raise ValueError(f"options need 1 to {len(LETTERS)} entries, got {len(words)}")
    return tuple(f"{LETTERS[i]}. {word}" for i, word in enumerate(words))


def place_correct(correct: str, distractors: Sequence[str], position: int) -> tuple[list[str], str]:
    """Insert the correct entry at `position` among the distractors; returns (words, its letter)."""
    if not 0 <= position <= len(distractors):
        raise ValueError(f"position {position} is outside 0..{len(distractors)}")
    if correct in distractors:
        raise ValueError(f"the correct option {correct!r} is also among the distractors {list(distractors)}")
    words = list(distractors)
    words.insert(position, correct)
    return words, LETTERS[position]


class LetterBalancer:
    """Chooses where the correct option goes so that every letter is used equally often.

    Positions come in blocks: each block of `n_options` consecutive calls is a random permutation
    of 0..n_options-1, so any prefix of the calls (what survives a per-scene cap) is balanced to
    within one per letter, and nothing about the order is predictable.
    """

    def __init__(self, n_options: int, rng: np.random.Generator):
        if not 2 <= n_options <= len(LETTERS):
            raise ValueError(f"n_options must be in 2..{len(LETTERS)}, got {n_options}")
        self.n_options = n_options
        self._rng = rng
        self._block: list[int] = []

    def next_position(self) -> int:
        if not self._block:
            self._block = [int(i) for i in self._rng.permutation(self.n_options)]
        return self._block.pop()


def balanced_by_answer(answers: Sequence[str], words: Sequence[str], rng: np.random.Generator) -> tuple[list[int], list[int]]:
    """Order candidates in complete rounds of answer words; returns (order, left over).

    answers[k]: the answer word of candidate k; words: every answer word of the type. Each round
    takes one candidate of every word (at random among that word's), in a fresh random word order;
    rounds continue while every word still has a candidate. The candidates left over (of the words
    that did not run out) are returned apart, for the caller to drop: yielding them would teach a
    blind model the scene's most common answer (a triangle has at most one angle above 90 degrees,
    so "front" outnumbers "back" in every room). So any prefix of the order that ends a round holds
    every word equally often, and a prefix cut mid-round (a per-scene cap) holds a uniformly random
    subset of a round. Indices refer to `answers`.
    """
    unknown = sorted(set(answers) - set(words))
    if unknown:
        raise ValueError(f"answers {unknown} are not among the answer words {list(words)}")
    pools = {word: [k for k, a in enumerate(answers) if a == word] for word in words}
    pools = {word: [pool[int(i)] for i in rng.permutation(len(pool))] for word, pool in pools.items()}
    rounds = min(len(pool) for pool in pools.values())
    order: list[int] = []
    for _ in range(rounds):
        for i in rng.permutation(len(words)):
            order.append(pools[words[int(i)]].pop())
    left_over = sorted(k for pool in pools.values() for k in pool)
    return order, left_over


@dataclass(frozen=True)
class NumericOptions:
    """Four numeric options. values are the rounded numbers shown; range_factors the [low, high]
    multiples of the truth the distractors were drawn from (wider than asked only for tiny truths)."""

    words: tuple[str, ...]
    correct_letter: str
    distractor_values: tuple[float, ...]
    range_factors: tuple[float, float]


def numeric_distractors(
    truth: float,
    decimals: int,
    rng: np.random.Generator,
    *,
    low: float,
    high: float,
    min_ratio: float,
    n: int = 3,
    draws_per_round: int = 64,
    widen_rounds: int = 4,
) -> tuple[list[float], tuple[float, float]] | None:
    """Draw `n` distractors for a positive number, formatted like the answer.

    truth: the answer as shown (already rounded to `decimals`).
    Each distractor is drawn uniformly in [low, high] x truth, rounded like the answer, and kept if it
    stays in that interval, is at least one rounding step, and every two of {truth, distractors}
    differ by a factor of at least `min_ratio`. When the rounding grid is too coarse to fit `n`
    (e.g. a count of 2 offers only 1 and 3 in [0.5, 3.5]) the upper bound grows by 1.5x per round.
    Returns (distractors in draw order, (low, high) used), or None if even the widest range fails.
    """
    if not truth > 0:
        raise ValueError(f"numeric distractors need a positive truth, got {truth!r}")
    step = 10.0 ** (-decimals)
    eps = 1e-9
    for _ in range(widen_rounds + 1):
        accepted = [truth]
        for _ in range(draws_per_round):
            value = round_half_up(float(rng.uniform(low * truth, high * truth)), decimals)
            if value < step - eps or value < low * truth - eps or value > high * truth + eps:
                continue
            if all(max(value, other) / min(value, other) >= min_ratio - eps for other in accepted):
                accepted.append(value)
                if len(accepted) == n + 1:
                    return accepted[1:], (low, high)
        high *= 1.5
    return None


def numeric_options(
    truth: float,
    decimals: int,
    rng: np.random.Generator,
    balancer: LetterBalancer,
    *,
    low: float,
    high: float,
    min_ratio: float,
) -> NumericOptions | None:
    """The answer and three distractors as option words, the answer at a balanced letter.

    truth: the unrounded value; it is rounded here exactly as the answer text is.
    Returns None when no three distinct distractors exist (the caller records a Skip).
    """
    shown = round_half_up(truth, decimals)
    drawn = numeric_distractors(shown, decimals, rng, low=low, high=high, min_ratio=min_ratio)
    if drawn is None:
        return None
    values, factors = drawn
    words, letter = place_correct(
        format_number(shown, decimals), [format_number(v, decimals) for v in values], balancer.next_position()
    )
    return NumericOptions(tuple(words), letter, tuple(values), factors)


def rebalanced_positions(
    positions: Sequence[int], n_options: int, rng: np.random.Generator, extras: list[int] | None = None
) -> list[int]:
    """New positions of the correct option so that every position is used equally often, within one.

    positions: the current 0-based position of each question's correct option (length N).
    Each position ends up used floor(N / n) or ceil(N / n) times; as few questions as possible move
    (those to move are drawn at random among the over-used position's questions, and given the
    under-used positions in a random order), so a lone group that is already balanced is returned
    as is.
    extras: one counter per position of how often earlier groups (other splits of the same build)
    gave it one of their N mod n surplus questions; the surplus goes to the positions with the
    fewest so far (then the most used now, then at random) and the counters are updated in place,
    so the groups together are balanced within one as well.
    """
    if not 2 <= n_options <= len(LETTERS):
        raise ValueError(f"n_options must be in 2..{len(LETTERS)}, got {n_options}")
    outside = sorted({int(p) for p in positions if not 0 <= int(p) < n_options})
    if outside:
        raise ValueError(f"positions {outside} are outside 0..{n_options - 1}")
    extras = [0] * n_options if extras is None else extras
    new = [int(p) for p in positions]
    counts = [new.count(p) for p in range(n_options)]
    whole, surplus = divmod(len(new), n_options)
    tiebreak = rng.permutation(n_options)
    ranked = sorted(range(n_options), key=lambda p: (extras[p], -counts[p], int(tiebreak[p])))
    target = [whole] * n_options
    for p in ranked[:surplus]:
        target[p] += 1
        extras[p] += 1
    moving: list[int] = []
    for p in range(n_options):
        holders = [k for k, q in enumerate(new) if q == p]
        excess = counts[p] - target[p]
        if excess > 0:
            moving.extend(holders[int(i)] for i in rng.choice(len(holders), excess, replace=False))
    free = [p for p in range(n_options) for _ in range(max(0, target[p] - counts[p]))]
    for k, i in zip(sorted(moving), rng.permutation(len(free))):
        new[k] = free[int(i)]
    return new


def moved_option(words: Sequence[str], old: int, new: int) -> list[str]:
    """The option words with the entries at `old` and `new` swapped (the correct one moves from old to
    new; the one it displaces takes its place, the others stay where they were)."""
    moved = list(words)
    moved[old], moved[new] = moved[new], moved[old]
    return moved
