"""`TrainConfig`: every setting of `vsi100k train`, with the paper's values as defaults.

The paper (arXiv 2504.00883) trains Qwen2-VL with GRPO: 14 rollouts per question, temperature 1.0,
KL beta 1e-4 (beta 0 collapsed), learning rate 1e-5. TRL's own defaults differ on most of these
(beta 0, 8 generations, lr 1e-6, the "dapo" loss), so `vsi100k.train.grpo` passes every field that
changes the algorithm explicitly instead of inheriting TRL's defaults, which move between releases.
Pure data with cross-field checks; no torch import here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from vsi100k.errors import ConfigError
from vsi100k.metrics import DEFAULT_SCORING, NUMERIC_REWARDS, PROMPT_MODES, SCORING_RULES
from vsi100k.prompts import QUESTION_FORMS

METHODS = ("grpo", "sft")
DTYPES = ("bfloat16", "float32")
GRPO_LOSS_TYPES = ("grpo", "dr_grpo", "dapo", "bnpo")
ATTN_IMPLEMENTATIONS = ("auto", "sdpa", "flash_attention_2", "eager")
CACHE_IMPLEMENTATIONS = ("dynamic", "static")
LORA_TARGETS_QWEN2_VL = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run.

    Data: ``data`` is a local build folder or a Hub dataset id; ``config`` a question-type config
    (or "all"); ``split`` the split to train on; ``num_frames`` frames per question, picked uniformly
    from the scene's stored frames (VSI-Bench's linspace rule); ``frame_max_pixels`` caps each frame's
    pixel count in the image processor (None keeps the processor's own limit); ``max_questions``
    trains on the first N questions only (quick runs).
    Prompt: ``prompt_mode`` vanilla | think | observe; ``question_form`` vsibench (options shown for
    choice questions, letter answers) | open (the paper's option-free form, word answers).
    GRPO (paper values): ``beta`` KL coefficient 1e-4, ``num_generations`` 14 rollouts per question,
    ``temperature`` 1.0, ``learning_rate`` 1e-5, ``loss_type`` "grpo" (per-sequence mean, as the
    original GRPO), ``scale_rewards`` "group" (std-normalised advantages), ``epsilon`` 0.2 clip,
    ``num_iterations`` 1, ``max_completion_length`` tokens per rollout.
    Rewards: accuracy (choice exact match; number: ``numeric_reward`` of the relative error, "mra" by
    default; numbers read from the answer by ``scoring``, the evaluator's rule: "lmms-eval" or
    "thinking-in-space") plus, in think/observe modes, the format reward weighted by ``format_weight``.
    Batching: ``per_device_batch_size`` completions per device per micro-step and
    ``gradient_accumulation_steps``; their product times the number of processes must be a multiple of
    ``num_generations`` (checked by `vsi100k.train.grpo.grpo_args`, which knows the process count; the
    default 2 x 7 = 14 is one question per optimiser step on one GPU).
    Model: ``model`` path or Hub id (Qwen2-VL / Qwen2.5-VL); ``dtype`` of the weights; ``lora`` adds
    LoRA adapters (``lora_r``, ``lora_alpha``, ``lora_dropout``) to the language model's projections;
    ``freeze_vision`` keeps the vision tower fixed.
    Speed: ``attn_implementation`` "auto" uses flash_attention_2 when the flash-attn package and a GPU
    are present, else SDPA; ``cache_implementation`` "static" gives transformers rollouts a fixed-size
    KV cache (None: dynamic); ``generation_batch_size`` completions generated per generate call (a
    multiple of ``num_generations``; None: one optimiser step's worth); ``merge_lora_for_rollouts``
    generates transformers rollouts with the LoRA adapters merged (see `vsi100k.train.rollouts`);
    ``use_vllm`` generates rollouts with vLLM (``vllm_mode`` colocate shares the training GPUs,
    ``vllm_max_model_length`` bounds its KV cache per sequence).
    """

    model: str
    data: str
    output_dir: Path
    method: str = "grpo"
    config: str = "all"
    split: str = "train"
    prompt_mode: str = "think"
    question_form: str = "vsibench"
    num_frames: int = 16
    frame_max_pixels: int | None = 128 * 28 * 28
    max_questions: int | None = None
    # GRPO, the paper's values
    beta: float = 1e-4
    num_generations: int = 14
    temperature: float = 1.0
    learning_rate: float = 1e-5
    loss_type: str = "grpo"
    scale_rewards: str = "group"
    epsilon: float = 0.2
    num_iterations: int = 1
    max_completion_length: int = 512
    numeric_reward: str = "mra"
    scoring: str = DEFAULT_SCORING
    format_weight: float = 1.0
    # optimisation
    per_device_batch_size: int = 2
    gradient_accumulation_steps: int = 7
    num_train_epochs: float = 1.0
    max_steps: int = -1
    lr_scheduler_type: str = "constant"  # the paper gives only the rate; constant is our choice for short RL runs
    warmup_ratio: float = 0.0
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    seed: int = 42
    gradient_checkpointing: bool = True
    # model
    dtype: str = "bfloat16"
    attn_implementation: str = "auto"
    lora: bool = False
    lora_r: int = 64
    lora_alpha: int = 128
    lora_dropout: float = 0.05
    lora_target_modules: tuple[str, ...] = LORA_TARGETS_QWEN2_VL
    freeze_vision: bool = False
    # rollout generation
    cache_implementation: str | None = None
    generation_batch_size: int | None = None
    merge_lora_for_rollouts: bool = True
    use_vllm: bool = False
    vllm_mode: str = "colocate"
    vllm_gpu_memory_utilization: float = 0.3
    vllm_max_model_length: int | None = None
    # logging and checkpoints
    logging_steps: int = 1
    save_steps: int = 100
    save_total_limit: int | None = 3
    report_to: tuple[str, ...] = ()
    use_cpu: bool = False
    extra: dict = field(default_factory=dict)  # further TRL config fields, passed through verbatim

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"method={self.method!r}: choose one of {', '.join(METHODS)}")
        if self.prompt_mode not in PROMPT_MODES:
            raise ConfigError(f"prompt_mode={self.prompt_mode!r}: choose one of {', '.join(PROMPT_MODES)}")
        if self.question_form not in QUESTION_FORMS:
            raise ConfigError(f"question_form={self.question_form!r}: choose one of {', '.join(QUESTION_FORMS)}")
        if self.method == "sft" and self.prompt_mode != "vanilla":
            raise ConfigError(
                f"method=sft with prompt_mode={self.prompt_mode!r}: the SFT baseline learns direct answers "
                "(the data has no reasoning traces); use --prompt-mode vanilla"
            )
        if self.num_frames < 1:
            raise ConfigError(f"num_frames={self.num_frames}: use at least 1 frame (the paper uses 16)")
        if self.frame_max_pixels is not None and self.frame_max_pixels < 28 * 28:
            raise ConfigError(f"frame_max_pixels={self.frame_max_pixels}: use at least 784 (28 x 28) or None")
        if self.max_questions is not None and self.max_questions < 1:
            raise ConfigError(f"max_questions={self.max_questions}: use a positive number or None for all")
        if self.beta < 0:
            raise ConfigError(f"beta={self.beta}: the KL coefficient cannot be negative (paper: 1e-4)")
        if self.num_generations < 2:
            raise ConfigError(
                f"num_generations={self.num_generations}: GRPO needs at least 2 rollouts per question (paper: 14)"
            )
        if not self.temperature > 0:
            raise ConfigError(f"temperature={self.temperature}: sampling needs a positive temperature (paper: 1.0)")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate={self.learning_rate}: must be positive (paper: 1e-5)")
        if self.loss_type not in GRPO_LOSS_TYPES:
            raise ConfigError(f"loss_type={self.loss_type!r}: choose one of {', '.join(GRPO_LOSS_TYPES)}")
        if self.scale_rewards not in ("group", "batch", "none"):
            raise ConfigError(f"scale_rewards={self.scale_rewards!r}: choose one of group, batch, none")
        if self.max_completion_length < 1:
            raise ConfigError(f"max_completion_length={self.max_completion_length}: must be at least 1 token")
        if self.numeric_reward not in NUMERIC_REWARDS:
            raise ConfigError(f"numeric_reward={self.numeric_reward!r}: choose one of {', '.join(NUMERIC_REWARDS)}")
        if self.scoring not in SCORING_RULES:
            raise ConfigError(f"scoring={self.scoring!r}: choose one of {', '.join(SCORING_RULES)}")
        if self.format_weight < 0:
            raise ConfigError(f"format_weight={self.format_weight}: cannot be negative")
        if self.per_device_batch_size < 1 or self.gradient_accumulation_steps < 1:
            raise ConfigError(
                f"per_device_batch_size={self.per_device_batch_size}, gradient_accumulation_steps="
                f"{self.gradient_accumulation_steps}: both must be at least 1"
            )
        if self.dtype not in DTYPES:
            raise ConfigError(f"dtype={self.dtype!r}: choose one of {', '.join(DTYPES)}")
        if self.lora and (self.lora_r < 1 or self.lora_alpha < 1 or not 0 <= self.lora_dropout < 1):
            raise ConfigError(
                f"lora_r={self.lora_r}, lora_alpha={self.lora_alpha}, lora_dropout={self.lora_dropout}: "
                "rank and alpha must be >= 1 and dropout in [0, 1)"
            )
        if self.use_vllm and self.method != "grpo":
            raise ConfigError("use_vllm: vLLM only generates GRPO rollouts; drop --use-vllm for --method sft")
        if self.attn_implementation not in ATTN_IMPLEMENTATIONS:
            raise ConfigError(
                f"attn_implementation={self.attn_implementation!r}: choose one of {', '.join(ATTN_IMPLEMENTATIONS)}"
            )
        if self.cache_implementation is not None and self.cache_implementation not in CACHE_IMPLEMENTATIONS:
            raise ConfigError(
                f"cache_implementation={self.cache_implementation!r}: choose one of "
                f"{', '.join(CACHE_IMPLEMENTATIONS)} or None"
            )
        if self.generation_batch_size is not None and (
            self.generation_batch_size < 1 or self.generation_batch_size % self.num_generations
        ):
            raise ConfigError(
                f"generation_batch_size={self.generation_batch_size}: must be a positive multiple of "
                f"num_generations={self.num_generations} (whole groups of rollouts)"
            )
        if not 0 < self.vllm_gpu_memory_utilization <= 1:
            raise ConfigError(f"vllm_gpu_memory_utilization={self.vllm_gpu_memory_utilization}: must be in (0, 1]")
        if self.vllm_mode not in ("colocate", "server"):
            raise ConfigError(f"vllm_mode={self.vllm_mode!r}: choose colocate or server")
        if self.max_steps == 0 or self.num_train_epochs <= 0:
            raise ConfigError(
                f"max_steps={self.max_steps}, num_train_epochs={self.num_train_epochs}: nothing to train; "
                "set max_steps > 0 or num_train_epochs > 0"
            )

    def to_dict(self) -> dict:
        """JSON-ready copy (paths as strings, tuples as lists), written next to the checkpoints."""
        out = asdict(self)
        out["output_dir"] = str(self.output_dir)
        for key, value in out.items():
            if isinstance(value, tuple):
                out[key] = list(value)
        return out
