"""The ``utils.py`` of a vsi100k build exported as an lmms-eval task (written by `vsi100k export-lmms-eval`).

This file is copied verbatim into the task folder and runs inside lmms-eval, without vsi100k
installed: it needs numpy, pyarrow and pillow, and reads everything else from its own folder:

- ``task.json``: the scoring rule, frames per question, the task's metrics;
- ``vsi100k_metrics.py``: a copy of `vsi100k.metrics`, so answers are scored, and the table
  computed, by the same code as ``vsi100k eval``;
- ``frames/*.parquet``: the build's frames table for the split (one row per scene, the sampled frames
  as images), joined to each question by ``scene_name`` and decoded on access.

vsi100k itself never imports this module.
"""

from __future__ import annotations

import importlib.util
import io
import json
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_PROMPTS = {
    "pre_prompt": "These are frames of a video.",
    "mca_post_prompt": "Answer with the option's letter from the given choices directly.",
    "na_post_prompt": "Please answer the question using a single word or phrase.",
}


@lru_cache(maxsize=1)
def task_settings() -> dict:
    """The export's settings (task.json next to this file)."""
    return json.loads((HERE / "task.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def metrics():
    """vsi100k's metrics module, loaded from the copy next to this file."""
    path = HERE / "vsi100k_metrics.py"
    spec = importlib.util.spec_from_file_location("vsi100k_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class SceneFrames:
    """scene_name -> PIL images of the scene's stored frames, from the frames parquet shard(s) of the export."""

    def __init__(self, folder: Path, keep: int = 2):
        import pyarrow.parquet as pq

        self.where: dict[str, tuple[Path, int, int]] = {}
        for path in sorted(Path(folder).glob("*.parquet")):
            shard = pq.ParquetFile(path)
            for group in range(shard.num_row_groups):
                names = shard.read_row_group(group, columns=["scene_name"])["scene_name"].to_pylist()
                for index, name in enumerate(names):
                    self.where[name] = (path, group, index)
        self.keep = keep
        self._cache: OrderedDict[str, list] = OrderedDict()

    def __call__(self, scene_name: str) -> list:
        if scene_name in self._cache:
            self._cache.move_to_end(scene_name)
            return self._cache[scene_name]
        import pyarrow.parquet as pq
        from PIL import Image

        if scene_name not in self.where:
            raise KeyError(f"{scene_name}: no frames row in {HERE / 'frames'}")
        path, group, index = self.where[scene_name]
        row = pq.ParquetFile(path).read_row_group(group, columns=["frames"]).slice(index, 1).to_pylist()[0]
        images = [Image.open(io.BytesIO(frame["bytes"])).convert("RGB") for frame in row["frames"]]
        self._cache[scene_name] = images
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return images


@lru_cache(maxsize=1)
def scene_frames() -> SceneFrames:
    return SceneFrames(HERE / "frames")


def pick(frames: list, count: int) -> list:
    """``count`` frames spread uniformly (np.linspace(0, n - 1, count), truncated), all when there are fewer."""
    import numpy as np

    if len(frames) <= count:
        return list(frames)
    return [frames[int(i)] for i in np.linspace(0, len(frames) - 1, count, dtype=np.int64)]


def vsi100k_doc_to_visual(doc):
    """The question's scene frames (PIL images), ``num_frames`` of them as ``vsi100k eval --frames`` picks."""
    return pick(scene_frames()(doc["scene_name"]), int(task_settings()["num_frames"]))


def vsi100k_doc_to_text(doc, lmms_eval_specific_kwargs=None):
    """VSI-Bench's prompt: preamble, question, options (choice questions), the answer instruction."""
    prompts = {**DEFAULT_PROMPTS, **{k: v for k, v in (lmms_eval_specific_kwargs or {}).items() if v}}
    lines = [prompts["pre_prompt"], doc["question"].strip()]
    if doc["answer_kind"] == "choice":
        lines += ["Options:", *doc["options"], prompts["mca_post_prompt"]]
    else:
        lines.append(prompts["na_post_prompt"])
    return "\n".join(lines)


def vsi100k_doc_to_messages(doc, lmms_eval_specific_kwargs=None):
    """A user turn: one image block per frame, then the text."""
    content = [{"type": "image", "url": image} for image in vsi100k_doc_to_visual(doc)]
    content.append({"type": "text", "text": vsi100k_doc_to_text(doc, lmms_eval_specific_kwargs)})
    return [{"role": "user", "content": content}]


def vsi100k_process_results(doc, results):
    """Score one answer with the export's rule; every metric receives (question_type, score)."""
    rules = metrics()
    answer = rules.answer_text(results[0], "vanilla")
    score = rules.score_answer(answer, doc["ground_truth"], doc["answer_kind"], task_settings()["scoring"])
    item = {"id": doc["id"], "question_type": doc["question_type"], "score": score}
    return {name: item for name in task_settings()["metrics"]}


def _means(items) -> tuple[dict, float]:
    by_type: dict[str, list[float]] = {}
    for item in items:
        by_type.setdefault(item["question_type"], []).append(float(item["score"]))
    return metrics().vsibench_means(by_type)


def vsi100k_aggregate_overall(items):
    """Overall: the mean over the tasks present, direction levels averaged first (as ``vsi100k eval``)."""
    return _means(items)[1]


def _task_aggregation(task: str):
    def aggregate(items):
        return _means(items)[0].get(task, float("nan"))

    aggregate.__name__ = f"vsi100k_aggregate_{task}"
    return aggregate


AGGREGATION_PREFIX = "vsi100k_aggregate_"


def __getattr__(name: str):
    """``vsi100k_aggregate_<task>`` for every task the yaml names (one per task present in the export)."""
    if name.startswith(AGGREGATION_PREFIX) and name != AGGREGATION_PREFIX:
        return _task_aggregation(name[len(AGGREGATION_PREFIX):])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
