"""The `vsi100k` console script: one typer app; each `cli/<command>.py` exposes a plain function,
registered here in CLI order (commands never import the app back).

Help is plain click text (no Rich markup), so square brackets (`pip install 'vsi100k[ray]'`) and
every choice list (`--executor <local|ray>`) reach the terminal as written.
"""

from __future__ import annotations

import inspect
import re
from typing import Annotated, Optional

import typer

from vsi100k import __version__
from vsi100k.cli.build_cmd import build
from vsi100k.cli.eval_cmd import eval_command
from vsi100k.cli.export_lmms_cmd import export_lmms_eval
from vsi100k.cli.facts_cmd import facts
from vsi100k.cli.frames_cmd import frames
from vsi100k.cli.options import EXIT_CODES
from vsi100k.cli.preview_cmd import preview
from vsi100k.cli.push_cmd import push
from vsi100k.cli.questions_cmd import questions
from vsi100k.cli.rehydrate_cmd import rehydrate
from vsi100k.cli.synth_cmd import synth
from vsi100k.cli.train_cmd import train

EXIT_TABLE = "\b\nExit codes (every command):\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES.items())

app = typer.Typer(
    name="vsi100k",
    help="ScanNet, ScanNet++ and ARKitScenes scans -> a visual-spatial QA dataset (VSI-100k recipe), Hub publishing, "
    "GRPO training, VSI-Bench evaluation.\n\n" + EXIT_TABLE,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"vsi100k {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[Optional[bool], typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the vsi100k version and exit.")] = None,
) -> None:
    """ScanNet, ScanNet++ and ARKitScenes scans -> a visual-spatial QA dataset."""


def plain_help(doc: str | None) -> str:
    """A command's docstring as click help: prose paragraphs rewrapped to the terminal, the examples
    after `Examples:` kept one per line, unwrapped (click's `\\b` marker), so they copy and paste."""
    text = inspect.cleandoc(doc or "")
    parts = re.split(r"^(Examples?:)$", text, maxsplit=1, flags=re.MULTILINE)
    if len(parts) < 3:
        return text
    prose, title, examples = parts
    lines = [line.rstrip() for line in examples.splitlines() if line.strip()]
    return prose.rstrip() + "\n\n\b\n" + title + "\n" + "\n".join(lines)


for name, command in (("synth", synth), ("facts", facts), ("frames", frames), ("questions", questions),
                      ("build", build), ("push", push), ("rehydrate", rehydrate), ("preview", preview), ("train", train),
                      ("eval", eval_command), ("export-lmms-eval", export_lmms_eval)):
    app.command(name, help=plain_help(command.__doc__))(command)


def main() -> None:
    app()
