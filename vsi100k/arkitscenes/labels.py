"""ARKitScenes box classes -> the project's question categories (data: `vsi100k/data/arkitscenes_labels.json`).

The file has the layout of the ScanNet vocabulary (`vsi100k/data/vocabulary.json`) and is checked
by the same parser; labels it does not list map to no category and never appear in a question.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

from vsi100k.facts.vocabulary import Vocabulary, parse_vocabulary

LABEL_MAP_FILE = "data/arkitscenes_labels.json"
# The 17 classes of the 3DOD release (the toolkit's taxonomy), as the annotation files write them.
ARKIT_CLASSES = (
    "cabinet", "refrigerator", "shelf", "stove", "bed", "sink", "washer", "toilet", "bathtub", "oven",
    "dishwasher", "fireplace", "stool", "chair", "table", "tv_monitor", "sofa",
)


@lru_cache(maxsize=1)
def arkitscenes_vocabulary() -> Vocabulary:
    """The packaged ARKitScenes label map (loaded and checked once per process)."""
    text = resources.files("vsi100k").joinpath(LABEL_MAP_FILE).read_text()
    return parse_vocabulary(json.loads(text), source="arkitscenes_labels.json")
