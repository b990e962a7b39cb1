"""Route planning (VSI-Bench's eighth task): "You are a robot beginning at the S and facing the F ...".

A question names a start, a facing object and a goal, lists the route as numbered steps ("Go forward
until the X" and "[please fill in]") and offers four turn sequences ("Turn Left, Turn Right").

The floor map comes from the facts alone (they hold no mesh):
    floor region   the facts' room outline (the alpha shape of the mesh, walls included);
    obstacles      the xy rectangles of the objects' gravity-aligned boxes, except structural labels
                   (wall, floor, ceiling), flat things (box top below `obstacle_min_height_m` above
                   the floor: rugs, mats) and raised things (box bottom above `obstacle_max_bottom_m`:
                   windows, wall-mounted tvs, things standing on tables, whose support is the
                   obstacle); the floor height is the lowest box bottom of the scene;
    free space     cells whose centre is farther than `robot_radius_m` from anything blocked
                   (`vsi100k.geometry.free_space`).
"Beside X" means within `beside_m` of X's footprint. A route, for a start S and a goal G (distinct
unique categories):
    1. the robot starts on the free cell beside S nearest to S's centre; the grid shortest path to
       the cells beside G (Dijkstra, 8-connected) must exist ("no_path") and be at least
       `min_route_m` long ("route_too_short"); its string-pulled leg count is recorded;
    2. legs are re-made from landmarks: a depth-first search over sequences of 2 to `max_legs`
       unique objects ending at G, each leg going straight toward the landmark's centre until beside
       it through free space, each junction a clear turn (left, right or back: >= `turn_margin_deg`
       from a class boundary, not "forward"), and the route no longer than `length_slack` x the
       shortest path + `length_slack_m` (a near-shortest path that landmarks can describe). The
       shortest such route wins. When none exists, the search is repeated allowing non-unique
       landmarks and ambiguous turns to name the reason ("landmark_not_unique", "ambiguous_turn";
       "no_landmark_route" when even that fails);
    3. the facing object F (unique, not S, at least `min_facing_m` away) must give a clear first
       turn (forward = no first fill-in); none: "ambiguous_turn"; routes with fewer than two
       fill-ins (4 distinct options need 2) with every F: "too_few_turns";
    4. once every pair is planned, a `TurnBalancer` orders the plans and picks each one's F so that
       the answers' first turn words are balanced over the scene's questions (the geometry decides
       the junction turns; a start beside a wall rarely has an object behind it, so "back" is
       offered less often and is then preferred);
    5. three distractor sequences (differing from the answer in at least one turn) are drawn word
       by word with "back" about as rare as in answers; the executor (`free_space.execute_route`)
       must reach G with the answer and fail with each distractor, else "executor_disagrees".
Each (S, G) pair gives at most one question; at most `max_pairs` pairs are tried per scene. Fewer
than three unique categories: one "too_few_unique".
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache, partial
from importlib import resources
from collections import Counter
from itertools import product
from typing import Iterator

import numpy as np

from vsi100k.errors import ConfigError
from vsi100k.facts.schema import SceneFacts
from vsi100k.geometry import free_space as fs
from vsi100k.tasks.base import Question, Skip, Task
from vsi100k.tasks.common import CategoryIndex, arrange_choices, choice_question
from vsi100k.tasks.config import QuestionConfig
from vsi100k.tasks.options import LetterBalancer
from vsi100k.tasks.templates import TemplateError, load_template

QUESTION_TYPE = "route_planning"
SLOTS = ("start", "facing", "goal", "actions")
TURN_WORDS = ("left", "right", "back")
STRUCTURAL_LABELS = frozenset({"wall", "walls", "floor", "ceiling"})
BOX_METHOD = "gravity_aligned"  # footprints are the xy rectangles of the yaw-only boxes


@dataclass(frozen=True)
class RouteConfig:
    """Route planning settings. Lengths in metres, angles in degrees.

    cell_m: free-space grid cell. robot_radius_m: obstacles are grown by it.
    beside_m: a position is beside an object within this distance of its footprint (> robot radius).
    obstacle_max_bottom_m / obstacle_min_height_m: box bottom / top above the floor that make an
        object an obstacle (see the module docstring).
    turn_margin_deg: turns closer than this to a class boundary are ambiguous (< 45).
    min_legs / max_legs: straight legs per route. min_fill_ins: turns the robot must choose.
    length_slack, length_slack_m: a route may be at most slack x shortest path + slack_m long.
    min_route_m: shortest paths below this are too short. min_leg_m: shortest "go forward".
    min_facing_m: the facing object's centre is at least this far from the start position.
    max_pairs: (start, goal) pairs tried per scene.
    distractor_back_first / distractor_back_junction: the chance of drawing "back" at the first and
        at each later position of a distractor. Chosen so that the share of distractors holding
        "Turn Back" matches the share of answers that do (about 10% on synthetic scans,
        `bench/route_planning.py`; the redraws of repeated sequences raise the drawn chances about
        twofold), so an option holding "Turn Back" is right as often as any other.
    """

    cell_m: float = 0.05
    robot_radius_m: float = 0.15
    beside_m: float = 0.5
    obstacle_max_bottom_m: float = 0.4
    obstacle_min_height_m: float = 0.05
    turn_margin_deg: float = 20.0
    min_legs: int = 2
    max_legs: int = 5
    min_fill_ins: int = 2
    length_slack: float = 1.4
    length_slack_m: float = 0.5
    min_route_m: float = 1.0
    min_leg_m: float = 0.3
    min_facing_m: float = 0.5
    max_pairs: int = 60
    distractor_back_first: float = 0.05
    distractor_back_junction: float = 0.015

    def __post_init__(self) -> None:
        for name in ("cell_m", "robot_radius_m", "beside_m", "obstacle_max_bottom_m", "obstacle_min_height_m",
                     "min_route_m", "min_leg_m", "min_facing_m"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise ConfigError(f"RouteConfig.{name} must be a positive finite number, got {value!r}")
        if self.beside_m <= self.robot_radius_m:
            raise ConfigError(
                f"RouteConfig.beside_m ({self.beside_m}) must exceed robot_radius_m ({self.robot_radius_m}), "
                "or no free position is beside an obstacle"
            )
        if not 0 <= self.turn_margin_deg < 45:
            raise ConfigError(f"RouteConfig.turn_margin_deg must be in [0, 45), got {self.turn_margin_deg!r}")
        if not (isinstance(self.min_legs, int) and isinstance(self.max_legs, int) and 2 <= self.min_legs <= self.max_legs <= 5):
            raise ConfigError(
                f"RouteConfig needs integers 2 <= min_legs <= max_legs <= 5, got {self.min_legs!r} and {self.max_legs!r}"
            )
        if not (isinstance(self.min_fill_ins, int) and self.min_fill_ins >= 2):
            raise ConfigError(f"RouteConfig.min_fill_ins must be an integer >= 2 (four distinct options), got {self.min_fill_ins!r}")
        if not self.length_slack >= 1 or not self.length_slack_m >= 0:
            raise ConfigError(
                f"RouteConfig.length_slack must be >= 1 and length_slack_m >= 0, got {self.length_slack!r} and {self.length_slack_m!r}"
            )
        for name in ("distractor_back_first", "distractor_back_junction"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and 0 <= value < 1):
                raise ConfigError(f"RouteConfig.{name} must be a probability in [0, 1), got {value!r}")
        if not (isinstance(self.max_pairs, int) and self.max_pairs >= 1):
            raise ConfigError(f"RouteConfig.max_pairs must be an integer >= 1, got {self.max_pairs!r}")


# ---- wording --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RouteWording:
    """The step phrases and option words of the route template (templates/route_planning.json)."""

    forward: str  # "Go forward until the {landmark}"
    fill_in: str  # "[please fill in]"
    numbered: str  # "{number}. {step}"
    step_separator: str
    turns: dict[str, str]  # left / right / back -> "Turn Left", ...
    turn_separator: str

    def actions(self, steps: list[tuple[str, str]]) -> str:
        """Numbered steps: ("turn", _) renders as the fill-in, ("forward", X) as "Go forward until the X"."""
        texts = [self.fill_in if kind == "turn" else self.forward.format(landmark=value) for kind, value in steps]
        return self.step_separator.join(self.numbered.format(number=i, step=text) for i, text in enumerate(texts, 1))

    def option(self, turns: tuple[str, ...]) -> str:
        """("left", "right") -> "Turn Left, Turn Right"."""
        return self.turn_separator.join(self.turns[t] for t in turns)


def parse_route_wording(data: dict, filename: str = f"{QUESTION_TYPE}.json") -> RouteWording:
    """Validate the route template's `steps`, `turns` and `turn_separator` entries."""
    steps = data.get("steps")
    if not isinstance(steps, dict) or not all(isinstance(steps.get(k), str) for k in ("forward", "fill_in", "numbered", "step_separator")):
        raise TemplateError(f"{filename}: steps must hold the strings forward, fill_in, numbered and step_separator")
    if "{landmark}" not in steps["forward"] or steps["forward"].count("{") != 1:
        raise TemplateError(f"{filename}: steps.forward must have exactly the placeholder {{landmark}}, got {steps['forward']!r}")
    if sorted(n for n in ("{number}", "{step}") if n in steps["numbered"]) != ["{number}", "{step}"] or steps["numbered"].count("{") != 2:
        raise TemplateError(f"{filename}: steps.numbered must have exactly the placeholders {{number}} and {{step}}, got {steps['numbered']!r}")
    turns = data.get("turns")
    if not isinstance(turns, dict) or sorted(turns) != sorted(TURN_WORDS) or not all(isinstance(v, str) and v for v in turns.values()):
        raise TemplateError(f"{filename}: turns must map exactly {list(TURN_WORDS)} to non-empty option words, got {turns!r}")
    if len(set(turns.values())) != len(turns):
        raise TemplateError(f"{filename}: turns must have distinct option words, got {turns!r}")
    separator = data.get("turn_separator")
    if not isinstance(separator, str) or not separator:
        raise TemplateError(f"{filename}: turn_separator must be a non-empty string, got {separator!r}")
    return RouteWording(steps["forward"], steps["fill_in"], steps["numbered"], steps["step_separator"], dict(turns), separator)


@lru_cache(maxsize=None)
def load_route_wording() -> RouteWording:
    """The validated step phrases of the packaged route template (read once)."""
    filename = f"{QUESTION_TYPE}.json"
    path = resources.files("vsi100k").joinpath("templates", filename)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{filename}: cannot read the route template ({exc})") from exc
    return parse_route_wording(data, filename)


# ---- the floor map from facts ---------------------------------------------------------------------

def footprint(facts: SceneFacts, instance_id: int) -> np.ndarray:
    """(4, 2) counter-clockwise xy rectangle of an object's gravity-aligned box, metres."""
    box = facts.object(instance_id).boxes[BOX_METHOD]
    rotation = np.asarray(box.rotation, dtype=float)
    extent = np.asarray(box.extent, dtype=float)
    up = int(np.argmax(np.abs(rotation[2])))  # the box axis closest to z
    horizontal = [i for i in range(3) if i != up]
    axes = []
    for i in horizontal:
        axis = rotation[:2, i]
        norm = math.hypot(float(axis[0]), float(axis[1]))  # not BLAS: the same bits on every CPU
        axes.append(axis / norm if norm > 1e-9 else np.array([1.0, 0.0]))
    return fs.rectangle_footprint(np.asarray(box.center, float)[:2], axes[0], axes[1], extent[horizontal[0]], extent[horizontal[1]])


def _z_range(facts: SceneFacts, instance_id: int) -> tuple[float, float]:
    corners = facts.object(instance_id).boxes[BOX_METHOD].corners()
    return float(corners[:, 2].min()), float(corners[:, 2].max())


def obstacle_ids(facts: SceneFacts, cfg: RouteConfig) -> list[int]:
    """Instance ids whose footprints block the floor (rules in the module docstring)."""
    if not facts.objects:
        return []
    floor_z = min(_z_range(facts, o.instance_id)[0] for o in facts.objects)
    ids = []
    for obj in facts.objects:
        if obj.raw_label.strip().lower() in STRUCTURAL_LABELS:
            continue
        bottom, top = _z_range(facts, obj.instance_id)
        if bottom - floor_z <= cfg.obstacle_max_bottom_m and top - floor_z >= cfg.obstacle_min_height_m:
            ids.append(obj.instance_id)
    return ids


def floor_map(facts: SceneFacts, cfg: RouteConfig) -> fs.FreeSpaceMap:
    """The free-space grid of a scene from its room outline and obstacle footprints."""
    rings = [np.asarray(ring, dtype=float) for ring in facts.room_outline]
    return fs.build_free_space(
        rings, [footprint(facts, i) for i in obstacle_ids(facts, cfg)], cell_m=cfg.cell_m, robot_radius_m=cfg.robot_radius_m
    )


# ---- planning -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    """A landmark route: legs[i] goes toward landmarks[i]; turns[i] is the turn before legs[i + 1]."""

    landmarks: tuple[str, ...]
    legs: tuple[fs.Leg, ...]
    turns: tuple[fs.Turn, ...]
    length_m: float


def search_routes(
    grid: fs.FreeSpaceMap,
    start_xy: np.ndarray,
    goal: str,
    footprints: dict[str, np.ndarray],
    candidates: list[str],
    to_goal: fs.DistanceField,
    budget_m: float,
    cfg: RouteConfig,
    margin_deg: float,
) -> Route | None:
    """The shortest landmark route from `start_xy` to beside `goal` within `budget_m` (or None).

    candidates: landmark names allowed before the goal. A junction turn must not be "forward" and
    must clear `margin_deg`. Branches are cut when their length plus the geodesic distance left
    exceeds the budget.
    """
    best: list[Route | None] = [None]
    cache: dict[tuple, fs.Leg] = {}

    def leg_to(position: np.ndarray, name: str) -> fs.Leg:
        key = (round(float(position[0]), 4), round(float(position[1]), 4), name)
        if key not in cache:
            cache[key] = fs.go_forward_until(grid, position, footprints[name], cfg.beside_m)
        return cache[key]

    def visit(position, heading, landmarks, legs, turns, length):
        for name in [goal, *candidates]:
            if name in landmarks:
                continue
            leg = leg_to(position, name)
            if not leg.ok or leg.length_m < cfg.min_leg_m:
                continue
            turn = None
            if heading is not None:
                turn = fs.classify_turn(heading, leg.direction_xy)
                if turn.name == "forward" or not turn.is_clear(margin_deg):
                    continue
            total = length + leg.length_m
            remaining = 0.0 if name == goal else float(to_goal.at(leg.stop_xy))
            bound = total + remaining
            if bound > budget_m or (best[0] is not None and bound >= best[0].length_m):
                continue
            new = (landmarks + (name,), legs + (leg,), turns + ((turn,) if turn else ()))
            if name == goal:
                if len(new[0]) >= cfg.min_legs:
                    best[0] = Route(new[0], new[1], new[2], total)
                continue
            if len(new[0]) < cfg.max_legs:
                visit(leg.stop_xy, leg.direction_xy, *new, total)

    visit(np.asarray(start_xy, float), None, (), (), (), 0.0)
    return best[0]


@dataclass(frozen=True)
class Facing:
    """One way to word a route: the facing object, the first turn (from the heading start -> facing
    centre to the first leg's direction), the numbered steps and the answer's turn words."""

    name: str
    first_turn: fs.Turn
    steps: tuple[tuple[str, str], ...]  # ("turn", word) / ("forward", landmark)
    answer_turns: tuple[str, ...]

    @property
    def first_word(self) -> str:
        """The answer's first turn word (the first fill-in: the first turn, or the first junction
        when the facing object lies ahead of the first leg)."""
        return self.answer_turns[0]


@dataclass(frozen=True)
class Plan:
    """A planned (start, goal) route before its facing object is chosen.

    facings: every facing object giving a clear first turn and at least `min_fill_ins` fill-ins.
    """

    start: str
    goal: str
    start_xy: np.ndarray
    route: Route
    facings: tuple[Facing, ...]
    shortest_m: float
    shortest_legs: int

    def first_words(self) -> set[str]:
        return {f.first_word for f in self.facings}


def route_steps(route: Route, first_turn: fs.Turn) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """(steps, answer turns) of a route whose first leg follows `first_turn`: a fill-in before each
    leg whose turn is not forward, then "go forward until" its landmark."""
    steps: list[tuple[str, str]] = []
    answer: list[str] = []
    for i, landmark in enumerate(route.landmarks):
        turn = first_turn if i == 0 else route.turns[i - 1]
        if turn.name != "forward":
            steps.append(("turn", turn.name))
            answer.append(turn.name)
        steps.append(("forward", landmark))
    return tuple(steps), tuple(answer)


def plan_route(
    grid: fs.FreeSpaceMap,
    start: str,
    goal: str,
    footprints: dict[str, np.ndarray],
    unique: list[str],
    named: list[str],
    cfg: RouteConfig,
    goal_field: fs.DistanceField | None = None,
) -> Plan | str:
    """Plan one (start, goal) route and its possible facing objects; returns the Plan or a skip reason.

    footprints: name -> (4, 2) footprint for every nameable object. unique: the unique names
    (landmark, start, facing and goal candidates). named: every name a relaxed search may use.
    """
    goal_cells = fs.cells_within(grid, footprints[goal], cfg.beside_m)
    start_cells = fs.cells_within(grid, footprints[start], cfg.beside_m)
    if goal_cells.size == 0 or start_cells.size == 0:
        return "no_free_space_beside"
    field = goal_field if goal_field is not None else fs.geodesic_distance(grid, goal_cells)
    centres = grid.cell_centres().reshape(-1, 2)[start_cells]
    start_cell = int(start_cells[int(np.argmin(np.linalg.norm(centres - footprints[start].mean(axis=0), axis=1)))])
    if not np.isfinite(field.distance_m[start_cell]):
        return "no_path"
    path = fs.shortest_path(field, start_cell)
    if path is None:
        return "no_path"
    path_xy, shortest_m = path
    if shortest_m < cfg.min_route_m:
        return "route_too_short"
    shortest_legs = len(fs.simplify_path(grid, path_xy)) - 1
    start_xy = path_xy[0]
    budget = cfg.length_slack * shortest_m + cfg.length_slack_m
    candidates = [n for n in unique if n not in (start, goal)]
    route = search_routes(grid, start_xy, goal, footprints, candidates, field, budget, cfg, cfg.turn_margin_deg)
    if route is None:
        relaxed = search_routes(
            grid, start_xy, goal, footprints, [n for n in named if n not in (start, goal)], field, budget, cfg, 0.0
        )
        if relaxed is None:
            return "no_landmark_route"
        if any(name not in unique for name in relaxed.landmarks):
            return "landmark_not_unique"
        return "ambiguous_turn"
    first = route.legs[0].direction_xy
    clear = []
    for name in unique:
        if name == start:
            continue
        to_facing = footprints[name].mean(axis=0) - start_xy
        if math.hypot(float(to_facing[0]), float(to_facing[1])) < cfg.min_facing_m:
            continue
        turn = fs.classify_turn(to_facing, first)
        if turn.is_clear(cfg.turn_margin_deg):
            clear.append((name, turn))
    if not clear:
        return "ambiguous_turn"
    facings = []
    for name, turn in clear:
        steps, answer = route_steps(route, turn)
        if len(answer) >= cfg.min_fill_ins:
            facings.append(Facing(name, turn, steps, answer))
    if not facings:
        return "too_few_turns"
    return Plan(start, goal, start_xy, route, tuple(facings), shortest_m, shortest_legs)


class TurnBalancer:
    """Chooses the order of a scene's route plans and each plan's facing object so that the answers'
    first turn words come out balanced.

    Carried over one scene's questions: each pick takes the first word used least so far (ties in a
    fresh random order) that some remaining plan can give; among the plans that can give it, one
    with the fewest other possible first words (keeping flexible plans for the words still owed),
    at random among those; among its facings giving that word, one whose whole answer sequence
    was used least, at random among those. So whenever every plan can give every word, any prefix
    of the picks holds each first word within one of the others; where the geometry cannot give a
    word (no object lies behind the start, so no "back"), the nearest to balance is taken and no
    plan is dropped. The first pick of a scene is a uniformly random word among those its plans
    allow, which spreads the words over a build whose per-scene cap keeps one question.
    """

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self.word_counts: Counter[str] = Counter()
        self.sequence_counts: Counter[tuple[str, ...]] = Counter()

    def pick(self, plans: list[Plan]) -> tuple[int, Facing]:
        """(index into `plans`, chosen facing) of the next candidate; `plans` must not be empty.
        Call `record` once its question is kept."""
        if not plans:
            raise ValueError("TurnBalancer.pick needs at least one plan")
        offered = set().union(*(p.first_words() for p in plans))
        tie = self._rng.permutation(len(TURN_WORDS))
        word = min((w for w in TURN_WORDS if w in offered), key=lambda w: (self.word_counts[w], tie[TURN_WORDS.index(w)]))
        able = [i for i, p in enumerate(plans) if word in p.first_words()]
        fewest = min(len(plans[i].first_words()) for i in able)
        able = [i for i in able if len(plans[i].first_words()) == fewest]
        index = able[int(self._rng.integers(len(able)))]
        giving = [f for f in plans[index].facings if f.first_word == word]
        least = min(self.sequence_counts[f.answer_turns] for f in giving)
        giving = [f for f in giving if self.sequence_counts[f.answer_turns] == least]
        return index, giving[int(self._rng.integers(len(giving)))]

    def record(self, facing: Facing) -> None:
        """Count a facing whose question was kept (a dropped one owes nothing)."""
        self.word_counts[facing.first_word] += 1
        self.sequence_counts[facing.answer_turns] += 1


def distractor_turns(
    answer: tuple[str, ...], rng: np.random.Generator, n: int = 3, back_share: tuple[float, float] = (1 / 3, 1 / 3),
    max_draws: int = 200,
) -> list[tuple[str, ...]]:
    """`n` distinct turn sequences of the answer's length, each differing from it in at least one turn.

    back_share: the chance of "back" at the first position and at each later one; "left" and
    "right" share the rest equally. Each sequence is drawn word by word from these shares, so the
    distractors look like answers, whose "back" is rarer than a third (a blind model must not learn
    "an option with Turn Back is wrong"); draws equal to the answer or to an earlier distractor are
    redrawn, and after `max_draws` draws the rest are taken uniformly from the sequences left.
    """
    others = [seq for seq in product(TURN_WORDS, repeat=len(answer)) if seq != answer]
    if len(others) < n:
        raise ValueError(f"a route with {len(answer)} turn(s) has only {len(others)} other sequences; {n} are needed")
    if not all(0 <= b <= 1 for b in back_share):
        raise ValueError(f"back_share must hold two probabilities in [0, 1], got {back_share!r}")
    chosen: list[tuple[str, ...]] = []
    draws = 0
    while len(chosen) < n and draws < max_draws:
        draws += 1
        seq = []
        for i in range(len(answer)):
            back = back_share[0 if i == 0 else 1]
            seq.append(TURN_WORDS[int(rng.choice(3, p=[(1 - back) / 2, (1 - back) / 2, back]))])
        seq = tuple(seq)
        if seq != answer and seq not in chosen:
            chosen.append(seq)
    if len(chosen) < n:
        rest = [seq for seq in others if seq not in chosen]
        chosen += [rest[int(i)] for i in rng.choice(len(rest), size=n - len(chosen), replace=False)]
    return chosen


def with_turns(steps: tuple[tuple[str, str], ...], turns: tuple[str, ...]) -> list[tuple[str, str]]:
    """The steps with their turn words replaced, in order, by `turns`."""
    it = iter(turns)
    return [(kind, next(it)) if kind == "turn" else (kind, value) for kind, value in steps]


# ---- the task -------------------------------------------------------------------------------------

def generate(
    facts: SceneFacts, cfg: QuestionConfig, rng: np.random.Generator, route_cfg: RouteConfig = RouteConfig()
) -> Iterator[Question | Skip]:
    """Route questions of one scene, (start, goal) pairs in an order drawn from `rng`."""
    template = load_template(QUESTION_TYPE, SLOTS)
    wording = load_route_wording()
    index = CategoryIndex(facts)
    unique = index.unique_categories()
    if len(unique) < 3:
        yield Skip(QUESTION_TYPE, "too_few_unique")
        return
    footprints = {name: footprint(facts, index.instance(name)) for name in unique}
    # non-unique categories: the union of their instances' footprints is not convex, so a relaxed
    # search uses each instance under its own key (only to name the skip reason)
    named = list(unique)
    for name in index.non_unique_categories():
        for instance_id in index.by_category[name]:
            key = f"{name}#{instance_id}"
            footprints[key] = footprint(facts, instance_id)
            named.append(key)
    if not facts.room_outline:
        yield Skip(QUESTION_TYPE, "no_floor_outline")
        return
    grid = floor_map(facts, route_cfg)
    pairs = [(s, g) for s in unique for g in unique if s != g]
    order = rng.permutation(len(pairs))[: route_cfg.max_pairs]
    fields: dict[str, fs.DistanceField] = {}
    plans: list[Plan] = []
    for p in order:
        start, goal = pairs[int(p)]
        if goal not in fields:
            fields[goal] = fs.geodesic_distance(grid, fs.cells_within(grid, footprints[goal], route_cfg.beside_m))
        plan = plan_route(grid, start, goal, footprints, unique, named, route_cfg, fields[goal])
        if isinstance(plan, str):
            yield Skip(QUESTION_TYPE, plan, f"{start} -> {goal}")
        else:
            plans.append(plan)
    # every plan is known before any is worded, so the balancer can order them by first turn word
    turns = TurnBalancer(rng)
    letters = LetterBalancer(4, rng)
    back_share = (route_cfg.distractor_back_first, route_cfg.distractor_back_junction)
    while plans:
        chosen, facing = turns.pick(plans)
        plan = plans.pop(chosen)
        start, goal = plan.start, plan.goal
        distractors = distractor_turns(facing.answer_turns, rng, back_share=back_share)
        run = partial(fs.execute_route, grid, plan.start_xy, footprints[facing.name].mean(axis=0), footprints=footprints,
                      goal=goal, beside_m=route_cfg.beside_m)
        if not run(with_turns(facing.steps, facing.answer_turns)).reached or any(
            run(with_turns(facing.steps, d)).reached for d in distractors
        ):
            yield Skip(QUESTION_TYPE, "executor_disagrees", f"{start} -> {goal}")
            continue
        turns.record(facing)
        correct = wording.option(facing.answer_turns)
        words, letter = arrange_choices(correct, [wording.option(d) for d in distractors], rng, letters)
        text = template.render(start=start, facing=facing.name, goal=goal, actions=wording.actions(list(facing.steps)))
        yield choice_question(
            facts,
            question_type=QUESTION_TYPE,
            text=text,
            correct=correct,
            words=words,
            correct_letter=letter,
            instance_ids=tuple(index.instance(n) for n in (start, facing.name, goal)),
            details={
                "start": start,
                "facing": facing.name,
                "goal": goal,
                "landmarks": list(plan.route.landmarks),
                "turns": list(facing.answer_turns),
                "turn_angles_deg": [float(facing.first_turn.angle_deg)] + [float(t.angle_deg) for t in plan.route.turns],
                "start_xy": [float(v) for v in plan.start_xy],
                "route_length_m": float(plan.route.length_m),
                "shortest_path_m": float(plan.shortest_m),
                "shortest_path_legs": int(plan.shortest_legs),
                "robot_radius_m": route_cfg.robot_radius_m,
                "beside_m": route_cfg.beside_m,
            },
        )


TASK = Task(QUESTION_TYPE, "choice", SLOTS, None, generate)
