"""The build-wide letter pass: every choice type's correct letters balanced over finished question records.

Works on records (dataset rows or `vsi100k.tasks.io` records), never on facts; below every task module
(a question type whose wording lists its options is re-worded through `vsi100k.tasks.rewording`).
One generator per (seed, question type).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Hashable, Mapping
from typing import Sequence

import numpy as np

from vsi100k.tasks.options import LETTERS, lettered, moved_option, rebalanced_positions
from vsi100k.tasks.rewording import REL_DISTANCE_TYPE, relist_choices

Rewording = Callable[[str, Sequence[str], Sequence[str]], str]  # (question, old words, new words) -> question


def letter_rewording() -> dict[str, Rewording]:
    """Question types whose wording lists the option words in option order, and how to re-list them."""
    return {REL_DISTANCE_TYPE: relist_choices}


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
