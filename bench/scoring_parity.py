"""Parity of `vsi100k eval`'s scoring with the installed lmms-eval, on a build's questions.

For every question of a build (train and validation) and every prediction kind a real model emits
(exact, near, threshold edges, units, sentences, number words, wrong letters, empty, ...; the kinds of
tests/lmms_oracle.py), it scores the prediction three ways and prints counts:

- rule "lmms-eval" vs lmms-eval's own run (its harness strips the text, then the installed
  ``tasks/vsibench/utils.py`` ``vsibench_process_results``);
- rule "thinking-in-space" vs the original rule composed from the same file's helpers
  (``fuzzy_matching`` -> ``to_float`` -> ``mean_relative_accuracy``);
- where the two rules part, per question type.

Run: PYTHONPATH=. python bench/scoring_parity.py [--build PATH]
(without --build it first builds the 5-scene demo the tests use into a temporary folder, ~30 s).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the oracle and prediction kinds

from lmms_oracle import choice_predictions, lmms_eval_version, lmms_score, number_predictions, original_rule_score  # noqa: E402


def build_questions(build: Path | None) -> list[dict]:
    from vsi100k.dataset.load import load_questions

    if build is None:
        from vsi100k.frames.config import FramesConfig
        from vsi100k.pipeline.demo import run_demo

        root = Path(tempfile.mkdtemp(prefix="scoring_parity_"))
        result, _ = run_demo(5, out_dir=root / "out", cache_dir=root / "cache", progress=False, stream_frames=16,
                             frames=FramesConfig(n_frames=4, max_width=64, max_height=48))
        build = Path(result.out_dir)
    rows: list[dict] = []
    for split in ("train", "validation"):
        try:
            rows += [dict(r) for r in load_questions(build, "all", split)]
        except ValueError:
            continue
    return rows


def main() -> None:
    from vsi100k.evaluate.scoring import score_prediction

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=None)
    args = parser.parse_args()
    rows = build_questions(args.build)
    counts: Counter = Counter()
    parted: Counter = Counter()
    for row in rows:
        if row["answer_kind"] == "number":
            kinds = number_predictions(row["ground_truth"])
        else:
            kinds = choice_predictions(row["ground_truth"], "".join(o[0] for o in row["options"]))
        doc = {"question_type": row["question_type"], "ground_truth": row["ground_truth"]}
        for prediction in kinds:
            lmms = score_prediction(row["question_type"], row["ground_truth"], prediction, scoring="lmms-eval")[1]
            tis = score_prediction(row["question_type"], row["ground_truth"], prediction, scoring="thinking-in-space")[1]
            counts["predictions"] += 1
            counts["lmms_agree" if lmms == lmms_score(doc, prediction)[0] else "lmms_differ"] += 1
            counts["tis_agree" if tis == original_rule_score(doc, prediction) else "tis_differ"] += 1
            if lmms != tis:
                parted[row["question_type"]] += 1
    print(f"build questions: {len(rows)}; predictions scored: {counts['predictions']} (lmms-eval {lmms_eval_version()})")
    print(f"rule lmms-eval vs lmms-eval's own scoring: {counts['lmms_agree']} identical, {counts['lmms_differ']} different")
    print(f"rule thinking-in-space vs the original rule: {counts['tis_agree']} identical, {counts['tis_differ']} different")
    print(f"predictions the two rules score differently: {sum(parted.values())} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(parted.items()))})")


if __name__ == "__main__":
    main()
