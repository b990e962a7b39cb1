"""The `vsi100k` console script: one typer app, one module per command group."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="vsi100k",
    help="ScanNet scans -> a visual-spatial QA dataset (VSI-100k recipe), Hub publishing, GRPO training, VSI-Bench evaluation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Each command module registers its commands on `app` when imported (explicit list, in CLI order).
from vsi100k.cli import synth_cmd  # noqa: E402,F401
from vsi100k.cli import frames_cmd  # noqa: E402,F401
from vsi100k.cli import build_cmd  # noqa: E402,F401
from vsi100k.cli import facts_cmd  # noqa: E402,F401
from vsi100k.cli import questions_cmd  # noqa: E402,F401
from vsi100k.cli import train_cmd, eval_cmd  # noqa: E402,F401


def main() -> None:
    app()

