"""Place map labels so that no two drawn labels overlap (a greedy, deterministic layout).

Works in SVG pixels only; knows nothing about scenes. A label that finds no free place is returned
as not placed: the page shows it only on hover or when its object belongs to the selected question.
"""

from __future__ import annotations

from dataclasses import dataclass

CHAR_WIDTH_PX = 6.6  # generous average advance of an 11 px sans-serif glyph
LABEL_HEIGHT_PX = 13.0
# candidate offsets (dx, dy) of a label's centre from its anchor, in label heights, nearest first
_OFFSETS = ((0, 0), (0, -1), (0, 1), (0, -2), (0, 2), (-1, 0), (1, 0), (0, -3), (0, 3), (-1, -1), (1, -1), (-1, 1), (1, 1))


@dataclass(frozen=True)
class PlacedLabel:
    """One label: its text's centre (x, y) in pixels, its box (left, top, right, bottom) and whether
    it found a place free of every earlier placed label inside the drawing."""

    key: int
    text: str
    x: float
    y: float
    box: tuple[float, float, float, float]
    placed: bool


def label_box(text: str, x: float, y: float) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) pixels of a text centred on (x, y)."""
    half_w = len(text) * CHAR_WIDTH_PX / 2.0
    half_h = LABEL_HEIGHT_PX / 2.0
    return (x - half_w, y - half_h, x + half_w, y + half_h)


def boxes_overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    """True when two (left, top, right, bottom) boxes share interior area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place_labels(
    anchors: list[tuple[int, str, float, float]], width_px: float, height_px: float
) -> list[PlacedLabel]:
    """Place labels (key, text, anchor x, anchor y) in the given order, each at the first candidate
    offset (coordinates rounded to 0.1 px) around its anchor that stays inside the width x height drawing and overlaps no label
    placed before it. Labels with no such offset keep their anchor position and `placed=False`."""
    taken: list[tuple[float, float, float, float]] = []
    out: list[PlacedLabel] = []
    for key, text, ax, ay in anchors:
        width = len(text) * CHAR_WIDTH_PX
        chosen = None
        for ox, oy in _OFFSETS:
            # rounded as the page writes them, one pixel apart, so that written labels never touch
            x = round(ax + ox * (width / 2.0 + 2.0), 1)
            y = round(ay + oy * (LABEL_HEIGHT_PX + 1.0), 1)
            box = label_box(text, x, y)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width_px and box[3] <= height_px
            if inside and not any(boxes_overlap(box, other) for other in taken):
                chosen = (x, y, box)
                break
        if chosen is None:
            out.append(PlacedLabel(key, text, ax, ay, label_box(text, ax, ay), False))
            continue
        x, y, box = chosen
        taken.append(box)
        out.append(PlacedLabel(key, text, x, y, box, True))
    return out
