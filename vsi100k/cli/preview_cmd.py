"""`vsi100k preview`: parse options, call the library, print the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.build_cmd import LIBRARY_ERRORS
from vsi100k.cli.options import fail


def preview(
    out_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A `vsi100k build` output folder.")],
    scene: Annotated[str, typer.Option(help="Scene id, e.g. scene0000_00.")],
    output: Annotated[
        Optional[Path], typer.Option(dir_okay=False, help="HTML file to write (default: OUT_DIR/preview/<scene>.html).")
    ] = None,
    questions: Annotated[
        Optional[Path],
        typer.Option(exists=True, dir_okay=False,
                     help="`vsi100k questions` JSON-lines file of this build: its details add the route legs."),
    ] = None,
) -> None:
    """Write an HTML page of one built scene: top-down map, sampled frames, questions with answers.

    Click a question to highlight its objects and draw what it measured on the map (distance
    segments, facing ray and direction sectors, boxes, the room outline), with the answers under the
    default and the exact definitions. The page is self-contained: open it in any browser, no
    network needed.

    Example:

      vsi100k preview ./vsi100k-data --scene scene0000_00

      vsi100k preview ./vsi100k-data --scene scene0000_00 --questions questions.jsonl
    """
    from vsi100k.preview.page import write_preview

    try:
        path = write_preview(out_dir, scene, output, questions)
    except LIBRARY_ERRORS as error:
        fail(error)
    typer.echo(f"preview: {path.resolve().as_uri()}")
