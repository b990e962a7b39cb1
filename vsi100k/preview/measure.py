"""What a question measured, as a map drawing and as both definitions' answers, recomputed from the
scene's facts (the dataset rows carry only the answer).

For each question: an SVG group (distance segments, the observer's facing ray and sector boundaries,
boxes, the room outline, counted instances, route legs), a legend saying what the drawing shows, and
the answer under the default definitions (the facts' box and distance methods, VSI-Bench parity)
next to the answer under exact geometry (gravity-aligned boxes, closest points of the surfaces).
Reads facts and question rows; writes nothing.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vsi100k.facts.schema import SceneFacts
from vsi100k.preview.mapgeom import MapProjection, closest_points, footprint
from vsi100k.tasks.options import round_half_up

DISTANCE_NAMES = {"box_grid": "5 cm grid on the boxes", "closest_points": "closest points", "centers": "box centres"}
FOOTPRINT_NOTE = (
    "The segment joins the closest points of the two boxes' footprints (top view); the answer is a 3D "
    "distance, so the segment shows where it was measured, not its exact length."
)


@dataclass(frozen=True)
class Definition:
    """One definition's answer: its name (e.g. "default (oriented boxes)") and the answer text."""

    name: str
    answer: str


@dataclass(frozen=True)
class Measured:
    """What the page shows for one question.

    svg: SVG elements (pixels) drawn over the map while the question is selected.
    legend: plain-text sentences saying what the drawing shows.
    definitions: the answer under the default definitions, then under exact geometry.
    differs: True when the two definitions give different answers (as the dataset would round them).
    related: instance ids the drawing measures to that the row does not name (the page outlines them).
    """

    svg: str = ""
    legend: tuple[str, ...] = ()
    definitions: tuple[Definition, ...] = ()
    differs: bool = False
    related: tuple[int, ...] = ()  # objects measured besides the row's instance_ids (choices, landmarks)


class _Canvas:
    """Collects SVG elements in pixels from geometry in metres."""

    def __init__(self, project: MapProjection):
        self.project = project
        self.parts: list[str] = []

    def xy(self, point_m) -> tuple[float, float]:
        x, y = self.project(np.asarray(point_m, dtype=float)[:2])[0]
        return float(x), float(y)

    def line(self, a_m, b_m, css: str, **data: str) -> None:
        (x1, y1), (x2, y2) = self.xy(a_m), self.xy(b_m)
        extra = "".join(f' data-{k.replace("_", "-")}="{html.escape(v)}"' for k, v in data.items())
        self.parts.append(f'<line class="{css}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{extra}/>')

    def dot(self, point_m, css: str, radius_px: float = 4.0) -> None:
        x, y = self.xy(point_m)
        self.parts.append(f'<circle class="{css}" cx="{x:.1f}" cy="{y:.1f}" r="{radius_px:.1f}"/>')

    def polygon(self, polygon_m: np.ndarray, css: str, **data: str) -> None:
        pixels = self.project(np.asarray(polygon_m, dtype=float).reshape(-1, 2))
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in pixels)
        extra = "".join(f' data-{k.replace("_", "-")}="{html.escape(v)}"' for k, v in data.items())
        self.parts.append(f'<polygon class="{css}" points="{points}"{extra}/>')

    def text(self, point_m, text: str, css: str = "measure-text", dy_px: float = 0.0) -> None:
        x, y = self.xy(point_m)
        self.parts.append(f'<text class="{css}" x="{x:.1f}" y="{y + dy_px:.1f}">{html.escape(text)}</text>')

    def svg(self) -> str:
        return "\n".join(self.parts)


def _option_words(row: dict) -> list[str]:
    """The option words of a choice row ("A. chair" -> "chair")."""
    return [re.sub(r"^[A-Z]\.\s*", "", option) for option in row["options"]]


def _center(facts: SceneFacts, instance_id: int, exact: bool = False) -> np.ndarray:
    box = facts.exact_box(instance_id) if exact else facts.box(instance_id)
    return np.asarray(box.center, dtype=float)[:2]


def _has_exact(facts: SceneFacts) -> bool:
    return bool(facts.exact_distances_m) or not facts.distances_m


def _name(facts: SceneFacts, instance_id: int) -> str:
    obj = facts.object(instance_id)
    return f"{obj.category or obj.raw_label} #{instance_id}"


def _segment(canvas: _Canvas, facts: SceneFacts, a: int, b: int, css: str, label: str) -> str:
    """Draw the footprint closest-point segment of a and b; returns a legend sentence for overlaps."""
    pair = closest_points(footprint(facts.box(a)), footprint(facts.box(b)))
    if pair is None:  # stacked or interpenetrating boxes: no horizontal gap to draw
        canvas.line(_center(facts, a), _center(facts, b), css + " overlapping", pair=f"{a} {b}")
        canvas.text((_center(facts, a) + _center(facts, b)) / 2.0, label, dy_px=-4)
        return f"The footprints of {_name(facts, a)} and {_name(facts, b)} overlap: the dashed line joins their box centres."
    pa, pb, _ = pair
    canvas.line(pa, pb, css, pair=f"{a} {b}")
    canvas.dot(pa, "measure-end", 3.0)
    canvas.dot(pb, "measure-end", 3.0)
    canvas.text((pa + pb) / 2.0, label, dy_px=-4)
    return ""


def _distance_definitions(facts: SceneFacts, default_m: float, exact_m: float | None) -> tuple[tuple[Definition, ...], bool]:
    method = DISTANCE_NAMES.get(facts.distance_method, facts.distance_method)
    default = Definition(f"default ({method})", f"{round_half_up(default_m, 1):.1f} m ({default_m:.3f} m)")
    if exact_m is None:
        return (default, Definition("exact (closest points of the surfaces)", "not in these facts")), False
    exact = Definition("exact (closest points of the surfaces)", f"{round_half_up(exact_m, 1):.1f} m ({exact_m:.3f} m)")
    return (default, exact), round_half_up(default_m, 1) != round_half_up(exact_m, 1)


def _abs_distance(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    a, b = (int(i) for i in row["instance_ids"][:2])
    default_m = facts.distance_m(a, b)
    exact_m = facts.exact_distance_m(a, b) if _has_exact(facts) else None
    label = f"{default_m:.2f} m" + (f" / exact {exact_m:.2f} m" if exact_m is not None else "")
    overlap = _segment(canvas, facts, a, b, "measure-line answer", label)
    definitions, differs = _distance_definitions(facts, default_m, exact_m)
    return Measured(canvas.svg(), tuple(s for s in (FOOTPRINT_NOTE, overlap) if s), definitions, differs)


def _rel_distance(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    target = int(row["instance_ids"][0])
    by_category = facts.instances_by_category()
    exact_ok = _has_exact(facts)
    default_m: dict[str, float] = {}
    exact_m: dict[str, float] = {}
    notes = [FOOTPRINT_NOTE, "Each choice is measured to its nearest instance; the answer's segment is thick."]
    related: list[int] = []
    for word in _option_words(row):
        instances = by_category.get(word, [])
        if not instances:
            continue
        nearest = min(instances, key=lambda i: (facts.distance_m(target, i), i))
        related.append(nearest)
        default_m[word] = facts.distance_m(target, nearest)
        if exact_ok:
            exact_m[word] = min(facts.exact_distance_m(target, i) for i in instances)
        css = "measure-line answer" if word == row["answer"] else "measure-line"
        overlap = _segment(canvas, facts, target, nearest, css, f"{word} {default_m[word]:.2f} m")
        if overlap:
            notes.append(overlap)
    if not default_m:
        return Measured(canvas.svg(), tuple(notes), related=tuple(related))
    closest = min(default_m, key=lambda w: (default_m[w], w))
    listed = ", ".join(f"{w} {d:.2f} m" for w, d in default_m.items())
    method = DISTANCE_NAMES.get(facts.distance_method, facts.distance_method)
    definitions = [Definition(f"default ({method})", f"{closest} ({listed})")]
    differs = False
    if exact_m:
        closest_exact = min(exact_m, key=lambda w: (exact_m[w], w))
        listed = ", ".join(f"{w} {d:.2f} m" for w, d in exact_m.items())
        definitions.append(Definition("exact (closest points of the surfaces)", f"{closest_exact} ({listed})"))
        differs = closest_exact != closest
    else:
        definitions.append(Definition("exact (closest points of the surfaces)", "not in these facts"))
    return Measured(canvas.svg(), tuple(notes), tuple(definitions), differs, tuple(related))


def _direction_sector(level, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[float, str]:
    from vsi100k.tasks.object_rel_direction import ccw_angle_deg

    angle = float(ccw_angle_deg(b - a, c - a))
    return angle, level.sectors[int(level.sector_index(np.array([angle]))[0])][0]


def _rotate(vector: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate an xy vector counter-clockwise."""
    t = math.radians(degrees)
    return np.array([vector[0] * math.cos(t) - vector[1] * math.sin(t), vector[0] * math.sin(t) + vector[1] * math.cos(t)])


def _direction(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    from vsi100k.tasks.object_rel_direction import LEVELS

    level = LEVELS[row["question_type"]]
    a, b, c = (int(i) for i in row["instance_ids"][:3])
    pa, pb, pc = (_center(facts, i) for i in (a, b, c))
    forward = pb - pa
    unit = forward / max(float(np.linalg.norm(forward)), 1e-9)
    reach_m = canvas.project.span_m
    for _, start_deg in level.sectors:
        canvas.line(pa, pa + _rotate(unit, start_deg) * reach_m, "measure-boundary", angle_deg=f"{start_deg:g}")
    label_m = max(0.5, min(1.2, reach_m / 6.0))
    bounds = [start for _, start in level.sectors] + [360.0]
    for (name, start), end in zip(level.sectors, bounds[1:]):
        shown = f"{name} (not asked)" if name in level.dropped else name
        canvas.text(pa + _rotate(unit, (start + end) / 2.0) * label_m, shown, "measure-sector")
    canvas.line(pa, pa + unit * reach_m, "measure-ray", role="facing")
    canvas.line(pa, pc, "measure-line answer", role="target")
    canvas.dot(pa, "measure-observer", 6.0)
    canvas.dot(pc, "measure-end", 4.0)
    angle, sector = _direction_sector(level, pa, pb, pc)
    angle_exact, sector_exact = _direction_sector(level, *(_center(facts, i, exact=True) for i in (a, b, c)))
    legend = (
        f"Observer (large dot) at the {_name(facts, a)} box centre, facing ray through the {_name(facts, b)} centre; "
        f"thin rays are the sector boundaries of this level ({', '.join(f'{s:g}°' for _, s in level.sectors)} "
        "counter-clockwise from facing); the thick line goes to the queried object's centre.",
    )
    definitions = (
        Definition(f"default ({facts.box_method} box centres)", f"{sector} ({angle:.1f}°)"),
        Definition("exact (gravity-aligned box centres)", f"{sector_exact} ({angle_exact:.1f}°)"),
    )
    return Measured(canvas.svg(), legend, definitions, sector != sector_exact)


def _size(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    instance = int(row["instance_ids"][0])
    box, exact_box = facts.box(instance), facts.exact_box(instance)
    canvas.polygon(footprint(box), "measure-box", role="default")
    if not (np.allclose(box.extent, exact_box.extent) and np.allclose(box.center, exact_box.center)):
        canvas.polygon(footprint(exact_box), "measure-box exact", role="exact")
    size_cm, exact_cm = box.size_m * 100.0, exact_box.size_m * 100.0

    def sides(b) -> str:
        return " x ".join(f"{v:.2f}" for v in sorted(np.asarray(b.extent, dtype=float), reverse=True))

    legend = (
        f"Solid outline: the {facts.box_method} box's footprint (sides {sides(box)} m); dotted: the gravity-aligned "
        f"box (sides {sides(exact_box)} m), drawn when it differs. The size is the longest side, which may be the height.",
    )
    definitions = (
        Definition(f"default ({facts.box_method} box)", f"{round_half_up(size_cm, 0):.0f} cm ({size_cm:.1f} cm)"),
        Definition("exact (gravity-aligned box)", f"{round_half_up(exact_cm, 0):.0f} cm ({exact_cm:.1f} cm)"),
    )
    return Measured(canvas.svg(), legend, definitions, round_half_up(size_cm, 0) != round_half_up(exact_cm, 0))


def _room(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    for polygon in facts.room_outline:
        if len(polygon) >= 3:
            canvas.polygon(np.asarray(polygon, dtype=float), "measure-room")
    legend = ("Thick outline: the alpha shape of the floor plan whose area is the answer.",)
    answer = f"{round_half_up(facts.room_area_m2, 1):.1f} m² ({facts.room_area_m2:.2f} m²)"
    return Measured(canvas.svg(), legend, (Definition("default and exact (alpha shape)", answer),), False)


def _numbered(facts: SceneFacts, canvas: _Canvas, instances: list[int]) -> None:
    for number, instance in enumerate(instances, start=1):
        canvas.dot(_center(facts, instance), "measure-marker", 8.0)
        canvas.text(_center(facts, instance), str(number), "measure-number", dy_px=4)


def _counting(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    instances = [int(i) for i in row["instance_ids"]]
    _numbered(facts, canvas, instances)
    legend = (f"Numbered markers: the {len(instances)} counted instances ({', '.join(_name(facts, i) for i in instances)}).",)
    return Measured(canvas.svg(), legend, (Definition("default and exact (instances)", str(len(instances))),), False)


def _appearance(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    instances = [int(i) for i in row["instance_ids"]]
    first_s = facts.appearances.first_s if facts.appearances is not None else {}
    order = sorted({facts.object(i).category for i in instances if facts.object(i).category in first_s},
                   key=lambda c: (first_s[c], c))
    for number, category in enumerate(order, start=1):
        for instance in instances:
            if facts.object(instance).category == category:
                canvas.dot(_center(facts, instance), "measure-marker", 8.0)
                canvas.text(_center(facts, instance), str(number), "measure-number", dy_px=4)
    listed = ", ".join(f"{c} {first_s[c]:.1f} s" for c in order)
    legend = ("Markers number the categories by first appearance in the video (every instance of a category shares its number).",)
    return Measured(canvas.svg(), legend, (Definition("first appearances (render of the mesh)", listed or "not in these facts"),), False)


def _route(facts: SceneFacts, row: dict, details: dict | None, canvas: _Canvas) -> Measured:
    start, facing, goal = (int(i) for i in row["instance_ids"][:3])
    by_category = facts.instances_by_category()
    related: list[int] = []
    if details and details.get("start_xy") and details.get("landmarks") is not None:
        position = np.asarray(details["start_xy"], dtype=float)
        heading_to = _center(facts, facing)
        canvas.line(position, heading_to, "measure-ray", role="facing")
        canvas.dot(position, "measure-observer", 6.0)
        for number, name in enumerate(details["landmarks"], start=1):
            instances = by_category.get(name, [])
            if not instances:
                continue
            point = _center(facts, instances[0])
            related.append(instances[0])
            canvas.line(position, point, "measure-line answer", role="leg")
            canvas.text((position + point) / 2.0, f"leg {number}", dy_px=-4)
            position = point
        turns = ", ".join(details.get("turns", []))
        legend = (
            "Large dot: the robot's start; dashed: its initial facing; thick lines: the legs, each toward the next "
            f"landmark's centre (the robot stops beside it). Turns: {turns}.",
        )
    else:
        canvas.line(_center(facts, start), _center(facts, facing), "measure-ray", role="facing")
        for mark, instance in (("S", start), ("F", facing), ("G", goal)):
            canvas.dot(_center(facts, instance), "measure-marker", 8.0)
            canvas.text(_center(facts, instance), mark, "measure-number", dy_px=4)
        legend = ("S start, F facing object, G goal; the route legs need the question's details "
                  "(pass the questions JSON lines file).",)
    return Measured(canvas.svg(), legend, (), False, tuple(related))


MEASURES: dict[str, Callable[[SceneFacts, dict, dict | None, _Canvas], Measured]] = {
    "object_abs_distance": _abs_distance,
    "object_rel_distance": _rel_distance,
    "object_rel_direction_easy": _direction,
    "object_rel_direction_medium": _direction,
    "object_rel_direction_hard": _direction,
    "object_size_estimation": _size,
    "room_size_estimation": _room,
    "object_counting": _counting,
    "obj_appearance_order": _appearance,
    "route_planning": _route,
}


def measure(facts: SceneFacts, row: dict, project: MapProjection, details: dict | None = None) -> Measured:
    """The drawing, legend and both definitions' answers of one question row (an unknown question
    type gets an empty drawing and says so)."""
    draw = MEASURES.get(row["question_type"])
    if draw is None:
        return Measured(legend=(f"No drawing for question type {row['question_type']}.",))
    return draw(facts, row, details, _Canvas(project))
