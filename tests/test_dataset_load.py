"""Loading a build as a user does: plain `datasets.load_dataset(folder, config)` after a rebuild into
the same folder (fresh and warm HF_HOME), and the public API of `vsi100k.dataset.load` through the
README's own example, executed here."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.demo import DEMO_MIX, run_demo
from vsi100k.tasks.config import QuestionConfig

REPO = Path(__file__).resolve().parents[1]
LOAD_SCRIPT = """
import json, sys
import datasets
rows = datasets.load_dataset(sys.argv[1], sys.argv[2], split="train")
print(json.dumps(sorted([r["id"], r["question"], r["ground_truth"]] for r in rows)))
"""


def build(out: Path, cache: Path, seed: int, mix: str = DEMO_MIX):
    """Two demo scans with short walks; grounding off, since 12-frame walks show few objects and these
    tests need enough questions for a reseeded rebuild to differ."""
    result, _ = run_demo(2, out_dir=out, cache_dir=cache, stream_frames=12, progress=False,
                         frames=FramesConfig(n_frames=4),
                         questions=QuestionConfig(seed=seed, mix=mix, grounding=False))
    return result


def rows_on_disk(out: Path, config: str) -> list:
    """(id, question, ground_truth) of a config's train rows, read from the parquet shards themselves."""
    import pyarrow.parquet as pq

    pattern = "*" if config == "all" else config
    rows = []
    for path in sorted((out / "data" / "questions").glob(f"{pattern}/train-*.parquet")):
        rows += [[r["id"], r["question"], r["ground_truth"]] for r in pq.read_table(path).to_pylist()]
    return sorted(rows)


def load_in_fresh_process(out: Path, config: str, hf_home: Path) -> list:
    """`datasets.load_dataset(folder, config)` with no other argument, in a new Python with this HF_HOME."""
    env = dict(os.environ, HF_HOME=str(hf_home), HF_DATASETS_OFFLINE="1", HF_HUB_OFFLINE="1")
    env.pop("HF_DATASETS_CACHE", None)
    done = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(out), config], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("load")
    return root, build(root / "out", root / "cache", seed=0)


def test_a_rebuilt_folder_loads_its_new_rows_in_a_warm_and_a_fresh_hf_home(tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build(out, cache, seed=0)
    config = "all"
    warm = tmp_path / "hf-warm"
    before = load_in_fresh_process(out, config, warm)
    assert before == rows_on_disk(out, config) and before
    second = build(out, cache, seed=1, mix="vsi100k")  # the same folder, rebuilt (the demo replaces its own build)
    assert second.report["build_id"] != first.report["build_id"]
    after = rows_on_disk(out, config)
    assert after != before  # the rebuild changed the rows, so stale rows would be caught
    assert load_in_fresh_process(out, config, warm) == after  # warm: the first build's cache is there
    assert load_in_fresh_process(out, config, tmp_path / "hf-fresh") == after
    # the same again for one question type (its own config, its own cache entry)
    qtype = sorted(second.report["questions"]["by_type"])[0]
    assert load_in_fresh_process(out, qtype, warm) == rows_on_disk(out, qtype)


def test_the_build_id_keys_datasets_cache(demo_build, tmp_path):
    """Why a rebuild loads afresh: `datasets` hashes the card's configs (not the files) into its cache
    path, and every config's description names the build id."""
    import datasets

    from vsi100k.dataset.validate import read_front_matter

    root, result = demo_build
    configs = read_front_matter(root / "out" / "README.md")["configs"]
    build_id = result.report["build_id"]
    assert all(c["description"].endswith(f"of vsi100k build {build_id}") for c in configs)
    path = datasets.load_dataset_builder(str(root / "out"), "all", cache_dir=str(tmp_path)).cache_dir
    card = root / "out" / "README.md"
    text = card.read_text()
    try:
        card.write_text(text.replace(build_id, "0" * len(build_id)))
        other = datasets.load_dataset_builder(str(root / "out"), "all", cache_dir=str(tmp_path)).cache_dir
    finally:
        card.write_text(text)
    assert other != path


def readme_example() -> str:
    """The python block of the README section "Loading a build in Python"."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("### Loading a build in Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match, "README: no python block under 'Loading a build in Python'"
    return match.group(1)


def test_the_readme_loading_example_runs_on_a_build(demo_build, monkeypatch, tmp_path):
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf")
    root, result = demo_build
    code = readme_example()
    assert '"~/.cache/vsi100k/demo/dataset"' in code  # the folder README command 1 writes
    code = code.replace('"~/.cache/vsi100k/demo/dataset"', repr(str(root / "out")))
    printed = io.StringIO()
    namespace: dict = {}
    with redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    by_type = result.report["questions"]["by_type"]
    counting = sum(by_type["object_counting"].values())
    assert f"{counting} counting questions; 2 scenes with frames" in printed.getvalue()
    sample = namespace["sample"]
    assert len(sample["images"]) == 4  # --frames 4 stored; num_frames=8 asks for more: all of them
    assert sample["images"][0].size == (640, 480)
    assert sample["question"] in sample["prompt"]
    if sample["answer_kind"] == "choice":  # VSI-Bench shows options for choice questions only
        assert all(option in sample["prompt"] for option in sample["options"])
    assert f"answer: {sample['ground_truth']}" in printed.getvalue()


def test_load_samples_picks_frames_uniformly_and_checks_its_arguments(demo_build):
    from vsi100k.dataset.load import load_frames, load_samples

    root, _ = demo_build
    samples = load_samples(root / "out", "all", "train", num_frames=2)
    frames = load_frames(root / "out", "train")
    row = samples[0]
    stored = frames.record(row["scene_name"])["frames"]
    # linspace(0, 3, 2) -> frames 0 and 3 of the 4 stored
    assert [image.tobytes() for image in row["images"]] == [stored[0].tobytes(), stored[3].tobytes()]
    with pytest.raises(ValueError, match=r"num_frames=0: use at least 1 frame, or None for all stored frames"):
        load_samples(root / "out", "all", "train", num_frames=0)
    with pytest.raises(ValueError, match=r"config 'frames' holds frames, not questions"):
        load_samples(root / "out", "frames", "train")
