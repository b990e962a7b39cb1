"""VSI-Bench as its Hub repo (nyu-visionx/VSI-Bench) lays it out, from a local folder or a Hub id.

Questions: the columns id, dataset, scene_name, question_type, question, options, ground_truth, in
one of three subsets (`VSIBENCH_SUBSETS`): ``full`` (every question), ``debiased`` (VSI-Bench-Debiased,
the questions Iterative Bias Pruning keeps, arXiv 2511.04655) and ``pruned`` (the ones it removes).
A subset's files are found, in this order:

1. the dataset card's ``configs:`` (README.md front matter, as `datasets.load_dataset(path, subset)`
   reads it): the ``test`` split's ``data_files`` of the config named like the subset;
2. today's file names: ``test.jsonl`` (full), ``test_debiased.parquet``, ``test_pruned.parquet``;
   or the older layout's ``test-00000-of-00001.parquet`` / ``test.parquet`` (full);
3. for debiased / pruned without their own file: the full set split by ``pruned_ids.txt`` (one id a
   line) or by its boolean ``pruned`` column.

Videos: one folder of mp4s per source, ``<dataset>/<scene_name>.mp4`` (the repo ships each folder as
``<dataset>.zip``, extracted next to the zip on first use). A Hub id is fetched lazily with
`huggingface_hub.snapshot_download`: the question files and card first, then only the zips of the
sources asked for. Frames are sampled from the mp4 with `vsi100k.frames.video.sample_video`
(VSI-Bench's linspace rule).
"""

from __future__ import annotations

import zipfile
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from vsi100k.errors import SceneError

VSIBENCH_REPO = "nyu-visionx/VSI-Bench"
VSIBENCH_COLUMNS = ("id", "dataset", "scene_name", "question_type", "question", "options", "ground_truth")
VSIBENCH_SUBSETS = ("full", "debiased", "pruned")
CARD_FILE = "README.md"
PRUNED_IDS_FILE = "pruned_ids.txt"
# The full question set under the names the repo has used: the older parquet shard(s), today's jsonl.
PARQUET_PATTERNS = ("test-*.parquet", "test.parquet")
FULL_PATTERNS = (*PARQUET_PATTERNS, "test.jsonl")
SUBSET_FILES = {"debiased": "test_debiased.parquet", "pruned": "test_pruned.parquet"}
HUB_QUESTION_PATTERNS = ("*.parquet", "*.jsonl", CARD_FILE, PRUNED_IDS_FILE)


def find_test_parquet(root: Path) -> list[Path]:
    """The full set's question file(s) at the top of a VSI-Bench folder ([] when there are none)."""
    found: list[Path] = []
    for pattern in FULL_PATTERNS:
        found.extend(sorted(Path(root).glob(pattern)))
    return sorted(set(found))


def card_configs(root: Path) -> dict[str, list[str]]:
    """config name -> the ``test`` split's data-file patterns, from the card's ``configs:`` ({} without a card).

    A config whose ``data_files`` name no split (a string or a list of paths) counts as its test split.
    """
    import yaml

    card = Path(root) / CARD_FILE
    if not card.is_file():
        return {}
    text = card.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    parts = text.split("---", 2)
    if len(parts) < 3:
        return {}
    try:
        header = yaml.safe_load(parts[1]) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"{card}: the card's YAML header does not parse ({error})") from None
    configs: dict[str, list[str]] = {}
    for entry in header.get("configs") or []:
        if not isinstance(entry, dict) or "config_name" not in entry:
            continue
        files = entry.get("data_files")
        patterns: list[str] = []
        for item in [files] if isinstance(files, (str, dict)) else list(files or []):
            if isinstance(item, str):
                patterns.append(item)
            elif isinstance(item, dict) and item.get("split", "test") == "test":
                path = item.get("path")
                patterns.extend([path] if isinstance(path, str) else list(path or []))
        configs[str(entry["config_name"])] = patterns
    return configs


def is_vsibench_layout(root: Path) -> bool:
    """True when ``root`` is a folder with VSI-Bench questions at its top (a full-set file, a subset
    file, or a card whose configs name the subsets)."""
    root = Path(root)
    if not root.is_dir():
        return False
    if find_test_parquet(root) or any((root / name).is_file() for name in SUBSET_FILES.values()):
        return True
    return "full" in card_configs(root)


def is_vsibench_file(path: str) -> bool:
    """True for a repo path that holds VSI-Bench questions at the top of the repo (Hub layout detection)."""
    if "/" in path:
        return False
    return any(Path(path).match(pattern) for pattern in FULL_PATTERNS) or path in SUBSET_FILES.values()


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

    For a Hub id only the question files, the card and the pruned ids are downloaded here; videos come
    with `ensure_videos`.
    """
    path = Path(source)
    if path.exists():
        if not is_vsibench_layout(path):
            raise FileNotFoundError(
                f"{path}: no VSI-Bench questions at the top of this folder (test.jsonl, test-*.parquet, "
                "test_debiased.parquet or a card with configs)"
            )
        return path
    root = hub_download(str(source), revision, HUB_QUESTION_PATTERNS)
    if not is_vsibench_layout(root):
        raise FileNotFoundError(f"{source}: the Hub repo has no VSI-Bench question files at its top; is it VSI-Bench?")
    return root


def subset_files(root: Path, subset: str) -> list[Path] | None:
    """The files holding ``subset`` (card configs first, then the known names); None when the subset has
    no files of its own (it is then derived from the full set)."""
    if subset not in VSIBENCH_SUBSETS:
        raise ValueError(f"unknown VSI-Bench subset {subset!r}; valid: {', '.join(VSIBENCH_SUBSETS)}")
    root = Path(root)
    configs = card_configs(root)
    if subset in configs:
        files = sorted({p for pattern in configs[subset] for p in root.glob(pattern) if p.is_file()})
        if not files:
            raise FileNotFoundError(
                f"{root / CARD_FILE}: config {subset!r} names {', '.join(configs[subset]) or 'no files'}, "
                f"but no such file is in {root}"
            )
        return files
    if subset == "full":
        files = find_test_parquet(root)
        if not files:
            raise FileNotFoundError(f"{root}: no full VSI-Bench question file (test.jsonl or test-*.parquet)")
        return files
    own = root / SUBSET_FILES[subset]
    return [own] if own.is_file() else None


def _read_questions(files: Sequence[Path]):
    import datasets

    kinds = {"json" if p.suffix in (".jsonl", ".json") else "parquet" for p in files}
    if len(kinds) != 1:
        raise ValueError(f"{files[0].parent}: a subset mixes jsonl and parquet files: {', '.join(p.name for p in files)}")
    questions = datasets.load_dataset(kinds.pop(), data_files=[str(p) for p in files], split="train")
    missing = [c for c in VSIBENCH_COLUMNS if c not in questions.column_names]
    if missing:
        raise ValueError(f"{files[0]}: missing VSI-Bench column(s) {', '.join(missing)}")
    ids = [str(i) for i in questions["id"]]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        repeated = next(i for i in ids if i in seen or seen.add(i))
        raise ValueError(
            f"{', '.join(p.name for p in files)}: question id {repeated} appears more than once; "
            "these files overlap (a card pattern matching several subsets?)"
        )
    return questions


def read_pruned_ids(path: Path) -> set[str]:
    """The ids listed in ``pruned_ids.txt`` (one a line; blank lines ignored), as strings."""
    return {line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()}


def load_vsibench_questions(root: Path, sources: Sequence[str] = (), subset: str = "full"):
    """The questions of a VSI-Bench subset as a `datasets.Dataset` (optionally only some ``dataset`` sources)."""
    root = Path(root)
    files = subset_files(root, subset)
    if files is not None:
        questions = _read_questions(files)
    else:
        questions = _read_questions(subset_files(root, "full"))
        keep_pruned = subset == "pruned"
        ids_file = root / PRUNED_IDS_FILE
        if ids_file.is_file():
            pruned = read_pruned_ids(ids_file)
            questions = questions.filter(lambda row: (str(row["id"]) in pruned) == keep_pruned)
        elif "pruned" in questions.column_names:
            questions = questions.filter(lambda row: bool(row["pruned"]) == keep_pruned)
        else:
            raise FileNotFoundError(
                f"{root}: no {subset!r} subset here: no card config, no {SUBSET_FILES[subset]}, "
                f"no {PRUNED_IDS_FILE} and no 'pruned' column in the full set"
            )
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
