"""A vsi100k build as an lmms-eval task: `export_lmms_task(cfg)` writes a task folder that lmms-eval
loads with ``--include_path DIR --tasks vsi100k_<name>``.

The folder (relocatable: every path in it is relative to it):

- ``vsi100k_<name>.yaml``: the task (``dataset_path: parquet``, the questions file as its ``test``
  split, greedy generation of 16 tokens as VSI-Bench, one metric per task present plus the overall);
- ``questions.parquet``: the split's questions, the build's columns (VSI-Bench's names);
- ``frames/``: the split's frames table (one row per scene, the sampled frames as images): the
  documents' visuals, never videos;
- ``utils.py`` (`vsi100k.evaluate.lmms_task_utils`) and ``vsi100k_metrics.py`` (`vsi100k.metrics`),
  both copied verbatim, so lmms-eval scores answers and computes the table with the code
  ``vsi100k eval`` uses, under the rule named in ``task.json``;
- ``task.json``: the rule, frames per question, metrics, the build id and counts.

Must not: write into a folder it did not create (a non-empty folder without task.json), or import
lmms-eval.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from vsi100k.errors import ConfigError
from vsi100k.metrics import DEFAULT_SCORING, SCORING_LABELS, SCORING_RULES

TASK_PREFIX = "vsi100k_"
TASK_FILE = "task.json"
QUESTIONS_FILE = "questions.parquet"
FRAMES_FOLDER = "frames"
UTILS_FILE = "utils.py"
METRICS_FILE = "vsi100k_metrics.py"
OVERALL_METRIC = "vsi100k_overall"
_NAME_RE = re.compile(r"[^a-z0-9_]+")


def task_name(name: str) -> str:
    """``vsi100k_<name>`` with the name lower-cased and runs of other characters turned into "_"."""
    cleaned = _NAME_RE.sub("_", name.lower()).strip("_")
    if not cleaned:
        raise ConfigError(f"task name {name!r}: needs at least one letter or digit")
    return cleaned if cleaned.startswith(TASK_PREFIX) else TASK_PREFIX + cleaned


@dataclass(frozen=True)
class LmmsExportConfig:
    """Settings of `vsi100k export-lmms-eval`.

    build: a local vsi100k build folder. out_dir: the task folder to write. split: the build's split
    whose questions become the documents (validation by default: ScanNet's test scenes have no
    annotations). name: the task is ``vsi100k_<name>`` (default: the build folder's name).
    scoring: "lmms-eval" or "thinking-in-space" (as ``vsi100k eval --scoring``). num_frames: frames
    per question (as ``vsi100k eval --frames``; VSI-Bench uses 32).
    """

    build: Path
    out_dir: Path
    split: str = "validation"
    name: str | None = None
    scoring: str = DEFAULT_SCORING
    num_frames: int = 32

    def __post_init__(self) -> None:
        if self.scoring not in SCORING_RULES:
            raise ConfigError(f"scoring={self.scoring!r}: choose one of {', '.join(SCORING_RULES)}")
        if self.num_frames < 1:
            raise ConfigError(f"num_frames={self.num_frames}: use at least 1 frame (VSI-Bench uses 32)")
        task_name(self.name if self.name is not None else Path(self.build).resolve().name)

    @property
    def task(self) -> str:
        return task_name(self.name if self.name is not None else Path(self.build).resolve().name)


@dataclass(frozen=True)
class LmmsExport:
    """What was written: the task name, its yaml, and the counts."""

    task: str
    yaml_path: Path
    questions: int
    scenes: int
    metrics: tuple[str, ...]


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f"{out_dir}: exists and is not a folder")
        if any(out_dir.iterdir()) and not (out_dir / TASK_FILE).is_file():
            raise FileExistsError(
                f"{out_dir}: not empty and not an lmms-eval task written by vsi100k (no {TASK_FILE}); "
                "choose an empty or new folder"
            )


def task_yaml(task: str, metrics: list[str]) -> str:
    """The task's YAML text (lmms-eval's ``!function`` tags point into utils.py)."""
    lines = [
        f"task: {task}",
        "dataset_path: parquet",
        "dataset_kwargs:",
        "  data_files:",
        f"    test: {QUESTIONS_FILE}",
        "test_split: test",
        "output_type: generate_until",
        "doc_to_visual: !function utils.vsi100k_doc_to_visual",
        "doc_to_text: !function utils.vsi100k_doc_to_text",
        "doc_to_messages: !function utils.vsi100k_doc_to_messages",
        'doc_to_target: "ground_truth"',
        "generation_kwargs:",
        "  max_new_tokens: 16",
        "  temperature: 0",
        "  top_p: 1.0",
        "  num_beams: 1",
        "  do_sample: false",
        "process_results: !function utils.vsi100k_process_results",
        "metric_list:",
    ]
    for metric in metrics:
        function = "vsi100k_aggregate_overall" if metric == OVERALL_METRIC else f"vsi100k_aggregate_{metric}"
        lines += [f"  - metric: {metric}", f"    aggregation: !function utils.{function}", "    higher_is_better: true"]
    lines += [
        "lmms_eval_specific_kwargs:",
        "  default:",
        '    pre_prompt: "These are frames of a video."',
        "    mca_post_prompt: \"Answer with the option's letter from the given choices directly.\"",
        '    na_post_prompt: "Please answer the question using a single word or phrase."',
        "metadata:",
        "  - version: 1.0",
    ]
    return "\n".join(lines) + "\n"


def export_lmms_task(cfg: LmmsExportConfig) -> LmmsExport:
    """Write the task folder for ``cfg`` (see the module docstring); returns what was written."""
    import vsi100k.evaluate.lmms_task_utils as utils_module
    import vsi100k.metrics as metrics_module
    from vsi100k.dataset.load import load_questions
    from vsi100k.dataset.schema import FRAMES_DIR, REPORT_FILE
    from vsi100k.evaluate.scoring import TASKS, task_of

    build = Path(cfg.build)
    report_path = build / REPORT_FILE
    if not report_path.is_file():
        raise FileNotFoundError(f"{build}: not a vsi100k build folder (no {REPORT_FILE})")
    out_dir = Path(cfg.out_dir)
    _check_out_dir(out_dir)
    frame_shards = sorted((build / FRAMES_DIR).glob(f"{cfg.split}-*.parquet"))
    if not frame_shards:
        raise FileNotFoundError(
            f"{build / FRAMES_DIR}: no frames for split {cfg.split!r} ({cfg.split}-*.parquet); "
            "the task's visuals are the build's frames (a release published without them: `vsi100k rehydrate` first)"
        )
    try:
        questions = load_questions(build, config="all", split=cfg.split)
    except ValueError as error:
        raise ValueError(f"{build}: no questions in split {cfg.split!r} ({error})") from None
    if len(questions) == 0:
        raise ValueError(f"{build}: split {cfg.split!r} has no questions")
    import pyarrow.parquet as pq

    framed = {name for shard in frame_shards for name in pq.read_table(shard, columns=["scene_name"])["scene_name"].to_pylist()}
    scenes = sorted(set(questions["scene_name"]))
    unframed = [scene for scene in scenes if scene not in framed]
    if unframed:
        raise ValueError(
            f"{build}: split {cfg.split!r} has questions about scene(s) without frames: {', '.join(unframed[:5])}"
        )
    present = {task_of(t) for t in set(questions["question_type"])}
    metrics = [OVERALL_METRIC] + [name for name, _ in TASKS if name in present]

    out_dir.mkdir(parents=True, exist_ok=True)
    frames_dir = out_dir / FRAMES_FOLDER
    if frames_dir.exists():
        shutil.rmtree(frames_dir)
    frames_dir.mkdir()
    for shard in frame_shards:
        shutil.copyfile(shard, frames_dir / shard.name)
    from vsi100k.dataset.write import write_table

    write_table(questions.with_format("arrow")[:], out_dir / QUESTIONS_FILE)  # the dataset's writer settings
    shutil.copyfile(utils_module.__file__, out_dir / UTILS_FILE)
    shutil.copyfile(metrics_module.__file__, out_dir / METRICS_FILE)
    yaml_path = out_dir / f"{cfg.task}.yaml"
    for old in out_dir.glob("*.yaml"):
        old.unlink()  # one task per folder: a renamed export replaces the previous yaml
    yaml_path.write_text(task_yaml(cfg.task, metrics), encoding="utf-8")
    build_id = json.loads(report_path.read_text(encoding="utf-8")).get("build_id")
    settings = {
        "task": cfg.task,
        "scoring": cfg.scoring,
        "scoring_follows": SCORING_LABELS[cfg.scoring],
        "num_frames": cfg.num_frames,
        "prompt_mode": "vanilla",
        "metrics": metrics,
        "split": cfg.split,
        "build_id": build_id,
        "questions": len(questions),
        "scenes": len(scenes),
    }
    (out_dir / TASK_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return LmmsExport(cfg.task, yaml_path, len(questions), len(scenes), tuple(metrics))
