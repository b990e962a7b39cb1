"""The declared precision of every stored number: facts and dataset rows are rounded to it.

Geometry runs in float64, and its last bits may follow the CPU (vector kernels) or a library's
version. Stored values are therefore rounded, so that a build anywhere stores the same numbers:
lengths and coordinates to 1e-6 m, areas to 1e-6 m2, rotation-matrix entries to 1e-6 (about 1e-6
rad), times to 1e-6 s. Rounding is Python's `round` (correctly rounded decimal, half to even),
and -0.0 is stored as 0.0. Pure Python; no geometry here.
"""

from __future__ import annotations

from collections.abc import Iterable

LENGTH_DECIMALS = 6  # metres: 1e-6 m = 1 micrometre
AREA_DECIMALS = 6  # square metres: 1e-6 m2
ROTATION_DECIMALS = 6  # rotation-matrix entries (direction cosines): about 1e-6 rad
TIME_DECIMALS = 6  # seconds: 1e-6 s

# What docs/definitions.md and the card state, one line per quantity.
PRECISION = {
    "length_m": 10.0**-LENGTH_DECIMALS,
    "area_m2": 10.0**-AREA_DECIMALS,
    "rotation": 10.0**-ROTATION_DECIMALS,
    "time_s": 10.0**-TIME_DECIMALS,
}


def rounded(value: float, decimals: int) -> float:
    """`value` rounded to `decimals` decimal places, -0.0 stored as 0.0."""
    return round(float(value), decimals) + 0.0


def rounded_list(values: Iterable[float], decimals: int) -> list[float]:
    """Every value of a flat sequence rounded (see `rounded`)."""
    return [rounded(v, decimals) for v in values]


def length_m(value: float) -> float:
    """A length or coordinate in metres at the declared precision."""
    return rounded(value, LENGTH_DECIMALS)


def area_m2(value: float) -> float:
    """An area in square metres at the declared precision."""
    return rounded(value, AREA_DECIMALS)


def time_s(value: float) -> float:
    """A time in seconds at the declared precision."""
    return rounded(value, TIME_DECIMALS)
