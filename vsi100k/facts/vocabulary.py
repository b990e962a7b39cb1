"""The curated object vocabulary: raw ScanNet labels -> VSI-Bench category names (docs/definitions.md, "Categories").

The mapping is data (`vsi100k/data/vocabulary.json`), checked when it is loaded: every synonym
belongs to exactly one category and no excluded (structural or vague) label is a synonym. This
module only looks labels up; it never reads scenes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

_SPACES = re.compile(r"\s+")


def normalize_label(raw_label: str) -> str:
    """Lower-case, '_' -> ' ', surrounding spaces stripped and inner runs of spaces collapsed."""
    return _SPACES.sub(" ", str(raw_label).replace("_", " ").strip().lower())


@dataclass(frozen=True)
class Vocabulary:
    """Loaded vocabulary.

    synonyms: normalised raw label -> category name.
    categories: category names, sorted.
    excluded: normalised labels that are deliberately never asked about (wall, floor, object, ...).
    """

    synonyms: dict[str, str]
    categories: tuple[str, ...]
    excluded: frozenset[str]

    def category_for(self, raw_label: str) -> str | None:
        """The category of a raw label, or None (excluded, unknown, or not a string)."""
        if not isinstance(raw_label, str):
            return None
        return self.synonyms.get(normalize_label(raw_label))


def parse_vocabulary(data: dict, source: str = "vocabulary.json") -> Vocabulary:
    """Build and check a `Vocabulary` from the JSON layout of `vsi100k/data/vocabulary.json`.

    Raises ValueError naming the source and the offending label.
    """
    if not isinstance(data.get("categories"), dict) or not data["categories"]:
        raise ValueError(f"{source}: no 'categories' mapping (category name -> list of raw labels)")
    excluded = frozenset(normalize_label(label) for label in data.get("excluded", ()))
    synonyms: dict[str, str] = {}
    for category, labels in data["categories"].items():
        if category != normalize_label(category):
            raise ValueError(f"{source}: category name {category!r} is not normalised (lower case, single spaces)")
        for label in (category, *labels):
            key = normalize_label(label)
            if key in excluded:
                raise ValueError(f"{source}: label {label!r} is both excluded and a synonym of {category!r}")
            if synonyms.get(key, category) != category:
                raise ValueError(
                    f"{source}: label {label!r} maps to both {synonyms[key]!r} and {category!r}; keep it in one"
                )
            synonyms[key] = category
    for category in data.get("extra_categories", {}):
        if category not in data["categories"]:
            raise ValueError(f"{source}: extra category {category!r} is justified but not defined in 'categories'")
    return Vocabulary(synonyms=synonyms, categories=tuple(sorted(data["categories"])), excluded=excluded)


def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Load a vocabulary file; the packaged one when `path` is None."""
    if path is None:
        return default_vocabulary()
    path = Path(path)
    return parse_vocabulary(json.loads(path.read_text()), source=path.name)


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The packaged vocabulary (loaded and checked once per process)."""
    text = resources.files("vsi100k").joinpath("data/vocabulary.json").read_text()
    return parse_vocabulary(json.loads(text))


def category_for(raw_label: str) -> str | None:
    """VSI-Bench category of a raw ScanNet label, e.g. 'trash can' -> 'trash bin'; None when the label
    is structural, vague or unknown (never raises)."""
    return default_vocabulary().category_for(raw_label)
