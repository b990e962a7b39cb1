"""Answer questions with a model: transformers generation, or vLLM when it is installed.

A request is one question: its frames (PIL images, shown first, one image block each) and the prompt
text (`vsi100k.prompts.build_prompt`). Decoding is greedy, as VSI-Bench evaluates. A folder holding a
LoRA adapter (``adapter_config.json``, as `vsi100k train --lora` saves) is loaded on its base model and
merged. torch / transformers / vllm are imported inside the functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("auto", "transformers", "vllm")


@dataclass(frozen=True)
class Request:
    """One question for the model: frames (list of PIL images) and the user text."""

    images: list
    text: str


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return True


def choose_backend(backend: str) -> str:
    """ "auto" -> "vllm" when importable, else "transformers"; an explicit choice is checked."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; valid: {list(BACKENDS)}")
    if backend == "auto":
        return "vllm" if vllm_available() else "transformers"
    if backend == "vllm" and not vllm_available():
        raise ValueError(
            "backend 'vllm' requested but vllm is not installed; pip install vllm or use --backend transformers"
        )
    return backend


def messages_for(request: Request) -> list[dict]:
    """The chat of one request: a user turn with one image block per frame, then the text."""
    content = [{"type": "image", "image": image} for image in request.images]
    content.append({"type": "text", "text": request.text})
    return [{"role": "user", "content": content}]


def adapter_base(model_path: str) -> str | None:
    """The base model of a saved LoRA adapter folder, or None when ``model_path`` is a full model."""
    config = Path(model_path) / "adapter_config.json"
    if not config.is_file():
        return None
    base = json.loads(config.read_text(encoding="utf-8")).get("base_model_name_or_path")
    if not base:
        raise ValueError(f"{config}: the adapter does not name its base model (base_model_name_or_path)")
    return base


class TransformersPredictor:
    """Greedy generation with ``AutoModelForImageTextToText`` in batches of ``batch_size`` requests."""

    def __init__(
        self,
        model_path: str,
        *,
        max_new_tokens: int,
        frame_max_pixels: int | None = None,
        dtype: str = "bfloat16",
        device: str | None = None,
        batch_size: int = 1,
    ):
        import torch
        from transformers import AutoModelForImageTextToText

        from vsi100k.train.common import load_processor

        if batch_size < 1:
            raise ValueError(f"batch_size={batch_size}: must be at least 1")
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        torch_dtype = getattr(torch, dtype)
        base = adapter_base(model_path)
        if base is None:
            model = AutoModelForImageTextToText.from_pretrained(model_path, dtype=torch_dtype)
        else:
            from peft import PeftModel

            model = PeftModel.from_pretrained(
                AutoModelForImageTextToText.from_pretrained(base, dtype=torch_dtype), model_path
            ).merge_and_unload()
        self.model = model.to(self.device).eval()
        processor_source = (
            model_path if (Path(model_path) / "preprocessor_config.json").exists() or base is None else base
        )
        self.processor = load_processor(processor_source, frame_max_pixels)

    def __call__(self, requests: Sequence[Request]) -> list[str]:
        outputs: list[str] = []
        for start in range(0, len(requests), self.batch_size):
            outputs.extend(self._generate(requests[start : start + self.batch_size]))
        return outputs

    def _generate(self, batch: Sequence[Request]) -> list[str]:
        import torch

        texts = [
            self.processor.apply_chat_template(messages_for(r), add_generation_prompt=True, tokenize=False)
            for r in batch
        ]
        images = [list(r.images) for r in batch]
        has_images = any(images)
        inputs = self.processor(
            text=texts, images=images if has_images else None, padding=True, return_tensors="pt"
        ).to(self.device)
        tokenizer = self.processor.tokenizer
        with torch.inference_mode():
            generated = self.model.generate(
                **inputs,
                max_new_tokens=self.max_new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=tokenizer.pad_token_id,
            )
        new_tokens = generated[:, inputs["input_ids"].shape[1] :]
        return [text.strip() for text in tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]


class VllmPredictor:
    """Greedy generation with vLLM (images passed as multi-modal data, at most ``max_images`` per prompt)."""

    def __init__(
        self,
        model_path: str,
        *,
        max_new_tokens: int,
        max_images: int,
        frame_max_pixels: int | None = None,
        dtype: str = "bfloat16",
        gpu_memory_utilization: float = 0.9,
    ):
        if adapter_base(model_path) is not None:
            raise ValueError(
                f"{model_path}: a LoRA adapter folder; vLLM needs full weights. Use --backend transformers, "
                "which merges the adapter, or merge it first"
            )
        from vllm import LLM, SamplingParams

        from vsi100k.train.common import load_processor

        self.processor = load_processor(model_path, frame_max_pixels)
        mm_kwargs = {"max_pixels": int(frame_max_pixels)} if frame_max_pixels is not None else None
        self.llm = LLM(
            model=model_path,
            dtype=dtype,
            limit_mm_per_prompt={"image": max_images},
            mm_processor_kwargs=mm_kwargs,
            gpu_memory_utilization=gpu_memory_utilization,
            seed=0,
        )
        self.sampling = SamplingParams(temperature=0.0, max_tokens=max_new_tokens)

    def __call__(self, requests: Sequence[Request]) -> list[str]:
        prompts = []
        for request in requests:
            text = self.processor.apply_chat_template(messages_for(request), add_generation_prompt=True, tokenize=False)
            prompt = {"prompt": text}
            if request.images:
                prompt["multi_modal_data"] = {"image": list(request.images)}
            prompts.append(prompt)
        results = self.llm.generate(prompts, self.sampling, use_tqdm=False)
        return [result.outputs[0].text.strip() for result in results]


def make_predictor(
    model_path: str,
    *,
    backend: str,
    max_new_tokens: int,
    num_frames: int,
    frame_max_pixels: int | None,
    dtype: str,
    batch_size: int,
):
    """The predictor for ``backend`` ("auto" picks vLLM when installed)."""
    chosen = choose_backend(backend)
    if chosen == "vllm":
        return VllmPredictor(
            model_path,
            max_new_tokens=max_new_tokens,
            max_images=num_frames,
            frame_max_pixels=frame_max_pixels,
            dtype=dtype,
        )
    return TransformersPredictor(
        model_path,
        max_new_tokens=max_new_tokens,
        frame_max_pixels=frame_max_pixels,
        dtype=dtype,
        batch_size=batch_size,
    )
