"""Evaluation throughput pieces on CPU: one image-processor pass per video, frames decoded once per
scene, the vLLM backend's settings (without vLLM installed), and the two GPU benches as smoke tests."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tiny_model import build_tiny_processor
from vsi100k.evaluate.predict import (
    Request,
    ScenePixels,
    VLLM_EXTRA_HINT,
    choose_backend,
    vllm_available,
    vllm_engine_args,
    vllm_prompt,
    vllm_sampling_args,
)
from vsi100k.evaluate.run import SceneFrameCache, video_key

ROOT = Path(__file__).resolve().parents[1]


def frames(seed: int, n: int = 3):
    from PIL import Image

    rng = np.random.default_rng(seed)
    return [Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)) for _ in range(n)]


def test_scene_pixels_equal_the_processor_and_run_once_per_video():
    processor = build_tiny_processor()
    scene_a, scene_b = frames(0), frames(1, n=2)
    batch = [
        Request(scene_a, "How many chair(s) are in this room?", "scannet/a"),
        Request(scene_a, "What is the size of this room (in square meters)?", "scannet/a"),
        Request(scene_b, "Which of these objects is the closest to the bed?", "scannet/b"),
    ]
    pixels = ScenePixels(processor)
    ours = pixels.model_inputs(batch)
    assert pixels.processed == 2  # two videos, three questions
    texts = [pixels._chat_text(r) for r in batch]
    reference = processor(text=texts, images=[r.images for r in batch], padding=True, return_tensors="pt")
    for key in ("input_ids", "attention_mask", "pixel_values", "image_grid_thw"):
        assert ours[key].shape == reference[key].shape, key
        assert bool((ours[key] == reference[key]).all()), key
    pixels.model_inputs(batch[:2])
    assert pixels.processed == 2  # scene a is still cached


def test_scene_pixels_placeholder_mismatch_is_an_error():
    pixels = ScenePixels(build_tiny_processor())
    import torch

    with pytest.raises(ValueError, match=r"the chat text has 1 image placeholder\(s\) for 2 frame\(s\)"):
        pixels._expand("a <|image_pad|> b", torch.tensor([[1, 4, 4], [1, 4, 4]]))


def test_scene_frame_cache_decodes_each_scene_once():
    decoded = []
    cache = SceneFrameCache(lambda key: decoded.append(key) or [key], keep=2)
    for key in ["s1", "s1", "s1", "s2", "s2", "s1", "s3", "s1"]:
        assert cache(key) == [key]
    assert decoded == ["s1", "s2", "s3"] and cache.loads == 3
    assert video_key({"dataset": "scannet", "scene_name": "scene0011_00"}) == "scannet/scene0011_00"
    assert video_key({"scene_name": "scene0003_00"}) == "scene0003_00"


def test_vllm_settings_without_vllm(tmp_path):
    args = vllm_engine_args("/models/Qwen2-VL-2B-Instruct", max_images=32, frame_max_pixels=100352)
    assert args == {
        "model": "/models/Qwen2-VL-2B-Instruct",
        "dtype": "bfloat16",
        "limit_mm_per_prompt": {"image": 32},
        "gpu_memory_utilization": 0.9,
        "seed": 0,
        "mm_processor_kwargs": {"max_pixels": 100352},
    }
    assert vllm_engine_args("m", max_images=16, max_model_len=8192)["max_model_len"] == 8192
    assert "mm_processor_kwargs" not in vllm_engine_args("m", max_images=16)
    assert vllm_sampling_args(16) == {"temperature": 0.0, "max_tokens": 16}
    with pytest.raises(ValueError, match=r"max_images=0: vLLM needs room for at least one frame"):
        vllm_engine_args("m", max_images=0)
    with pytest.raises(ValueError, match=r"gpu_memory_utilization=1\.5: must be in \(0, 1\]"):
        vllm_engine_args("m", max_images=1, gpu_memory_utilization=1.5)
    with pytest.raises(ValueError, match=r"max_new_tokens=0: must be at least 1"):
        vllm_sampling_args(0)
    prompt = vllm_prompt(build_tiny_processor(), Request(frames(2, n=2), "How many?"))
    assert prompt["prompt"].count("<|image_pad|>") == 2 and len(prompt["multi_modal_data"]["image"]) == 2


@pytest.mark.skipif(vllm_available(), reason="vllm is installed here")
def test_vllm_backend_without_vllm_names_the_extra():
    with pytest.raises(ValueError, match=r"backend 'vllm' requested but vllm is not installed; install vsi100k\[vllm\]"):
        choose_backend("vllm")
    assert "vsi100k[vllm]" in VLLM_EXTRA_HINT
    assert choose_backend("auto") == "transformers"


@pytest.mark.slow
def test_eval_bench_smoke_on_cpu(tmp_path):
    out = tmp_path / "eval.json"
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "eval_gpu.py"), "--arch", "tiny", "--cpu", "--scenes", "2",
         "--questions-per-scene", "3", "--frames", "2", "--frame-max-pixels", "3136", "--workdir", str(tmp_path / "w"),
         "--json-out", str(out)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    figures = json.loads(out.read_text())
    assert figures["questions_small_large"] == [3, 6] and figures["batch_size"] == 8 and figures["frames"] == 2
    assert figures["seconds_small_large"][0] > 0 and figures["device"] == "cpu"
