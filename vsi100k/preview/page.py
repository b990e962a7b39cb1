"""Render one scene's preview page: an inline-SVG top-down map (room outline, objects as labelled
footprints), its sampled frames as small embedded JPEG thumbnails, and its questions with answers;
clicking a question highlights its objects on the map. The page needs no network and no files
beside itself. Reads a build folder; writes only the page.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from string import Template

import numpy as np

from vsi100k.facts.schema import SceneFacts

MAP_SIZE_PX = 560  # longer side of the map drawing
MAP_MARGIN_PX = 20
THUMBNAIL_WIDTH_PX = 160
THUMBNAIL_QUALITY = 75


def convex_hull(points: np.ndarray) -> np.ndarray:
    """(K, 2) convex hull of (N, 2) points, counter-clockwise (Andrew's monotone chain)."""
    unique = sorted({(float(x), float(y)) for x, y in np.asarray(points, dtype=float)})
    if len(unique) <= 2:
        return np.array(unique, dtype=float)

    def cross(o, a, b) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1], dtype=float)


class MapProjection:
    """Maps aligned-frame xy (metres) to SVG pixels: uniform scale, y flipped (SVG y points down)."""

    def __init__(self, points_xy: np.ndarray, size_px: int = MAP_SIZE_PX, margin_px: int = MAP_MARGIN_PX):
        points_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
        if len(points_xy) == 0:
            points_xy = np.zeros((1, 2))
        self.low = points_xy.min(axis=0)
        span = np.maximum(points_xy.max(axis=0) - self.low, 1e-6)
        self.scale_px_per_m = (size_px - 2 * margin_px) / float(span.max())
        self.margin_px = margin_px
        self.width_px = int(np.ceil(span[0] * self.scale_px_per_m + 2 * margin_px))
        self.height_px = int(np.ceil(span[1] * self.scale_px_per_m + 2 * margin_px))

    def __call__(self, points_xy: np.ndarray) -> np.ndarray:
        """(N, 2) metres -> (N, 2) pixels."""
        p = (np.asarray(points_xy, dtype=float).reshape(-1, 2) - self.low) * self.scale_px_per_m
        return np.column_stack([p[:, 0] + self.margin_px, self.height_px - self.margin_px - p[:, 1]])


def _area(polygon: np.ndarray) -> float:
    """Area of a simple (K, 2) polygon (shoelace), m2."""
    if len(polygon) < 3:
        return 0.0
    x, y = polygon[:, 0], polygon[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _points_attr(pixels: np.ndarray) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pixels)


def map_svg(facts: SceneFacts) -> str:
    """The top-down map (SVG text): each object's box footprint (convex hull of its box corners in xy,
    metres -> pixels) and the room outline, labelled with category and instance id; `data-instance`
    attributes let the page highlight a question's objects."""
    footprints = {obj.instance_id: convex_hull(facts.box(obj.instance_id).corners()[:, :2]) for obj in facts.objects}
    outline = [np.asarray(polygon, dtype=float).reshape(-1, 2) for polygon in facts.room_outline if len(polygon) >= 3]
    every = [*outline, *footprints.values()]
    project = MapProjection(np.concatenate(every) if every else np.zeros((1, 2)))
    parts = [
        f'<svg id="map" xmlns="http://www.w3.org/2000/svg" width="{project.width_px}" height="{project.height_px}" '
        f'viewBox="0 0 {project.width_px} {project.height_px}">'
    ]

    def draw(obj) -> None:
        name = obj.category or obj.raw_label
        css = "object" if obj.category else "object uncategorised"
        pixels = project(footprints[obj.instance_id])
        parts.append(
            f'<polygon class="{css}" data-instance="{obj.instance_id}" points="{_points_attr(pixels)}">'
            f"<title>{html.escape(name)} #{obj.instance_id} ({html.escape(obj.raw_label)})</title></polygon>"
        )

    # uncategorised objects (floor, walls, ...) under the room outline, question objects on top;
    # large footprints first, so a small object on or beside a large one stays visible and clickable
    order = sorted(facts.objects, key=lambda o: (o.category is not None, -_area(footprints[o.instance_id]), o.instance_id))
    for obj in order:
        if obj.category is None:
            draw(obj)
    for polygon in outline:
        parts.append(f'<polygon class="room" points="{_points_attr(project(polygon))}"/>')
    for obj in order:
        if obj.category is not None:
            draw(obj)
    for obj in facts.objects:
        if obj.category is None:
            continue
        x, y = project(facts.box(obj.instance_id).center[:2])[0]
        parts.append(
            f'<text class="label" data-instance="{obj.instance_id}" x="{x:.1f}" y="{y:.1f}">'
            f"{html.escape(obj.category)} #{obj.instance_id}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def thumbnail_data_uri(jpeg: bytes, width_px: int = THUMBNAIL_WIDTH_PX) -> str:
    """A `data:image/jpeg;base64,...` URI of the image scaled to `width_px` wide (aspect kept)."""
    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        image = image.convert("RGB")
        height_px = max(1, round(image.height * width_px / image.width))
        small = image.resize((width_px, height_px), Image.BILINEAR)
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def frames_html(frame_row: dict | None) -> tuple[str, int]:
    """Thumbnails of a frames row (figure per frame with its index and time); ("", 0) without frames."""
    if not frame_row:
        return '<p class="empty">No frames stored for this scene.</p>', 0
    parts = []
    for image, index, time_s in zip(frame_row["frames"], frame_row["frame_indices"], frame_row["timestamps_s"]):
        uri = thumbnail_data_uri(image["bytes"])
        parts.append(
            f'<figure><img class="frame" src="{uri}" alt="frame {index}" title="frame {index}, {time_s:.2f} s">'
            f"<figcaption>#{index} · {time_s:.1f} s</figcaption></figure>"
        )
    return "\n".join(parts), len(parts)


def questions_html(question_rows: Sequence[dict]) -> str:
    """One list item per question: type, wording, options, and the answer (ground truth and word)."""
    parts = []
    for number, row in enumerate(question_rows):
        instances = " ".join(str(i) for i in row["instance_ids"])
        options = " &nbsp; ".join(html.escape(o) for o in row["options"])
        answer = html.escape(row["ground_truth"])
        if row["answer"] != row["ground_truth"]:
            answer += f" ({html.escape(row['answer'])})"
        parts.append(
            f'<li class="question" id="q-{number}" data-id="{html.escape(row["id"])}" data-instances="{instances}">'
            f'<div class="type">{html.escape(row["question_type"])} · {html.escape(row["id"])}</div>'
            f'<div class="text">{html.escape(row["question"])}</div>'
            f'<div class="options">{options}</div>'
            f'<div>Answer: <span class="answer">{answer}</span></div></li>'
        )
    return "\n".join(parts) if parts else '<li class="empty">No questions for this scene.</li>'


def render_page(facts: SceneFacts, question_rows: Sequence[dict], frame_row: dict | None, *, split: str | None = None) -> str:
    """The full HTML text of a scene's preview."""
    template = Template(resources.files("vsi100k.preview").joinpath("page.html").read_text())
    frames_part, frame_count = frames_html(frame_row)
    categorised = sum(1 for obj in facts.objects if obj.category)
    summary = (
        f"{len(facts.objects)} objects ({categorised} with a question category) · room "
        f"{facts.room_area_m2:.1f} m² · boxes: {facts.box_method} · distances: {facts.distance_method}"
        + (f" · split: {split}" if split else "")
    )
    return template.substitute(
        title=html.escape(f"vsi100k preview — {facts.scene_id}"),
        summary=html.escape(summary),
        map_svg=map_svg(facts),
        question_count=str(len(question_rows)),
        questions_html=questions_html(question_rows),
        frame_count=str(frame_count),
        frames_html=frames_part,
    )


def write_preview(out_dir: Path, scene_id: str, output: Path | None = None) -> Path:
    """Write the preview of `scene_id` from a build folder; default `<out_dir>/preview/<scene_id>.html`."""
    from vsi100k.dataset.load import read_local_scene
    from vsi100k.dataset.schema import FACTS_DIR

    out_dir = Path(out_dir)
    facts_path = out_dir / FACTS_DIR / f"{scene_id}.json"
    if not facts_path.is_file():
        known = sorted(p.stem for p in (out_dir / FACTS_DIR).glob("*.json"))
        shown = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        raise FileNotFoundError(f"{scene_id}: not in this build (no {facts_path}); built scenes: {shown or 'none'}")
    facts = SceneFacts.read(facts_path)
    questions, frames = read_local_scene(out_dir, scene_id)
    output = Path(output) if output is not None else out_dir / "preview" / f"{scene_id}.html"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(render_page(facts, questions, frames, split=facts.split), encoding="utf-8")
    tmp.replace(output)
    return output
