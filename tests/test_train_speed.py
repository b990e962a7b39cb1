"""GRPO speed options on CPU: LoRA merged for rollouts (exact), the step profiler, the options reaching
TRL's GRPOConfig (vLLM colocate, static cache, generation batch), and the GRPO bench as a smoke test."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tiny_model import build_tiny_model, build_tiny_processor
from vsi100k.errors import ConfigError
from vsi100k.train.config import TrainConfig
from vsi100k.train.profile import PHASES, StepProfiler, format_breakdown
from vsi100k.train.rollouts import lora_layers, merged_lora

ROOT = Path(__file__).resolve().parents[1]


def lora_model():
    import torch
    from peft import LoraConfig, get_peft_model

    processor = build_tiny_processor()
    model = build_tiny_model(processor.tokenizer)
    model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], lora_dropout=0.0))
    torch.manual_seed(1)
    with torch.no_grad():  # B starts at zero: give the adapters a real effect
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    return model.eval(), processor


def test_merged_lora_generates_the_same_logits_and_restores_weights_exactly():
    import torch

    model, processor = lora_model()
    ids = processor.tokenizer(["How many chair(s) are in this room?"], return_tensors="pt")
    layers = lora_layers(model)
    assert len(layers) == 4  # q_proj and v_proj in 2 layers
    before = {id(layer): layer.get_base_layer().weight.detach().clone() for layer in layers}
    with torch.no_grad():
        with_adapters = model(**ids).logits
        with merged_lora(model):
            assert all(layer.merged for layer in layers)
            merged_logits = model(**ids).logits
            changed = max(float((layer.get_base_layer().weight - before[id(layer)]).abs().max()) for layer in layers)
    assert changed > 1e-3  # the adapters were folded into the weights
    assert torch.allclose(merged_logits, with_adapters, atol=1e-5)
    for layer in layers:
        assert not layer.merged
        assert torch.equal(layer.get_base_layer().weight, before[id(layer)])  # bit-identical, not re-subtracted


def test_merged_lora_is_a_no_op_without_adapters():
    processor = build_tiny_processor()
    model = build_tiny_model(processor.tokenizer)
    assert lora_layers(model) == []
    with merged_lora(model) as same:
        assert same is model


def test_step_profiler_records_phases_with_a_fake_clock():
    ticks = iter(range(100))
    profiler = StepProfiler(sync=None, clock=lambda: float(next(ticks)))

    class Fake:
        def generate(self):
            return "done"

    fake = Fake()
    timed = profiler._timed("rollout_generation", fake.generate)
    profiler._current = {}
    assert timed() == "done"  # clock 0 -> 1
    profiler._current["optimizer"] = 2.0
    record = profiler.close_step(10.0)
    assert record["rollout_generation"] == 1.0 and record["optimizer"] == 2.0
    assert record["other"] == 7.0 and record["step"] == 10.0 and record["backward"] == 0.0
    profiler.steps = [record, {**record, "step": 20.0, "other": 17.0}]
    assert profiler.mean(skip_first=1)["step"] == 20.0
    assert set(profiler.mean()) == {*PHASES, "step"}
    assert "rollout_generation" in format_breakdown(profiler.mean()) and "%" in format_breakdown(profiler.mean())
    with pytest.raises(ValueError, match="no optimiser step was recorded"):
        StepProfiler().mean()


def test_profiler_refuses_a_trainer_without_the_methods():
    with pytest.raises(AttributeError, match=r"object has no method '_generate_single_turn'|has no method '_generate_single_turn'"):
        StepProfiler().attach(object())


def test_speed_options_reach_grpo_config(tmp_path):
    from vsi100k.train.grpo import grpo_args

    args = grpo_args(
        TrainConfig(
            model="m", data="d", output_dir=tmp_path, use_cpu=True, gradient_checkpointing=False,
            use_vllm=True, vllm_max_model_length=8192, vllm_gpu_memory_utilization=0.35,
            cache_implementation="static", generation_batch_size=28, attn_implementation="eager",
        )
    )
    assert (args.use_vllm, args.vllm_mode, args.vllm_max_model_length) == (True, "colocate", 8192)
    assert args.vllm_gpu_memory_utilization == 0.35
    assert args.cache_implementation == "static" and args.generation_batch_size == 28
    assert args.steps_per_generation == 14  # 28 completions / 2 per device: two optimiser steps per generation
    assert args.model_init_kwargs["attn_implementation"] == "eager"
    cpu = grpo_args(TrainConfig(model="m", data="d", output_dir=tmp_path, use_cpu=True, gradient_checkpointing=False))
    assert cpu.model_init_kwargs["attn_implementation"] == "sdpa"  # "auto" on CPU
    assert cpu.use_vllm is False and cpu.cache_implementation is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"attn_implementation": "flash"}, r"attn_implementation='flash': choose one of auto, sdpa, flash_attention_2, eager"),
        ({"cache_implementation": "paged"}, r"cache_implementation='paged': choose one of dynamic, static or None"),
        ({"generation_batch_size": 10}, r"generation_batch_size=10: must be a positive multiple of num_generations=14"),
        ({"vllm_gpu_memory_utilization": 0.0}, r"vllm_gpu_memory_utilization=0.0: must be in \(0, 1\]"),
    ],
)
def test_speed_option_errors(overrides, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(model="m", data="d", output_dir=tmp_path, **overrides)


@pytest.mark.slow
def test_grpo_bench_smoke_prints_the_breakdown(tmp_path):
    out = tmp_path / "grpo.json"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "grpo_gpu.py"), "--arch", "tiny", "--cpu", "--steps", "1", "--frames", "2",
         "--generations", "2", "--max-completion-length", "2", "--frame-max-pixels", "3136", "--lora",
         "--workdir", str(tmp_path / "w"), "--json-out", str(out)],
        check=True, capture_output=True, text=True, timeout=900,
    )
    figures = json.loads(out.read_text())
    assert figures["lora"] and figures["merge_lora_for_rollouts"] and figures["timed_steps"] == 1
    breakdown = figures["breakdown_seconds"]
    assert set(breakdown) == {*PHASES, "step"}
    for phase in ("rollout_generation", "reference_and_old_policy_forward", "policy_forward", "backward", "optimizer"):
        assert breakdown[phase] > 0, phase
    assert sum(breakdown[p] for p in PHASES) == pytest.approx(breakdown["step"], rel=1e-3, abs=1e-3)
    assert "rollout_generation" in result.stdout
