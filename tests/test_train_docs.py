"""The `vsi100k train|eval` commands of docs/training.md and README.md, run as written: the model folder becomes a tiny random Qwen2-VL,
the data a tiny demo build / VSI-Bench folder, ``runs/`` a temporary folder, and CPU-sized flags are
appended (one step, two frames, a few tokens). vLLM commands must fail with the extra's name when
vLLM is not installed."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tiny_build import write_tiny_vsibench_today
from tiny_model import save_tiny_qwen2_vl

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "training.md"
README = ROOT / "README.md"
TRAIN_CPU = [
    "--cpu", "--max-steps", "1", "--frames", "2", "--frame-max-pixels", "0", "--num-generations", "2",
    "--per-device-batch-size", "2", "--gradient-accumulation-steps", "1", "--max-completion-length", "2",
    "--no-gradient-checkpointing", "--lora-r", "4", "--lora-alpha", "8", "--save-steps", "100",
]
EVAL_CPU = ["--cpu", "--frames", "2", "--max-new-tokens", "2", "--limit", "4", "--dtype", "float32"]


def doc_commands(*docs: Path) -> list[str]:
    """The `vsi100k train|eval` lines of the bash blocks of `docs` (default: the training doc), in
    order, each once."""
    commands: list[str] = []
    for doc in docs or (DOC,):
        blocks = re.findall(r"```bash\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
        commands += [line.split("#")[0].strip() for block in blocks for line in block.splitlines()
                     if line.startswith(("vsi100k train", "vsi100k eval"))]
    return list(dict.fromkeys(commands))


def test_doc_has_one_command_per_workflow_step():
    commands = doc_commands()
    assert any("train" in c and "--method sft" not in c and "--vllm" not in c for c in commands)  # GRPO
    assert any("--method sft" in c for c in commands)
    assert any("eval" in c and "./vsi100k-data" in c for c in commands)
    assert any("eval" in c and "./VSI-Bench" in c for c in commands)
    assert any("--vllm" in c for c in commands) and any("--backend vllm" in c for c in commands)


@pytest.mark.slow
def test_doc_commands_run_as_written(tmp_path):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app
    from vsi100k.evaluate.predict import vllm_available
    from vsi100k.frames.config import FramesConfig
    from vsi100k.pipeline.demo import run_demo

    model = save_tiny_qwen2_vl(tmp_path / "model")
    result, _ = run_demo(5, out_dir=tmp_path / "demo", cache_dir=tmp_path / "cache", progress=False,
                         stream_frames=16, frames=FramesConfig(n_frames=4, max_width=64, max_height=48))
    vsibench = write_tiny_vsibench_today(tmp_path / "VSI-Bench", n_video_frames=4)  # the Hub repo as laid out today
    substitutions = {
        "/models/Qwen2-VL-2B-Instruct": str(model),
        "./vsi100k-data": str(result.out_dir),
        "./VSI-Bench": str(vsibench),
    }
    runner = CliRunner()
    for command in doc_commands(DOC, README):
        args = shlex.split(command)[1:]
        args = [substitutions.get(a, str(tmp_path / a) if a.startswith("runs/") else a) for a in args]
        args += TRAIN_CPU if args[0] == "train" else EVAL_CPU
        outcome = runner.invoke(app, args)
        if ("--vllm" in args or "vllm" in args) and not vllm_available():
            assert outcome.exit_code == 2 and "install vsi100k[vllm]" in outcome.output, (command, outcome.output)
            continue
        assert outcome.exit_code == 0, (command, outcome.output)


def test_readme_train_and_eval_lines_are_the_training_docs_own():
    """The README's GRPO, SFT and eval lines are run above; they must also be the doc's, word for word."""
    readme = doc_commands(README)
    assert len(readme) == 3 and set(readme) <= set(doc_commands(DOC)), readme
