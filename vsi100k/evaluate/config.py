"""`EvalConfig`: every setting of `vsi100k eval`. Pure data with cross-field checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from vsi100k.errors import ConfigError
from vsi100k.evaluate.vsibench import VSIBENCH_SUBSETS
from vsi100k.metrics import DEFAULT_SCORING, PROMPT_MODES, SCORING_RULES

BENCHMARKS = ("auto", "vsibench", "generated")
SUBSETS = VSIBENCH_SUBSETS  # VSI-Bench's configs (VSI-Bench-Debiased = "debiased")
EVAL_BACKENDS = ("auto", "transformers", "vllm")
# VSI-Bench's generation budget answers directly; reasoning modes need room for the thinking.
DEFAULT_MAX_NEW_TOKENS = {"vanilla": 16, "think": 1024, "observe": 1024}


@dataclass(frozen=True)
class EvalConfig:
    """Settings of one evaluation.

    data: a local folder or Hub dataset id: VSI-Bench's layout (test parquet + ``<dataset>/*.mp4``) or a
    vsi100k build (``data/questions``, ``data/frames``); ``benchmark`` says which ("auto" detects it).
    Exactly one of ``model`` (a path or Hub id of a Qwen2-VL-class model, or a LoRA adapter folder) and
    ``predictions`` (a JSONL of ``id``/``prediction``) is given.
    split: the split to score (default: "test" for VSI-Bench, "validation" for a vsi100k build, whose
    ScanNet test scenes have no annotations). config: the build's question config ("all").
    subset: VSI-Bench's config: full, debiased (VSI-Bench-Debiased) or pruned; a build has only "full".
    scoring: the rule numbers are read by, "lmms-eval" (default) or "thinking-in-space"
    (see `vsi100k.metrics`).
    sources: VSI-Bench ``dataset`` values to keep (e.g. scannet); empty = all.
    question_types: keep only these types; empty = all. limit: first N questions (after filters).
    cpu: answer on the CPU even when a GPU is present.
    allow_missing: score questions without a prediction as 0 instead of failing (predictions files).
    prompt_mode: vanilla | think | observe, as in training (think/observe predictions are scored on their
    ``<answer>`` body). batch_size: questions per transformers generate call. num_frames: frames per question (VSI-Bench:
    32). max_new_tokens: generation budget (None: 16 for vanilla, as VSI-Bench; 1024 for think/observe).
    """

    data: str
    output_dir: Path
    model: str | None = None
    predictions: Path | None = None
    benchmark: str = "auto"
    split: str | None = None
    config: str = "all"
    subset: str = "full"
    scoring: str = DEFAULT_SCORING
    sources: tuple[str, ...] = ()
    question_types: tuple[str, ...] = ()
    limit: int | None = None
    prompt_mode: str = "vanilla"
    num_frames: int = 32
    max_new_tokens: int | None = None
    frame_max_pixels: int | None = None
    backend: str = "auto"
    batch_size: int = 8
    allow_missing: bool = False
    cpu: bool = False
    dtype: str = "bfloat16"
    revision: str | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        if (self.model is None) == (self.predictions is None):
            raise ConfigError(
                "give exactly one of --model (to generate answers) or --predictions (a JSONL file to score)"
            )
        if self.benchmark not in BENCHMARKS:
            raise ConfigError(f"benchmark={self.benchmark!r}: choose one of {', '.join(BENCHMARKS)}")
        if self.subset not in SUBSETS:
            raise ConfigError(f"subset={self.subset!r}: choose one of {', '.join(SUBSETS)}")
        if self.scoring not in SCORING_RULES:
            raise ConfigError(f"scoring={self.scoring!r}: choose one of {', '.join(SCORING_RULES)}")
        if self.prompt_mode not in PROMPT_MODES:
            raise ConfigError(f"prompt_mode={self.prompt_mode!r}: choose one of {', '.join(PROMPT_MODES)}")
        if self.num_frames < 1:
            raise ConfigError(f"num_frames={self.num_frames}: use at least 1 frame (VSI-Bench uses 32)")
        if self.max_new_tokens is not None and self.max_new_tokens < 1:
            raise ConfigError(f"max_new_tokens={self.max_new_tokens}: must be at least 1 (VSI-Bench uses 16)")
        if self.frame_max_pixels is not None and self.frame_max_pixels < 28 * 28:
            raise ConfigError(f"frame_max_pixels={self.frame_max_pixels}: use at least 784 (28 x 28) or None")
        if self.backend not in EVAL_BACKENDS:
            raise ConfigError(f"backend={self.backend!r}: choose one of {', '.join(EVAL_BACKENDS)}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size={self.batch_size}: must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise ConfigError(f"limit={self.limit}: use a positive number or None for all questions")
        if self.dtype not in ("bfloat16", "float32"):
            raise ConfigError(f"dtype={self.dtype!r}: choose bfloat16 or float32")

    @property
    def generation_tokens(self) -> int:
        """The max new tokens actually used (the mode's default when not given)."""
        return self.max_new_tokens if self.max_new_tokens is not None else DEFAULT_MAX_NEW_TOKENS[self.prompt_mode]

    def to_dict(self) -> dict:
        out = asdict(self)
        out["output_dir"] = str(self.output_dir)
        out["predictions"] = None if self.predictions is None else str(self.predictions)
        out["sources"] = list(self.sources)
        out["question_types"] = list(self.question_types)
        out["max_new_tokens"] = self.generation_tokens
        return out
