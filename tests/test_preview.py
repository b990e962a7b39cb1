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

from vsi100k.preview.page import MapProjection, convex_hull, map_svg, write_preview

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


def test_chromium_renders_map_frames_and_highlights_the_selected_question(hand_build, tmp_path):
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
    screenshot = tmp_path / "preview.png"
    _chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,1400", "--hide-scrollbars", url)
    pixels = np.asarray(Image.open(screenshot).convert("RGB")).astype(int)
    # highlighted footprints are filled orange (#ff8c1a at 0.9 opacity over the map background)
    orange = (pixels[..., 0] > 220) & (abs(pixels[..., 1] - 145) < 25) & (pixels[..., 2] < 80)
    assert orange.sum() > 2000
