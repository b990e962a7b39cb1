"""Question-generation settings: one frozen config, the thresholds and the mix presets
(docs/definitions.md, "Question types").

A *mix* says how many questions of each type a scene may contribute. The presets reproduce the
proportions of two reference datasets by dividing each type's published total by the number of
scenes it was built from, giving a per-scene cap that may be fractional: a cap of 5.33 means
"5 questions, and a 6th with probability 0.33" (drawn from a seeded generator, see `generate`).
A scene with fewer valid candidates than its cap contributes what it has, so real builds land at or
below these targets (room size in particular: there is one room question per scene at most).

Nothing here reads files or builds text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from vsi100k.errors import ConfigError
from vsi100k.tasks.names import TASK_NAMES


@dataclass(frozen=True)
class MixPreset:
    """Question totals of a reference dataset and the number of scenes they came from."""

    name: str
    totals: Mapping[str, int]
    n_scenes: int
    source: str

    def per_scene(self) -> dict[str, float]:
        """question type -> per-scene cap (questions per scene, possibly fractional)."""
        return {name: total / self.n_scenes for name, total in self.totals.items()}


MIXES: Mapping[str, MixPreset] = MappingProxyType(
    {
        # arXiv 2504.00883, VSI-100k: ~100k questions from the ScanNet train scans (1,201 scans).
        # The paper reports one relative-direction total (8k); it is split evenly over the three
        # VSI-Bench difficulty levels. Appearance order and route planning are not in VSI-100k.
        "vsi100k": MixPreset(
            name="vsi100k",
            totals=MappingProxyType(
                {
                    "object_counting": 6_400,
                    "object_size_estimation": 13_000,
                    "object_abs_distance": 75_000,
                    "room_size_estimation": 1_500,
                    "object_rel_distance": 13_000,
                    "object_rel_direction_easy": 2_667,
                    "object_rel_direction_medium": 2_667,
                    "object_rel_direction_hard": 2_666,
                }
            ),
            n_scenes=1_201,
            source="VSI-100k (arXiv 2504.00883): count 6.4k, abs. distance 75k, rel. distance 13k, "
            "rel. direction 8k, size 13k, room size 1.5k over the ScanNet train scans",
        ),
        # VSI-Bench (arXiv 2412.14171), 5,130 questions over 288 videos, all eight tasks
        # (route_planning by `vsi100k.tasks.route_planning`).
        "vsibench": MixPreset(
            name="vsibench",
            totals=MappingProxyType(
                {
                    "object_counting": 565,
                    "object_size_estimation": 953,
                    "object_abs_distance": 834,
                    "room_size_estimation": 288,
                    "object_rel_distance": 710,
                    "object_rel_direction_easy": 217,
                    "object_rel_direction_medium": 378,
                    "object_rel_direction_hard": 373,
                    "obj_appearance_order": 618,
                    "route_planning": 194,
                }
            ),
            n_scenes=288,
            source="VSI-Bench (arXiv 2412.14171) question counts per type over its 288 scenes",
        ),
    }
)


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ConfigError(f"QuestionConfig.{name} must be a positive finite number, got {value!r}")


@dataclass(frozen=True)
class QuestionConfig:
    """Everything question generation needs besides the facts. Defaults: docs/definitions.md, "Question types".

    seed: the build seed; each (seed, scene, question type) gets its own generator.
    mix: a MIXES preset name giving per-scene caps.
    caps: per-type overrides of the preset's per-scene caps (questions per scene, may be
        fractional; 0 disables a type). Types absent from both are not generated.
    Distances in metres, angles in degrees, areas in square metres.
    ambiguity_tolerance: every answer is computed under the default (VSI-Bench) definitions and
        under exact geometry; a number question whose two values differ by more than this fraction
        of the exact value (0.25 = 25%), or a choice question whose two answers are different
        options, is dropped as "definition_ambiguous" (`vsi100k.tasks.ambiguity`).
    keep_ambiguous: keep such questions instead (the default answer stays the answer; both answers
        are stored in `details`).
    balance_answer_words: yield direction questions in complete rounds of answer words and drop
        the rest as "answer_balance" (no answer priors); False keeps every valid triple (for
        studying the geometry rules alone).
    grounding: on scans whose frames were ray-cast, drop a candidate naming an object that covers
        less than its type's share of every stored frame as "not_in_frames" (`vsi100k.tasks.grounding`).
    grounding_share: one share of a frame (fraction in [0, 1)) for every checked type instead of the
        per-type defaults `vsi100k.tasks.grounding.GROUNDING_SHARES` (2% counting, 0.5% the others).
    """

    seed: int = 0
    mix: str = "vsi100k"
    caps: Mapping[str, float] = field(default_factory=dict)
    # object_counting
    count_min_instances: int = 2
    # object_abs_distance
    abs_distance_min_m: float = 0.2
    # object_rel_distance
    rel_distance_nearest_min_m: float = 0.15
    rel_distance_gap_m: float = 0.15
    rel_distance_gap_large_room_m: float = 0.30
    large_room_area_m2: float = 40.0
    rel_distance_sets_per_target: int = 4  # random 4-category choice sets tried per target
    # object_rel_direction_*
    direction_boundary_margin_deg: float = 10.0
    direction_max_corners_outside: int = 2
    direction_pair_min_m: float = 0.3
    direction_pair_max_m: float = 5.0
    # numeric options (VSI-Bench style distractors)
    distractor_low: float = 0.25
    distractor_high: float = 1.75
    size_distractor_low: float = 0.4
    size_distractor_high: float = 1.8
    distractor_min_ratio: float = 1.2  # any two numeric options differ by at least 20%
    # obj_appearance_order (written by the frames stage against this config)
    appearance_min_gap_s: float = 1.0
    # faithful answers: default vs exact geometry
    ambiguity_tolerance: float = 0.25
    keep_ambiguous: bool = False
    balance_answer_words: bool = True
    # grounded questions (`vsi100k.tasks.grounding`): None = the per-type defaults GROUNDING_SHARES
    grounding: bool = True
    grounding_share: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ConfigError(f"QuestionConfig.seed must be a non-negative integer, got {self.seed!r}")
        if self.mix not in MIXES:
            raise ConfigError(f"unknown mix {self.mix!r}; choose one of {sorted(MIXES)}")
        unknown = sorted(set(self.caps) - set(TASK_NAMES))
        if unknown:
            raise ConfigError(f"caps name unknown question types {unknown}; valid names: {list(TASK_NAMES)}")
        for name, cap in self.caps.items():
            if not (isinstance(cap, (int, float)) and math.isfinite(cap) and cap >= 0):
                raise ConfigError(f"caps[{name!r}] must be a finite number >= 0, got {cap!r}")
        object.__setattr__(self, "caps", MappingProxyType(dict(self.caps)))
        if not isinstance(self.count_min_instances, int) or self.count_min_instances < 1:
            raise ConfigError(f"count_min_instances must be an integer >= 1, got {self.count_min_instances!r}")
        if not isinstance(self.rel_distance_sets_per_target, int) or self.rel_distance_sets_per_target < 1:
            raise ConfigError(
                f"rel_distance_sets_per_target must be an integer >= 1, got {self.rel_distance_sets_per_target!r}"
            )
        if not isinstance(self.direction_max_corners_outside, int) or not 0 <= self.direction_max_corners_outside <= 8:
            raise ConfigError(
                f"direction_max_corners_outside must be an integer in [0, 8], got {self.direction_max_corners_outside!r}"
            )
        for name in (
            "abs_distance_min_m",
            "rel_distance_nearest_min_m",
            "rel_distance_gap_m",
            "rel_distance_gap_large_room_m",
            "large_room_area_m2",
            "direction_pair_min_m",
            "direction_pair_max_m",
            "distractor_low",
            "distractor_high",
            "size_distractor_low",
            "size_distractor_high",
            "distractor_min_ratio",
            "appearance_min_gap_s",
        ):
            _positive(name, getattr(self, name))
        if not 0 <= self.direction_boundary_margin_deg < 45:
            raise ConfigError(
                f"direction_boundary_margin_deg must be in [0, 45) so every hard quadrant keeps some angles, "
                f"got {self.direction_boundary_margin_deg!r}"
            )
        if self.direction_pair_min_m >= self.direction_pair_max_m:
            raise ConfigError(
                f"direction_pair_min_m ({self.direction_pair_min_m}) must be below direction_pair_max_m "
                f"({self.direction_pair_max_m})"
            )
        for low, high in (("distractor_low", "distractor_high"), ("size_distractor_low", "size_distractor_high")):
            if not getattr(self, low) < 1 < getattr(self, high):
                raise ConfigError(
                    f"{low} ({getattr(self, low)}) must be below 1 and {high} ({getattr(self, high)}) above 1, "
                    "so distractors can lie on both sides of the truth"
                )
        if not (isinstance(self.ambiguity_tolerance, (int, float)) and math.isfinite(self.ambiguity_tolerance)
                and self.ambiguity_tolerance >= 0):
            raise ConfigError(
                f"ambiguity_tolerance must be a finite fraction >= 0 (0.25 = 25% relative difference), "
                f"got {self.ambiguity_tolerance!r}"
            )
        if not isinstance(self.keep_ambiguous, bool):
            raise ConfigError(f"keep_ambiguous must be True or False, got {self.keep_ambiguous!r}")
        if not isinstance(self.balance_answer_words, bool):
            raise ConfigError(f"balance_answer_words must be True or False, got {self.balance_answer_words!r}")
        if not isinstance(self.grounding, bool):
            raise ConfigError(f"grounding must be True or False, got {self.grounding!r}")
        if self.grounding_share is not None and not (
            isinstance(self.grounding_share, (int, float)) and not isinstance(self.grounding_share, bool)
            and math.isfinite(self.grounding_share) and 0 <= self.grounding_share < 1
        ):
            raise ConfigError(
                f"grounding_share must be a fraction of a frame in [0, 1) (0.05 = 5%), got {self.grounding_share!r}"
            )
        if self.distractor_min_ratio <= 1:
            raise ConfigError(f"distractor_min_ratio must be above 1 (1.2 = 20% apart), got {self.distractor_min_ratio!r}")

    def __getstate__(self) -> dict:  # pickling (worker processes, Ray): a mappingproxy is not picklable
        return {**self.__dict__, "caps": dict(self.caps)}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, caps=MappingProxyType(dict(state["caps"])))

    def cap(self, question_type: str) -> float:
        """Per-scene cap of one type (an override from `caps`, else the mix preset, else 0)."""
        if question_type in self.caps:
            return float(self.caps[question_type])
        return float(MIXES[self.mix].per_scene().get(question_type, 0.0))

    def question_types(self) -> tuple[str, ...]:
        """Types this config generates (cap > 0), in registry order."""
        return tuple(name for name in TASK_NAMES if self.cap(name) > 0)

    def grounding_share_for(self, question_type: str) -> float | None:
        """The share of one frame each named object must cover in some stored frame, or None when the
        type is not checked (grounding off, room size, appearance order)."""
        from vsi100k.tasks.grounding import GROUNDING_SHARES

        if not self.grounding or question_type not in GROUNDING_SHARES:
            return None
        return float(GROUNDING_SHARES[question_type] if self.grounding_share is None else self.grounding_share)

    def rel_distance_gap_for(self, room_area_m2: float) -> float:
        """Minimum gap (metres) between any two choice distances for a room of this size."""
        return self.rel_distance_gap_large_room_m if room_area_m2 > self.large_room_area_m2 else self.rel_distance_gap_m

    def to_json(self) -> dict:
        """Plain-JSON view for reports and dataset cards (caps merged with the preset)."""
        from dataclasses import fields

        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "caps"}
        out["caps"] = {name: self.cap(name) for name in self.question_types()}
        return out
