"""Free-space grid, shortest paths, string pulling, turn classes and the route executor on hand-built
floor plans whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from vsi100k.geometry import free_space as fs


def square(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=float)


def l_corridor(mirror: bool = False) -> np.ndarray:
    """An L: a corridor 1 m wide going north from (0..1, 0) to y = 4, then west to x = -3.

    mirror=True reflects it in x (the corridor then turns east)."""
    ring = np.array([[0, 0], [1, 0], [1, 4], [-3, 4], [-3, 3], [0, 3]], dtype=float)
    if mirror:
        ring[:, 0] = 1 - ring[:, 0]
    return ring


@pytest.mark.parametrize(
    "to,name,angle",
    [((0, 1), "forward", 0.0), ((-1, 0), "left", 90.0), ((0, -1), "back", 180.0), ((1, 0), "right", 270.0),
     ((-1, 3), "forward", 18.43494882), ((-1, -3), "back", 161.56505118), ((1, -3), "back", 198.43494882)],
)
def test_classify_turn_from_north(to, name, angle):
    turn = fs.classify_turn(np.array([0.0, 1.0]), np.array(to, float))
    assert turn.name == name
    assert turn.angle_deg == pytest.approx(angle)
    assert turn.clearance_deg == pytest.approx(45 - min(abs(angle - c) for c in (0, 90, 180, 270, 360)))


def test_turn_margin_rejects_near_boundaries():
    north = np.array([0.0, 1.0])
    near = fs.classify_turn(north, np.array([-np.sin(np.radians(130)), np.cos(np.radians(130))]))  # 130 deg ccw
    assert near.name == "left" and near.clearance_deg == pytest.approx(5.0)
    assert not near.is_clear(20.0) and near.is_clear(5.0)
    clear = fs.classify_turn(north, np.array([-1.0, -0.1]))  # ~95.7 deg
    assert clear.name == "left" and clear.is_clear(20.0)


def test_polygon_contains_even_odd_with_a_hole():
    outer, hole = square(0, 0, 4, 4), square(1, 1, 2, 2)
    pts = np.array([[0.5, 0.5], [1.5, 1.5], [3, 3], [5, 1]])
    inside = fs.polygon_contains(pts, outer) ^ fs.polygon_contains(pts, hole)
    assert inside.tolist() == [True, False, True, False]


def test_convex_distance():
    poly = square(0, 0, 2, 1)
    d = fs.convex_distance(np.array([[1, 0.5], [3, 0.5], [3, 2], [-1, -1]]), poly)
    np.testing.assert_allclose(d, [0.0, 1.0, np.sqrt(2), np.sqrt(2)])
    segment = np.array([[0, 0], [2, 0], [2, 0], [0, 0]], float)  # zero-thickness box
    np.testing.assert_allclose(fs.convex_distance(np.array([[1, 0.5], [1, 0]]), segment), [0.5, 0.0])


def test_rectangle_footprint_is_counter_clockwise():
    rect = fs.rectangle_footprint((1, 1), (0, 1), (1, 0), 2.0, 1.0)  # axes given clockwise
    area2 = np.sum(rect[:, 0] * np.roll(rect[:, 1], -1) - np.roll(rect[:, 0], -1) * rect[:, 1])
    assert area2 == pytest.approx(2 * 2.0)
    np.testing.assert_allclose(np.sort(rect[:, 1]), [0, 0, 2, 2])


def test_free_space_grows_walls_and_obstacles_by_the_radius():
    grid = fs.build_free_space([square(0, 0, 4, 4)], [square(1.8, 1.8, 2.2, 2.2)], cell_m=0.05, robot_radius_m=0.3)
    assert grid.is_free(np.array([[0.5, 0.5], [3.5, 3.5]])).all()
    assert not grid.is_free(np.array([[0.2, 2.0], [2.0, 2.0], [1.6, 2.0], [5.0, 5.0]])).any()  # wall, inside, grown, outside
    assert grid.is_free(np.array([[1.4, 2.0]]))[0]
    with pytest.raises(ValueError, match=r"cell_m must be > 0, got 0"):
        fs.build_free_space([square(0, 0, 1, 1)], [], cell_m=0)
    with pytest.raises(ValueError, match=r"robot_radius_m must be >= 0, got -1"):
        fs.build_free_space([square(0, 0, 1, 1)], [], robot_radius_m=-1)
    with pytest.raises(ValueError, match=r"the floor outline has no ring with at least 3 points"):
        fs.build_free_space([np.zeros((2, 2))], [])


def test_shortest_path_around_a_wall_and_unreachable():
    # a room 4 x 4 with a wall from x = 0 to 3 at y = 2: the path from (0.5, 0.5) to (0.5, 3.5) goes round x > 3
    grid = fs.build_free_space([square(0, 0, 4, 4)], [square(0, 1.9, 3, 2.1)], cell_m=0.05, robot_radius_m=0.2)
    goal = grid.flat_index(np.array([0.5, 3.5]))
    field = fs.geodesic_distance(grid, np.array([goal]))
    path, length = fs.shortest_path(field, int(grid.flat_index(np.array([0.5, 0.5]))))
    assert path[:, 0].max() > 3.2  # went round the end of the wall
    assert 6.0 < length < 7.2  # ~ 2 * hypot(2.7, ~1.5) around the wall end
    legs = fs.simplify_path(grid, path)
    assert len(legs) - 1 == 2  # two straight legs meeting near the wall end
    # a closed wall: no path
    closed = fs.build_free_space([square(0, 0, 4, 4)], [square(0, 1.9, 4, 2.1)], cell_m=0.05, robot_radius_m=0.2)
    field = fs.geodesic_distance(closed, np.array([closed.flat_index(np.array([0.5, 3.5]))]))
    assert fs.shortest_path(field, int(closed.flat_index(np.array([0.5, 0.5])))) is None


@pytest.mark.parametrize("mirror,expected", [(False, "left"), (True, "right")])
def test_l_corridor_turn_is_known(mirror, expected):
    """Walking north up the corridor, its bend turns west (left) or, mirrored, east (right)."""
    grid = fs.build_free_space([l_corridor(mirror)], [], cell_m=0.05, robot_radius_m=0.2)
    start = np.array([0.5, 0.5])
    end = np.array([-2.5, 3.5]) if not mirror else np.array([3.5, 3.5])
    field = fs.geodesic_distance(grid, np.array([grid.flat_index(end)]))
    path, _ = fs.shortest_path(field, int(grid.flat_index(start)))
    legs = fs.simplify_path(grid, path)
    assert len(legs) == 3
    turn = fs.classify_turn(legs[1] - legs[0], legs[2] - legs[1])
    assert turn.name == expected and turn.is_clear(20.0)


def test_u_turn_is_back():
    """A hairpin: up a corridor, round a divider, and back down the parallel one: the heading reverses."""
    grid = fs.build_free_space([square(0, 0, 3, 5)], [square(1.4, 0, 1.6, 4)], cell_m=0.05, robot_radius_m=0.2)
    up = np.array([0.0, 1.0])
    down = np.array([0.7, 0.5]) - np.array([2.3, 4.5])
    assert fs.classify_turn(up, down).name == "back"
    field = fs.geodesic_distance(grid, np.array([grid.flat_index(np.array([2.3, 0.5]))]))
    path, length = fs.shortest_path(field, int(grid.flat_index(np.array([0.7, 0.5]))))
    assert length > 8.0  # up to y = 4, across and back down


def plan_with_landmarks():
    """The L corridor with a plant in the outer corner of its bend, a lamp at the far end of the west
    arm and a clock on the south wall behind the start; the robot starts at the bottom facing north."""
    grid = fs.build_free_space([l_corridor()], [], cell_m=0.05, robot_radius_m=0.15)
    footprints = {
        "plant": square(0.6, 3.6, 1.0, 4.0),  # in the corner of the bend, north-east
        "lamp": square(-3.0, 3.2, -2.6, 3.6),  # at the end of the west arm
        "clock": square(0.3, -0.1, 0.7, 0.0),  # on the south wall, behind the start
    }
    return grid, footprints


def test_execute_route_reaches_with_the_right_turns_only():
    grid, footprints = plan_with_landmarks()
    start, facing = np.array([0.5, 0.4]), np.array([0.5, 3.0])
    run = lambda steps: fs.execute_route(grid, start, facing, steps, footprints, "lamp", beside_m=0.5)  # noqa: E731
    right = run([("forward", "plant"), ("turn", "left"), ("forward", "lamp")])
    assert right.reached and right.reason == "" and len(right.positions) == 3
    assert right.positions[1][1] == pytest.approx(3.1, abs=0.05)  # stopped 0.5 m before the plant
    wrong = run([("forward", "plant"), ("turn", "right"), ("forward", "lamp")])
    assert not wrong.reached and wrong.reason == "turn_mismatch" and wrong.failed_step == 2
    back = run([("turn", "back"), ("forward", "clock")])
    assert not back.reached and back.reason == "already_beside"
    short = run([("forward", "plant")])
    assert not short.reached and short.reason == "not_at_goal"
    # facing the lamp from the start: the way there is through walls
    blocked = fs.execute_route(grid, start, np.array([-2.8, 3.4]), [("forward", "lamp")], footprints, "lamp", 0.5)
    assert blocked.reason == "blocked" and blocked.failed_step == 0


def test_execute_route_errors():
    grid, footprints = plan_with_landmarks()
    args = (grid, np.array([0.5, 0.4]), np.array([0.5, 3.0]))
    with pytest.raises(ValueError, match=r"step 0: unknown turn 'up'; use left, right or back"):
        fs.execute_route(*args, [("turn", "up")], footprints, "lamp", 0.5)
    with pytest.raises(ValueError, match=r"step 0: unknown step kind 'jump'"):
        fs.execute_route(*args, [("jump", "lamp")], footprints, "lamp", 0.5)
    with pytest.raises(ValueError, match=r"step 0: no footprint named 'sofa'"):
        fs.execute_route(*args, [("forward", "sofa")], footprints, "lamp", 0.5)
    with pytest.raises(ValueError, match=r"no footprint named 'sofa' for the goal"):
        fs.execute_route(*args, [("forward", "plant")], footprints, "sofa", 0.5)
