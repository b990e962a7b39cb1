"""The `vsi100k` console script: one typer app; each `cli/<command>.py` exposes a plain function,
registered here in CLI order (commands never import the app back)."""

from __future__ import annotations

import typer

from vsi100k.cli.build_cmd import build
from vsi100k.cli.eval_cmd import eval_command
from vsi100k.cli.export_lmms_cmd import export_lmms_eval
from vsi100k.cli.facts_cmd import facts
from vsi100k.cli.frames_cmd import frames
from vsi100k.cli.preview_cmd import preview
from vsi100k.cli.push_cmd import push
from vsi100k.cli.questions_cmd import questions
from vsi100k.cli.rehydrate_cmd import rehydrate
from vsi100k.cli.synth_cmd import synth
from vsi100k.cli.train_cmd import train

app = typer.Typer(
    name="vsi100k",
    help="ScanNet scans -> a visual-spatial QA dataset (VSI-100k recipe), Hub publishing, GRPO training, VSI-Bench evaluation.\n\n"
    "Exit codes: 0 ok, 1 fatal, 2 usage, 3 built but some scans failed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for name, command in (("synth", synth), ("facts", facts), ("frames", frames), ("questions", questions),
                      ("build", build), ("push", push), ("rehydrate", rehydrate), ("preview", preview), ("train", train),
                      ("eval", eval_command), ("export-lmms-eval", export_lmms_eval)):
    app.command(name)(command)


def main() -> None:
    app()
