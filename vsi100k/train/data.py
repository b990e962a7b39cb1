"""Questions + frames -> TRL's conversational examples, joined lazily by `scene_name`.

The dataset stores frames once per scene (docs/definitions.md, "Dataset layout"). A training example needs the scene's
frames as a list of images next to its prompt, so this module attaches them on access with
`datasets.Dataset.with_transform`: rows hold only text until the trainer's data loader asks for them,
and the images are decoded per batch, never copied into the question table.

Example columns (what TRL reads):
- ``prompt``: ``[{"role": "user", "content": <text>}]`` (TRL inserts one image block per frame before
  the text), ``images``: the frames (list of PIL images, ``num_frames`` of the scene's stored frames,
  picked uniformly with VSI-Bench's linspace rule);
- for SFT also ``completion``: ``[{"role": "assistant", "content": <answer>}]``;
- for the rewards: ``target`` (letter, word or number as text), ``target_kind`` ("letter" | "word" |
  "number"), plus ``id``, ``question_type`` and ``scene_name`` for logs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from vsi100k.prompts import build_prompt, reference_completion, target_kind
from vsi100k.train.config import TrainConfig

RECENT_SCENES = 4
PROMPT_COLUMNS = ("id", "scene_name", "question_type", "question", "options", "ground_truth", "answer", "answer_kind")


def pick_frames(frames: list, num_frames: int) -> list:
    """``num_frames`` of a scene's frames spread uniformly (all of them when there are fewer)."""
    from vsi100k.frames.sampling import uniform_frame_indices

    if not frames:
        return []
    return [frames[int(i)] for i in uniform_frame_indices(len(frames), num_frames)]


def example_target(row: Mapping[str, Any], form: str) -> tuple[str, str]:
    """(target text, target kind) a completion is judged against for one question row.

    vsibench form: the ``ground_truth`` column (letter for choice, number for numeric); open form:
    the ``answer`` column (the word) for choice questions, ``ground_truth`` for numbers.
    """
    kind = target_kind(row["answer_kind"], form)
    target = row["answer"] if kind == "word" else row["ground_truth"]
    return str(target), kind


def make_example_transform(
    scene_frames: Mapping[str, list], cfg: TrainConfig
) -> Callable[[dict[str, list]], dict[str, list]]:
    """A `with_transform` function turning a batch of question rows into TRL examples with images."""
    with_completion = cfg.method == "sft"
    # GRPO's sampler fetches each question once per rollout: keep the last scenes' picked frames
    recent: OrderedDict[str, list] = OrderedDict()

    def frames_of(scene_name: str) -> list:
        if scene_name not in recent:
            recent[scene_name] = pick_frames(list(scene_frames[scene_name]), cfg.num_frames)
            while len(recent) > RECENT_SCENES:
                recent.popitem(last=False)
        recent.move_to_end(scene_name)
        return recent[scene_name]

    def transform(batch: dict[str, list]) -> dict[str, list]:
        size = len(batch["id"])
        rows = [{key: batch[key][i] for key in batch} for i in range(size)]
        out: dict[str, list] = {
            "id": [],
            "scene_name": [],
            "question_type": [],
            "prompt": [],
            "images": [],
            "target": [],
            "target_kind": [],
        }
        if with_completion:
            out["completion"] = []
        for row in rows:
            text = build_prompt(row["question"], row["options"], row["answer_kind"], cfg.prompt_mode, cfg.question_form)
            target, kind = example_target(row, cfg.question_form)
            out["id"].append(row["id"])
            out["scene_name"].append(row["scene_name"])
            out["question_type"].append(row["question_type"])
            out["prompt"].append([{"role": "user", "content": text}])
            out["images"].append(frames_of(row["scene_name"]))
            out["target"].append(target)
            out["target_kind"].append(kind)
            if with_completion:
                out["completion"].append(
                    [{"role": "assistant", "content": reference_completion(target, cfg.prompt_mode)}]
                )
        return out

    return transform


def check_frames_cover(questions, scene_frames: Mapping[str, list], source: str, split: str) -> None:
    """Fail early, naming the scenes, when questions refer to scenes that have no frames."""
    from vsi100k.errors import SceneError

    known = set(scene_frames.keys()) if hasattr(scene_frames, "keys") else set(scene_frames)
    missing = sorted(set(questions["scene_name"]) - known)
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise SceneError(
            missing[0],
            f"{source}/data/frames",
            f"split {split!r} has questions for {len(missing)} scene(s) without frames: {shown}",
        )


def training_dataset(cfg: TrainConfig):
    """The lazily joined `datasets.Dataset` of TRL examples for ``cfg`` (see module docstring)."""
    from vsi100k.dataset.load import load_questions, load_scene_frames

    questions = load_questions(cfg.data, config=cfg.config, split=cfg.split)
    if len(questions) == 0:
        raise ValueError(f"{cfg.data}: config {cfg.config!r} split {cfg.split!r} has no questions to train on")
    if cfg.max_questions is not None:
        questions = questions.select(range(min(cfg.max_questions, len(questions))))
    questions = questions.select_columns([c for c in PROMPT_COLUMNS if c in questions.column_names])
    scene_frames = load_scene_frames(cfg.data, split=cfg.split)
    check_frames_cover(questions, scene_frames, str(cfg.data), cfg.split)
    return questions.with_transform(make_example_transform(scene_frames, cfg))
