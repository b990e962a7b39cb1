"""The build-wide answer-word pass: in every split, no answer word of a choice type with a closed
answer set is right in more than chance + `CAP_MARGIN` of that type's questions.

The closed types (`vsi100k.tasks.names.CLOSED_ANSWER_TYPES`) are the three direction levels (their
words: left / right / back, the four quadrants) and route planning (turn sequences, a small set
that room geometry skews: a robot starting beside furniture against a wall mostly turns one way and
then back the other, so one sequence or its mirror answers ~40% of raw questions). Direction
questions are generated in rounds of answer words per scene, but the per-scene caps (1.3 questions
per scene in VSI-Bench's mix) cut those rounds, and what survives the cut drifts like any sample:
65 hard questions put one quadrant at 35% (chance 25%). So once a build's questions are known, per
split and type the largest per-answer count `c` is found such that, with every answer kept at most
`c` times, the most frequent answer's share is at most 1 / n_options + CAP_MARGIN (the fewest
drops: every other choice of what to keep drops more); questions beyond `c` are dropped at random (a
generator seeded by the build seed, the type and the split), counted under the skip reason
`answer_share_cap`. Deterministic: the same questions and seed keep the same ones.

Too small to balance: a split holding fewer than `min_balance_count(n_options)` questions of a type
is reported as too small (`answer_word_balance`): below that count one round of answer words plus a
single extra question already exceeds the margin (ceil(n / k) / n > 1 / k + margin), so balancing
it alone would drop a share of questions that says nothing about priors. Such splits are pooled and
give up only what the whole build's balance needs (`capped_indices`); a build whose type has fewer
than that count in all is left as it is. A type whose
fixed word set misses a word in a split cannot reach the margin by dropping; its present words are
equalised and the split is reported as "missing_words". Open answer sets (object names, appearance
orders) are not touched.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from typing import Hashable, Mapping, Sequence

import numpy as np

from vsi100k.tasks.names import CLOSED_ANSWER_TYPES

CAPPED_TYPES = CLOSED_ANSWER_TYPES
CAP_MARGIN = 0.05  # points above chance an answer's share may reach
SKIP_REASON = "answer_share_cap"
STATUSES = ("balanced", "too_small", "missing_words", "skewed")
WHOLE_BUILD = "all"  # the label of every split together in `answer_word_balance`


def min_balance_count(n_options: int, margin: float = CAP_MARGIN) -> int:
    """The fewest questions of a type in a split that the pass balances: the smallest n with
    (n + k - 1) / (k n) <= 1 / k + margin, i.e. n >= (k - 1) / (k margin): 10 for 2 options, 14 for 3,
    15 for 4 (at margin 0.05)."""
    if n_options < 2:
        raise ValueError(f"a choice type needs at least 2 options, got {n_options}")
    return math.ceil((n_options - 1) / (n_options * margin) - 1e-9)


def _option_word(option: str) -> str:
    return option.split(". ", 1)[1] if ". " in option else option


def largest_count_cap(counts: Sequence[int], max_share: float, fixed: Mapping[str, int] | None = None,
                      words: Sequence[str] | None = None) -> int:
    """The largest c >= 1 such that keeping min(n, c) of each answer's n questions leaves no answer
    above `max_share` of the kept questions (c = the largest count when nothing needs dropping).

    counts: questions per distinct answer. With k distinct answers no share can fall below 1/k, so a
    smaller `max_share` is raised to 1/k (a split holding only two sequences keeps them equally
    often rather than one of each). The answer is found by walking c down from the largest count.
    fixed / words: questions already kept elsewhere per answer word, which count towards the shares
    but are not dropped (`words[i]` names `counts[i]`); then c may be 0 (drop every one of `counts`).
    """
    fixed = dict(fixed or {})
    names = list(words) if words is not None else [str(i) for i in range(len(counts))]
    pairs = [(w, int(n)) for w, n in zip(names, counts) if n > 0]
    if not pairs:
        return 0
    present = {w for w, _ in pairs} | {w for w, n in fixed.items() if n > 0}
    max_share = max(max_share, 1.0 / len(present))
    for c in range(max(n for _, n in pairs), 0, -1):
        kept = Counter(fixed)
        for w, n in pairs:
            kept[w] += min(n, c)
        if max(kept.values()) <= max_share * sum(kept.values()) + 1e-12:
            return c
    return 0 if fixed else 1


def _rng(seed: int, question_type: str, group: Hashable) -> np.random.Generator:
    key = hashlib.sha256(f"answer-cap:{seed}:{question_type}:{group}".encode()).digest()
    return np.random.default_rng(int.from_bytes(key[:8], "little"))


SMALL_SPLITS = "splits too small to balance alone"  # the label (and generator key) of the pooled small splits


def capped_indices(records: Sequence[Mapping], seed: int,
                   groups: Sequence[Hashable] | None = None) -> tuple[list[int], Counter]:
    """Which records survive the answer-word pass, and how many of each closed type were dropped.

    records: question records of a whole build (dataset rows or `vsi100k.tasks.io` records: the
    keys "question_type", "answer", "options", "scene_name", "id" are read). groups: one label per
    record (its split). Per type, each split holding at least `min_balance_count` questions is
    capped on its own; the smaller splits are pooled and the pool is capped on its own when it is
    that large, else the pool gives up only what keeps the whole build within the margin (the large
    splits' kept answers count towards the shares). So every large split and the whole build are
    balanced; a lone small split is left as it is. Returns (indices of the kept records in the
    order given, Counter question type -> dropped questions).
    """
    labels = list(groups) if groups is not None else [None] * len(records)
    if len(labels) != len(records):
        raise ValueError(f"answer cap: {len(labels)} group labels for {len(records)} records")
    members: dict[str, dict[Hashable, list[int]]] = {}
    for k, record in enumerate(records):
        if record["question_type"] in CAPPED_TYPES:
            members.setdefault(record["question_type"], {}).setdefault(labels[k], []).append(k)
    dropped_at: set[int] = set()
    dropped: Counter = Counter()

    def cap_group(question_type: str, label: Hashable, ks: list[int], max_share: float, fixed: Counter | None) -> Counter:
        """Cap one group; returns its kept answers per word."""
        ks = sorted(ks, key=lambda k: (records[k]["scene_name"], records[k]["id"]))
        by_answer: dict[str, list[int]] = {}
        for k in ks:
            by_answer.setdefault(str(records[k]["answer"]), []).append(k)
        answers = sorted(by_answer)
        cap = largest_count_cap([len(by_answer[a]) for a in answers], max_share, fixed, answers)
        rng = _rng(seed, question_type, label)
        kept: Counter = Counter()
        for answer in answers:
            extra = len(by_answer[answer]) - cap
            if extra > 0:
                chosen = rng.choice(len(by_answer[answer]), size=extra, replace=False)
                dropped_at.update(by_answer[answer][int(i)] for i in chosen)
                dropped[question_type] += extra
            kept[answer] += min(cap, len(by_answer[answer]))
        return kept

    for question_type in sorted(members):
        splits = members[question_type]
        n_options = max(len(records[k]["options"]) for ks in splits.values() for k in ks)
        max_share = 1.0 / n_options + CAP_MARGIN
        smallest = min_balance_count(n_options)
        large_kept: Counter = Counter()
        small: list[int] = []
        for label in sorted(splits, key=str):
            if len(splits[label]) >= smallest:
                large_kept.update(cap_group(question_type, label, splits[label], max_share, None))
            else:
                small.extend(splits[label])
        if len(small) >= smallest:
            cap_group(question_type, SMALL_SPLITS, small, max_share, None)
        elif small and large_kept:
            cap_group(question_type, SMALL_SPLITS, small, max_share, large_kept)
    return [k for k in range(len(records)) if k not in dropped_at], dropped


def answer_word_balance(records: Sequence[Mapping], groups: Sequence[Hashable] | None = None) -> dict[str, dict]:
    """How the closed answer types' words stand, per type and split (measured on final records).

    Returns question type -> split label (str, and WHOLE_BUILD for all splits together) -> {"questions", "n_options", "chance", "top_word",
    "top_share", "min_count", "missing_words" (fixed word sets only), "status"}, status one of
    STATUSES: "too_small" (fewer than min_count questions, left as they are), "missing_words" (a word
    every question offers is never the answer), "balanced" (top share <= chance + CAP_MARGIN),
    else "skewed". Shares are fractions rounded to 6 decimals.
    """
    labels = list(groups) if groups is not None else [None] * len(records)
    if len(labels) != len(records):
        raise ValueError(f"answer words: {len(labels)} group labels for {len(records)} records")
    members: dict[str, dict[str, list[Mapping]]] = {}
    for record, label in zip(records, labels):
        if record["question_type"] in CAPPED_TYPES:
            members.setdefault(record["question_type"], {}).setdefault(str(label), []).append(record)
            members[record["question_type"]].setdefault(WHOLE_BUILD, []).append(record)
    out: dict[str, dict] = {}
    for question_type in sorted(members):
        for label, group in sorted(members[question_type].items()):
            n_options = max(len(r["options"]) for r in group)
            words = Counter(str(r["answer"]) for r in group)
            offered = {_option_word(o) for r in group for o in r["options"]}
            fixed = len(offered) == n_options  # every question offers the whole word set
            top_word, top_n = min(words.items(), key=lambda item: (-item[1], item[0]))
            chance = 1.0 / n_options
            share = top_n / len(group)
            missing = sorted(offered - set(words)) if fixed else []
            if len(group) < min_balance_count(n_options):
                status = "too_small"
            elif missing:
                status = "missing_words"
            elif share <= chance + CAP_MARGIN + 1e-9:
                status = "balanced"
            else:
                status = "skewed"
            out.setdefault(question_type, {})[label] = {
                "questions": len(group), "n_options": n_options, "chance": round(chance, 6), "top_word": top_word,
                "top_share": round(share, 6), "min_count": min_balance_count(n_options), "missing_words": missing,
                "status": status,
            }
    return out
