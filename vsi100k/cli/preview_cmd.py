"""`vsi100k preview`: parse options, call the library, print the result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from vsi100k.cli.options import command_errors, out_option


def preview(
    out_dir: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="A `vsi100k build` output folder.")],
    scene: Annotated[str, typer.Option(help="Scene id, e.g. scene0000_00.")],
    output: out_option("the HTML page (default: OUT_DIR/preview/<scene>.html)", file=True, optional=True,
                        aliases=("--output",)) = None,
    questions: Annotated[
        Optional[Path],
        typer.Option(exists=True, dir_okay=False,
                     help="Questions with their details (route legs), as JSON lines: write them from this build's "
                          "facts with `vsi100k questions --facts OUT_DIR/facts --out q.jsonl` and the build's "
                          "--seed and --mix (its build_report.json records both)."),
    ] = None,
) -> None:
    """Write an HTML page of one built scene: top-down map, sampled frames, questions with answers.

    Click a question to highlight its objects and draw what it measured on the map (distance
    segments, facing ray and direction sectors, boxes, the room outline), with the answers under the
    default and the exact definitions. The page is self-contained: open it in any browser, no
    network needed.

    Example:

      vsi100k preview ./vsi100k-data --scene scene0000_00

      vsi100k questions --facts ./vsi100k-data/facts --out q.jsonl --seed 0 --mix vsi100k

      vsi100k preview ./vsi100k-data --scene scene0000_00 --questions q.jsonl
    """
    from vsi100k.preview.page import write_preview

    with command_errors():
        path = write_preview(out_dir, scene, output, questions)
    typer.echo(f"preview: {path.resolve().as_uri()}")
