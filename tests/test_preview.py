"""The scene preview page: map geometry, page content, and the page as headless Chromium renders it."""

from __future__ import annotations

import base64
import io
import re
import subprocess
from html.parser import HTMLParser

import numpy as np
import pytest
from dataset_support import N_FRAMES, hand_build  # noqa: F401

from vsi100k.preview.labels import boxes_overlap, label_box, place_labels
from vsi100k.preview.mapgeom import closest_points, convex_polygons_overlap
from vsi100k.preview.measure import measure
from vsi100k.preview.page import MapProjection, convex_hull, map_projection, map_svg, read_details, render_page, write_preview

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class Elements(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag, **attrs):
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def parse(text):
    parser = Elements()
    parser.feed(text)
    return parser


def test_convex_hull_of_box_corners():
    corners = np.array([[0, 0], [2, 0], [2, 1], [0, 1], [1, 0.5], [0, 0], [2, 1]], dtype=float)
    hull = convex_hull(corners)
    assert hull.tolist() == [[0, 0], [2, 0], [2, 1], [0, 1]]  # counter-clockwise, interior point dropped
    assert convex_hull(np.array([[1.0, 1.0], [1.0, 1.0]])).tolist() == [[1.0, 1.0]]


def test_projection_keeps_scale_and_flips_y():
    project = MapProjection(np.array([[0.0, 0.0], [4.0, 5.0]]), size_px=540, margin_px=20)
    assert project.scale_px_per_m == pytest.approx(100.0)
    assert (project.width_px, project.height_px) == (440, 540)
    assert project(np.array([[0.0, 0.0], [4.0, 5.0]])).tolist() == [[20.0, 520.0], [420.0, 20.0]]


def test_map_svg_draws_room_and_labelled_objects(hand_build):
    from vsi100k.facts.schema import SceneFacts

    out, _ = hand_build
    facts = SceneFacts.read(out / "facts" / "scene0000_00.json")
    svg = parse(map_svg(facts))
    assert len(svg.find("polygon", **{"class": "room"})) == 1
    objects = [a for t, a in svg.tags if t == "polygon" and "data-instance" in a]
    # uncategorised first (the wall), then largest first (bed 3.2 m2, table 0.96, chairs 0.25, lamp 0.09)
    assert [a["data-instance"] for a in objects] == ["6", "4", "3", "1", "2", "5"]
    assert objects[0]["class"] == "object uncategorised"  # the wall has no question category
    polygons = [a for t, a in svg.tags if t == "polygon"]
    assert polygons.index(svg.find("polygon", **{"class": "room"})[0]) == 1  # the outline above the wall, below the rest
    labels = [a["data-instance"] for t, a in svg.tags if t == "text"]
    assert labels == ["1", "2", "3", "4", "5"]
    # the table (instance 3): 1.2 m x 0.8 m footprint centred at (2, 2.5) -> 4 corners
    table = [tuple(map(float, p.split(","))) for p in objects[2]["points"].split()]
    assert len(table) == 4
    width_px = max(x for x, _ in table) - min(x for x, _ in table)
    depth_px = max(y for _, y in table) - min(y for _, y in table)
    scale = (560 - 2 * 20) / 5.05  # the drawing spans y from 0 to 5.05 m (the wall's far face)
    assert (width_px, depth_px) == (pytest.approx(1.2 * scale, abs=0.15), pytest.approx(0.8 * scale, abs=0.15))


def test_page_holds_questions_answers_and_thumbnails(hand_build):
    from PIL import Image

    out, _ = hand_build
    path = write_preview(out, "scene0100_00")
    assert path == out / "preview" / "scene0100_00.html"
    text = path.read_text()
    page = parse(text)
    items = page.find("li", **{"class": "question"})
    assert [i["data-id"] for i in items] == [
        "scene0100_00/object_counting/0000", "scene0100_00/object_rel_direction_easy/0000",
        "scene0100_00/object_size_estimation/0000", "scene0100_00/room_size_estimation/0000"]
    assert [i["data-instances"] for i in items] == ["1 2", "4 3 5", "3", ""]
    assert "Answer: <span class=\"answer\">A (left)</span>" in text
    assert "Answer: <span class=\"answer\">120</span>" in text
    images = page.find("img", **{"class": "frame"})
    assert len(images) == N_FRAMES
    data = base64.b64decode(images[0]["src"].removeprefix("data:image/jpeg;base64,"))
    assert Image.open(io.BytesIO(data)).size == (160, 120)  # 64x48 frames scaled to 160 px wide
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", text)  # self-contained: no external resource


def test_unknown_scene_is_an_error(hand_build):
    out, _ = hand_build
    with pytest.raises(FileNotFoundError, match="scene9999_00: not in this build .*built scenes: scene0000_00, scene0001_00, scene0100_00"):
        write_preview(out, "scene9999_00")


def _chromium(tmp_path, *args):
    return subprocess.run(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )


def test_chromium_shows_map_frames_and_the_selected_question_on_one_screen(hand_build, tmp_path):
    from PIL import Image

    out, _ = hand_build
    page = write_preview(out, "scene0000_00")
    url = page.resolve().as_uri() + "?question=q-1"  # the direction question: bed 4, table 3, lamp 5
    dom = parse(_chromium(tmp_path, "--dump-dom", url).stdout)
    assert len(dom.find("svg", id="map")) == 1
    assert len(dom.find("img", **{"class": "frame"})) == N_FRAMES
    assert [a["id"] for a in dom.find("li") if "selected" in a.get("class", "")] == ["q-1"]
    highlighted = sorted(a["data-instance"] for t, a in dom.tags if t == "polygon" and "highlight" in a.get("class", ""))
    assert highlighted == ["3", "4", "5"]
    # only the selected question's drawing is active: facing ray and the easy level's three boundaries
    active = [a for t, a in dom.tags if t == "g" and a.get("class") == "measure active"]
    assert [a["data-question"] for a in active] == ["q-1"]
    assert dom.find("div", id="selected", **{"data-question": "q-1"})
    # the panel copies the selected question, with both definitions' answers
    rendered = _chromium(tmp_path, "--dump-dom", url).stdout
    panel = rendered[rendered.index('<div id="selected"'):rendered.index('<h2>Questions')]
    assert "left (56.3°)" in panel and "Both definitions give this answer." in panel

    screenshot = tmp_path / "preview.png"
    _chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,800", "--hide-scrollbars", url)
    pixels = np.asarray(Image.open(screenshot).convert("RGB")).astype(int)
    assert pixels.shape[:2] == (800, 1280)
    # highlighted footprints are filled orange (#ff8c1a at 0.9 opacity over the map background)
    orange = (pixels[..., 0] > 220) & (abs(pixels[..., 1] - 145) < 25) & (pixels[..., 2] < 80)
    assert orange.sum() > 2000
    # the measurement: the thick line to the lamp (#c2185b) and the dashed facing ray (#1565c0)
    magenta = (abs(pixels[..., 0] - 194) < 30) & (abs(pixels[..., 1] - 24) < 30) & (abs(pixels[..., 2] - 91) < 30)
    blue = (abs(pixels[..., 0] - 21) < 30) & (abs(pixels[..., 1] - 101) < 30) & (abs(pixels[..., 2] - 192) < 30)
    assert magenta.sum() > 300 and blue.sum() > 300
    # the frames (random-noise thumbnails) are inside the same 800 px screen, below the map
    # (text rows are busy too, but only a line high: look for a band of busy rows at least 60 px tall)
    busy = (np.abs(np.diff(pixels[:, :640], axis=1)).sum(axis=2) > 30).mean(axis=1) > 0.4
    runs, run = [], 0
    for row, value in enumerate(busy):
        run = run + 1 if value else 0
        runs.append(run)
    bottom = int(np.argmax(runs))
    assert max(runs) >= 60 and bottom > 500  # 90 px thumbnails, below the 560 px map
    # the selected-question panel (orange border) sits in the right column of the same screen
    assert orange[:, 640:].sum() > 500


# ---- label layout ----

def test_labels_at_one_anchor_never_overlap():
    anchors = [(k, f"chair #{k}", 100.0, 100.0) for k in range(40)]
    placed = place_labels(anchors, 200, 200)
    shown = [p for p in placed if p.placed]
    assert placed[0].placed and (placed[0].x, placed[0].y) == (100.0, 100.0)  # first label stays on its anchor
    assert 3 <= len(shown) < 40  # 40 labels cannot fit in 200 x 200 px: the rest are marked crowded
    for i, a in enumerate(shown):
        assert 0 <= a.box[0] and a.box[2] <= 200 and 0 <= a.box[1] and a.box[3] <= 200
        assert not any(boxes_overlap(a.box, b.box) for b in shown[i + 1:])
    assert not boxes_overlap((0, 0, 10, 10), (10, 0, 20, 10))  # touching edges share no area
    assert boxes_overlap((0, 0, 10, 10), (9, 9, 20, 20))


def _dense_facts(n: int = 30, exact_scale: float = 1.3):
    from vsi100k.facts.schema import Box, ObjectFacts, SceneFacts

    rng = np.random.default_rng(7)
    objects = []
    for k in range(1, n + 1):
        center = np.array([rng.uniform(0.5, 3.5), rng.uniform(0.5, 2.5), 0.4])
        box = Box(center, np.array([0.3, 0.2, 0.8]), np.eye(3))
        objects.append(ObjectFacts(k, "thing", f"category{k}", 50, {"oriented": box, "axis_aligned": box, "gravity_aligned": box}))
    distances = {(a, b): 1.0 for a in range(1, n + 1) for b in range(a + 1, n + 1)}
    return SceneFacts("scene0500_00", tuple(objects), distances, 12.0, [[[0, 0], [4, 0], [4, 3], [0, 3]]],
                      exact_distances_m={k: v * exact_scale for k, v in distances.items()})


def test_map_labels_of_a_crowded_scene_do_not_overlap():
    svg = parse(map_svg(_dense_facts()))
    labels = [a for t, a in svg.tags if t == "text"]
    assert len(labels) == 30
    shown = [a for a in labels if a["class"] == "label"]
    crowded = [a for a in labels if a["class"] == "label crowded"]
    assert len(shown) + len(crowded) == 30 and len(shown) >= 15 and crowded  # some fit, some wait for hover
    text = map_svg(_dense_facts())
    boxes = []
    for a in shown:
        name = re.search(rf'data-instance="{a["data-instance"]}" x="[^"]+" y="[^"]+">([^<]+)</text>', text).group(1)
        left, top, right, bottom = label_box(name, float(a["x"]), float(a["y"]) - 4)
        boxes.append((left + 0.01, top + 0.01, right - 0.01, bottom - 0.01))  # touching edges may differ by float noise
    assert not any(boxes_overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


# ---- what each question measured ----

def test_closest_points_of_footprints():
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    pa, pb, d = closest_points(square, square + [3.0, 0.5])
    assert d == pytest.approx(2.0) and pa[0] == pytest.approx(1.0) and pb[0] == pytest.approx(3.0)
    assert 0.5 <= pa[1] <= 1.0 and pa[1] == pytest.approx(pb[1])
    diamond = np.array([[3, 0.5], [4, 1.5], [5, 0.5], [4, -0.5]], dtype=float)  # a vertex points at the square
    pa, pb, d = closest_points(square, diamond)
    assert d == pytest.approx(2.0) and pa.tolist() == pytest.approx([1.0, 0.5]) and pb.tolist() == pytest.approx([3.0, 0.5])
    # a cross: no vertex of one lies inside the other, yet they overlap
    bar = np.array([[-2, -0.1], [2, -0.1], [2, 0.1], [-2, 0.1]], dtype=float)
    assert convex_polygons_overlap(bar, bar[:, ::-1]) and closest_points(bar, bar[:, ::-1]) is None
    assert not convex_polygons_overlap(square, square + [1.01, 0])


def _facts(exact_distance_m=None, lamp_exact_center=None, sofa_exact_extent=None):
    """A chair (1) at (1, 1), a table (2) at (3, 1), a lamp (3) at (2, 3), a sofa (4) at (1, 3), two
    cups (5, 6) on the table; boxes axis-aligned, default distance chair-table 1.0 m."""
    from vsi100k.facts.schema import Box, ObjectFacts, SceneFacts

    spec = [(1, "chair", (1.0, 1.0), (0.5, 0.5)), (2, "table", (3.0, 1.0), (1.0, 1.0)), (3, "lamp", (2.0, 3.0), (0.2, 0.2)),
            (4, "sofa", (1.0, 3.0), (1.0, 0.6)), (5, "cup", (2.8, 1.0), (0.1, 0.1)), (6, "cup", (3.2, 1.0), (0.1, 0.1))]
    objects = []
    for k, name, (x, y), (w, d) in spec:
        box = Box(np.array([x, y, 0.5]), np.array([w, d, 0.5]), np.eye(3))
        exact = box
        if k == 3 and lamp_exact_center is not None:
            exact = Box(np.array([*lamp_exact_center, 0.5]), box.extent, np.eye(3))
        if k == 4 and sofa_exact_extent is not None:
            exact = Box(box.center, np.array(sofa_exact_extent), np.eye(3))
        objects.append(ObjectFacts(k, name, name, 100, {"oriented": box, "axis_aligned": box, "gravity_aligned": exact}))
    distances = {(a, b): 1.0 + 0.1 * (a + b) for a in range(1, 7) for b in range(a + 1, 7)}
    distances[(1, 2)] = 1.0
    exact = dict(distances)
    if exact_distance_m is not None:
        exact[(1, 2)] = exact_distance_m
    return SceneFacts("scene0600_00", tuple(objects), distances, 20.0, [[[0, 0], [4, 0], [4, 4], [0, 4]]],
                      exact_distances_m=exact)


def _row(question_type, instance_ids, options=(), answer="", number=0):
    return {"id": f"scene0600_00/{question_type}/{number:04d}", "question_type": question_type, "question": "q",
            "options": list(options), "ground_truth": answer, "answer": answer, "instance_ids": list(instance_ids)}


def test_distance_segment_joins_the_footprints_closest_points_and_shows_both_answers():
    facts = _facts(exact_distance_m=1.3)
    project = map_projection(facts)
    measured = measure(facts, _row("object_abs_distance", (1, 2)), project)
    line = parse(measured.svg).find("line")[0]
    x1, y1 = project(np.array([1.25, 0.75]))[0]  # the chair's right edge ...
    x2, _ = project(np.array([2.5, 0.75]))[0]  # ... to the table's left edge, 1.25 m apart in the top view
    assert (float(line["x1"]), float(line["x2"])) == (pytest.approx(x1, abs=0.06), pytest.approx(x2, abs=0.06))
    assert float(line["y1"]) == float(line["y2"]) and line["data-pair"] == "1 2"
    assert [(d.name, d.answer) for d in measured.definitions] == [
        ("default (5 cm grid on the boxes)", "1.0 m (1.000 m)"),
        ("exact (closest points of the surfaces)", "1.3 m (1.300 m)"),
    ]
    assert measured.differs and "closest points of the two boxes' footprints" in measured.legend[0]
    assert not measure(_facts(exact_distance_m=1.04), _row("object_abs_distance", (1, 2)), project).differs  # both 1.0
    # stacked objects: a cup on the table has no horizontal gap: dashed centre line, said in the legend
    stacked = measure(facts, _row("object_abs_distance", (2, 5)), project)
    assert parse(stacked.svg).find("line")[0]["class"] == "measure-line answer overlapping"
    assert "table #2 and cup #5 overlap" in stacked.legend[1]


def test_distance_without_exact_facts_says_so():
    from dataclasses import replace

    facts = replace(_facts(), exact_distances_m={})  # schema version 1 facts
    measured = measure(facts, _row("object_abs_distance", (1, 2)), map_projection(facts))
    assert measured.definitions[1].answer == "not in these facts" and not measured.differs


def test_relative_distance_draws_every_choice_to_its_nearest_instance():
    facts = _facts()
    row = _row("object_rel_distance", (1,), ("A. table", "B. lamp", "C. sofa", "D. cup"), "table")
    measured = measure(facts, row, map_projection(facts))
    lines = parse(measured.svg).find("line")
    assert [a["data-pair"] for a in lines] == ["1 2", "1 3", "1 4", "1 5"]  # cup 5 (1.6 m) nearer than cup 6 (1.7 m)
    assert [a["class"] for a in lines] == ["measure-line answer", "measure-line", "measure-line", "measure-line"]
    assert measured.related == (2, 3, 4, 5)
    assert measured.definitions[0].answer == "table (table 1.00 m, lamp 1.40 m, sofa 1.50 m, cup 1.60 m)"
    assert not measured.differs


def test_direction_draws_observer_facing_ray_and_level_boundaries():
    facts = _facts()
    project = map_projection(facts)
    # standing by the chair (1, 1) facing the table (3, 1): the lamp (2, 3) is 63.4 degrees to the left
    measured = measure(facts, _row("object_rel_direction_hard", (1, 2, 3), answer="front-left"), project)
    svg = parse(measured.svg)
    facing = svg.find("line", **{"data-role": "facing"})[0]
    boundaries = svg.find("line", **{"class": "measure-boundary"})
    assert [a["data-angle-deg"] for a in boundaries] == ["0", "90", "180", "270"]

    def ccw_deg(a):  # angle of a line from the facing ray, counter-clockwise in metres (pixel y points down)
        fx, fy = float(facing["x2"]) - float(facing["x1"]), float(facing["y1"]) - float(facing["y2"])
        vx, vy = float(a["x2"]) - float(a["x1"]), float(a["y1"]) - float(a["y2"])
        return np.degrees(np.arctan2(fx * vy - fy * vx, fx * vx + fy * vy)) % 360

    assert [ccw_deg(a) for a in boundaries] == [pytest.approx(v, abs=0.2) for v in (0, 90, 180, 270)]
    observer = svg.find("circle", **{"class": "measure-observer"})[0]
    assert (float(observer["cx"]), float(observer["cy"])) == pytest.approx(tuple(project(np.array([1.0, 1.0]))[0]), abs=0.06)
    assert [d.answer for d in measured.definitions] == ["front-left (63.4°)", "front-left (63.4°)"]
    assert not measured.differs
    # exact geometry moves the lamp's centre behind the chair: the answers differ
    moved = _facts(lamp_exact_center=(0.5, 1.5))
    medium = measure(moved, _row("object_rel_direction_medium", (1, 2, 3), answer="left"), map_projection(moved))
    assert [d.answer.split()[0] for d in medium.definitions] == ["left", "back"] and medium.differs
    easy = measure(moved, _row("object_rel_direction_easy", (1, 2, 3), answer="left"), map_projection(moved))
    assert "back (not asked)" in easy.svg


def test_size_draws_both_boxes_when_they_differ():
    facts = _facts(sofa_exact_extent=(1.3, 0.6, 0.5))
    measured = measure(facts, _row("object_size_estimation", (4,), answer="100"), map_projection(facts))
    roles = [a["data-role"] for a in parse(measured.svg).find("polygon")]
    assert roles == ["default", "exact"]
    assert [d.answer for d in measured.definitions] == ["100 cm (100.0 cm)", "130 cm (130.0 cm)"] and measured.differs
    same = measure(_facts(), _row("object_size_estimation", (4,), answer="100"), map_projection(_facts()))
    assert [a["data-role"] for a in parse(same.svg).find("polygon")] == ["default"] and not same.differs


def test_counting_room_and_route_drawings():
    facts = _facts()
    project = map_projection(facts)
    counting = measure(facts, _row("object_counting", (5, 6), answer="2"), project)
    assert [t for t in re.findall(r'class="measure-number"[^>]*>([^<]+)<', counting.svg)] == ["1", "2"]
    room = measure(facts, _row("room_size_estimation", ()), project)
    assert len(parse(room.svg).find("polygon", **{"class": "measure-room"})) == 1
    assert room.definitions[0].answer == "20.0 m² (20.00 m²)"
    bare = measure(facts, _row("route_planning", (1, 4, 2)), project)
    assert re.findall(r'class="measure-number"[^>]*>([^<]+)<', bare.svg) == ["S", "F", "G"]
    assert "details" in bare.legend[0]
    details = {"start_xy": [1.0, 1.5], "landmarks": ["lamp", "table"], "turns": ["left", "right"]}
    route = measure(facts, _row("route_planning", (1, 4, 2)), project, details)
    legs = parse(route.svg).find("line", **{"data-role": "leg"})
    assert len(legs) == 2 and route.related == (3, 2)
    assert (float(legs[1]["x2"]), float(legs[1]["y2"])) == pytest.approx(tuple(project(np.array([3.0, 1.0]))[0]), abs=0.06)
    unknown = measure(facts, _row("object_colour", (1,)), project)
    assert unknown.svg == "" and unknown.legend == ("No drawing for question type object_colour.",)


def test_page_marks_questions_whose_definitions_differ():
    facts = _facts(exact_distance_m=1.3)
    rows = [_row("object_abs_distance", (1, 2), answer="1.0"), _row("object_counting", (5, 6), answer="2", number=1)]
    page = parse(render_page(facts, rows, None))
    assert [a["class"] for a in page.find("li")] == ["question differs", "question"]
    layers = [a for t, a in page.tags if t == "g" and a.get("class") == "measure"]
    assert [(a["data-question"], a["data-type"]) for a in layers] == [("q-0", "object_abs_distance"), ("q-1", "object_counting")]


def test_details_come_from_the_questions_file(hand_build, tmp_path):
    from dataclasses import replace

    from dataset_support import hand_questions
    from vsi100k.dataset.load import read_local_scene
    from vsi100k.tasks.io import write_questions

    out, _ = hand_build
    rows, _ = read_local_scene(out, "scene0000_00")
    questions = [replace(q, details={"number": k}) for k, q in enumerate(hand_questions("scene0000_00"))]
    path = tmp_path / "questions.jsonl"
    write_questions(path, questions)
    details = read_details(path, "scene0000_00", rows)
    assert details == {q.question_id: {"number": k} for k, q in enumerate(questions)}
    assert write_preview(out, "scene0000_00", tmp_path / "p.html", path).is_file()
    with pytest.raises(ValueError, match="scene0001_00: questions.jsonl: holds no question of this scene"):
        read_details(path, "scene0001_00", rows)
    write_questions(path, [replace(questions[0], question="How many tables are in this room?")])
    with pytest.raises(ValueError, match=r"scene0000_00: questions.jsonl: question scene0000_00/object_counting/0000 has "
                                         r"another wording than the build's row \(the file comes from a different build\)"):
        read_details(path, "scene0000_00", rows)
