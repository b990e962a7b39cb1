"""A small on-disk VSI-Bench folder for the evaluator tests (the trainer tests use a real demo build).

- `write_tiny_vsibench(out)`: VSI-Bench's Hub layout: a test parquet with its columns (integer ids,
  null options for numerical questions, as the real file) covering all ten question types, and the
  videos as `scannet.zip` (holding scannet/<scene>.mp4) plus an already extracted `arkitscenes/`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

ALL_VSIBENCH_TYPES = [
    ("object_counting", "How many chair(s) are in this room?", None, "4"),
    (
        "object_abs_distance",
        "Measuring from the closest point of each object, what is the direct distance between the bed and the sofa (in meters)?",
        None,
        "2.1",
    ),
    (
        "object_size_estimation",
        "What is the length of the longest dimension (length, width, or height) of the table, measured in centimeters?",
        None,
        "150",
    ),
    (
        "room_size_estimation",
        "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of the combined space.",
        None,
        "20.5",
    ),
    (
        "object_rel_distance",
        "Measuring from the closest point of each object, which of these objects (chair, table, sofa, lamp) is the closest to the bed?",
        ["A. chair", "B. table", "C. sofa", "D. lamp"],
        "C",
    ),
    (
        "object_rel_direction_easy",
        "If I am standing by the bed and facing the sofa, is the lamp to the left or the right of the sofa?",
        ["A. left", "B. right"],
        "A",
    ),
    (
        "object_rel_direction_medium",
        "If I am standing by the bed and facing the sofa, is the lamp to my left, right, or back?",
        ["A. left", "B. right", "C. back"],
        "B",
    ),
    (
        "object_rel_direction_hard",
        "If I am standing by the bed and facing the sofa, is the lamp to my front-left, front-right, back-left, or back-right?",
        ["A. front-left", "B. front-right", "C. back-left", "D. back-right"],
        "D",
    ),
    (
        "route_planning",
        "You are a robot beginning at the door facing the bed. You want to navigate to the sofa. Which sequence of turns is right?",
        ["A. Turn Left", "B. Turn Right", "C. Go forward", "D. Turn Back"],
        "A",
    ),
    (
        "obj_appearance_order",
        "What will be the first-time appearance order of the following categories in the video: chair, bed, sofa, lamp?",
        [
            "A. chair, bed, sofa, lamp",
            "B. bed, chair, sofa, lamp",
            "C. sofa, lamp, chair, bed",
            "D. lamp, sofa, bed, chair",
        ],
        "B",
    ),
]


def write_tiny_vsibench(out: Path, n_video_frames: int = 12, seed: int = 0) -> Path:
    """VSI-Bench's layout with two scenes (one per source) and all ten question types per scene."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from vsi100k.frames.export import write_mp4

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    scenes = [("scannet", "scene0011_00"), ("arkitscenes", "41069025")]
    rows = {
        name: [] for name in ("id", "dataset", "scene_name", "question_type", "question", "options", "ground_truth")
    }
    qid = 0
    for dataset, scene in scenes:
        for question_type, text, options, truth in ALL_VSIBENCH_TYPES:
            rows["id"].append(qid)
            rows["dataset"].append(dataset)
            rows["scene_name"].append(scene)
            rows["question_type"].append(question_type)
            rows["question"].append(text)
            rows["options"].append(options)
            rows["ground_truth"].append(truth)
            qid += 1
        frames = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(n_video_frames)]
        write_mp4(out / dataset / f"{scene}.mp4", frames, fps=24.0)
    table = pa.table(
        rows,
        schema=pa.schema(
            [
                ("id", pa.int64()),
                ("dataset", pa.string()),
                ("scene_name", pa.string()),
                ("question_type", pa.string()),
                ("question", pa.string()),
                ("options", pa.list_(pa.string())),
                ("ground_truth", pa.string()),
            ]
        ),
    )
    pq.write_table(table, out / "test-00000-of-00001.parquet")
    # ship scannet as the Hub does: a zip holding scannet/<scene>.mp4, not yet extracted
    with zipfile.ZipFile(out / "scannet.zip", "w") as bundle:
        for video in sorted((out / "scannet").glob("*.mp4")):
            bundle.write(video, f"scannet/{video.name}")
    for video in (out / "scannet").glob("*.mp4"):
        video.unlink()
    (out / "scannet").rmdir()
    return out


# The ids VSI-Bench-Debiased drops from the tiny folder (its "pruned" subset): ten of twenty, spread over
# both scenes and across number and choice types.
TINY_PRUNED_IDS = (0, 2, 4, 6, 8, 11, 13, 15, 17, 19)
TINY_CARD = """---
license: apache-2.0
configs:
  - config_name: full
    data_files:
      - split: test
        path: "test.jsonl"
    default: true
  - config_name: debiased
    data_files:
      - split: test
        path: "test_debiased.parquet"
  - config_name: pruned
    data_files:
      - split: test
        path: "test_pruned.parquet"
---

# VSI-Bench (tiny test copy)
"""


def write_tiny_vsibench_today(out: Path, n_video_frames: int = 2, seed: int = 0, card: bool = True) -> Path:
    """VSI-Bench's repo as laid out today: ``test.jsonl`` (every question), ``test_debiased.parquet`` and
    ``test_pruned.parquet`` (with a boolean ``pruned`` column), ``pruned_ids.txt``, the card's ``configs:``
    (full / debiased / pruned; left out with ``card=False``) and the videos as in `write_tiny_vsibench`."""
    import json

    import pyarrow.parquet as pq

    out = Path(out)
    write_tiny_vsibench(out, n_video_frames=n_video_frames, seed=seed)
    old = out / "test-00000-of-00001.parquet"
    table = pq.read_table(old)
    old.unlink()
    rows = table.to_pylist()
    pruned = set(TINY_PRUNED_IDS)
    with (out / "test.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    flags = [row["id"] in pruned for row in rows]
    import pyarrow as pa

    flagged = table.append_column("pruned", pa.array(flags))
    pq.write_table(flagged.filter(pa.array([not f for f in flags])), out / "test_debiased.parquet")
    pq.write_table(flagged.filter(pa.array(flags)), out / "test_pruned.parquet")
    (out / "pruned_ids.txt").write_text("".join(f"{i}\n" for i in TINY_PRUNED_IDS), encoding="utf-8")
    if card:
        (out / "README.md").write_text(TINY_CARD, encoding="utf-8")
    return out
