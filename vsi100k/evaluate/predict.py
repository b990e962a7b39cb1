"""Answer questions with a model: transformers generation, or vLLM when it is installed.

A request is one question: its frames (PIL images, shown first, one image block each), the prompt
text (`vsi100k.prompts.build_prompt`) and a ``frames_key`` naming the video the frames came from.
Decoding is greedy, as VSI-Bench evaluates. A folder holding a LoRA adapter (``adapter_config.json``,
as `vsi100k train --lora` saves) is loaded on its base model and merged.

Throughput: the transformers backend generates ``batch_size`` questions per call and runs the image
processor once per video (``frames_key``), sharing the pixel tensors among that video's questions
(VSI-Bench asks about 18 questions per video); vLLM batches everything it is given. The vLLM engine
and sampling settings are plain dicts (`vllm_engine_args`, `vllm_sampling_args`) so they are checked
without vLLM installed. torch / transformers / vllm are imported inside the functions.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BACKENDS = ("auto", "transformers", "vllm")
VLLM_EXTRA_HINT = "install vsi100k[vllm] (pip install -e '.[vllm]') or use --backend transformers"


@dataclass(frozen=True)
class Request:
    """One question for the model: frames (list of PIL images), the user text, and the frames' video key
    (requests with the same non-empty key share one image-processor pass)."""

    images: list
    text: str
    frames_key: str = ""


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
        raise ValueError(f"backend 'vllm' requested but vllm is not installed; {VLLM_EXTRA_HINT}")
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


class ScenePixels:
    """Model inputs for a batch of requests, running the image processor once per ``frames_key``.

    Equivalent to ``processor(text=..., images=..., padding=True)``: each image placeholder of the chat
    text is expanded to the image's token count (grid t x h x w / merge_size^2, Qwen2-VL's rule) and the
    per-video ``pixel_values`` / ``image_grid_thw`` are concatenated in request order. Keeps the last
    ``keep`` videos. Processors without Qwen2-VL's image token attributes use the plain processor call.
    """

    def __init__(self, processor, keep: int = 2):
        self.processor = processor
        self.keep = keep
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self.image_token = getattr(processor, "image_token", None)
        self.merge_size = getattr(getattr(processor, "image_processor", None), "merge_size", None)
        self.processed = 0  # image-processor passes, for tests and benchmarks

    def _chat_text(self, request: Request) -> str:
        return self.processor.apply_chat_template(messages_for(request), add_generation_prompt=True, tokenize=False)

    def _vision(self, request: Request) -> dict:
        key = request.frames_key
        if key and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        vision = dict(self.processor.image_processor(images=list(request.images), return_tensors="pt"))
        self.processed += 1
        if key:
            self._cache[key] = vision
            while len(self._cache) > self.keep:
                self._cache.popitem(last=False)
        return vision

    def model_inputs(self, batch: Sequence[Request]):
        """A `BatchFeature` of input_ids, attention_mask (left-padded) and, with frames, pixel_values and
        image_grid_thw, for ``batch``."""
        import torch

        texts = [self._chat_text(r) for r in batch]
        if not any(r.images for r in batch):
            return self.processor(text=texts, padding=True, return_tensors="pt")
        if self.image_token is None or self.merge_size is None:
            images = [list(r.images) for r in batch]
            return self.processor(text=texts, images=images, padding=True, return_tensors="pt")
        pixel_values, grids, expanded = [], [], []
        for request, text in zip(batch, texts, strict=True):
            if not request.images:
                expanded.append(text)
                continue
            vision = self._vision(request)
            pixel_values.append(vision["pixel_values"])
            grids.append(vision["image_grid_thw"])
            expanded.append(self._expand(text, vision["image_grid_thw"]))
        inputs = self.processor.tokenizer(expanded, padding=True, return_tensors="pt")
        inputs["pixel_values"] = torch.cat(pixel_values)
        inputs["image_grid_thw"] = torch.cat(grids)
        return inputs

    def _expand(self, text: str, grid_thw) -> str:
        pieces = text.split(self.image_token)
        if len(pieces) - 1 != len(grid_thw):
            raise ValueError(
                f"the chat text has {len(pieces) - 1} image placeholder(s) for {len(grid_thw)} frame(s)"
            )
        counts = [int(row.prod()) // self.merge_size**2 for row in grid_thw]
        out = [pieces[0]]
        for count, piece in zip(counts, pieces[1:], strict=True):
            out.append(self.image_token * count + piece)
        return "".join(out)


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
        self.pixels = ScenePixels(self.processor)

    def __call__(self, requests: Sequence[Request]) -> list[str]:
        outputs: list[str] = []
        for start in range(0, len(requests), self.batch_size):
            outputs.extend(self._generate(requests[start : start + self.batch_size]))
        return outputs

    def _generate(self, batch: Sequence[Request]) -> list[str]:
        import torch

        inputs = self.pixels.model_inputs(batch).to(self.device)
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


def vllm_engine_args(
    model_path: str,
    *,
    max_images: int,
    frame_max_pixels: int | None = None,
    dtype: str = "bfloat16",
    gpu_memory_utilization: float = 0.9,
    max_model_len: int | None = None,
    seed: int = 0,
) -> dict:
    """Keyword arguments of ``vllm.LLM`` for greedy evaluation of a Qwen2-VL-class model.

    ``max_images`` frames per prompt; ``frame_max_pixels`` caps each frame in vLLM's image processor (as
    the transformers backend's processor does); ``max_model_len`` bounds the KV cache per sequence
    (None: the model's own context length). A LoRA adapter folder is refused (vLLM needs full weights).
    """
    if adapter_base(model_path) is not None:
        raise ValueError(
            f"{model_path}: a LoRA adapter folder; vLLM needs full weights. Use --backend transformers, "
            "which merges the adapter, or merge it first"
        )
    if max_images < 1:
        raise ValueError(f"max_images={max_images}: vLLM needs room for at least one frame per prompt")
    if not 0 < gpu_memory_utilization <= 1:
        raise ValueError(f"gpu_memory_utilization={gpu_memory_utilization}: must be in (0, 1]")
    args = {
        "model": model_path,
        "dtype": dtype,
        "limit_mm_per_prompt": {"image": int(max_images)},
        "gpu_memory_utilization": gpu_memory_utilization,
        "seed": seed,
    }
    if frame_max_pixels is not None:
        args["mm_processor_kwargs"] = {"max_pixels": int(frame_max_pixels)}
    if max_model_len is not None:
        args["max_model_len"] = int(max_model_len)
    return args


def vllm_sampling_args(max_new_tokens: int) -> dict:
    """Keyword arguments of ``vllm.SamplingParams``: greedy decoding of at most ``max_new_tokens``."""
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens={max_new_tokens}: must be at least 1")
    return {"temperature": 0.0, "max_tokens": int(max_new_tokens)}


def vllm_prompt(processor, request: Request) -> dict:
    """One vLLM prompt: the chat text and, with frames, the images as multi-modal data."""
    text = processor.apply_chat_template(messages_for(request), add_generation_prompt=True, tokenize=False)
    prompt = {"prompt": text}
    if request.images:
        prompt["multi_modal_data"] = {"image": list(request.images)}
    return prompt


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
        engine = vllm_engine_args(
            model_path,
            max_images=max_images,
            frame_max_pixels=frame_max_pixels,
            dtype=dtype,
            gpu_memory_utilization=gpu_memory_utilization,
        )
        sampling = vllm_sampling_args(max_new_tokens)
        if not vllm_available():
            raise ValueError(f"backend 'vllm' requested but vllm is not installed; {VLLM_EXTRA_HINT}")
        from vllm import LLM, SamplingParams

        from vsi100k.train.common import load_processor

        self.processor = load_processor(model_path, frame_max_pixels)
        self.llm = LLM(**engine)
        self.sampling = SamplingParams(**sampling)

    def __call__(self, requests: Sequence[Request]) -> list[str]:
        prompts = [vllm_prompt(self.processor, request) for request in requests]
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
    device: str | None = None,
):
    """The predictor for ``backend`` ("auto" picks vLLM when installed); ``device`` for transformers
    (None: CUDA when available)."""
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
        device=device,
    )
