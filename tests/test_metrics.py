"""Hand-computed cases for the answer metrics and rewards (vsi100k.metrics) and the prompt modes."""

from __future__ import annotations

import pytest

from vsi100k.metrics import (
    MRA_THRESHOLDS,
    accuracy_reward,
    choice_exact_match,
    extract_answer,
    format_reward,
    mean_relative_accuracy,
    numeric_reward,
    parse_number,
    word_match,
)
from vsi100k.prompts import build_prompt, reference_completion, target_kind

# ---- answer extraction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>two chairs near the bed</think><answer>B</answer>", "B"),
        ("<answer> 3.5 </answer>", "3.5"),
        ("<ANSWER>c</ANSWER>", "c"),
        ("<answer>A</answer> wait <answer>D</answer>", "D"),  # the last complete pair is final
        ("<think>hmm</think><answer>4 meters", "4 meters"),  # closing tag cut off by the token limit
        ("The answer is <answer>B</answer> I think", "B"),  # extra words around the tags
        ("B. sofa", "B. sofa"),  # no tags: the whole text
        ("  5 meters\n", "5 meters"),
        ("", ""),
        ("<answer></answer>", ""),
        ("<answer>   </answer>", ""),
        (None, ""),
    ],
)
def test_extract_answer(text, expected):
    assert extract_answer(text) == expected


# ---- choice exact match (VSI-Bench rule) --------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "truth", "score"),
    [
        ("B", "B", 1.0),
        ("b", "B", 1.0),  # case-insensitive
        ("B.", "B", 1.0),  # trailing "." stripped
        ("B. sofa", "B", 1.0),  # first token only
        ("B sofa extra words", "B", 1.0),
        ("The answer is B", "B", 0.0),  # first token is "The"
        ("C", "B", 0.0),
        ("Bed", "B", 0.0),  # a word starting with the letter is not the letter
        ("", "B", 0.0),  # empty answer never matches
        ("   ", "B", 0.0),
        ("B", "", 0.0),
        (" B", "B", 0.0),  # the official split on " " makes a leading space the (empty) first word
        ("B\nsofa", "B", 0.0),  # only spaces separate words: the first word is "B\nsofa"
        ("B..", "B", 1.0),  # every trailing "." goes
    ],
)
def test_choice_exact_match(answer, truth, score):
    assert choice_exact_match(answer, truth) == score


def test_word_match_normalizes_case_space_and_period():
    assert word_match("Trash  Bin.", "trash bin") == 1.0
    assert word_match("trash", "trash bin") == 0.0
    assert word_match("", "left") == 0.0


# ---- number parsing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "value"),
    [
        ("5", 5.0),
        ("5 meters", 5.0),
        ("5.", 5.0),
        ("3.25 m2", 3.25),
        ("about 5", None),  # VSI-Bench reads only the first token
        ("5m", None),
        ("", None),
        ("1e3", 1000.0),
        ("inf", float("inf")),  # float() parses it; mean relative accuracy scores it 0
        ("-inf", float("-inf")),
    ],
)
def test_parse_number(answer, value):
    assert parse_number(answer) == value


def test_parse_number_nan_parses_but_scores_zero():
    import math

    assert math.isnan(parse_number("nan"))
    assert mean_relative_accuracy(parse_number("nan"), 2.0) == 0.0
    assert mean_relative_accuracy(parse_number("inf"), 2.0) == 0.0


# ---- mean relative accuracy at the threshold edges ----------------------------------------------


def test_thresholds_are_the_ten_of_vsibench():
    # the official code's np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2)): ten points, float values kept
    assert len(MRA_THRESHOLDS) == 10
    assert MRA_THRESHOLDS == pytest.approx((0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95), abs=1e-15)
    assert MRA_THRESHOLDS[8] == 0.8999999999999999  # linspace's value, not the literal 0.9


@pytest.mark.parametrize(
    ("prediction", "truth", "score"),
    [
        (10.0, 10.0, 1.0),  # exact
        (10.49, 10.0, 1.0),  # error 0.049 <= 0.05: all ten thresholds
        (10.5, 10.0, 1.0),  # error 0.05 <= 1 - 0.95 (= 0.050000000000000044): still all ten ("<=")
        (9.5, 10.0, 1.0),  # same from below
        (11.0, 10.0, 0.9),  # error 0.1 <= 1 - 0.8999999999999999, not <= 0.050000000000000044: nine
        (12.0, 10.0, 0.6),  # error 0.2 <= 0.5 .. 0.25; 1 - 0.8 = 0.19999999999999996 fails: six
        (12.5, 10.0, 0.6),  # error 0.25 <= 1 - 0.75 = 0.25 exactly: the edge counts, six
        (7.5, 10.0, 0.6),
        (14.99, 10.0, 0.1),  # error 0.499 <= 0.5 only
        (15.0, 10.0, 0.1),  # error 0.5 <= 0.5: one threshold (the paper's "<" would give 0)
        (5.0, 10.0, 0.1),
        (15.01, 10.0, 0.0),  # error 0.501: nothing
        (0.0, 10.0, 0.0),
        (-10.0, 10.0, 0.0),
        (None, 10.0, 0.0),  # no number
    ],
)
def test_mean_relative_accuracy(prediction, truth, score):
    assert mean_relative_accuracy(prediction, truth) == pytest.approx(score, abs=1e-12)


def test_mean_relative_accuracy_refuses_non_positive_truth():
    with pytest.raises(ValueError, match=r"ground truth must be a positive finite number for relative error, got 0\.0"):
        mean_relative_accuracy(1.0, 0.0)
    with pytest.raises(ValueError, match="ground truth must be a positive finite number"):
        mean_relative_accuracy(None, -2.0)


def test_mean_relative_accuracy_refuses_empty_thresholds():
    with pytest.raises(ValueError, match="needs at least one threshold"):
        mean_relative_accuracy(1.0, 1.0, thresholds=())


# ---- numeric and accuracy rewards ---------------------------------------------------------------


def test_numeric_reward_functions():
    assert numeric_reward("12 meters", "10") == pytest.approx(0.6)  # mra
    assert numeric_reward("12", 10.0, "linear") == pytest.approx(0.8)  # 1 - 0.2
    assert numeric_reward("25", 10.0, "linear") == 0.0  # clipped at 0
    assert numeric_reward("inf", 10.0, "linear") == 0.0
    assert numeric_reward("nan", 10.0, "linear") == 0.0
    assert numeric_reward("", "10") == 0.0
    assert numeric_reward("many", "10", "linear") == 0.0


def test_numeric_reward_unknown_function():
    with pytest.raises(ValueError, match=r"unknown numeric reward 'cubic'; valid: \['linear', 'mra'\]"):
        numeric_reward("1", "1", "cubic")


@pytest.mark.parametrize(
    ("completion", "target", "kind", "mode", "score"),
    [
        ("<think>..</think><answer>C</answer>", "C", "letter", "think", 1.0),
        ("<think>..</think><answer>C. lamp</answer>", "C", "letter", "think", 1.0),
        ("<think>the answer is C</think><answer></answer>", "C", "letter", "think", 0.0),  # empty answer
        ("<think>C</think>", "C", "letter", "think", 0.0),  # no answer tag: whole text, first word "<think>C</think>"
        ("C", "C", "letter", "vanilla", 1.0),
        ("<answer>C</answer>", "C", "letter", "vanilla", 0.0),  # vanilla text is scored as it is, tags and all
        ("<answer>front-left</answer>", "front-left", "word", "observe", 1.0),
        ("<answer>left</answer>", "front-left", "word", "think", 0.0),
        ("<answer>2.2</answer>", "2.0", "number", "think", 0.9),  # error 0.1: nine thresholds
        ("<answer>3 chairs</answer>", "3", "number", "think", 1.0),
        ("<answer>3</answer>", "2", "number", "think", 0.1),  # error 0.5 exactly: one threshold
        ("", "3", "number", "vanilla", 0.0),
    ],
)
def test_accuracy_reward(completion, target, kind, mode, score):
    assert accuracy_reward(completion, target, kind, mode) == pytest.approx(score, abs=1e-12)


def test_accuracy_reward_unknown_kind_and_mode():
    with pytest.raises(ValueError, match=r"unknown target kind 'choice'; valid: \['letter', 'word', 'number'\]"):
        accuracy_reward("A", "A", "choice", "vanilla")
    with pytest.raises(ValueError, match=r"unknown prompt mode 'cot'; valid: \['vanilla', 'think', 'observe'\]"):
        accuracy_reward("A", "A", "letter", "cot")


# ---- format reward --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completion", "mode", "score"),
    [
        ("<think>two chairs</think><answer>2</answer>", "think", 1.0),
        ("\n<think>\nmulti\nline\n</think>\n\n<answer> 2 </answer>\n", "think", 1.0),  # DOTALL + whitespace
        ("<think></think><answer>2</answer>", "think", 1.0),  # empty thinking is still the structure
        ("<think>x</think><answer> </answer>", "think", 0.0),  # blank answer
        ("<think>x</think>", "think", 0.0),  # no answer
        ("<answer>2</answer>", "think", 0.0),  # no thinking
        ("<think>x</think><answer>2</answer> trailing words", "think", 0.0),  # full match only
        ("so <think>x</think><answer>2</answer>", "think", 0.0),
        ("<think>a</think><think>b</think><answer>2</answer>", "think", 0.0),  # repeated block
        ("<think>a<answer>1</answer></think><answer>2</answer>", "think", 0.0),  # nested tag
        ("<observe>a bed</observe><think>x</think><answer>2</answer>", "think", 0.0),  # wrong mode
        ("<observe>a bed, two chairs</observe>\n<think>x</think>\n<answer>B</answer>", "observe", 1.0),
        ("<think>x</think><answer>B</answer>", "observe", 0.0),  # observation missing
        ("<think>x</think><observe>a</observe><answer>B</answer>", "observe", 0.0),  # wrong order
        ("", "observe", 0.0),
        (None, "think", 0.0),
    ],
)
def test_format_reward(completion, mode, score):
    assert format_reward(completion, mode) == score


def test_format_reward_vanilla_and_unknown_modes():
    with pytest.raises(ValueError, match="the vanilla prompt mode asks for no tags, so it has no format reward"):
        format_reward("2", "vanilla")
    with pytest.raises(ValueError, match=r"unknown prompt mode 'reflect'; valid: \['vanilla', 'think', 'observe'\]"):
        format_reward("2", "reflect")


# ---- prompts -----------------------------------------------------------------------------------

OPTIONS = ("A. chair", "B. table", "C. sofa", "D. lamp")
QUESTION = "Which of these objects (chair, table, sofa, lamp) is the closest to the bed?"


def test_vanilla_choice_prompt_snapshot():
    assert build_prompt(QUESTION, OPTIONS, "choice", "vanilla") == (
        "These are frames of a video.\n"
        "Which of these objects (chair, table, sofa, lamp) is the closest to the bed?\n"
        "Options:\nA. chair\nB. table\nC. sofa\nD. lamp\n"
        "Answer with the option's letter from the given choices directly."
    )


def test_vanilla_number_prompt_hides_numeric_options():
    text = build_prompt("How many chair(s) are in this room?", ("A. 2", "B. 3", "C. 4", "D. 5"), "number", "vanilla")
    assert text == (
        "These are frames of a video.\nHow many chair(s) are in this room?\n"
        "Please answer the question using a single word or phrase."
    )


def test_think_and_observe_prompt_snapshots():
    think = build_prompt("How many chair(s) are in this room?", (), "number", "think")
    assert think == (
        "These are frames of a video.\nHow many chair(s) are in this room?\n"
        "First think it through step by step inside <think> </think> tags, then give the final answer inside "
        "<answer> </answer> tags.\nThe final answer is only a number."
    )
    observe = build_prompt(QUESTION, OPTIONS, "choice", "observe")
    assert observe.startswith("These are frames of a video.\n" + QUESTION + "\nOptions:\nA. chair\n")
    assert "<observe> </observe>" in observe and "<think> </think>" in observe
    assert observe.endswith("The final answer is only the option's letter.")


def test_open_form_asks_for_the_word_without_options():
    text = build_prompt(QUESTION, OPTIONS, "choice", "think", form="open")
    assert "Options" not in text and "A. chair" not in text
    assert text.endswith("The final answer is a single word or phrase.")
    assert target_kind("choice", "open") == "word"
    assert target_kind("choice", "vsibench") == "letter"
    assert target_kind("number", "open") == "number"


def test_prompt_errors():
    with pytest.raises(ValueError, match=r"unknown prompt mode 'cot'; valid: \['vanilla', 'think', 'observe'\]"):
        build_prompt(QUESTION, OPTIONS, "choice", "cot")
    with pytest.raises(ValueError, match=r"unknown question form 'mcq'; valid: \['vsibench', 'open'\]"):
        build_prompt(QUESTION, OPTIONS, "choice", "think", form="mcq")
    with pytest.raises(ValueError, match=r"unknown answer kind 'text'; valid: \['choice', 'number'\]"):
        target_kind("text", "open")
    with pytest.raises(ValueError, match="choice question has no options to show"):
        build_prompt(QUESTION, (), "choice", "vanilla")


def test_reference_completion_is_the_bare_answer_in_vanilla_only():
    assert reference_completion(" B ", "vanilla") == "B"
    with pytest.raises(
        ValueError,
        match="SFT trains direct answers and the dataset has no reasoning traces; use prompt mode 'vanilla', not 'think'",
    ):
        reference_completion("B", "think")
    with pytest.raises(ValueError, match="SFT target answer is empty"):
        reference_completion("  ", "vanilla")
