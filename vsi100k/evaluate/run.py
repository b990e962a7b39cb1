"""`evaluate(cfg)`: questions -> predictions -> scores -> table, summary.json and predictions.jsonl.

Questions come from VSI-Bench's layout (frames sampled from its mp4s) or from a vsi100k build
(frames joined lazily by scene_name from the frames table); predictions from a model (see
`vsi100k.evaluate.predict`) or from a JSONL file; scores from `vsi100k.evaluate.scoring`.

A model answers the questions grouped by video: each video's frames are decoded once and shared by
all its questions. A predictions file must answer every question: missing ones are counted in the
table and fail the run (`IncompletePredictions`) unless ``allow_missing``; ids that match no
question are reported and ignored.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from vsi100k.errors import Vsi100kError
from vsi100k.evaluate.config import EvalConfig
from vsi100k.evaluate.report import (
    PREDICTIONS_FILE,
    SUMMARY_FILE,
    print_summary,
    read_predictions,
    write_predictions,
    write_summary,
)
from vsi100k.evaluate.scoring import NUMBER_TYPES, score_prediction, scoring_label, summarize, task_of
from vsi100k.prompts import build_prompt

BUILD_MARKER = "data/questions/"
EXAMPLE_IDS = 5  # ids quoted in messages about missing or unknown predictions


class IncompletePredictions(Vsi100kError, ValueError):
    """A predictions file leaves questions unanswered (raised after the table and outputs are written)."""


def id_examples(ids: Sequence[str], count: int = EXAMPLE_IDS) -> str:
    """The first ``count`` ids, comma-separated, with "..." when there are more."""
    return ", ".join(ids[:count]) + (", ..." if len(ids) > count else "")


class SceneFrameCache:
    """video key -> frames, computed by ``load`` once per key while the key is among the last ``keep`` used."""

    def __init__(self, load: Callable[[str], list], keep: int = 2):
        self.load = load
        self.keep = keep
        self.loads = 0
        self._cache: OrderedDict[str, list] = OrderedDict()

    def __call__(self, key: str) -> list:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        frames = self.load(key)
        self.loads += 1
        self._cache[key] = frames
        while len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return frames


@dataclass
class EvalData:
    """The questions to score and how to get each question's frames (list of PIL images)."""

    benchmark: str  # "vsibench" or "generated"
    split: str
    questions: object  # datasets.Dataset with VSI-Bench's columns
    frames_for: Callable[[dict], list]


def video_key(row: dict) -> str:
    """The video a question is about: ``<dataset>/<scene_name>`` (VSI-Bench) or the scene name (a build)."""
    return f"{row['dataset']}/{row['scene_name']}" if row.get("dataset") else str(row["scene_name"])


def detect_benchmark(data: str, revision: str | None = None) -> str:
    """ "vsibench" or "generated" for a local folder or a Hub dataset id, from its layout."""
    from vsi100k.evaluate.vsibench import hub_repo_files, is_vsibench_file, is_vsibench_layout

    path = Path(data)
    if path.exists():
        if (path / BUILD_MARKER).is_dir():
            return "generated"
        if is_vsibench_layout(path):
            return "vsibench"
        raise FileNotFoundError(
            f"{path}: neither a vsi100k build (data/questions/) nor VSI-Bench's layout "
            "(test.jsonl, test-*.parquet or test_debiased.parquet at the top)"
        )
    files = hub_repo_files(data, revision)
    if any(f.startswith(BUILD_MARKER) for f in files):
        return "generated"
    if any(is_vsibench_file(f) for f in files):
        return "vsibench"
    raise FileNotFoundError(f"{data}: the Hub repo is neither a vsi100k build nor laid out as VSI-Bench")


def load_eval_data(cfg: EvalConfig, need_frames: bool) -> EvalData:
    """The questions of ``cfg`` (filtered, limited) and a frame getter (unused for predictions files)."""
    benchmark = detect_benchmark(cfg.data, cfg.revision) if cfg.benchmark == "auto" else cfg.benchmark
    if benchmark == "vsibench":
        from vsi100k.evaluate.vsibench import VideoFrames, ensure_videos, load_vsibench_questions, resolve_root

        split = cfg.split or "test"
        if split != "test":
            raise ValueError(f"VSI-Bench has only the 'test' split, not {split!r}")
        root = resolve_root(cfg.data, cfg.revision)
        questions = _filter(load_vsibench_questions(root, cfg.sources, cfg.subset), cfg)
        videos = VideoFrames(root, cfg.num_frames)
        if need_frames:
            ensure_videos(root, sorted(set(questions["dataset"])), cfg.data, cfg.revision)
        return EvalData(benchmark, split, questions, lambda row: videos.frames(row["dataset"], row["scene_name"]))

    from vsi100k.dataset.load import load_questions, load_scene_frames
    from vsi100k.train.data import pick_frames

    split = cfg.split or "validation"
    if cfg.subset != "full":
        raise ValueError(
            f"--subset {cfg.subset} picks a VSI-Bench config; {cfg.data} is a vsi100k build: choose its part with --split"
        )
    if cfg.sources:
        raise ValueError("--source filters VSI-Bench's dataset column; a vsi100k build is ScanNet only")
    questions = _filter(load_questions(cfg.data, config=cfg.config, split=split), cfg)
    scene_frames = load_scene_frames(cfg.data, split=split) if need_frames else {}
    # decoding a scene's frames is the costly part: once per scene, shared by its questions
    cache = SceneFrameCache(lambda scene: pick_frames(list(scene_frames[scene]), cfg.num_frames))
    return EvalData(benchmark, split, questions, lambda row: cache(row["scene_name"]))


def _filter(questions, cfg: EvalConfig):
    if cfg.question_types:
        for question_type in cfg.question_types:
            task_of(question_type)  # unknown names fail with the valid list
        wanted = set(cfg.question_types)
        questions = questions.filter(lambda row: row["question_type"] in wanted)
    if cfg.limit is not None:
        questions = questions.select(range(min(cfg.limit, len(questions))))
    if len(questions) == 0:
        raise ValueError(f"{cfg.data}: no questions left to evaluate (split, --question-type or --limit filters)")
    return questions


def table_name(benchmark: str, split: str, subset: str) -> str:
    """What the table is about: "VSI-Bench full", "VSI-Bench-Debiased", "VSI-Bench pruned" or "vsi100k validation"."""
    if benchmark != "vsibench":
        return f"vsi100k {split}"
    return "VSI-Bench-Debiased" if subset == "debiased" else f"VSI-Bench {subset}"


def answer_kind_of(row: dict) -> str:
    """ "number" or "choice": the build's answer_kind column, else VSI-Bench's type lists."""
    kind = row.get("answer_kind")
    if kind:
        return kind
    return "number" if row["question_type"] in NUMBER_TYPES else "choice"


def question_text(row: dict, mode: str) -> str:
    """The prompt of one question in VSI-Bench's form (options for choice questions only)."""
    return build_prompt(row["question"], row.get("options") or (), answer_kind_of(row), mode, "vsibench")


def generate_predictions(cfg: EvalConfig, data: EvalData) -> dict[str, str]:
    """id -> model output for every question, in batches grouped by scene (frames decoded once per scene)."""
    from rich.progress import Progress

    from vsi100k.evaluate.predict import Request, make_predictor

    predictor = make_predictor(
        cfg.model,
        backend=cfg.backend,
        max_new_tokens=cfg.generation_tokens,
        num_frames=cfg.num_frames,
        frame_max_pixels=cfg.frame_max_pixels,
        dtype=cfg.dtype,
        batch_size=cfg.batch_size,
        device="cpu" if cfg.cpu else None,
    )
    rows = [dict(row) for row in data.questions]
    order = sorted(range(len(rows)), key=lambda i: (video_key(rows[i]), i))
    outputs: dict[str, str] = {}
    chunk = max(cfg.batch_size, 1) * 8
    with Progress(disable=not cfg.progress) as progress:
        task = progress.add_task("answering", total=len(rows))
        for start in range(0, len(order), chunk):
            batch = [rows[i] for i in order[start : start + chunk]]
            requests = [
                Request(data.frames_for(row), question_text(row, cfg.prompt_mode), video_key(row)) for row in batch
            ]
            for row, text in zip(batch, predictor(requests), strict=True):
                outputs[str(row["id"])] = text
            progress.advance(task, len(batch))
    return outputs


def evaluate(cfg: EvalConfig, console=None) -> dict:
    """Run one evaluation; prints the VSI-Bench table and returns the summary written to summary.json.

    Writes ``cfg.output_dir``/predictions.jsonl (per question: id, question_type, ground_truth,
    prediction, answer, score) and summary.json (scores, counts, missing and unknown prediction ids,
    settings). With a predictions file, unknown ids are reported on ``console`` and ignored; questions
    without a prediction score 0, are counted in the table, and raise `IncompletePredictions` after
    the outputs are written unless ``cfg.allow_missing``.
    """
    from rich.console import Console

    console = console or Console()
    data = load_eval_data(cfg, need_frames=cfg.model is not None)
    question_ids = [str(i) for i in data.questions["id"]]
    unknown: list[str] = []
    if cfg.predictions is not None:
        predictions = read_predictions(cfg.predictions)
        known = set(question_ids)
        if not known & set(predictions):
            raise ValueError(f"{cfg.predictions}: no prediction id matches a question id of {cfg.data} ({data.split})")
        unknown = [pid for pid in predictions if pid not in known]
    else:
        predictions = generate_predictions(cfg, data)
    records = []
    missing_ids: list[str] = []
    for row, qid in zip(data.questions, question_ids, strict=True):
        prediction = predictions.get(qid)
        if prediction is None:
            missing_ids.append(qid)
        answer, score = score_prediction(
            row["question_type"], row["ground_truth"], prediction, cfg.prompt_mode, cfg.scoring
        )
        records.append(
            {
                "id": qid,
                "question_type": row["question_type"],
                "ground_truth": row["ground_truth"],
                "prediction": prediction,
                "answer": answer,
                "score": score,
            }
        )
    summary = summarize(records, cfg.scoring)
    missing_by_task: dict[str, int] = {}
    for record in records:
        if record["prediction"] is None:
            task = task_of(record["question_type"])
            missing_by_task[task] = missing_by_task.get(task, 0) + 1
    output_dir = Path(cfg.output_dir)
    write_predictions(output_dir / PREDICTIONS_FILE, records)
    run = {
        **cfg.to_dict(),
        "benchmark": data.benchmark,
        "split": data.split,
        "subset": cfg.subset if data.benchmark == "vsibench" else None,
        "missing_predictions": len(missing_ids),
        "missing_prediction_ids": missing_ids,
        "unknown_predictions": len(unknown),
        "unknown_prediction_ids": unknown,
    }
    payload = write_summary(output_dir / SUMMARY_FILE, summary, run)
    title = f"{table_name(data.benchmark, data.split, cfg.subset)} ({cfg.prompt_mode}; scoring: {scoring_label(cfg.scoring)})"
    print_summary(summary, title=title, console=console, missing=missing_by_task)
    if unknown:
        console.print(
            f"{cfg.predictions}: {len(unknown)} prediction id(s) match no question of {cfg.data} "
            f"({data.split}) and were ignored: {id_examples(unknown)}"
        )
    if missing_ids and not cfg.allow_missing:
        raise IncompletePredictions(
            f"{cfg.predictions}: no prediction for {len(missing_ids)} of {len(records)} questions "
            f"(e.g. {id_examples(missing_ids)}); they scored 0 in the table above. "
            "Pass --allow-missing to accept that"
        )
    return payload
