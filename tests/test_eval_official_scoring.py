"""Edge cases of VSI-Bench's original (thinking-in-space) scoring rule, each expected score worked out by
hand from its formulas. (The lmms-eval rule is checked against lmms-eval's own code in
tests/test_eval_lmms_parity.py.)

Choice: first word = ``text.split(" ")[0].rstrip(".").strip()``, case-insensitive equality with the letter.
Number: ``float()`` of that word; score = mean over theta in np.linspace(0.5, 0.95, 10) of
``|pred - truth| / truth <= 1 - theta``. The float margins 1 - theta are
0.5, 0.44999999999999996, 0.4, 0.35, 0.30000000000000004, 0.25, 0.19999999999999996,
0.15000000000000002, 0.10000000000000009, 0.050000000000000044.
"""

from __future__ import annotations

import pytest

from vsi100k.evaluate.scoring import score_prediction

CASES = [
    # question type, truth, prediction, prompt mode, expected score
    # numbers
    ("object_counting", "2", "3", "vanilla", 0.1),  # error 0.5 <= 0.5 only
    ("object_counting", "2", "1", "vanilla", 0.1),  # error 0.5 from below
    ("object_counting", "2", "2", "vanilla", 1.0),
    ("object_counting", "2", "4", "vanilla", 0.0),  # error 1.0
    ("object_counting", "4", "5", "vanilla", 0.6),  # error 0.25 <= 0.5, 0.45-, 0.4, 0.35, 0.3+, 0.25
    ("object_abs_distance", "10", "11", "vanilla", 0.9),  # error 0.1 <= 0.10000000000000009, > 0.05+
    ("object_abs_distance", "10", "12", "vanilla", 0.6),  # error 0.2 > 0.19999999999999996
    ("object_abs_distance", "10", "13", "vanilla", 0.5),  # error 0.3 (float 0.29999999999999999) <= 0.30000000000000004
    ("object_abs_distance", "10", "10.5", "vanilla", 1.0),  # error 0.05 <= 0.050000000000000044
    ("object_abs_distance", "10", "15.01", "vanilla", 0.0),  # error 0.501
    ("object_abs_distance", "1.5", "1.5 meters", "vanilla", 1.0),  # float("1.5")
    ("object_abs_distance", "1.5", "1.5. It is", "vanilla", 1.0),  # trailing "." stripped before float()
    ("object_size_estimation", "100", "1e2", "vanilla", 1.0),  # float() reads exponents
    ("object_size_estimation", "100", "about 100", "vanilla", 0.0),  # first word "about" does not parse
    ("object_size_estimation", "100", "100cm", "vanilla", 0.0),
    ("object_size_estimation", "100", "", "vanilla", 0.0),
    ("object_size_estimation", "100", " 100", "vanilla", 0.0),  # leading space: first word is ""
    ("object_size_estimation", "100", "100\n", "vanilla", 1.0),  # .strip() after the split removes "\n"
    ("room_size_estimation", "20", "nan", "vanilla", 0.0),  # float("nan"): every comparison is False
    ("room_size_estimation", "20", "inf", "vanilla", 0.0),  # error inf
    ("room_size_estimation", "20", "-inf", "vanilla", 0.0),
    ("room_size_estimation", "20", "-20", "vanilla", 0.0),  # error 2
    # choices
    ("object_rel_distance", "B", "B", "vanilla", 1.0),
    ("object_rel_distance", "B", "B.", "vanilla", 1.0),
    ("object_rel_distance", "B", "b", "vanilla", 1.0),
    ("object_rel_distance", "B", "B. sofa", "vanilla", 1.0),
    ("object_rel_distance", "B", "The answer is B", "vanilla", 0.0),
    ("object_rel_distance", "B", "", "vanilla", 0.0),
    ("object_rel_distance", "B", "(B)", "vanilla", 0.0),
    ("object_rel_distance", "B", "B,", "vanilla", 0.0),
    ("object_rel_direction_hard", "D", "d.", "vanilla", 1.0),
    ("object_rel_direction_hard", "D", "D\nback-right", "vanilla", 0.0),  # no space: one word "D\nback-right"
    ("obj_appearance_order", "A", None, "vanilla", 0.0),  # missing prediction
    # think / observe: the <answer> body, then the same rules
    ("object_rel_distance", "B", "<think>the sofa is nearer</think><answer>B</answer>", "think", 1.0),
    ("object_rel_distance", "B", "<think>the sofa is nearer</think><answer>B</answer>", "vanilla", 0.0),
    ("object_counting", "2", "<think>x</think><answer> 3 </answer>", "think", 0.1),
    ("object_counting", "2", "<observe>o</observe><think>t</think><answer>2 chairs</answer>", "observe", 1.0),
    ("object_counting", "2", "<think>I count 2</think>", "think", 0.0),  # no answer: whole text, "<think>I"
]


@pytest.mark.parametrize(("question_type", "truth", "prediction", "mode", "expected"), CASES)
def test_official_scoring_edge_cases(question_type, truth, prediction, mode, expected):
    _, score = score_prediction(question_type, truth, prediction, mode, "thinking-in-space")
    assert score == pytest.approx(expected, abs=1e-12)


def test_unknown_prompt_mode_is_refused():
    with pytest.raises(ValueError, match=r"unknown prompt mode 'cot'; valid: \['vanilla', 'think', 'observe'\]"):
        score_prediction("object_counting", "2", "2", "cot")
