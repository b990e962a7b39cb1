"""The `Box` value (an oriented 3D box) and the names of the box methods. Pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vsi100k.geometry.plain import transform

BOX_METHODS = ("oriented", "axis_aligned", "gravity_aligned")


@dataclass(frozen=True)
class Box:
    """An oriented 3D box.

    center: (3,) metres. extent: (3,) full side lengths in metres, along the columns of
    rotation. rotation: (3, 3) orthonormal, columns are the box axes in world coordinates.
    """

    center: np.ndarray
    extent: np.ndarray
    rotation: np.ndarray

    @property
    def size_m(self) -> float:
        """Longest side (the VSI-Bench object size), metres."""
        return float(np.max(self.extent))

    def corners(self) -> np.ndarray:
        """(8, 3) corner points in world coordinates."""
        signs = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=float)
        local = signs * (np.asarray(self.extent) / 2.0)
        return transform(local, np.asarray(self.rotation).T) + np.asarray(self.center)

    def to_json(self) -> dict:
        return {
            "center": [float(v) for v in self.center],
            "extent": [float(v) for v in self.extent],
            "rotation": [[float(v) for v in row] for row in self.rotation],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Box":
        return cls(
            center=np.asarray(data["center"], dtype=float),
            extent=np.asarray(data["extent"], dtype=float),
            rotation=np.asarray(data["rotation"], dtype=float),
        )
