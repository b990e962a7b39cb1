"""Answer metrics and rewards: the one place where a model's text is judged against a truth.

Pure functions on strings and floats (bottom layer: no I/O, no torch; only numpy and the standard
library, so `vsi100k export-lmms-eval` ships this very file next to an lmms-eval task). The GRPO
trainer's rewards (`vsi100k.train.rewards`), the VSI-Bench evaluator (`vsi100k.evaluate.scoring`) and
the exported lmms-eval task all call these, so a model is trained on exactly the rule it is scored by.

Two scoring rules exist in the field (`SCORING_RULES`); they differ only in how an answer is read:

- ``"lmms-eval"`` (the default; lmms-eval 0.7.3: its harness strips the generated text, then
  ``lmms_eval/tasks/vsibench/utils.py`` scores it; `rule_answer`): the first number anywhere in the
  answer (`first_number`): digits ("There are 3 of them." -> 3, "-2.5" -> -2.5,
  "1e3" -> 1) or a run of English number words ("three" -> 3, "twenty-one" -> 21, "three hundred and
  twenty-one" -> 321), whichever starts first.
- ``"thinking-in-space"`` (VSI-Bench's original code, which the published VSI-Bench and VSI-100k
  numbers come from): ``float()`` of the first word (`parse_number`: "1.5 meters" -> 1.5, "about 5"
  -> no number, "1e3" -> 1000).

Shared by both rules:

- Vanilla prompts: the prediction text is judged as it is. Think / observe prompts: the text inside
  the last ``<answer> ... </answer>`` pair is taken first (`extract_answer`), then the rule.
- The first word: the text split on single spaces (``" "``), its first piece, trailing "." removed,
  then surrounding whitespace removed (`first_token`).
- Choice questions: that word compared case-insensitively with the correct letter
  (`choice_exact_match`): "B", "b", "B." and "B. sofa" match "B"; "The answer is B" does not.
- Numbers are scored by mean relative accuracy over ``numpy.linspace(0.5, 0.95, 10)``: a threshold
  theta counts when ``|pred - truth| / truth <= 1 - theta`` (`mean_relative_accuracy`); "nan" and
  "inf" never satisfy a threshold, so they score 0.
- An empty, unparsable or missing answer scores 0 and never matches.
- The table (`vsibench_means`): the mean per question type, the three relative-direction levels
  averaged into one task, overall = the mean over the tasks present.

Must not: import anything beyond numpy and the standard library, read files, or know the dataset layout.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Literal

import numpy as np

PromptMode = Literal["vanilla", "think", "observe"]
PROMPT_MODES: tuple[str, ...] = ("vanilla", "think", "observe")

# theta: the ten confidence thresholds 0.50, 0.55, ..., 0.95 exactly as the official code draws them,
# np.linspace(0.5, 0.95, int((0.95 - 0.5) / 0.05 + 2)) = np.linspace(0.5, 0.95, 10). The float values
# matter at the edges: the ninth is 0.8999999999999999, so 1 - theta = 0.10000000000000009 and a
# prediction exactly 10% off passes it (published VSI-Bench scores include that).
MRA_THRESHOLDS: tuple[float, ...] = tuple(float(theta) for theta in np.linspace(0.5, 0.95, 10))

ScoringRule = Literal["lmms-eval", "thinking-in-space"]
SCORING_RULES: tuple[str, ...] = ("lmms-eval", "thinking-in-space")
DEFAULT_SCORING = "lmms-eval"
LMMS_EVAL_VERSION = "0.7.3"  # the lmms-eval release whose vsibench number reading "lmms-eval" follows
# What each rule follows, as the summary and the table name it.
SCORING_LABELS: dict[str, str] = {
    "lmms-eval": f"lmms-eval {LMMS_EVAL_VERSION}",
    "thinking-in-space": "thinking-in-space (original VSI-Bench code)",
}

_ANSWER_RE = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
_OPEN_ANSWER_RE = re.compile(r"<answer>(.*)$", re.DOTALL | re.IGNORECASE)

# A tag body may not contain any structural tag, so "<think>a</think><think>b</think>..." is refused.
_TAGS = r"</?(?:observe|think|answer)>"
_BODY = rf"(?:(?!{_TAGS}).)*"
_ANSWER_BODY = rf"{_BODY}\S{_BODY}"  # at least one non-space character: an empty answer is not a format
_FORMAT_PATTERNS: dict[str, re.Pattern[str]] = {
    "think": re.compile(rf"\s*<think>{_BODY}</think>\s*<answer>{_ANSWER_BODY}</answer>\s*", re.DOTALL),
    "observe": re.compile(
        rf"\s*<observe>{_BODY}</observe>\s*<think>{_BODY}</think>\s*<answer>{_ANSWER_BODY}</answer>\s*",
        re.DOTALL,
    ),
}


def extract_answer(text: str | None) -> str:
    """The answer part of a model's output, stripped; "" when there is none.

    Uses the last complete ``<answer>...</answer>`` pair (case-insensitive tags); an opening tag whose
    closing tag was cut off by the token limit yields the text after it; text without tags is returned
    whole. ``None`` (a missing prediction) gives "".
    """
    if text is None:
        return ""
    found = _ANSWER_RE.findall(text)
    if found:
        return found[-1].strip()
    unclosed = _OPEN_ANSWER_RE.search(text)
    if unclosed:
        return unclosed.group(1).strip()
    return text.strip()


def first_token(answer: str) -> str:
    """VSI-Bench's fuzzy match: ``answer.split(" ")[0].rstrip(".").strip()``.

    Exactly the official rule, including its edges: only the space character separates words, so
    "B\nsofa" stays one word and " B" (leading space) gives "" (a miss); "B." and "B" both give "B".
    """
    return answer.split(" ")[0].rstrip(".").strip()


def choice_exact_match(answer: str, ground_truth: str) -> float:
    """1.0 when the answer's first token equals the ground-truth letter (case-insensitive), else 0.0.

    ``answer`` is the already-extracted answer text (see `extract_answer`). Empty answers or empty
    ground truths never match.
    """
    predicted = first_token(answer)
    expected = ground_truth.strip().rstrip(".").strip()
    if not predicted or not expected:
        return 0.0
    return 1.0 if predicted.lower() == expected.lower() else 0.0


def normalize_word(text: str) -> str:
    """Lower-case, trailing "." removed, inner whitespace collapsed: "Trash  Bin." -> "trash bin"."""
    return " ".join(text.strip().rstrip(".").split()).lower()


def word_match(answer: str, expected_word: str) -> float:
    """1.0 when the whole answer equals the expected word or phrase after `normalize_word`, else 0.0.

    Used for choice questions asked in the paper's option-free form, where the answer is the word
    itself ("left", "trash bin") rather than a letter. Empty answers never match.
    """
    predicted = normalize_word(answer)
    expected = normalize_word(expected_word)
    if not predicted or not expected:
        return 0.0
    return 1.0 if predicted == expected else 0.0


def parse_number(answer: str) -> float | None:
    """``float()`` of the answer's first word (the thinking-in-space rule); None when it does not parse.

    "5 meters" -> 5.0, "1e3" -> 1000.0, "3.2m" -> None, "" -> None. "nan" and "inf" parse (to nan / inf);
    `mean_relative_accuracy` scores them 0, as the official comparison does.
    """
    try:
        return float(first_token(answer))
    except ValueError:
        return None


# English number words the lmms-eval rule reads, with their values (units, teens, tens, scales).
NUMBER_WORDS: dict[str, int] = {
    word: value
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
NUMBER_WORDS.update({"hundred": 100, "thousand": 1000})
_DIGITS = re.compile(r"-?\d+(?:\.\d+)?")  # no exponent, no thousands separator: "1e3" reads 1, "3,000" reads 3
_LETTER_RUN = re.compile(r"[a-z]+")


def _number_words_from(text: str) -> tuple[int | None, list[str]]:
    """(offset of the first number word, the run of number words from there) in lower-case ``text``.

    Words are maximal runs of a-z, so anything else (spaces, "-", digits, punctuation) only separates
    them; "and" inside a run is skipped ("three hundred and five"); the first other word ends the run.
    """
    start: int | None = None
    run: list[str] = []
    for match in _LETTER_RUN.finditer(text):
        word = match.group(0)
        if start is None:
            if word in NUMBER_WORDS:
                start, run = match.start(), [word]
            continue
        if word in NUMBER_WORDS:
            run.append(word)
        elif word != "and":
            break
    return start, run


def _words_value(words: Sequence[str]) -> int:
    """The value of a run of number words: "hundred" multiplies what precedes it (at least 1) by 100,
    "thousand" closes a group of thousands, anything else adds."""
    thousands, group = 0, 0
    for word in words:
        value = NUMBER_WORDS[word]
        if value == 1000:
            thousands += max(group, 1) * 1000
            group = 0
        elif value == 100:
            group = max(group, 1) * 100
        else:
            group += value
    return thousands + group


def first_number(answer: str | None) -> float | None:
    """The first number anywhere in the answer, digits or English words (the lmms-eval rule); None if none.

    Case-insensitive; whichever of the first digit group and the first number word starts earlier
    wins: "There are 3 of them." -> 3.0, "three" -> 3.0, "twenty-one" -> 21.0, "one chair, 2 tables" ->
    1.0, "3 meters" -> 3.0, "-2.5" -> -2.5, "1e3" -> 1.0, "nan" -> None, "" -> None.
    """
    if answer is None:
        return None
    text = answer.strip().lower()
    if not text:
        return None
    digits = _DIGITS.search(text)
    start, words = _number_words_from(text)
    if digits is not None and (start is None or digits.start() < start):
        return float(digits.group(0))
    if start is None:
        return None
    return float(_words_value(words))


def number_of(answer: str, scoring: str = DEFAULT_SCORING) -> float | None:
    """The number an answer gives under a scoring rule: `first_number` (lmms-eval) or `parse_number`
    (thinking-in-space); None when it gives none."""
    if scoring == "lmms-eval":
        return first_number(answer)
    if scoring == "thinking-in-space":
        return parse_number(answer)
    raise ValueError(f"unknown scoring rule {scoring!r}; valid: {list(SCORING_RULES)}")


def relative_error(prediction: float, truth: float) -> float:
    """|prediction - truth| / truth for a positive truth (dimensionless)."""
    if not truth > 0 or not math.isfinite(truth):
        raise ValueError(f"ground truth must be a positive finite number for relative error, got {truth!r}")
    return abs(prediction - truth) / truth


def mean_relative_accuracy(
    prediction: float | None, truth: float, thresholds: Sequence[float] = MRA_THRESHOLDS
) -> float:
    """Mean over thresholds theta of 1[|prediction - truth| / truth <= 1 - theta]; in [0, 1].

    The official VSI-Bench computation in float64: with the ten default thresholds a prediction within
    5% of the truth scores 1.0, one exactly 50% off scores 0.1 (a count of 3 for a truth of 2), and one
    more than 50% off scores 0.0. ``None`` (no number), nan and +-inf score 0.0.
    """
    if not thresholds:
        raise ValueError("mean relative accuracy needs at least one threshold")
    if prediction is None:
        relative_error(0.0, truth)  # still validate the truth
        return 0.0
    error = relative_error(prediction, truth)  # nan / inf: every comparison below is False
    hits = sum(1 for theta in thresholds if error <= 1.0 - theta)
    return hits / len(thresholds)


def rule_answer(answer: str, scoring: str = DEFAULT_SCORING) -> str:
    """The answer text a rule reads: stripped for lmms-eval (its harness strips every generated text
    before the task scores it, so " B" is "B"), untouched for thinking-in-space (" B" has an empty
    first word)."""
    if scoring == "lmms-eval":
        return answer.strip()
    number_of("", scoring)  # an unknown rule fails here
    return answer


def score_answer(answer: str, ground_truth: str, answer_kind: str, scoring: str = DEFAULT_SCORING) -> float:
    """The VSI-Bench score in [0, 1] of an (already extracted) answer under a scoring rule.

    answer_kind: "number" (mean relative accuracy of `number_of` the answer against float(ground_truth))
    or "choice" (`choice_exact_match` of the first word with the letter), both of `rule_answer`.
    """
    answer = rule_answer(answer, scoring)
    if answer_kind == "number":
        return mean_relative_accuracy(number_of(answer, scoring), float(ground_truth))
    if answer_kind == "choice":
        return choice_exact_match(answer, ground_truth)
    raise ValueError(f"unknown answer kind {answer_kind!r}; valid: ['choice', 'number']")


# VSI-Bench reports its three relative-direction levels as one task, the mean of the three level means.
DIRECTION_LEVELS: tuple[str, ...] = (
    "object_rel_direction_easy",
    "object_rel_direction_medium",
    "object_rel_direction_hard",
)
DIRECTION_TASK = "object_rel_direction"


def vsibench_means(scores_by_type: Mapping[str, Sequence[float]]) -> tuple[dict[str, float], float]:
    """(task -> mean score, overall) of per-question scores grouped by question type.

    Each type's mean; the direction levels present are averaged into ``object_rel_direction``; overall
    is the mean over the tasks present. Types with no scores are left out. Raises ValueError when none.
    """
    means = {name: sum(scores) / len(scores) for name, scores in scores_by_type.items() if len(scores)}
    if not means:
        raise ValueError("no scored questions to summarize")
    levels = [means.pop(level) for level in DIRECTION_LEVELS if level in means]
    tasks = dict(means)
    if levels:
        tasks[DIRECTION_TASK] = sum(levels) / len(levels)
    return tasks, sum(tasks.values()) / len(tasks)


def _linear_reward(prediction: float, truth: float) -> float:
    if not math.isfinite(prediction):
        return 0.0
    return max(0.0, 1.0 - relative_error(prediction, truth))


def _mra_reward(prediction: float, truth: float) -> float:
    return mean_relative_accuracy(prediction, truth)


# Numeric reward functions of relative error e = |pred - truth| / truth, each in [0, 1]:
#   "mra"    (default) mean relative accuracy: a 10-step staircase, 1 for e < 0.05, 0 for e >= 0.5
#   "linear" max(0, 1 - e): smooth, non-zero up to 100% error (denser signal, not VSI-Bench's metric)
NUMERIC_REWARDS: dict[str, Callable[[float, float], float]] = {"mra": _mra_reward, "linear": _linear_reward}


def numeric_reward(
    answer: str, ground_truth: str | float, function: str = "mra", scoring: str = DEFAULT_SCORING
) -> float:
    """Reward in [0, 1] for a numeric answer text against the true number (a function of relative error).

    ``answer`` is the extracted answer; the number is read by the ``scoring`` rule (`number_of`), no
    number gives 0.0. ``function`` names an entry of `NUMERIC_REWARDS` ("mra" or "linear").
    """
    if function not in NUMERIC_REWARDS:
        raise ValueError(f"unknown numeric reward {function!r}; valid: {sorted(NUMERIC_REWARDS)}")
    truth = float(ground_truth)
    prediction = number_of(answer, scoring)
    if prediction is None:
        relative_error(0.0, truth)  # validate the truth even when the prediction is unusable
        return 0.0
    return NUMERIC_REWARDS[function](prediction, truth)


TargetKind = Literal["letter", "word", "number"]
TARGET_KINDS: tuple[str, ...] = ("letter", "word", "number")


def answer_text(prediction: str | None, mode: str) -> str:
    """The part of a prediction that is scored: all of it (vanilla) or the ``<answer>`` body (think, observe).

    Vanilla text is passed on untouched, as the official code scores it; ``None`` (missing) gives "".
    """
    if mode not in PROMPT_MODES:
        raise ValueError(f"unknown prompt mode {mode!r}; valid: {list(PROMPT_MODES)}")
    if prediction is None:
        return ""
    return prediction if mode == "vanilla" else extract_answer(prediction)


def accuracy_reward(
    completion: str | None,
    target: str,
    target_kind: str,
    mode: str,
    numeric: str = "mra",
    scoring: str = DEFAULT_SCORING,
) -> float:
    """Score of a full completion in [0, 1]: `answer_text` for the prompt mode, then the target's rule.

    target_kind: "letter" (choice with options: `choice_exact_match`), "word" (choice in the
    option-free form: `word_match`), "number" (`numeric_reward` with ``numeric``, the number read by
    the ``scoring`` rule). With ``numeric="mra"`` a "letter" or "number" target scores exactly as
    `score_answer` (the evaluator) does under the same rule.
    """
    answer = rule_answer(answer_text(completion, mode), scoring)  # an unknown rule fails for every kind
    if target_kind == "letter":
        return choice_exact_match(answer, target)
    if target_kind == "word":
        return word_match(answer, target)
    if target_kind == "number":
        return numeric_reward(answer, target, numeric, scoring)
    raise ValueError(f"unknown target kind {target_kind!r}; valid: {list(TARGET_KINDS)}")


def format_reward(completion: str | None, mode: str) -> float:
    """1.0 when the completion has exactly the tag structure of the prompt mode, else 0.0.

    think: ``<think> ... </think> <answer> ... </answer>``; observe: ``<observe> ... </observe>
    <think> ... </think> <answer> ... </answer>``. Whitespace is allowed around and between the
    blocks; nothing else is, tags may not repeat or nest, and the answer must not be blank.
    The vanilla mode asks for no tags, so it has no format reward (ValueError).
    """
    if mode == "vanilla":
        raise ValueError("the vanilla prompt mode asks for no tags, so it has no format reward; use think or observe")
    if mode not in _FORMAT_PATTERNS:
        raise ValueError(f"unknown prompt mode {mode!r}; valid: {list(PROMPT_MODES)}")
    if not completion:
        return 0.0
    return 1.0 if _FORMAT_PATTERNS[mode].fullmatch(completion) else 0.0
