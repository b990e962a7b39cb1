"""Render one scene's preview page on one screen: an inline-SVG top-down map (room outline, objects as
footprints with non-overlapping labels) above a strip of the sampled frames as small embedded JPEG
thumbnails, beside a scrollable list of the questions with their answers. Selecting a question
highlights its objects, draws what it measured on the map (`vsi100k.preview.measure`) and shows both
definitions' answers. The page needs no network and no files beside itself. Reads a build folder;
writes only the page.
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
from vsi100k.preview.labels import place_labels
from vsi100k.preview.mapgeom import MAP_MARGIN_PX, MAP_SIZE_PX, MapProjection, convex_hull, polygon_area  # noqa: F401
from vsi100k.preview.measure import Measured, measure

THUMBNAIL_WIDTH_PX = 160
THUMBNAIL_QUALITY = 75


def _points_attr(pixels: np.ndarray) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pixels)


def map_projection(facts: SceneFacts) -> MapProjection:
    """The projection that fits the room outline and every object's box footprint in the map."""
    outline = [np.asarray(polygon, dtype=float).reshape(-1, 2) for polygon in facts.room_outline if len(polygon) >= 3]
    footprints = [convex_hull(facts.box(obj.instance_id).corners()[:, :2]) for obj in facts.objects]
    every = [*outline, *footprints]
    return MapProjection(np.concatenate(every) if every else np.zeros((1, 2)))


def map_svg(facts: SceneFacts, layers: Sequence[str] = ()) -> str:
    """The top-down map (SVG text): each object's box footprint (convex hull of its box corners in xy,
    metres -> pixels) and the room outline; labels "category #id" placed so that no two shown labels
    overlap (a label with no free place gets the class `crowded` and is shown only on hover or when
    its object is highlighted); `data-instance` attributes let the page highlight a question's
    objects. `layers` (SVG groups, e.g. each question's measurement) are drawn on top, in order."""
    footprints = {obj.instance_id: convex_hull(facts.box(obj.instance_id).corners()[:, :2]) for obj in facts.objects}
    outline = [np.asarray(polygon, dtype=float).reshape(-1, 2) for polygon in facts.room_outline if len(polygon) >= 3]
    project = map_projection(facts)
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
    order = sorted(facts.objects, key=lambda o: (o.category is not None, -polygon_area(footprints[o.instance_id]), o.instance_id))
    for obj in order:
        if obj.category is None:
            draw(obj)
    for polygon in outline:
        parts.append(f'<polygon class="room" points="{_points_attr(project(polygon))}"/>')
    for obj in order:
        if obj.category is not None:
            draw(obj)
    parts.extend(layers)
    # small objects choose their label place first: a large footprint has room around its centre
    anchors = sorted(
        (o for o in facts.objects if o.category is not None),
        key=lambda o: (polygon_area(footprints[o.instance_id]), o.instance_id),
    )
    placed = place_labels(
        [(o.instance_id, f"{o.category} #{o.instance_id}", *project(facts.box(o.instance_id).center[:2])[0]) for o in anchors],
        project.width_px, project.height_px,
    )
    for label in sorted(placed, key=lambda label: label.key):
        css = "label" if label.placed else "label crowded"
        parts.append(
            f'<text class="{css}" data-instance="{label.key}" x="{label.x:.1f}" y="{label.y + 4:.1f}">'
            f"{html.escape(label.text)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)


def measure_layer(number: int, row: dict, measured: Measured) -> str:
    """The SVG group of one question's measurement, shown by the page while the question is selected."""
    return (
        f'<g class="measure" data-question="q-{number}" data-type="{html.escape(row["question_type"])}" '
        f'data-related="{" ".join(str(i) for i in measured.related)}">'
        f"{measured.svg}</g>"
    )


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


def _definitions_html(measured: Measured) -> str:
    rows = "".join(
        f'<tr><th>{html.escape(d.name)}</th><td>{html.escape(d.answer)}</td></tr>' for d in measured.definitions
    )
    verdict = ""
    if len(measured.definitions) >= 2:
        verdict = (
            '<div class="verdict differs">The two definitions give different answers.</div>' if measured.differs
            else '<div class="verdict">Both definitions give this answer.</div>'
        )
    table = f'<table class="definitions">{rows}</table>' if rows else ""
    legend = "".join(f"<p>{html.escape(sentence)}</p>" for sentence in measured.legend)
    return f'{table}{verdict}<div class="legend">{legend}</div>'


def questions_html(question_rows: Sequence[dict], measured: Sequence[Measured] | None = None) -> str:
    """One list item per question: type, wording, options, the answer (ground truth and word) and,
    with `measured`, both definitions' answers and the legend of its map drawing."""
    parts = []
    for number, row in enumerate(question_rows):
        instances = " ".join(str(i) for i in row["instance_ids"])
        options = " &nbsp; ".join(html.escape(o) for o in row["options"])
        answer = html.escape(row["ground_truth"])
        if row["answer"] != row["ground_truth"]:
            answer += f" ({html.escape(row['answer'])})"
        extra = _definitions_html(measured[number]) if measured is not None else ""
        differs = " differs" if measured is not None and measured[number].differs else ""
        parts.append(
            f'<li class="question{differs}" id="q-{number}" data-id="{html.escape(row["id"])}" data-instances="{instances}">'
            f'<div class="type">{html.escape(row["question_type"])} · {html.escape(row["id"])}</div>'
            f'<div class="text">{html.escape(row["question"])}</div>'
            f'<div class="options">{options}</div>'
            f'<div>Answer: <span class="answer">{answer}</span></div>'
            f'<div class="measured">{extra}</div></li>'
        )
    return "\n".join(parts) if parts else '<li class="empty">No questions for this scene.</li>'


def render_page(
    facts: SceneFacts,
    question_rows: Sequence[dict],
    frame_row: dict | None,
    *,
    split: str | None = None,
    details: dict[str, dict] | None = None,
) -> str:
    """The full HTML text of a scene's preview. `details`: question id -> the `details` of its
    JSON-lines record (slot values, raw numbers), used where the rows lack them (route legs)."""
    template = Template(resources.files("vsi100k.preview").joinpath("page.html").read_text())
    frames_part, frame_count = frames_html(frame_row)
    categorised = sum(1 for obj in facts.objects if obj.category)
    summary = (
        f"{len(facts.objects)} objects ({categorised} with a question category) · room "
        f"{facts.room_area_m2:.1f} m² · boxes: {facts.box_method} · distances: {facts.distance_method}"
        + (f" · split: {split}" if split else "")
    )
    project = map_projection(facts)
    measured = [measure(facts, row, project, (details or {}).get(row["id"])) for row in question_rows]
    layers = [measure_layer(number, row, m) for number, (row, m) in enumerate(zip(question_rows, measured))]
    return template.substitute(
        title=html.escape(f"vsi100k preview — {facts.scene_id}"),
        summary=html.escape(summary),
        map_svg=map_svg(facts, layers),
        question_count=str(len(question_rows)),
        questions_html=questions_html(question_rows, measured),
        frame_count=str(frame_count),
        frames_html=frames_part,
    )


def read_details(path: Path, scene_id: str, question_rows: Sequence[dict]) -> dict[str, dict]:
    """question id -> `details` from a `vsi100k questions` JSON-lines file, for one scene's rows.

    Raises ValueError when the file holds no question of the scene, or when a record with a row's id
    has another wording (the file comes from a different build)."""
    from vsi100k.tasks.io import read_questions

    path = Path(path)
    records = {q.question_id: q for q in read_questions(path) if q.scene_id == scene_id}
    if not records:
        raise ValueError(f"{scene_id}: {path.name}: holds no question of this scene (pass the file the build's questions came from)")
    out: dict[str, dict] = {}
    for row in question_rows:
        record = records.get(row["id"])
        if record is None:
            continue
        if record.question != row["question"]:
            raise ValueError(
                f"{scene_id}: {path.name}: question {row['id']} has another wording than the build's row "
                "(the file comes from a different build)"
            )
        out[row["id"]] = record.details
    return out


def write_preview(out_dir: Path, scene_id: str, output: Path | None = None, questions_file: Path | None = None) -> Path:
    """Write the preview of `scene_id` from a build folder; default `<out_dir>/preview/<scene_id>.html`.

    questions_file: optional `vsi100k questions` JSON-lines file whose `details` add what the dataset
    rows lack (the route legs of route-planning questions)."""
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
    details = read_details(questions_file, scene_id, questions) if questions_file is not None else None
    output = Path(output) if output is not None else out_dir / "preview" / f"{scene_id}.html"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(render_page(facts, questions, frames, split=facts.split, details=details), encoding="utf-8")
    tmp.replace(output)
    return output
