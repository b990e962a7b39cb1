"""The text a model sees for one question: the paper's three prompt modes, shared by train and eval.

Modes (arXiv 2504.00883, Sec. 3):
- ``vanilla``: the question, then an instruction to answer directly (VSI-Bench's own post-prompts,
  kept verbatim so trained models and the benchmark agree on what "answer directly" means).
- ``think``: the question, then an instruction to reason in ``<think> </think>`` and put the final
  answer in ``<answer> </answer>``.
- ``observe``: as think, but the model first describes what it sees in the frames in
  ``<observe> </observe>``.

Question forms (`QuestionForm`):
- ``"vsibench"`` (default, what VSI-Bench asks): choice questions list their options ("A. chair") and
  are answered with the letter; number questions are asked without options and answered with a
  number.
- ``"open"`` (the paper's option-free training form): no options at all; choice questions are answered
  with the word itself ("left", "trash bin"), number questions with a number. Evaluation on
  VSI-Bench always uses the vsibench form.

Frames are not part of the text: the trainer and evaluator put one image block per frame before the
text (see `vsi100k.train.data`). Pure string code; must not import torch or read files.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from vsi100k.metrics import PROMPT_MODES

QuestionForm = Literal["vsibench", "open"]
QUESTION_FORMS: tuple[str, ...] = ("vsibench", "open")

FRAMES_PREAMBLE = "These are frames of a video."
# VSI-Bench's post-prompts (vanilla mode), verbatim for benchmark parity.
CHOICE_DIRECT = "Answer with the option's letter from the given choices directly."
OPEN_DIRECT = "Please answer the question using a single word or phrase."

_FINAL_ANSWER = {
    "letter": "The final answer is only the option's letter.",
    "word": "The final answer is a single word or phrase.",
    "number": "The final answer is only a number.",
}
_THINK = (
    "First think it through step by step inside <think> </think> tags, then give the final answer inside "
    "<answer> </answer> tags."
)
_OBSERVE = (
    "First describe what you observe in the frames that matters for the question inside <observe> </observe> "
    "tags, then think it through step by step inside <think> </think> tags, and then give the final answer "
    "inside <answer> </answer> tags."
)


def target_kind(answer_kind: str, form: str) -> str:
    """How the answer is judged: "letter", "word" or "number" (see `vsi100k.metrics.accuracy_reward`)."""
    if answer_kind not in ("choice", "number"):
        raise ValueError(f"unknown answer kind {answer_kind!r}; valid: ['choice', 'number']")
    if form not in QUESTION_FORMS:
        raise ValueError(f"unknown question form {form!r}; valid: {list(QUESTION_FORMS)}")
    if answer_kind == "number":
        return "number"
    return "letter" if form == "vsibench" else "word"


def build_prompt(question: str, options: Sequence[str], answer_kind: str, mode: str, form: str = "vsibench") -> str:
    """The user-turn text for one question.

    question: the question without options (dataset ``question`` column).
    options: "A. x" strings; shown only for choice questions in the vsibench form.
    answer_kind: "choice" or "number" (VSI-Bench: multiple-choice vs numerical answer).
    mode: "vanilla", "think" or "observe". form: "vsibench" or "open".
    """
    if mode not in PROMPT_MODES:
        raise ValueError(f"unknown prompt mode {mode!r}; valid: {list(PROMPT_MODES)}")
    kind = target_kind(answer_kind, form)
    lines = [FRAMES_PREAMBLE, question.strip()]
    if kind == "letter":
        if not options:
            raise ValueError(f"choice question has no options to show: {question!r}")
        lines.append("Options:")
        lines.extend(option.strip() for option in options)
    if mode == "vanilla":
        lines.append(CHOICE_DIRECT if kind == "letter" else OPEN_DIRECT)
    else:
        lines.append(_THINK if mode == "think" else _OBSERVE)
        lines.append(_FINAL_ANSWER[kind])
    return "\n".join(lines)


def reference_completion(target: str, mode: str) -> str:
    """The supervised target text for SFT: the bare answer (vanilla mode only).

    The paper's SFT baseline learns to answer directly; the dataset holds no reasoning traces, so
    think/observe targets would be invented text and are refused.
    """
    if mode != "vanilla":
        raise ValueError(
            "SFT trains direct answers and the dataset has no reasoning traces; "
            f"use prompt mode 'vanilla', not {mode!r}"
        )
    if not target.strip():
        raise ValueError("SFT target answer is empty")
    return target.strip()
