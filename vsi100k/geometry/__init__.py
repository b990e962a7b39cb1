"""Pure geometry on numpy arrays: boxes, surface distances, 2D alpha shapes.

Bottom layer: no file I/O, no scene or ScanNet knowledge; inputs and outputs are arrays in metres.
Open3D is imported only inside `boxes.minimal_oriented_box`. The submodule `alpha_shape` also has a
function `alpha_shape.alpha_shape` (area and outline from one triangulation); it is not re-exported
here so that the name keeps meaning the module.
"""

from vsi100k.geometry.alpha_shape import AlphaShape, alpha_shape_area, alpha_shape_outline
from vsi100k.geometry.boxes import (
    axis_aligned_box,
    box_from_points,
    gravity_aligned_box,
    min_area_rectangle,
    minimal_oriented_box,
)
from vsi100k.geometry.distances import (
    box_grid_distance,
    box_grid_distances,
    box_surface_grid,
    center_distance,
    center_distances,
    closest_points_distance,
    closest_points_distances,
)

__all__ = [
    "AlphaShape", "alpha_shape_area", "alpha_shape_outline",
    "axis_aligned_box", "box_from_points", "gravity_aligned_box", "min_area_rectangle", "minimal_oriented_box",
    "box_grid_distance", "box_grid_distances", "box_surface_grid", "center_distance", "center_distances",
    "closest_points_distance", "closest_points_distances",
]
