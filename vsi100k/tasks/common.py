"""Helpers shared by the task modules: category lookups on facts and question assembly, and the
build-wide letter pass over finished question records.

No wording (templates render it); task helpers draw from the generators they are given, the letter
pass from one generator per (seed, question type).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Mapping
from typing import Sequence

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.tasks.ambiguity import AMBIGUOUS, ambiguity_details, numbers_disagree
from vsi100k.tasks.base import Question, Skip
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import (
    LETTERS,
    LetterBalancer,
    format_number,
    lettered,
    moved_option,
    numeric_options,
    place_correct,
    rebalanced_positions,
)


class CategoryIndex:
    """Per-scene category lookups, computed once per task call.

    by_category: category -> instance ids (ascending), categorised objects only.
    """

    def __init__(self, facts: SceneFacts):
        self.facts = facts
        self.by_category = facts.instances_by_category()
        self._distance_cache: dict[tuple[str, str], float] = {}

    def categories(self) -> list[str]:
        """All categories, sorted by name (a deterministic base order before shuffling)."""
        return sorted(self.by_category)

    def unique_categories(self) -> list[str]:
        """Categories with exactly one instance, sorted by name."""
        return [c for c in self.categories() if len(self.by_category[c]) == 1]

    def non_unique_categories(self) -> list[str]:
        return [c for c in self.categories() if len(self.by_category[c]) != 1]

    def instance(self, category: str) -> int:
        """The instance id of a unique category."""
        (instance_id,) = self.by_category[category]
        return instance_id

    def distance_m(self, category_a: str, category_b: str) -> float:
        """Minimum surface distance over the instances of two categories, metres."""
        key = (category_a, category_b) if category_a <= category_b else (category_b, category_a)
        if key not in self._distance_cache:
            self._distance_cache[key] = min(
                self.facts.distance_m(a, b) for a in self.by_category[key[0]] for b in self.by_category[key[1]]
            )
        return self._distance_cache[key]

    def exact_distance_m(self, category_a: str, category_b: str) -> float:
        """Exact-geometry distance (closest points, 0 when overlapping), minimum over instances, metres."""
        return min(
            self.facts.exact_distance_m(a, b) for a in self.by_category[category_a] for b in self.by_category[category_b]
        )


def number_ambiguity(
    question_type: str, cfg: QuestionConfig, default: float, exact: float, decimals: int
) -> tuple[Skip | None, dict]:
    """Compare a number under both definitions: (a "definition_ambiguous" Skip or None, details).

    details: "answer_exact" / "answer_default" as answer text (rounded like the answer), and the
    raw "value_exact"; "definition_ambiguous" says whether they disagree beyond the tolerance.
    """
    disagree = numbers_disagree(default, exact, cfg.ambiguity_tolerance)
    details = {
        **ambiguity_details(format_number(default, decimals), format_number(exact, decimals), disagree),
        "value_exact": float(exact),
    }
    if disagree and not cfg.keep_ambiguous:
        return Skip(question_type, AMBIGUOUS, f"default {default:.4g} vs exact {exact:.4g}"), details
    return None, details


def shuffled(items: Sequence, rng: np.random.Generator) -> list:
    """A new list with the items in an order drawn from `rng`."""
    return [items[int(i)] for i in rng.permutation(len(items))]


def numeric_question(
    facts: SceneFacts,
    *,
    question_type: str,
    text: str,
    value: float,
    decimals: int,
    rng: np.random.Generator,
    balancer: LetterBalancer,
    low: float,
    high: float,
    min_ratio: float,
    instance_ids: tuple[int, ...],
    details: dict,
) -> Question | Skip:
    """A number question: answer and ground truth are the rounded value; four numeric options."""
    options = numeric_options(value, decimals, rng, balancer, low=low, high=high, min_ratio=min_ratio)
    if options is None:
        return Skip(question_type, "no_distinct_distractors")
    answer = options.words["ABCD".index(options.correct_letter)]
    return Question(
        scene_id=facts.scene_id,
        question_type=question_type,
        question=text,
        options=lettered(options.words),
        ground_truth=answer,
        answer=answer,
        answer_kind="number",
        correct_option=options.correct_letter,
        instance_ids=instance_ids,
        details={**details, "value": float(value), "distractor_range": list(options.range_factors)},
    )


def choice_question(
    facts: SceneFacts,
    *,
    question_type: str,
    text: str,
    correct: str,
    words: Sequence[str],
    correct_letter: str,
    instance_ids: tuple[int, ...],
    details: dict,
) -> Question:
    """A multiple-choice question: ground truth is the letter, answer the option-free word."""
    return Question(
        scene_id=facts.scene_id,
        question_type=question_type,
        question=text,
        options=lettered(words),
        ground_truth=correct_letter,
        answer=correct,
        answer_kind="choice",
        correct_option=correct_letter,
        instance_ids=instance_ids,
        details=dict(details),
    )


def arrange_choices(
    correct: str, others: Sequence[str], rng: np.random.Generator, balancer: LetterBalancer
) -> tuple[list[str], str]:
    """Shuffle the wrong choices, then put the correct one at the balancer's next position."""
    return place_correct(correct, shuffled(list(others), rng), balancer.next_position())


# ---- the build-wide letter pass ----------------------------------------------------------------------
Rewording = Callable[[str, Sequence[str], Sequence[str]], str]  # (question, old words, new words) -> question


def letter_rewording() -> dict[str, Rewording]:
    """Question types whose wording lists the option words in option order, and how to re-list them."""
    from vsi100k.tasks import object_rel_distance  # imported here: the task modules import this one

    return {object_rel_distance.QUESTION_TYPE: object_rel_distance.relist_choices}


def letter_rng(seed: int, question_type: str) -> np.random.Generator:
    """The letter pass's generator for one question type: [seed, crc32(type), crc32("letters")]."""
    return np.random.default_rng([seed, zlib.crc32(question_type.encode("utf-8")), zlib.crc32(b"letters")])


def _where(record: Mapping) -> str:
    return f"{record.get('scene_name', '?')}: question {record.get('id', '?')}"


def option_words(record: Mapping) -> list[str]:
    """["A. sofa", "B. tv"] -> ["sofa", "tv"]; ValueError when an option is not lettered in order."""
    words = []
    for i, option in enumerate(record["options"]):
        prefix = f"{LETTERS[i]}. " if i < len(LETTERS) else None
        if prefix is None or not option.startswith(prefix):
            raise ValueError(f"{_where(record)}: option {i + 1} {option!r} does not start with {prefix!r}")
        words.append(option[len(prefix):])
    return words


def correct_position(record: Mapping) -> int:
    """0-based position of a choice record's correct option; ValueError when the letter, the option at
    it and the answer disagree."""
    letter = record["ground_truth"]
    n_options = len(record["options"])
    if letter not in tuple(LETTERS[:n_options]):
        raise ValueError(f"{_where(record)}: ground truth {letter!r} is not one of the letters {LETTERS[:n_options]}")
    position = LETTERS.index(letter)
    if option_words(record)[position] != record["answer"]:
        raise ValueError(f"{_where(record)}: option {record['options'][position]!r} is not the answer {record['answer']!r}")
    if record.get("correct_option", letter) != letter:
        raise ValueError(f"{_where(record)}: correct_option {record['correct_option']!r} differs from ground truth {letter!r}")
    return position


def relettered(record: Mapping, new_position: int, reword: Rewording | None = None) -> dict:
    """A copy of a choice record with its correct option moved to `new_position` (swapped with the
    option there). Rewritten: options, ground_truth, correct_option (when present), the question
    (through `reword`, for types whose wording lists the options) and, in details, every mapping
    keyed by the option words (re-keyed in the new option order). The answer word and the details'
    "answer_exact" / "answer_default" are option words, not letters, and stay as they are."""
    old_position = correct_position(record)
    words = option_words(record)
    new_words = moved_option(words, old_position, new_position)
    out = dict(record)
    out["options"] = list(lettered(new_words))
    out["ground_truth"] = LETTERS[new_position]
    if "correct_option" in out:
        out["correct_option"] = LETTERS[new_position]
    if reword is not None:
        try:
            out["question"] = reword(record["question"], words, new_words)
        except ValueError as exc:
            raise ValueError(f"{_where(record)}: {exc}") from None
    if isinstance(out.get("details"), dict):
        out["details"] = {
            key: ({w: value[w] for w in new_words} if isinstance(value, dict) and sorted(value) == sorted(words) else value)
            for key, value in out["details"].items()
        }
    return out


def balance_letters(records: Sequence[Mapping], seed: int, groups: Sequence[Hashable] | None = None) -> list[dict]:
    """The build-wide letter pass: every choice type's correct letters balanced within one question.

    records: question records (dataset rows or `vsi100k.tasks.io` records) of a whole build.
    groups: one label per record (its split); each group is balanced on its own, and the groups'
        surplus questions are spread so that the whole build is balanced within one as well.
    Per choice type (and number of options), the questions of a group are taken in (scene, id)
    order and `vsi100k.tasks.options.rebalanced_positions` says which correct options move where
    (as few as possible, chosen at random with `letter_rng(seed, type)`); a moved question swaps its
    correct option with the option at the new letter. Returns the records in the order given: the
    moved ones as new dicts, the others as they were. Number questions are left alone.
    """
    out = [r if isinstance(r, dict) else dict(r) for r in records]
    labels = list(groups) if groups is not None else [None] * len(out)
    if len(labels) != len(out):
        raise ValueError(f"balance_letters: {len(labels)} group labels for {len(out)} records")
    rewording = letter_rewording()
    members: dict[str, dict[Hashable, list[int]]] = {}
    for k, record in enumerate(out):
        if record["answer_kind"] == "choice":
            members.setdefault(record["question_type"], {}).setdefault(labels[k], []).append(k)
    for question_type in sorted(members):
        rng = letter_rng(seed, question_type)
        extras: dict[int, list[int]] = {}
        for label in sorted(members[question_type], key=str):
            by_size: dict[int, list[int]] = {}
            ordered = sorted(members[question_type][label], key=lambda k: (out[k]["scene_name"], out[k]["id"]))
            for k in ordered:
                by_size.setdefault(len(out[k]["options"]), []).append(k)
            for n_options, ks in sorted(by_size.items()):
                old = [correct_position(out[k]) for k in ks]
                new = rebalanced_positions(old, n_options, rng, extras.setdefault(n_options, [0] * n_options))
                for k, before, after in zip(ks, old, new):
                    if after != before:
                        out[k] = relettered(out[k], after, rewording.get(question_type))
    return out
