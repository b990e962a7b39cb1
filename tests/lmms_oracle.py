"""lmms-eval's own VSI-Bench scoring code, the oracle of the scoring tests, and the prediction kinds a
real model emits.

`vsibench_utils()` loads ``lmms_eval/tasks/vsibench/utils.py`` of the installed lmms-eval by path
(importing it as ``lmms_eval.tasks.vsibench.utils`` would run ``lmms_eval.tasks``' package import,
which pulls in the whole harness); the file itself needs numpy, pandas, pyyaml, loguru and datasets.
`original_rule_score` composes the same file's ``fuzzy_matching``, ``to_float`` and
``mean_relative_accuracy`` as the original thinking-in-space code did (``float()`` of the first word).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path

NUMBER_TYPES = ("object_counting", "object_abs_distance", "object_size_estimation", "room_size_estimation")
MRA_KEY = "MRA:.5:.95:.05"


@lru_cache(maxsize=1)
def vsibench_utils():
    """The installed lmms-eval's vsibench task module (loaded from its file)."""
    spec = importlib.util.find_spec("lmms_eval")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("lmms-eval is not installed (pip install --no-deps -r requirements/no-deps.txt)")
    path = Path(spec.origin).parent / "tasks" / "vsibench" / "utils.py"
    module_spec = importlib.util.spec_from_file_location("lmms_eval_vsibench_utils", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


def lmms_eval_version() -> str:
    return version("lmms-eval")


def lmms_score(doc: dict, prediction: str) -> tuple[float, dict]:
    """(score, processed doc) of one prediction as an lmms-eval run scores it: the harness strips the
    generated text (``ConfigurableTask.process_results`` for generate_until tasks, see
    `test_lmms_eval_harness_strips_answers`), then the task's ``vsibench_process_results``."""
    processed = vsibench_utils().vsibench_process_results(dict(doc), [prediction.strip()])["vsibench_overall"]
    key = MRA_KEY if doc["question_type"] in NUMBER_TYPES else "accuracy"
    return float(processed[key]), processed


def original_rule_score(doc: dict, prediction: str) -> float:
    """The original thinking-in-space rule, composed from lmms-eval's own helpers."""
    utils = vsibench_utils()
    if doc["question_type"] not in NUMBER_TYPES:
        return float(utils.exact_match(utils.fuzzy_matching(prediction), doc["ground_truth"]))
    try:
        return float(
            utils.mean_relative_accuracy(
                utils.to_float(utils.fuzzy_matching(prediction)), utils.to_float(doc["ground_truth"]), 0.5, 0.95, 0.05
            )
        )
    except TypeError:
        return 0.0


def _fmt(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.4g}"


NUMBER_WORDS = {
    0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
    10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 15: "fifteen", 20: "twenty", 21: "twenty-one",
    30: "thirty", 45: "forty-five", 100: "one hundred", 150: "one hundred and fifty", 321: "three hundred and twenty-one",
}


def number_predictions(truth: str) -> list[str]:
    """What models answer to a number question with this truth: exact, near, threshold edges, units,
    sentences, words, empty and junk."""
    t = float(truth)
    out = [truth, _fmt(t), f"{t:.1f}", f"{t:.2f}"]
    for k in range(0, 11):  # the edges |pred - truth| / truth = 0.05 k, from above and below
        out += [_fmt(t * (1 + 0.05 * k)), _fmt(t * (1 - 0.05 * k))]
    out += [_fmt(t * 1.03), _fmt(t * 0.97), _fmt(t * 1.07), _fmt(t * 1.12), _fmt(t * 1.51), _fmt(t * 2.5)]
    n = _fmt(round(t))
    out += [
        f"about {n}", f"{n} meters", f"{n} m", f"{n}m", f"{n} cm", f"{n} square meters", f"{n}.",
        f"There are {n} of them.", f"I count {n} chairs.", f"The answer is {n}", f"Approximately {n}.",
        f"{n}\n", f" {n}", f"{n}, maybe {n}1", f"around {n}-{_fmt(round(t) + 1)}", f"~{n}", f"-{n}",
        f"{n},000", f"{n}e1", f"{n}.5.", f"({n})", f"{n} or {_fmt(round(t) * 2)}",
        "", " ", "nan", "inf", "-inf", "none", "I cannot tell", "A", "B. sofa", "1e3", "1,200", ".5",
        "There are no chairs.", "a hundred", "three hundred and twenty-one", "one chair, 2 tables",
        "some four or five", "Twenty One", "twenty-one", "thousand", "two thousand and twelve",
        "room 2: three", "eleven 4 twelve", "and three", "someone saw seven", "Three.", "THREE chairs",
        "0", "0.0", "00", "3.14159", "10 feet (3 meters)",
    ]
    round_t = round(t)
    if round_t in NUMBER_WORDS:
        word = NUMBER_WORDS[round_t]
        out += [word, word.capitalize(), f"There are {word} of them.", f"{word} meters", f"about {word}"]
    return out


def choice_predictions(truth: str, letters: str = "ABCD") -> list[str]:
    """What models answer to a choice question: the letter in many forms, wrong letters, option text."""
    wrong = next(letter for letter in letters if letter != truth)
    return [
        truth, truth.lower(), f"{truth}.", f"{truth.lower()}.", f"{truth}. sofa", f"{truth}.. ", f"{truth}..",
        f"{truth} sofa", f"({truth})", f"{truth})", f"{truth},", f"{truth}:", f" {truth}", f"{truth}\n",
        f"{truth}\nsofa", f"The answer is {truth}", f"Answer: {truth}", f"Option {truth}", wrong, wrong.lower(),
        f"{wrong}. {truth}", "E", "", " ", "sofa", "left", "none", "1", f"{truth}{truth}", f"**{truth}**",
    ]
