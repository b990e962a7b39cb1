"""The public loading API of a build (a local folder or its Hub repo): questions, frames, samples.

    from vsi100k.dataset.load import load_questions, load_frames, load_samples

    questions = load_questions(folder, "object_counting", "train")   # datasets.Dataset, text only
    frames = load_frames(folder, "train")                            # scene_name -> list of PIL images, lazily
    samples = load_samples(folder, "all", "train", num_frames=8)     # questions joined with their frames
    sample = samples[0]   # {"prompt": str, "images": [PIL.Image, ...], "ground_truth": str, "id", ...}

`source` is a local build folder or a Hub repo id; both go through `datasets.load_dataset`, which
reads the configs the card declares (a rebuild into the same folder is loaded afresh: see
`vsi100k.card.dataset_configs`). Frames are joined by `scene_name` on access and decoded only then;
they are never copied into question rows. The trainer and the evaluator use the same functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from vsi100k.dataset.schema import ALL_CONFIG, FRAMES_CONFIG


def _source_arg(source: str | Path) -> str:
    """A local folder as an absolute path string; anything else is taken as a Hub repo id."""
    path = Path(source).expanduser()
    if path.exists():
        if not path.is_dir():
            raise NotADirectoryError(f"{path}: not a dataset folder (expected a build output folder or a Hub repo id)")
        return str(path.resolve())
    if isinstance(source, Path) or str(source).startswith((".", "/", "~")) or str(source).count("/") > 1:
        raise FileNotFoundError(f"{source}: dataset folder not found (build it with `vsi100k build`)")
    return str(source)


def _load(source: str | Path, config: str, split: str):
    """`datasets.load_dataset` of one config and split of a build folder or Hub repo."""
    import datasets

    return datasets.load_dataset(_source_arg(source), config, split=split)


def load_questions(source: str | Path, config: str = ALL_CONFIG, split: str = "train"):
    """One split of the questions, as a `datasets.Dataset` with the explicit question Features.

    config: a question type (e.g. "object_counting") or "all".
    """
    if config == FRAMES_CONFIG:
        raise ValueError("config 'frames' holds frames, not questions; use load_frames(source, split)")
    return _load(source, config, split)


class SceneFrames(Mapping):
    """Lazy mapping scene_name -> list of PIL images (the scene's sampled frames, decoded on access).

    Backed by the memory-mapped `frames` split: building it reads only the scene names.
    """

    def __init__(self, frames_dataset, split: str):
        self._dataset = frames_dataset
        self.split = split
        names = list(frames_dataset["scene_name"])
        self._rows = {name: row for row, name in enumerate(names)}
        if len(self._rows) != len(names):
            raise ValueError(f"frames split {split}: a scene has more than one frames row")

    def __getitem__(self, scene_name: str) -> list:
        return list(self.record(scene_name)["frames"])

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def record(self, scene_name: str) -> dict:
        """The full frames row of a scene: frames (decoded), frame_indices, timestamps_s, width, height, source."""
        return self._dataset[self._row(scene_name)]

    def frame_count(self, scene_name: str) -> int:
        """Number of stored frames of a scene, without decoding them."""
        return len(self._dataset.select_columns(["frame_indices"])[self._row(scene_name)]["frame_indices"])

    def timestamps_s(self, scene_name: str) -> list[float]:
        """Times (seconds) of a scene's stored frames, without decoding them."""
        return list(self._dataset.select_columns(["timestamps_s"])[self._row(scene_name)]["timestamps_s"])

    def _row(self, scene_name: str) -> int:
        try:
            return self._rows[scene_name]
        except KeyError:
            raise KeyError(f"{scene_name}: no frames in split {self.split} of this dataset") from None


def load_frames(source: str | Path, split: str = "train") -> SceneFrames:
    """The frames of one split as a lazy `SceneFrames` mapping: scene_name -> list of PIL images."""
    return SceneFrames(_load(source, FRAMES_CONFIG, split), split)


load_scene_frames = load_frames  # the name the trainer and the evaluator have used


def load_samples(source: str | Path, config: str = ALL_CONFIG, split: str = "train", *, num_frames: int | None = None,
                 prompt_mode: str = "vanilla"):
    """Model-ready samples: the questions of one config and split, each joined with its scene's frames.

    Returns a `datasets.Dataset` whose rows (decoded on access, so nothing is copied) hold every
    question column plus `prompt` (the VSI-Bench-style user text with the options and the answer
    instruction, `vsi100k.prompts.build_prompt`; prompt_mode "vanilla", "think" or "observe") and
    `images` (num_frames of the scene's stored frames, spread uniformly as VSI-Bench samples them;
    None = all of them). A question whose scene has no frames (a scan without a colour stream)
    gets `images` = [].
    """
    from vsi100k.frames.sampling import uniform_frame_indices
    from vsi100k.prompts import build_prompt

    if num_frames is not None and num_frames < 1:
        raise ValueError(f"num_frames={num_frames}: use at least 1 frame, or None for all stored frames")
    questions = load_questions(source, config, split)
    frames = load_frames(source, split) if split_has_frames(source, split) else {}

    def join(batch: dict[str, list]) -> dict[str, list]:
        batch = dict(batch)
        batch["prompt"] = [build_prompt(q, o, k, prompt_mode)
                           for q, o, k in zip(batch["question"], batch["options"], batch["answer_kind"])]
        images = []
        for scene_name in batch["scene_name"]:
            stored = list(frames[scene_name]) if scene_name in frames else []
            if num_frames is not None and stored:
                stored = [stored[int(i)] for i in uniform_frame_indices(len(stored), num_frames)]
            images.append(stored)
        batch["images"] = images
        return batch

    return questions.with_transform(join)


def split_has_frames(source: str | Path, split: str) -> bool:
    """Whether a build declares frames for `split` (a build of scans without colour streams has none)."""
    import datasets

    try:
        names = datasets.get_dataset_split_names(_source_arg(source), FRAMES_CONFIG)
    except ValueError:  # no frames config at all
        return False
    return split in names


def read_local_scene(out_dir: Path, scene_name: str) -> tuple[list[dict], dict | None]:
    """One scene's question rows (every type and split, in id order) and its frames row (or None),
    read straight from a local build's parquet shards (no `datasets` cache). For previews and checks.
    """
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from vsi100k.dataset.schema import FRAMES_DIR, QUESTIONS_DIR

    out_dir = Path(out_dir)
    if not (out_dir / "data").is_dir():
        raise FileNotFoundError(f"{out_dir}: no data/ folder (is this a `vsi100k build` output folder?)")
    questions: list[dict] = []
    for path in sorted((out_dir / QUESTIONS_DIR).glob("*/*.parquet")):
        table = pq.read_table(path)
        questions += table.filter(pc.equal(table["scene_name"], scene_name)).to_pylist()
    questions.sort(key=lambda row: row["id"])
    frames = None
    for path in sorted((out_dir / FRAMES_DIR).glob("*.parquet")):
        parquet = pq.ParquetFile(path)
        for group in range(parquet.num_row_groups):
            names = parquet.read_row_group(group, columns=["scene_name"])["scene_name"].to_pylist()
            if scene_name in names:
                frames = parquet.read_row_group(group).slice(names.index(scene_name), 1).to_pylist()[0]
                break
        if frames is not None:
            break
    return questions, frames
