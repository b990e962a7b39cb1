"""Small vector maths written out as plain arithmetic, so that values do not depend on the CPU.

`a @ b` and `np.linalg.norm` of a 1-D vector go through BLAS, which picks its kernel (and so the
order of operations and fused multiply-adds) by CPU: the last bits of a result then differ
between machines. Geometry that feeds stored facts and answers uses these instead: separate
IEEE multiplies and adds in a fixed order give the same bits on every CPU. Pure numpy.
"""

from __future__ import annotations

import math

import numpy as np


def transform(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """`points @ matrix` without BLAS: points (..., 3), matrix (..., 3, 3) broadcastable against
    points' leading axes (add an axis for a matrix per batch of points). Returns (..., 3)."""
    p = np.asarray(points, dtype=np.float64)
    m = np.asarray(matrix, dtype=np.float64)
    return p[..., 0:1] * m[..., 0, :] + p[..., 1:2] * m[..., 1, :] + p[..., 2:3] * m[..., 2, :]


def norm3(vector) -> float:
    """Euclidean length of one 3-vector, in its units."""
    x, y, z = (float(v) for v in np.ravel(vector))
    return math.sqrt(x * x + y * y + z * z)
