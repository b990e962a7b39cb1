"""A hand-made build for the dataset, card, hub and preview tests (no scene pipeline needed).

Three built scenes (two train, one validation) and one failed scene go through the real assembly
(`vsi100k.pipeline.assemble.assemble`, reading `BuildCache` entries), so these tests exercise the same
writer, report and card code as a real build. Every answer is known by construction.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from vsi100k.facts.schema import Box, ObjectFacts, SceneFacts
from vsi100k.tasks.base import Question

FRAME_WIDTH, FRAME_HEIGHT, N_FRAMES = 64, 48, 4
ROOM_OUTLINE = [[[0.0, 0.0], [4.0, 0.0], [4.0, 5.0], [0.0, 5.0]]]
# instance id, raw label, category, centre (m), extent (m)
OBJECTS = [
    (1, "office chair", "chair", (1.0, 1.0, 0.45), (0.5, 0.5, 0.9)),
    (2, "chair", "chair", (3.0, 1.0, 0.45), (0.5, 0.5, 0.9)),
    (3, "table", "table", (2.0, 2.5, 0.375), (1.2, 0.8, 0.75)),
    (4, "bed", "bed", (1.0, 4.0, 0.25), (2.0, 1.6, 0.5)),
    (5, "lamp", "lamp", (3.5, 4.0, 0.75), (0.3, 0.3, 1.5)),
    (6, "wall", None, (2.0, 5.0, 1.25), (4.0, 0.1, 2.5)),
]
HAND_SCENES = (("scene0000_00", "train"), ("scene0001_00", "train"), ("scene0100_00", "validation"))
FAILED_SCENE = ("scene0002_00", "train", "scene0002_00: scene0002_00_vh_clean_2.ply: truncated vertex block")
SKIPS = Counter({("object_counting", "single_instance"): 3, ("object_abs_distance", "too_close"): 2})


def hand_facts(scene_id: str, split: str) -> SceneFacts:
    objects = []
    for instance_id, raw, category, center, extent in OBJECTS:
        box = Box(center=np.array(center), extent=np.array(extent), rotation=np.eye(3))
        objects.append(ObjectFacts(instance_id, raw, category, 100, {"oriented": box, "axis_aligned": box, "gravity_aligned": box}))
    categorised = [o[0] for o in OBJECTS if o[2]]
    distances = {
        (a, b): float(np.linalg.norm(np.subtract(OBJECTS[a - 1][3][:2], OBJECTS[b - 1][3][:2])))
        for a in categorised for b in categorised if a < b
    }
    return SceneFacts(scene_id, tuple(objects), distances, 20.0, ROOM_OUTLINE, split=split)


def hand_questions(scene_id: str) -> list[Question]:
    """Four questions whose answers follow from OBJECTS (see the comments)."""
    return [
        # chairs are instances 1 and 2
        Question(scene_id, "object_counting", "How many chair(s) are in this room?",
                 ("A. 2", "B. 3", "C. 1", "D. 4"), "2", "2", "number", "A", (1, 2),
                 question_id=f"{scene_id}/object_counting/0000"),
        # the table's longest side is 1.2 m
        Question(scene_id, "object_size_estimation",
                 "What is the length of the longest dimension (length, width, or height) of the table, measured in centimeters?",
                 ("A. 96", "B. 120", "C. 60", "D. 180"), "120", "120", "number", "B", (3,),
                 question_id=f"{scene_id}/object_size_estimation/0000"),
        # the outline is a 4 m x 5 m rectangle
        Question(scene_id, "room_size_estimation",
                 "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of the combined space.",
                 ("A. 20.0", "B. 30.0", "C. 12.0", "D. 8.0"), "20.0", "20.0", "number", "A", (),
                 question_id=f"{scene_id}/room_size_estimation/0000"),
        # bed (1, 4) facing table (2, 2.5): the lamp (3.5, 4) is 56 degrees counter-clockwise -> left
        Question(scene_id, "object_rel_direction_easy",
                 "If I am standing by the bed and facing the table, is the lamp to the left or the right of the table?",
                 ("A. left", "B. right"), "A", "left", "choice", "A", (4, 3, 5),
                 question_id=f"{scene_id}/object_rel_direction_easy/0000"),
    ]


def hand_jpegs(seed: int) -> list[bytes]:
    from PIL import Image

    rng = np.random.default_rng(seed)
    out = []
    for _ in range(N_FRAMES):
        buffer = io.BytesIO()
        pixels = rng.integers(0, 256, (FRAME_HEIGHT, FRAME_WIDTH, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
        out.append(buffer.getvalue())
    return out


def write_hand_build(root: Path) -> tuple[Path, dict]:
    """Assemble the hand-made build under `root/out` (cache in `root/cache`); returns (out, report)."""
    import numpy as np

    from vsi100k.dataset.rows import question_rows
    from vsi100k.frames.config import FramesConfig
    from vsi100k.frames.sampled import SampledFrames
    from vsi100k.pipeline.assemble import assemble
    from vsi100k.pipeline.cache import BuildCache
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.stages import ScanJob, failure_result, frames_meta, scene_result

    scenes_dir = root / "scans"
    scenes_dir.mkdir(parents=True, exist_ok=True)
    cfg = BuildConfig(scenes_dir=scenes_dir, out_dir=root / "out", cache_dir=root / "cache",
                      frames=FramesConfig(n_frames=N_FRAMES, max_width=FRAME_WIDTH, max_height=FRAME_HEIGHT))
    cache = BuildCache(cfg.cache_root)
    jobs = []
    for number, (scene_id, split) in enumerate(HAND_SCENES):
        job = ScanJob(scene_id, scenes_dir / scene_id, split, False, f"facts{number}", f"frames{number}", None,
                      f"key{number}")
        frames = SampledFrames(scene_id=scene_id, source="sens", source_name=f"{scene_id}.sens", total_frames=40,
                               indices=np.array([0, 10, 20, 30]), timestamps_s=np.array([0.0, 10 / 24, 20 / 24, 30 / 24]),
                               time_source="fps", jpegs=tuple(hand_jpegs(number)), width=FRAME_WIDTH, height=FRAME_HEIGHT)
        cache.frames.store_frames(frames, job.frames_key)
        rows = question_rows(hand_questions(scene_id))
        cache.store_scene(scene_id, job.key, scene_result(job, hand_facts(scene_id, split), rows, SKIPS,
                                                          frames_meta(frames, job.frames_key)))
        jobs.append(job)
    failed_id, failed_split, reason = FAILED_SCENE
    failed_job = ScanJob(failed_id, scenes_dir / failed_id, failed_split, False, "factsfail", None, None, "keyfail")
    cache.store_scene(failed_id, failed_job.key, failure_result(failed_job, reason))
    jobs.append(failed_job)
    report = assemble(cfg, jobs, {}, "vsi100k build --scenes scans --out out", cfg.out_dir)
    return cfg.out_dir, report


@pytest.fixture
def hf_cache(tmp_path, monkeypatch):
    """Keep `datasets`' cache of loaded builds inside the test's tmp folder."""
    import datasets

    cache = tmp_path / "hf_datasets_cache"
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    return cache


@pytest.fixture
def hand_build(tmp_path):
    """(out_dir, report) of the hand-made build."""
    return write_hand_build(tmp_path / "hand")
