"""`evaluate(cfg)`: questions -> predictions -> scores -> table, summary.json and predictions.jsonl.

Questions come from VSI-Bench's layout (frames sampled from its mp4s) or from a vsi100k build
(frames joined lazily by scene_name from the frames table); predictions from a model (see
`vsi100k.evaluate.predict`) or from a JSONL file; scores from `vsi100k.evaluate.scoring`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vsi100k.evaluate.config import EvalConfig
from vsi100k.evaluate.report import (
    PREDICTIONS_FILE,
    SUMMARY_FILE,
    print_summary,
    read_predictions,
    write_predictions,
    write_summary,
)
from vsi100k.evaluate.scoring import NUMBER_TYPES, score_prediction, summarize, task_of
from vsi100k.prompts import build_prompt

BUILD_MARKER = "data/questions/"


@dataclass
class EvalData:
    """The questions to score and how to get each question's frames (list of PIL images)."""

    benchmark: str  # "vsibench" or "generated"
    split: str
    questions: object  # datasets.Dataset with VSI-Bench's columns
    frames_for: Callable[[dict], list]


def detect_benchmark(data: str, revision: str | None = None) -> str:
    """ "vsibench" or "generated" for a local folder or a Hub dataset id, from its layout."""
    from vsi100k.evaluate.vsibench import PARQUET_PATTERNS, hub_repo_files, is_vsibench_layout

    path = Path(data)
    if path.exists():
        if (path / BUILD_MARKER).is_dir():
            return "generated"
        if is_vsibench_layout(path):
            return "vsibench"
        raise FileNotFoundError(
            f"{path}: neither a vsi100k build (data/questions/) nor VSI-Bench's layout (test-*.parquet at the top)"
        )
    files = hub_repo_files(data, revision)
    if any(f.startswith(BUILD_MARKER) for f in files):
        return "generated"
    if any(Path(f).match(pattern) and "/" not in f for f in files for pattern in PARQUET_PATTERNS):
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
        questions = _filter(load_vsibench_questions(root, cfg.sources), cfg)
        videos = VideoFrames(root, cfg.num_frames)
        if need_frames:
            ensure_videos(root, sorted(set(questions["dataset"])), cfg.data, cfg.revision)
        return EvalData(benchmark, split, questions, lambda row: videos.frames(row["dataset"], row["scene_name"]))

    from vsi100k.dataset.load import load_questions, load_scene_frames
    from vsi100k.train.data import pick_frames

    split = cfg.split or "validation"
    if cfg.sources:
        raise ValueError("--source filters VSI-Bench's dataset column; a vsi100k build is ScanNet only")
    questions = _filter(load_questions(cfg.data, config=cfg.config, split=split), cfg)
    scene_frames = load_scene_frames(cfg.data, split=split) if need_frames else {}
    return EvalData(
        benchmark, split, questions, lambda row: pick_frames(list(scene_frames[row["scene_name"]]), cfg.num_frames)
    )


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
    )
    rows = [dict(row) for row in data.questions]
    order = sorted(range(len(rows)), key=lambda i: (rows[i].get("dataset", ""), rows[i]["scene_name"], i))
    outputs: dict[str, str] = {}
    chunk = max(cfg.batch_size, 1) * 8
    with Progress(disable=not cfg.progress) as progress:
        task = progress.add_task("answering", total=len(rows))
        for start in range(0, len(order), chunk):
            batch = [rows[i] for i in order[start : start + chunk]]
            requests = [Request(data.frames_for(row), question_text(row, cfg.prompt_mode)) for row in batch]
            for row, text in zip(batch, predictor(requests), strict=True):
                outputs[str(row["id"])] = text
            progress.advance(task, len(batch))
    return outputs


def evaluate(cfg: EvalConfig, console=None) -> dict:
    """Run one evaluation; prints the VSI-Bench table and returns the summary written to summary.json.

    Writes ``cfg.output_dir``/predictions.jsonl (per question: id, question_type, ground_truth,
    prediction, answer, score) and summary.json (scores, counts, missing predictions, settings).
    """
    data = load_eval_data(cfg, need_frames=cfg.model is not None)
    if cfg.predictions is not None:
        predictions = read_predictions(cfg.predictions)
        known = {str(i) for i in data.questions["id"]}
        if not known & set(predictions):
            raise ValueError(f"{cfg.predictions}: no prediction id matches a question id of {cfg.data} ({data.split})")
    else:
        predictions = generate_predictions(cfg, data)
    records = []
    missing = 0
    for row in data.questions:
        prediction = predictions.get(str(row["id"]))
        missing += prediction is None
        answer, score = score_prediction(row["question_type"], row["ground_truth"], prediction)
        records.append(
            {
                "id": str(row["id"]),
                "question_type": row["question_type"],
                "ground_truth": row["ground_truth"],
                "prediction": prediction,
                "answer": answer,
                "score": score,
            }
        )
    summary = summarize(records)
    output_dir = Path(cfg.output_dir)
    write_predictions(output_dir / PREDICTIONS_FILE, records)
    run = {**cfg.to_dict(), "benchmark": data.benchmark, "split": data.split, "missing_predictions": missing}
    payload = write_summary(output_dir / SUMMARY_FILE, summary, run)
    title = f"{'VSI-Bench' if data.benchmark == 'vsibench' else 'vsi100k ' + data.split} ({cfg.prompt_mode})"
    print_summary(summary, title=title, console=console)
    return payload
