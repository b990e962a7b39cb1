"""The build-wide answer-share cap: no answer of a capped choice type is right in more than chance +
`CAP_MARGIN` of that type's questions in a split.

Route planning's answers are turn sequences from a small closed set, and room geometry skews them:
a robot starting beside furniture against a wall mostly turns one way and then back the other, so
"Turn Right, Turn Left" or its mirror is the answer of ~40% of raw questions (chance is 25%), which a
model could learn without looking. Generating per scene cannot fix that (a scene yields one or two
route questions), so once a build's questions are known, the over-represented answers are thinned:
per split, the largest per-answer count `c` is found such that, with every answer kept at most `c`
times, the most frequent answer's share is at most 1 / n_options + CAP_MARGIN; questions beyond `c`
are dropped at random (a generator seeded by the build seed, the type and the split), counted under the skip
reason `answer_share_cap`. Other choice types balance their answers while generating (direction
words in complete rounds) or have open answer sets (object names, appearance orders), so they are
not capped. Deterministic: the same questions and seed keep the same ones.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Hashable, Mapping, Sequence

import numpy as np

CAPPED_TYPES = ("route_planning",)
CAP_MARGIN = 0.05  # points above chance an answer's share may reach
SKIP_REASON = "answer_share_cap"


def largest_count_cap(counts: Sequence[int], max_share: float) -> int:
    """The largest c >= 1 such that keeping min(n, c) of each answer's n questions leaves no answer
    above `max_share` of the kept questions (c = the largest count when nothing needs dropping).

    counts: questions per distinct answer. With k distinct answers no share can fall below 1/k, so a
    smaller `max_share` is raised to 1/k (a split holding only two sequences keeps them equally
    often rather than one of each). The kept share of the most frequent answer,
    min(max n, c) / sum(min(n, c)), grows with c, so the answer is found by walking c down.
    """
    counts = [int(n) for n in counts if n > 0]
    if not counts:
        return 0
    max_share = max(max_share, 1.0 / len(counts))
    for c in range(max(counts), 0, -1):
        kept = [min(n, c) for n in counts]
        if max(kept) <= max_share * sum(kept) + 1e-12:
            return c
    return 1


def _rng(seed: int, question_type: str, group: Hashable) -> np.random.Generator:
    key = hashlib.sha256(f"answer-cap:{seed}:{question_type}:{group}".encode()).digest()
    return np.random.default_rng(int.from_bytes(key[:8], "little"))


def capped_indices(records: Sequence[Mapping], seed: int,
                   groups: Sequence[Hashable] | None = None) -> tuple[list[int], Counter]:
    """Which records survive the cap, and how many of each capped type were dropped.

    records: question records of a whole build (dataset rows or `vsi100k.tasks.io` records: the
    keys "question_type", "answer", "options", "scene_name", "id" are read). groups: one label per
    record (its split); each group is capped on its own. Returns (indices of the kept records in
    the order given, Counter question type -> dropped questions).
    """
    labels = list(groups) if groups is not None else [None] * len(records)
    if len(labels) != len(records):
        raise ValueError(f"answer cap: {len(labels)} group labels for {len(records)} records")
    members: dict[tuple[str, Hashable], list[int]] = {}
    for k, record in enumerate(records):
        if record["question_type"] in CAPPED_TYPES:
            members.setdefault((record["question_type"], labels[k]), []).append(k)
    dropped_at: set[int] = set()
    dropped: Counter = Counter()
    for (question_type, label) in sorted(members, key=lambda key: (key[0], str(key[1]))):
        ks = sorted(members[(question_type, label)], key=lambda k: (records[k]["scene_name"], records[k]["id"]))
        by_answer: dict[str, list[int]] = {}
        for k in ks:
            by_answer.setdefault(str(records[k]["answer"]), []).append(k)
        n_options = max(len(records[k]["options"]) for k in ks)
        cap = largest_count_cap([len(v) for v in by_answer.values()], 1.0 / n_options + CAP_MARGIN)
        rng = _rng(seed, question_type, label)
        for answer in sorted(by_answer):
            extra = len(by_answer[answer]) - cap
            if extra > 0:
                chosen = rng.choice(len(by_answer[answer]), size=extra, replace=False)
                dropped_at.update(by_answer[answer][int(i)] for i in chosen)
                dropped[question_type] += extra
    return [k for k in range(len(records)) if k not in dropped_at], dropped
