"""The loader API the trainer and the evaluator call: questions as a `datasets.Dataset`, frames lazily.

`source` is a local build folder or a Hub repo id; both go through `datasets.load_dataset`, which
reads the configs the card declares. Frames are joined by `scene_name` on access and decoded only
then; they are never copied into question rows.
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
    """`datasets.load_dataset` of one config and split, with a cache per build for local folders.

    `datasets` keys its cache of a local folder by the folder's name and the card's configs, not by
    the files' content, so after a rebuild into the same folder (or any folder of the same name) it
    would serve the previous build's rows. A local build is therefore cached under its build id.
    """
    import datasets

    from vsi100k.dataset.schema import REPORT_FILE

    target = _source_arg(source)
    report = Path(target) / REPORT_FILE
    if not report.is_file():
        return datasets.load_dataset(target, config, split=split)
    import json

    from vsi100k.pipeline.config import default_cache_root

    try:
        build_id = str(json.loads(report.read_text())["build_id"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{report}: unreadable build report ({error})") from None
    cache = default_cache_root() / "datasets" / build_id
    return datasets.load_dataset(target, config, split=split, cache_dir=str(cache))


def load_questions(source: str | Path, config: str = ALL_CONFIG, split: str = "train"):
    """One split of the questions, as a `datasets.Dataset` with the explicit question Features.

    config: a question type (e.g. "object_counting") or "all".
    """
    if config == FRAMES_CONFIG:
        raise ValueError("config 'frames' holds frames, not questions; use load_scene_frames(source, split)")
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


def load_scene_frames(source: str | Path, split: str = "train") -> SceneFrames:
    """The frames of one split as a lazy `SceneFrames` mapping joined by scene_name."""
    return SceneFrames(_load(source, FRAMES_CONFIG, split), split)


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
