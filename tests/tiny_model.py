"""A tiny Qwen2-VL-class model and processor built offline, for CPU trainer/evaluator tests.

Nothing is downloaded: a byte-level BPE tokenizer is trained here on a small corpus that includes
Qwen2-VL's special tokens and a Qwen2-VL-style chat template; the model is `Qwen2VLForConditionalGeneration`
from a config with hidden size 64, 2 text layers and a 1-block vision tower (patch 8, merge 2) fed
32x32-pixel frames (4 image tokens per frame). `save_tiny_qwen2_vl(folder)` writes model + processor with
`save_pretrained`, so the trainer can load it (and its KL reference) by path like a Hub checkpoint.
"""

from __future__ import annotations

from pathlib import Path

SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|image_pad|>",
    "<|video_pad|>",
    "<think>",
    "</think>",
    "<answer>",
    "</answer>",
    "<observe>",
    "</observe>",
]

# Qwen2-VL's conversation layout, written from its documented format: one <|vision_start|><|image_pad|>
# <|vision_end|> block per image, text parts verbatim, turns delimited by <|im_start|>role ... <|im_end|>.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}"
    "{% else %}{% for part in message['content'] %}"
    "{% if part['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif part['type'] == 'video' %}<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif part['type'] == 'text' %}{{ part['text'] }}{% endif %}"
    "{% endfor %}{% endif %}"
    "<|im_end|>\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_CORPUS = [
    "These are frames of a video.",
    "How many chair(s) are in this room?",
    "What is the length of the longest dimension (length, width, or height) of the table, measured in centimeters?",
    "Measuring from the closest point of each object, what is the direct distance between the bed and the sofa (in meters)?",
    "What is the size of this room (in square meters)? If multiple rooms are shown, estimate the size of the combined space.",
    "Which of these objects (chair, table, sofa, lamp) is the closest to the bed?",
    "If I am standing by the bed and facing the sofa, is the lamp to the left or the right of the sofa?",
    "Options: A. B. C. D. left right back front-left front-right back-left back-right",
    "Answer with the option's letter from the given choices directly.",
    "Please answer the question using a single word or phrase.",
    "First think it through step by step inside tags, then give the final answer inside tags.",
    "The final answer is only a number. The final answer is only the option's letter.",
    "0 1 2 3 4 5 6 7 8 9 10 0.5 1.5 2.5 3.5 meters centimeters",
    "user assistant system",
]


FAMILIES = ("qwen2_vl", "qwen2_5_vl")


def build_tiny_processor(vocab_size: int = 400, family: str = "qwen2_vl"):
    """A Qwen2-VL (or Qwen2.5-VL) processor with a locally trained byte-level BPE tokenizer and 32x32-pixel frames."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import (
        PreTrainedTokenizerFast,
        Qwen2_5_VLProcessor,
        Qwen2VLImageProcessor,
        Qwen2VLProcessor,
        Qwen2VLVideoProcessor,
    )

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    backend.train_from_iterator(_CORPUS * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=SPECIAL_TOKENS[1:7],
        padding_side="left",
    )
    tokenizer.chat_template = CHAT_TEMPLATE
    pixels = 32 * 32
    image_processor = Qwen2VLImageProcessor(
        min_pixels=pixels, max_pixels=pixels, patch_size=8, temporal_patch_size=2, merge_size=2
    )
    video_processor = Qwen2VLVideoProcessor(
        min_pixels=pixels, max_pixels=pixels * 4, patch_size=8, temporal_patch_size=2, merge_size=2
    )
    processor_class = Qwen2VLProcessor if family == "qwen2_vl" else Qwen2_5_VLProcessor
    return processor_class(
        image_processor=image_processor,
        tokenizer=tokenizer,
        video_processor=video_processor,
        chat_template=CHAT_TEMPLATE,
    )


ANSWER_TOKENS = ("A", "B", "C", "D", "2", "3", "4")


def build_tiny_model(
    tokenizer, seed: int = 0, answer_tokens: tuple[str, ...] = ANSWER_TOKENS, family: str = "qwen2_vl"
):
    """A randomly initialised Qwen2-VL (or Qwen2.5-VL) model (~0.2M parameters) matching ``tokenizer``.

    A random model almost never emits an answer, so every rollout would score 0 and GRPO would have no
    advantage to follow. The model is therefore made answer-prone at initialisation: hidden dimension 0
    of every token embedding is a large constant (it dominates the residual stream), and only the
    ``answer_tokens`` rows of the output head read that dimension, so each generated token is one of
    them (roughly uniformly) and the rewards of a group differ. All other weights stay random.
    """
    import torch
    from transformers import (
        Qwen2_5_VLConfig,
        Qwen2_5_VLForConditionalGeneration,
        Qwen2VLConfig,
        Qwen2VLForConditionalGeneration,
    )

    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r}; valid: {list(FAMILIES)}")
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in SPECIAL_TOKENS}
    vision = {
        "depth": 1,
        "embed_dim": 32,
        "hidden_size": 64,
        "num_heads": 2,
        "mlp_ratio": 2,
        "patch_size": 8,
        "spatial_merge_size": 2,
        "temporal_patch_size": 2,
    }
    if family == "qwen2_5_vl":  # windowed vision attention, gated MLP, explicit output width
        vision = {
            "depth": 1,
            "hidden_size": 32,
            "intermediate_size": 64,
            "out_hidden_size": 64,
            "num_heads": 2,
            "patch_size": 8,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "window_size": 32,
            "fullatt_block_indexes": [0],
        }
    config_class = Qwen2VLConfig if family == "qwen2_vl" else Qwen2_5_VLConfig
    config = config_class(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 64,
            "intermediate_size": 128,
            "num_hidden_layers": 2,
            "num_attention_heads": 4,
            "num_key_value_heads": 2,
            "max_position_embeddings": 2048,
            "rope_parameters": {"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [2, 3, 3]},
            "bos_token_id": ids["<|endoftext|>"],
            "eos_token_id": ids["<|im_end|>"],
            "pad_token_id": ids["<|endoftext|>"],
        },
        vision_config=vision,
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
    )
    torch.manual_seed(seed)
    model_class = Qwen2VLForConditionalGeneration if family == "qwen2_vl" else Qwen2_5_VLForConditionalGeneration
    model = model_class(config)
    with torch.no_grad():
        model.get_input_embeddings().weight[:, 0] = 10.0
        head = model.get_output_embeddings().weight
        head[:, 0] = 0.0
        for token in answer_tokens:
            head[tokenizer.convert_tokens_to_ids(token), 0] = 1.0
    model.generation_config.eos_token_id = ids["<|im_end|>"]
    model.generation_config.pad_token_id = ids["<|endoftext|>"]
    model.generation_config.bos_token_id = ids["<|endoftext|>"]
    return model


def save_tiny_qwen2_vl(folder: Path, seed: int = 0, family: str = "qwen2_vl") -> Path:
    """Write a tiny model + processor to ``folder`` (loadable with from_pretrained); returns the folder."""
    folder = Path(folder)
    processor = build_tiny_processor(family=family)
    model = build_tiny_model(processor.tokenizer, seed=seed, family=family)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder
