"""VSI-Bench as its Hub repo (nyu-visionx/VSI-Bench) lays it out, from a local folder or a Hub id.

Layout: a test parquet at the top (``test-00000-of-00001.parquet``, or ``test.parquet``) with the
columns id, dataset, scene_name, question_type, question, options, ground_truth; and one folder of
mp4 videos per source, ``<dataset>/<scene_name>.mp4`` (the repo ships each folder as
``<dataset>.zip``, extracted next to the zip on first use). A Hub id is fetched lazily with
`huggingface_hub.snapshot_download`: the parquet first, then only the zips of the sources asked for.

Frames are sampled from the mp4 with `vsi100k.frames.video.sample_video` (VSI-Bench's linspace rule).
"""

from __future__ import annotations

import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from vsi100k.errors import SceneError

VSIBENCH_REPO = "nyu-visionx/VSI-Bench"
VSIBENCH_COLUMNS = ("id", "dataset", "scene_name", "question_type", "question", "options", "ground_truth")
PARQUET_PATTERNS = ("test-*.parquet", "test.parquet")


def find_test_parquet(root: Path) -> list[Path]:
    """The test parquet shard(s) at the top of a VSI-Bench folder ([] when there are none)."""
    found: list[Path] = []
    for pattern in PARQUET_PATTERNS:
        found.extend(sorted(Path(root).glob(pattern)))
    return sorted(set(found))


def is_vsibench_layout(root: Path) -> bool:
    """True when ``root`` is a folder with a VSI-Bench test parquet at its top."""
    return Path(root).is_dir() and bool(find_test_parquet(root))


def hub_repo_files(repo_id: str, revision: str | None = None) -> list[str]:
    """Paths of the files in a Hub dataset repo (to tell VSI-Bench's layout from a vsi100k build)."""
    from huggingface_hub import HfApi

    return list(HfApi().list_repo_files(repo_id, repo_type="dataset", revision=revision))


def hub_download(repo_id: str, revision: str | None, patterns: Sequence[str]) -> Path:
    """Download only the files matching ``patterns`` of a Hub dataset repo; returns its local snapshot folder.

    These two helpers are this package's only Hub calls (read-only; vsi100k.hub owns publishing).
    """
    from huggingface_hub import snapshot_download

    folder = snapshot_download(repo_id=repo_id, repo_type="dataset", revision=revision, allow_patterns=list(patterns))
    return Path(folder)


def resolve_root(source: str | Path, revision: str | None = None) -> Path:
    """A local folder holding the VSI-Bench layout for ``source`` (a folder, or a Hub dataset id).

    For a Hub id only the parquet (and README) is downloaded here; videos come with `ensure_videos`.
    """
    path = Path(source)
    if path.exists():
        if not is_vsibench_layout(path):
            raise FileNotFoundError(f"{path}: no VSI-Bench test parquet (test-*.parquet) at the top of this folder")
        return path
    root = hub_download(str(source), revision, ["*.parquet", "README.md"])
    if not is_vsibench_layout(root):
        raise FileNotFoundError(f"{source}: the Hub repo has no test-*.parquet at its top; is it VSI-Bench?")
    return root


def load_vsibench_questions(root: Path, sources: Sequence[str] = ()):
    """The VSI-Bench questions as a `datasets.Dataset` (optionally only the given ``dataset`` sources)."""
    import datasets

    files = [str(p) for p in find_test_parquet(root)]
    if not files:
        raise FileNotFoundError(f"{root}: no VSI-Bench test parquet (test-*.parquet) at the top of this folder")
    questions = datasets.load_dataset("parquet", data_files=files, split="train")
    missing = [c for c in VSIBENCH_COLUMNS if c not in questions.column_names]
    if missing:
        raise ValueError(f"{files[0]}: missing VSI-Bench column(s) {', '.join(missing)}")
    if sources:
        known = sorted(set(questions["dataset"]))
        unknown = sorted(set(sources) - set(known))
        if unknown:
            raise ValueError(f"unknown VSI-Bench source(s) {', '.join(unknown)}; valid: {', '.join(known)}")
        wanted = set(sources)
        questions = questions.filter(lambda row: row["dataset"] in wanted)
    return questions


def _safe_extract(archive: Path, target: Path) -> None:
    """Extract a zip into ``target``, refusing members that would land outside it."""
    target = target.resolve()
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.namelist():
            destination = (target / member).resolve()
            if target != destination and target not in destination.parents:
                raise ValueError(f"{archive}: member {member!r} would be written outside {target}")
        bundle.extractall(target)


def ensure_videos(
    root: Path, datasets_needed: Sequence[str], source: str | Path | None = None, revision: str | None = None
) -> None:
    """Make ``<root>/<dataset>/`` exist for every needed source: extract ``<dataset>.zip`` if present,
    downloading it first when ``source`` is a Hub id and the zip is not in ``root``."""
    root = Path(root)
    for name in sorted(set(datasets_needed)):
        folder = root / name
        if folder.is_dir():
            continue
        archive = root / f"{name}.zip"
        if not archive.exists() and source is not None and not Path(source).exists():
            hub_download(str(source), revision, [f"{name}.zip", f"{name}/*"])
        if folder.is_dir():
            continue
        if not archive.exists():
            raise FileNotFoundError(f"{root}: neither the video folder {name}/ nor {name}.zip is there")
        _safe_extract(archive, root)
        if not folder.is_dir():
            raise FileNotFoundError(f"{archive}: extracting did not produce the folder {name}/")


class VideoFrames:
    """scene -> frames (PIL images) sampled from ``<root>/<dataset>/<scene_name>.mp4``, decoded on access.

    Keeps the last ``cache_scenes`` scenes decoded (questions are evaluated grouped by scene).
    """

    def __init__(self, root: Path, num_frames: int, cache_scenes: int = 2):
        self.root = Path(root)
        self.num_frames = num_frames
        self.cache_scenes = cache_scenes
        self._cache: OrderedDict[tuple[str, str], list] = OrderedDict()

    def video_path(self, dataset: str, scene_name: str) -> Path:
        return self.root / dataset / f"{scene_name}.mp4"

    def frames(self, dataset: str, scene_name: str) -> list:
        """``num_frames`` PIL images (RGB) spread uniformly over the scene's video."""
        key = (dataset, scene_name)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        from PIL import Image

        from vsi100k.frames.config import FramesConfig
        from vsi100k.frames.video import sample_video

        path = self.video_path(dataset, scene_name)
        if not path.exists():
            raise SceneError(scene_name, path, f"video not found under {self.root / dataset}")
        sampled = sample_video(path, scene_name, FramesConfig(n_frames=self.num_frames, visibility=False))
        images = [Image.fromarray(rgb) for rgb in sampled.images()]
        self._cache[key] = images
        while len(self._cache) > self.cache_scenes:
            self._cache.popitem(last=False)
        return images
