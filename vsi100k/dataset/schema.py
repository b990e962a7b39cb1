"""Explicit `datasets.Features` of the two dataset parts, and the on-disk layout of a build.

The column names are VSI-Bench's (`id`, `dataset`, `scene_name`, `question_type`, `question`,
`options`, `ground_truth`) so lmms-eval-style tools read the questions as they are; `answer`,
`answer_kind` and `instance_ids` are what the trainer, the evaluator and the preview need on top.
This module only describes data; it writes nothing.
"""

from __future__ import annotations

from pathlib import PurePosixPath

SPLITS = ("train", "validation", "test")
ALL_CONFIG = "all"
FRAMES_CONFIG = "frames"
ANSWER_KINDS = ("choice", "number")
FRAME_SOURCES = ("sens", "mp4", "images")

QUESTION_COLUMNS = (
    "id", "dataset", "scene_name", "question_type", "question", "options", "ground_truth", "answer",
    "answer_kind", "instance_ids",
)
FRAME_COLUMNS = ("scene_name", "frame_indices", "timestamps_s", "frames", "width", "height", "source", "rotation_deg")

QUESTIONS_DIR = PurePosixPath("data/questions")
FRAMES_DIR = PurePosixPath("data/frames")
FACTS_DIR = PurePosixPath("facts")
REPORT_FILE = "build_report.json"
CARD_FILE = "README.md"


def question_features():
    """`datasets.Features` of a question row (the contract with the trainer and the evaluator)."""
    from datasets import Features, Sequence, Value

    return Features(
        {
            "id": Value("string"),
            "dataset": Value("string"),
            "scene_name": Value("string"),
            "question_type": Value("string"),
            "question": Value("string"),
            "options": Sequence(Value("string")),
            "ground_truth": Value("string"),
            "answer": Value("string"),
            "answer_kind": Value("string"),
            "instance_ids": Sequence(Value("int32")),
        }
    )


def frame_features():
    """`datasets.Features` of a frames row: one scene's sampled frames, stored once per scene."""
    from datasets import Features, Image, Sequence, Value

    return Features(
        {
            "scene_name": Value("string"),
            "frame_indices": Sequence(Value("int32")),
            "timestamps_s": Sequence(Value("float64")),
            "frames": Sequence(Image()),
            "width": Value("int32"),
            "height": Value("int32"),
            "source": Value("string"),
            "rotation_deg": Value("int32"),
        }
    )


def shard_name(split: str, index: int, count: int) -> str:
    """`train-00000-of-00001.parquet`: the Hub's shard naming, which `datasets` splits by."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def question_shard_glob(question_type: str, split: str) -> str:
    """Repo-relative glob of one question type's shards of one split."""
    return str(QUESTIONS_DIR / question_type / f"{split}-*.parquet")


def all_questions_glob(split: str) -> str:
    """Repo-relative glob of every question type's shards of one split (the `all` config)."""
    return str(QUESTIONS_DIR / "*" / f"{split}-*.parquet")


def frames_shard_glob(split: str) -> str:
    """Repo-relative glob of the frames shards of one split."""
    return str(FRAMES_DIR / f"{split}-*.parquet")
