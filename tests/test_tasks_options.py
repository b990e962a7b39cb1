"""Options: rounding, letters, balanced positions and numeric distractors."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vsi100k.tasks.options import (
    LetterBalancer,
    format_number,
    lettered,
    numeric_distractors,
    numeric_options,
    place_correct,
    round_half_up,
)


def test_round_half_up_rounds_halves_away_from_zero():
    assert round_half_up(0.25, 1) == pytest.approx(0.3)
    assert round_half_up(2.5, 0) == 3
    assert round_half_up(3.5, 0) == 4  # Python's round() would give 4 here but 2 for 2.5
    assert round_half_up(1.04999, 1) == pytest.approx(1.0)
    assert round_half_up(-0.25, 1) == pytest.approx(-0.3)


def test_format_number_matches_answer_forms():
    assert format_number(151.6, 0) == "152"
    assert format_number(2.0, 0) == "2"
    assert format_number(1.25, 1) == "1.3"
    assert format_number(3.0, 1) == "3.0"
    assert format_number(19.649, 1) == "19.6"


def test_lettered_and_place_correct():
    assert lettered(["chair", "table"]) == ("A. chair", "B. table")
    words, letter = place_correct("bed", ["a", "b", "c"], 2)
    assert words == ["a", "b", "bed", "c"] and letter == "C"
    words, letter = place_correct("bed", ["a", "b", "c"], 0)
    assert words[0] == "bed" and letter == "A"


def test_option_errors():
    with pytest.raises(ValueError, match="options need 1 to 4 entries, got 5"):
        lettered(["a", "b", "c", "d", "e"])
    with pytest.raises(ValueError, match="position 4 is outside 0..3"):
        place_correct("x", ["a", "b", "c"], 4)
    with pytest.raises(ValueError, match="the correct option 'a' is also among the distractors"):
        place_correct("a", ["a", "b", "c"], 1)
    with pytest.raises(ValueError, match="n_options must be in 2..4, got 5"):
        LetterBalancer(5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="numeric distractors need a positive truth, got 0.0"):
        numeric_distractors(0.0, 1, np.random.default_rng(0), low=0.25, high=1.75, min_ratio=1.2)


@pytest.mark.parametrize("n_options", [2, 3, 4])
def test_letter_balancer_every_prefix_is_balanced_within_one(n_options):
    balancer = LetterBalancer(n_options, np.random.default_rng(7))
    counts = Counter()
    for _ in range(101):
        counts[balancer.next_position()] += 1
        assert max(counts.values()) - min(counts.get(i, 0) for i in range(n_options)) <= 1
    assert set(counts) == set(range(n_options))


def test_letter_balancer_blocks_are_not_a_fixed_cycle():
    balancer = LetterBalancer(4, np.random.default_rng(3))
    blocks = {tuple(balancer.next_position() for _ in range(4)) for _ in range(20)}
    assert len(blocks) > 3  # random permutations, not A, B, C, D repeated


@settings(max_examples=200, deadline=None)
@given(
    truth=st.floats(min_value=0.3, max_value=500.0),
    decimals=st.sampled_from([0, 1]),
    seed=st.integers(0, 2**32 - 1),
)
def test_numeric_distractors_within_range_and_20_percent_apart(truth, decimals, seed):
    shown = round_half_up(truth, decimals)
    if shown < 10 ** (-decimals) * 8:  # tiny truths may widen the range; covered separately below
        return
    drawn = numeric_distractors(shown, decimals, np.random.default_rng(seed), low=0.25, high=1.75, min_ratio=1.2)
    assert drawn is not None
    values, factors = drawn
    assert factors == (0.25, 1.75)
    assert len(values) == 3
    everything = [shown, *values]
    for v in values:
        assert 0.25 * shown - 1e-9 <= v <= 1.75 * shown + 1e-9
        assert round_half_up(v, decimals) == pytest.approx(v)  # formatted like the answer
    for i in range(4):
        for j in range(i + 1, 4):
            a, b = everything[i], everything[j]
            assert max(a, b) / min(a, b) >= 1.2 - 1e-9


def test_count_of_two_widens_the_upper_bound_and_stays_distinct():
    drawn = numeric_distractors(2.0, 0, np.random.default_rng(0), low=0.25, high=1.75, min_ratio=1.2)
    assert drawn is not None
    values, (low, high) = drawn
    assert low == 0.25 and high > 1.75  # [0.5, 3.5] holds only 1 and 3
    assert len(set(values)) == 3 and 2.0 not in values
    assert all(v >= 1 and v == int(v) for v in values)


def test_numeric_options_put_the_rounded_truth_at_the_balanced_letter():
    rng = np.random.default_rng(1)
    balancer = LetterBalancer(4, np.random.default_rng(2))
    first_position = int(np.random.default_rng(2).permutation(4)[-1])  # the balancer pops from the end
    options = numeric_options(1.26, 1, rng, balancer, low=0.25, high=1.75, min_ratio=1.2)
    assert options is not None
    assert options.words["ABCD".index(options.correct_letter)] == "1.3"
    assert options.correct_letter == "ABCD"[first_position]
    assert len(set(options.words)) == 4
