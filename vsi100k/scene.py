"""The `Scene` value: one scan as loaded from disk, handed unchanged to every stage.

Pure data (numpy arrays and paths); no file-format knowledge lives here. Only `vsi100k.scannet`
knows ScanNet file names and formats and builds `Scene` objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class SegGroup:
    """One annotated object of the aggregation file (a ScanNet `segGroup`)."""

    id: int
    object_id: int
    segments: tuple[int, ...]
    label: str  # raw ScanNet category, e.g. "office chair"


@dataclass(frozen=True)
class Scene:
    """A ScanNet scan in memory. Coordinates are raw (not axis-aligned) unless stated.

    vertices: (V, 3) float32 metres, raw scan frame.
    colors: (V, 4) uint8 RGBA.
    faces: (F, 3) int32 vertex indices.
    seg_indices: (V,) int64 over-segment id of each vertex.
    axis_alignment: (4, 4) float64, maps raw -> aligned (z up); identity when the txt has none.
    """

    scene_id: str
    directory: Path
    vertices: np.ndarray
    colors: np.ndarray
    faces: np.ndarray
    seg_indices: np.ndarray
    seg_groups: tuple[SegGroup, ...]
    axis_alignment: np.ndarray
    metadata: dict[str, str] = field(default_factory=dict)
    sens_path: Path | None = None
    video_path: Path | None = None

    @property
    def room_id(self) -> str:
        """The room a scan belongs to: `scene0217` for `scene0217_00` (scans of one room share it)."""
        return self.scene_id.split("_")[0]

    def aligned_vertices(self) -> np.ndarray:
        """(V, 3) float64 vertices after axisAlignment (z up, metres)."""
        return apply_transform(self.axis_alignment, self.vertices)


def apply_transform(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Apply a (4, 4) homogeneous transform to (N, 3) points; returns (N, 3) float64."""
    pts = np.asarray(points, dtype=np.float64)
    return pts @ matrix[:3, :3].T + matrix[:3, 3]
