"""Pre-flight errors of `vsi100k train` / `vsi100k eval --model`: one line, non-zero exit, no traceback,
before any data or model is loaded; plus the SFT command working without --prompt-mode."""

from __future__ import annotations

import builtins
import json

import pytest

from vsi100k.train.preflight import (
    PreflightError,
    check_device,
    check_extra,
    check_model_path,
    looks_like_hub_id,
)


def run_cli(*args: str):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    return CliRunner().invoke(app, list(args))


def hide_module(monkeypatch, name: str) -> None:
    """Make ``import name`` fail as it does when the package is not installed."""
    real_import = builtins.__import__

    def fake_import(module, *args, **kwargs):
        if module == name or module.startswith(name + "."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return real_import(module, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


def model_folder(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "qwen2_vl"}))
    return folder


def test_missing_train_extra_names_it(monkeypatch):
    hide_module(monkeypatch, "trl")
    with pytest.raises(
        PreflightError,
        match=r"the 'train' extra is not installed \(no module 'trl'\); install vsi100k\[train\]: pip install -e '\.\[train\]'",
    ):
        check_extra("train")


def test_missing_vllm_names_its_extra(monkeypatch):
    hide_module(monkeypatch, "vllm")
    with pytest.raises(PreflightError, match=r"the 'vllm' extra is not installed \(no module 'vllm'\); install vsi100k\[vllm\]"):
        check_extra("vllm")
    with pytest.raises(ValueError, match=r"unknown extra 'gpu'; valid: \['train', 'eval', 'vllm'\]"):
        check_extra("gpu")


def test_model_path_checks(tmp_path):
    check_model_path(str(model_folder(tmp_path)))  # a model folder passes
    check_model_path("Qwen/Qwen2-VL-2B-Instruct")  # a Hub id is left to transformers
    with pytest.raises(PreflightError, match=r"model /models/Qwen2-VL-2B-Instruct: no such folder"):
        check_model_path("/models/Qwen2-VL-2B-Instruct")
    with pytest.raises(PreflightError, match=r"model \./runs/grpo: no such folder"):
        check_model_path("./runs/grpo")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(PreflightError, match=r"empty: the folder has neither config\.json nor adapter_config\.json"):
        check_model_path(str(empty))
    weights = tmp_path / "weights.bin"
    weights.write_bytes(b"x")
    with pytest.raises(PreflightError, match=r"weights\.bin: not a folder"):
        check_model_path(str(weights))
    assert looks_like_hub_id("Qwen/Qwen2-VL-2B-Instruct") and not looks_like_hub_id("a/b/c")


def test_cpu_only_machine_needs_the_cpu_flag(monkeypatch):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(PreflightError, match=r"no CUDA GPU is visible \(torch\.cuda\.is_available\(\) is False\); pass --cpu"):
        check_device(cpu=False)
    check_device(cpu=True)


def one_line_error(result, text: str, code: int = 1) -> None:
    """A pre-flight failure: one line, exit 1 (fatal: the environment or an input, not the command line)."""
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [f"error: {text}"], result.output
    assert "Traceback" not in result.output


def test_cli_train_missing_extra_is_one_line(monkeypatch, tmp_path):
    hide_module(monkeypatch, "trl")
    result = run_cli("train", "--data", str(tmp_path), "--model", str(model_folder(tmp_path)), "-o", str(tmp_path / "o"))
    one_line_error(result, "the 'train' extra is not installed (no module 'trl'); install vsi100k[train]: pip install -e '.[train]'")


def test_cli_train_missing_model_and_missing_gpu(monkeypatch, tmp_path):
    import torch

    result = run_cli("train", "--data", str(tmp_path), "--model", "/no/such/model", "-o", str(tmp_path / "o"), "--cpu")
    one_line_error(result, "model /no/such/model: no such folder (a Hub model id looks like namespace/name)")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    result = run_cli("train", "--data", str(tmp_path), "--model", str(model_folder(tmp_path)), "-o", str(tmp_path / "o"))
    assert result.exit_code == 1 and "pass --cpu to run on the CPU" in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
    assert not (tmp_path / "o").exists()  # nothing was started


def test_cli_eval_model_preflight(monkeypatch, tmp_path):
    hide_module(monkeypatch, "transformers")
    result = run_cli("eval", "--data", str(tmp_path), "--model", str(model_folder(tmp_path)), "-o", str(tmp_path / "o"))
    one_line_error(result, "the 'train' extra is not installed (no module 'transformers'); install vsi100k[train]: pip install -e '.[train]'")


def test_cli_eval_vllm_backend_without_vllm(monkeypatch, tmp_path):
    hide_module(monkeypatch, "vllm")
    result = run_cli(
        "eval", "--data", str(tmp_path), "--model", str(model_folder(tmp_path)), "-o", str(tmp_path / "o"),
        "--backend", "vllm", "--cpu",
    )
    one_line_error(result, "the 'vllm' extra is not installed (no module 'vllm'); install vsi100k[vllm]: pip install -e '.[vllm]'")


def test_sft_defaults_to_the_vanilla_prompt(monkeypatch, tmp_path):
    """The README's SFT command has no --prompt-mode: SFT must pick vanilla (GRPO keeps think)."""
    import vsi100k.train.sft as sft
    import vsi100k.train.grpo as grpo

    seen = {}
    monkeypatch.setattr(sft, "train_sft", lambda cfg: seen.setdefault("sft", cfg) and {"global_step": 0})
    monkeypatch.setattr(grpo, "train_grpo", lambda cfg: seen.setdefault("grpo", cfg) and {"global_step": 0})
    folder = str(model_folder(tmp_path))
    assert run_cli("train", "--method", "sft", "--data", "d", "--model", folder, "-o", str(tmp_path), "--cpu").exit_code == 0
    assert run_cli("train", "--data", "d", "--model", folder, "-o", str(tmp_path), "--cpu").exit_code == 0
    assert seen["sft"].prompt_mode == "vanilla" and seen["grpo"].prompt_mode == "think"
