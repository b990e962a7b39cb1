"""Close the loop on CPU: GRPO (beta > 0) and SFT steps on a tiny Qwen2-VL, then evaluation printing the table.

The tiny model (tests/tiny_model.py) is built from a config and a locally trained tokenizer, saved to
a folder and loaded by path, as TRL does for the KL reference model. The training and validation data
is a real demo build (`vsi100k.pipeline.demo.run_demo`: synthetic ScanNet scans through the normal
build), small enough to build in seconds; expected counts come from its own build report. Only the
VSI-Bench-layout folder with mp4s is hand-made (tests/tiny_build.py). Configuration and data errors
are tested here too (fast).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from tiny_build import write_tiny_vsibench
from tiny_model import save_tiny_qwen2_vl
from vsi100k.frames.config import FramesConfig
from vsi100k.pipeline.demo import run_demo
from vsi100k.errors import ConfigError, SceneError
from vsi100k.evaluate.config import EvalConfig
from vsi100k.evaluate.scoring import TASKS, score_prediction, summarize, task_of
from vsi100k.train.config import TrainConfig

TASK_HEADINGS = (
    "Obj. Count",
    "Abs. Dist.",
    "Obj. Size",
    "Room Size",
    "Rel. Dist.",
    "Rel. Dir.",
    "Route Plan",
    "Appr. Order",
    "Overall",
)
# The demo's synthetic scans: scene0000_00, scene0001_00, scene0001_01 and scene0002_00 are ScanNet-train
# rooms, scene0003_00 the first ScanNet-val one, so 5 scenes give both a train and a validation split.
DEMO_SCENES = 5
DEMO_STREAM_FRAMES = 16  # rendered RGB-D frames per synthetic scan (rendering dominates the build)
DEMO_FRAMES = 4  # frames sampled and stored per scene
DEMO_FRAME_SIZE = (64, 48)  # stored frames fit this box: a few vision tokens each for the tiny model


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory) -> Path:
    return save_tiny_qwen2_vl(tmp_path_factory.mktemp("tiny_qwen2_vl"))


@pytest.fixture(scope="module")
def demo_build(tmp_path_factory):
    """The built-in demo on 5 synthetic scenes with 4 small frames each, built once for this module."""
    root = tmp_path_factory.mktemp("demo")
    result, _ = run_demo(
        DEMO_SCENES,
        out_dir=root / "out",
        cache_dir=root / "cache",
        progress=False,
        stream_frames=DEMO_STREAM_FRAMES,
        frames=FramesConfig(n_frames=DEMO_FRAMES, max_width=DEMO_FRAME_SIZE[0], max_height=DEMO_FRAME_SIZE[1]),
    )
    assert result.problems == []
    assert result.report["scenes"]["ok"] == DEMO_SCENES
    assert result.report["frames"]["by_split"] == {"train": 4, "validation": 1}
    return result


@pytest.fixture(scope="module")
def build_dir(demo_build) -> Path:
    return Path(demo_build.out_dir)


def question_count(report: dict, split: str) -> int:
    """Questions the build report counts in one split (all types)."""
    return sum(counts.get(split, 0) for counts in report["questions"]["by_type"].values())


@pytest.fixture(scope="module")
def vsibench_dir(tmp_path_factory) -> Path:
    return write_tiny_vsibench(tmp_path_factory.mktemp("vsibench"))


def cpu_config(model: Path, data: Path, out: Path, **overrides) -> TrainConfig:
    """A CPU-sized run: 4 rollouts of one token per question, 2 tiny frames, float32."""
    settings = dict(
        model=str(model),
        data=str(data),
        output_dir=out,
        prompt_mode="vanilla",
        num_frames=2,
        frame_max_pixels=None,
        num_generations=4,
        per_device_batch_size=4,
        gradient_accumulation_steps=1,
        max_completion_length=1,
        max_steps=3,
        save_steps=2,
        dtype="float32",
        use_cpu=True,
        gradient_checkpointing=False,
    )
    settings.update(overrides)
    return TrainConfig(**settings)


def assert_kl_once_moved(steps: list[dict]) -> None:
    """KL is 0 until a step with non-zero advantages has moved the policy (a one-token rollout of a
    random model is right only by chance, so which step that is depends on the questions drawn);
    every step after it must show a KL above 0."""
    moved = next((k for k, entry in enumerate(steps) if entry["grad_norm"] > 0), None)
    assert moved is not None, "no step had a gradient: every group's rewards were equal"
    assert moved < len(steps) - 1, f"only the last step ({moved + 1}) had a gradient; run more steps"
    assert all(entry["kl"] > 0 for entry in steps[moved + 1:]), [entry["kl"] for entry in steps]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def parameter_change(before_dir: Path, after_dir: Path) -> float:
    """Largest absolute difference between the weights saved in two folders."""
    from safetensors.torch import load_file

    before = load_file(str(before_dir / "model.safetensors"))
    after = load_file(str(after_dir / "model.safetensors"))
    assert before.keys() == after.keys()
    return max(float((before[k] - after[k]).abs().max()) for k in before)


# ---- GRPO -----------------------------------------------------------------------------------------


GRPO_STEPS = 5  # enough for a step with a gradient and a step after it on the demo's questions


@pytest.fixture(scope="module")
def grpo_run(tiny_model_dir, build_dir, tmp_path_factory):
    from vsi100k.train.grpo import train_grpo

    out = tmp_path_factory.mktemp("grpo")
    # a large learning rate so three steps move the policy visibly away from the KL reference
    cfg = cpu_config(tiny_model_dir, build_dir, out, beta=0.04, learning_rate=0.05, max_steps=GRPO_STEPS)
    return cfg, train_grpo(cfg)


@pytest.mark.slow
def test_grpo_steps_with_kl_change_parameters_and_log_rewards(grpo_run, tiny_model_dir, demo_build):
    cfg, summary = grpo_run
    out = Path(cfg.output_dir)
    assert summary["global_step"] == GRPO_STEPS
    assert summary["train_questions"] == question_count(demo_build.report, "train") > 0
    steps = [entry for entry in summary["log_history"] if "reward" in entry]
    assert len(steps) == GRPO_STEPS
    for entry in steps:
        assert 0.0 <= entry["rewards/accuracy/mean"] <= 1.0
        assert entry["reward"] == pytest.approx(entry["rewards/accuracy/mean"])  # vanilla: accuracy only
        assert "kl" in entry  # logged only when beta > 0 (a reference model is loaded)
    assert any(entry["reward_std"] > 0 for entry in steps), "no group had different rewards"
    assert any(entry["grad_norm"] > 0 for entry in steps)
    assert_kl_once_moved(steps)  # the policy moved away from the reference
    # parameters changed: the saved final model differs from the initial one
    assert parameter_change(tiny_model_dir, out) > 1e-4
    # checkpoints and logs on disk
    assert (out / "checkpoint-2").is_dir()
    logged = [r for r in read_jsonl(out / "metrics.jsonl") if "reward" in r]
    assert [r["step"] for r in logged] == list(range(1, GRPO_STEPS + 1))
    assert json.loads((out / "train_config.json").read_text())["beta"] == 0.04
    assert (out / "preprocessor_config.json").exists() or (out / "processor_config.json").exists()


def test_grpo_args_pin_the_paper_and_trl_defaults(tmp_path):
    from vsi100k.train.grpo import grpo_args

    args = grpo_args(TrainConfig(model="m", data="d", output_dir=tmp_path, use_cpu=True, gradient_checkpointing=False))
    assert (args.beta, args.num_generations, args.temperature, args.learning_rate) == (1e-4, 14, 1.0, 1e-5)
    assert args.loss_type == "grpo" and args.scale_rewards == "group" and args.use_bias_correction_kl is False
    assert (args.top_p, args.top_k, args.repetition_penalty, args.num_iterations, args.epsilon) == (1.0, 0, 1.0, 1, 0.2)
    assert args.reward_weights == [1.0, 1.0]  # think mode: accuracy + format
    assert args.remove_unused_columns is False
    assert args.generation_batch_size == 14  # 2 per device x 7 accumulation: one question per step


@pytest.mark.slow
def test_grpo_lora_think_mode_logs_format_reward_and_evaluates(tiny_model_dir, build_dir, vsibench_dir, tmp_path):
    from vsi100k.evaluate.run import evaluate
    from vsi100k.train.grpo import train_grpo

    cfg = cpu_config(
        tiny_model_dir,
        build_dir,
        tmp_path / "run",
        prompt_mode="think",
        max_completion_length=3,
        max_steps=1,
        lora=True,
        lora_r=4,
        lora_alpha=8,
    )
    summary = train_grpo(cfg)
    entry = next(e for e in summary["log_history"] if "reward" in e)
    assert entry["rewards/format/mean"] == 0.0  # three random tokens cannot close <think>...<answer> tags
    assert "rewards/accuracy/mean" in entry and "kl" in entry
    assert 0 < summary["trainable_parameters"] < 50_000  # adapters only
    assert (tmp_path / "run" / "adapter_config.json").exists()
    # the adapter folder is evaluated on its base model, merged
    result = evaluate(
        EvalConfig(
            data=str(vsibench_dir),
            output_dir=tmp_path / "eval",
            model=str(tmp_path / "run"),
            prompt_mode="think",
            num_frames=2,
            max_new_tokens=2,
            dtype="float32",
            question_types=("object_counting",),
            progress=False,
        ),
        console=Console(record=True, width=200),
    )
    assert result["count"] == 2 and result["run"]["max_new_tokens"] == 2


@pytest.mark.slow
def test_grpo_and_eval_on_a_tiny_qwen2_5_vl(build_dir, demo_build, tmp_path):
    from vsi100k.evaluate.run import evaluate
    from vsi100k.train.grpo import train_grpo

    model_dir = save_tiny_qwen2_vl(tmp_path / "qwen2_5_vl", family="qwen2_5_vl")
    assert json.loads((model_dir / "config.json").read_text())["model_type"] == "qwen2_5_vl"
    cfg = cpu_config(model_dir, build_dir, tmp_path / "run", max_steps=GRPO_STEPS, beta=0.04, learning_rate=0.05)
    summary = train_grpo(cfg)
    steps = [e for e in summary["log_history"] if "reward" in e]
    assert len(steps) == GRPO_STEPS
    assert_kl_once_moved(steps)
    assert parameter_change(model_dir, tmp_path / "run") > 1e-4
    result = evaluate(
        EvalConfig(
            data=str(build_dir),
            output_dir=tmp_path / "eval",
            model=str(tmp_path / "run"),
            num_frames=2,
            max_new_tokens=1,
            dtype="float32",
            progress=False,
        ),
        console=Console(record=True, width=200),
    )
    assert result["count"] == question_count(demo_build.report, "validation") > 0


# ---- SFT ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_sft_baseline_trains_on_the_answers(tiny_model_dir, build_dir, tmp_path):
    from vsi100k.train.sft import train_sft

    cfg = cpu_config(
        tiny_model_dir,
        build_dir,
        tmp_path / "sft",
        method="sft",
        learning_rate=0.01,
        per_device_batch_size=5,
        max_steps=4,
    )
    summary = train_sft(cfg)
    steps = [e for e in summary["log_history"] if "loss" in e and "train_loss" not in e]
    assert len(steps) == 4
    assert steps[-1]["loss"] < steps[0]["loss"]
    assert all("mean_token_accuracy" in e for e in steps)
    assert parameter_change(tiny_model_dir, tmp_path / "sft") > 1e-4
    assert [
        r["step"] for r in read_jsonl(tmp_path / "sft" / "metrics.jsonl") if "loss" in r and "train_loss" not in r
    ] == [1, 2, 3, 4]


def test_sft_examples_pair_the_vanilla_prompt_with_the_bare_answer(build_dir, demo_build, tmp_path):
    from vsi100k.train.data import training_dataset

    cfg = TrainConfig(
        model="m",
        data=str(build_dir),
        output_dir=tmp_path,
        method="sft",
        prompt_mode="vanilla",
        num_frames=3,
        question_form="open",
    )
    from vsi100k.dataset.load import load_questions, load_scene_frames

    examples = training_dataset(cfg)
    rows = load_questions(build_dir, "all", "train")
    frames = load_scene_frames(build_dir, "train")
    assert len(examples) == len(rows) == question_count(demo_build.report, "train")
    kinds = set()
    for example, row in zip(examples, rows, strict=True):
        assert (example["id"], example["scene_name"]) == (row["id"], row["scene_name"])
        text = example["prompt"][0]["content"]
        assert "Options" not in text and row["question"].strip() in text  # open form: no options shown
        assert text.endswith("Please answer the question using a single word or phrase.")
        if row["answer_kind"] == "choice":
            # open form: the answer word, which is the text of the option the ground-truth letter names
            assert f"{row['ground_truth']}. {row['answer']}" in row["options"]
            assert example["completion"] == [{"role": "assistant", "content": row["answer"]}]
            assert example["target_kind"] == "word"
        else:
            assert example["completion"] == [{"role": "assistant", "content": row["ground_truth"]}]
            assert example["target_kind"] == "number"
        kinds.add(example["target_kind"])
        record = frames.record(row["scene_name"])
        assert len(example["images"]) == 3  # 3 of the scene's 4 stored frames
        assert example["images"][0].size == (record["width"], record["height"])
        assert record["width"] <= DEMO_FRAME_SIZE[0] and record["height"] <= DEMO_FRAME_SIZE[1]
    assert kinds == {"word", "number"}


def test_grpo_examples_join_frames_lazily(build_dir, tmp_path):
    from vsi100k.train.data import training_dataset

    from vsi100k.dataset.load import load_questions, load_scene_frames

    examples = training_dataset(
        TrainConfig(model="m", data=str(build_dir), output_dir=tmp_path, num_frames=8, max_questions=3)
    )
    assert len(examples) == 3
    assert "images" not in examples.column_names  # frames are not stored in the rows
    rows = load_questions(build_dir, "all", "train").select(range(3))
    frames = load_scene_frames(build_dir, "train")
    final_line = {
        "number": "The final answer is only a number.",
        "letter": "The final answer is only the option's letter.",
    }
    for example, row in zip(examples, rows, strict=True):
        assert (example["id"], example["scene_name"]) == (row["id"], row["scene_name"])
        # only DEMO_FRAMES (< 8) frames stored per scene: all of them, in order, no repeats
        stored = frames.record(row["scene_name"])["frames"]
        assert frames.frame_count(row["scene_name"]) == len(stored) == DEMO_FRAMES
        assert [image.tobytes() for image in example["images"]] == [image.tobytes() for image in stored]
        kind = "number" if row["answer_kind"] == "number" else "letter"
        assert example["target"] == row["ground_truth"] and example["target_kind"] == kind  # vsibench form
        assert example["prompt"][0]["content"].endswith(final_line[kind])  # think mode
        assert "completion" not in example


# ---- evaluation -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_eval_tiny_model_on_vsibench_layout_prints_full_table(grpo_run, vsibench_dir, tmp_path):
    from vsi100k.evaluate.run import evaluate

    cfg, _ = grpo_run
    console = Console(record=True, width=200)
    result = evaluate(
        EvalConfig(
            data=str(vsibench_dir),
            output_dir=tmp_path,
            model=str(cfg.output_dir),
            num_frames=4,
            max_new_tokens=1,
            dtype="float32",
            batch_size=3,
            progress=False,
        ),
        console=console,
    )
    text = console.export_text()
    for heading in TASK_HEADINGS:
        assert heading in text
    assert result["run"]["benchmark"] == "vsibench" and result["count"] == 20
    assert set(result["tasks"]) == {
        "object_counting",
        "object_abs_distance",
        "object_size_estimation",
        "room_size_estimation",
        "object_rel_distance",
        "object_rel_direction",
        "route_planning",
        "obj_appearance_order",
    }
    assert result["missing_tasks"] == []
    assert (vsibench_dir / "scannet" / "scene0011_00.mp4").exists()  # scannet.zip was extracted on use
    records = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert len(records) == 20 and all(r["prediction"] is not None for r in records)
    for record in records:  # every stored score is VSI-Bench's rule applied to the stored prediction
        assert (
            score_prediction(record["question_type"], record["ground_truth"], record["prediction"])[1]
            == record["score"]
        )
    assert summarize(records).overall == pytest.approx(result["overall"])
    assert json.loads((tmp_path / "summary.json").read_text())["overall"] == result["overall"]


@pytest.mark.slow
def test_eval_tiny_model_on_generated_validation_split(grpo_run, build_dir, demo_build, tmp_path):
    from vsi100k.evaluate.run import evaluate

    cfg, _ = grpo_run
    console = Console(record=True, width=200)
    result = evaluate(
        EvalConfig(
            data=str(build_dir),
            output_dir=tmp_path,
            model=str(cfg.output_dir),
            num_frames=2,
            max_new_tokens=1,
            dtype="float32",
            progress=False,
        ),
        console=console,
    )
    assert result["run"]["benchmark"] == "generated" and result["run"]["split"] == "validation"
    assert result["count"] == question_count(demo_build.report, "validation") > 0
    assert "vsi100k validation (vanilla; scoring: lmms-eval 0.7.3)" in console.export_text()
    # the tasks scored are those the build report counts in the validation split, in the paper's order
    by_type = demo_build.report["questions"]["by_type"]
    present = {task_of(question_type) for question_type, counts in by_type.items() if counts.get("validation")}
    assert set(result["tasks"]) == present
    assert result["missing_tasks"] == [name for name, _ in TASKS if name not in present]
    assert {"route_planning", "obj_appearance_order"} <= set(result["missing_tasks"])  # not in VSI-100k's mix
    records = read_jsonl(tmp_path / "predictions.jsonl")
    assert len(records) == result["count"] and summarize(records).overall == pytest.approx(result["overall"])


def test_eval_predictions_file_on_vsibench_layout_by_hand(tmp_path):
    from vsi100k.evaluate.run import evaluate

    vsibench_dir = write_tiny_vsibench(tmp_path / "vsibench", n_video_frames=2)

    # scene0011_00 (ids 0-9) answered; the arkitscenes scene (ids 10-19) restricted away by --source
    answers = ["4", "2.2", "about 150", "27", "C", "a", "C", "D", "A", "<answer>C</answer>"]
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(json.dumps({"id": i, "prediction": p}) for i, p in enumerate(answers)) + "\n")
    console = Console(record=True, width=200)
    result = evaluate(
        EvalConfig(data=str(vsibench_dir), output_dir=tmp_path / "out", predictions=preds, sources=("scannet",),
                   scoring="thinking-in-space"),
        console=console,
    )
    # the original rule: counting 1.0; distance 2.2 vs 2.1: err 0.0476 -> 1.0; size: "about 150" has no number
    # first -> 0 (the lmms-eval rule reads 150 -> 1.0); room 27 vs 20.5: err 0.317 -> 0.4
    # rel. distance 1; direction easy 1, medium 0, hard 1 -> 2/3; route 1; appearance C vs B -> 0
    expected = {
        "object_counting": 1.0,
        "object_abs_distance": 1.0,
        "object_size_estimation": 0.0,
        "room_size_estimation": 0.4,
        "object_rel_distance": 1.0,
        "object_rel_direction": 2 / 3,
        "route_planning": 1.0,
        "obj_appearance_order": 0.0,
    }
    for task, value in expected.items():
        assert result["tasks"][task]["score"] == pytest.approx(value), task
    assert result["overall"] == pytest.approx(sum(expected.values()) / 8)
    assert result["run"]["missing_predictions"] == 0 and result["count"] == 10
    assert "Overall" in console.export_text()
    assert not (vsibench_dir / "scannet").exists()  # scoring a file needs no videos: scannet.zip stays packed


# ---- errors -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"method": "dpo"}, r"method='dpo': choose one of grpo, sft"),
        ({"prompt_mode": "cot"}, r"prompt_mode='cot': choose one of vanilla, think, observe"),
        ({"question_form": "mcq"}, r"question_form='mcq': choose one of vsibench, open"),
        ({"method": "sft"}, r"method=sft with prompt_mode='think': the SFT baseline learns direct answers"),
        ({"num_frames": 0}, r"num_frames=0: use at least 1 frame"),
        ({"frame_max_pixels": 100}, r"frame_max_pixels=100: use at least 784"),
        ({"max_questions": 0}, r"max_questions=0: use a positive number or None"),
        ({"beta": -1.0}, r"beta=-1.0: the KL coefficient cannot be negative"),
        ({"num_generations": 1}, r"num_generations=1: GRPO needs at least 2 rollouts"),
        ({"temperature": 0.0}, r"temperature=0.0: sampling needs a positive temperature"),
        ({"learning_rate": 0.0}, r"learning_rate=0.0: must be positive"),
        ({"loss_type": "ppo"}, r"loss_type='ppo': choose one of grpo, dr_grpo, dapo, bnpo"),
        ({"scale_rewards": "std"}, r"scale_rewards='std': choose one of group, batch, none"),
        ({"max_completion_length": 0}, r"max_completion_length=0: must be at least 1 token"),
        ({"numeric_reward": "exp"}, r"numeric_reward='exp': choose one of mra, linear"),
        ({"format_weight": -1.0}, r"format_weight=-1.0: cannot be negative"),
        ({"scoring": "float"}, r"scoring='float': choose one of lmms-eval, thinking-in-space"),
        (
            {"per_device_batch_size": 0},
            r"per_device_batch_size=0, gradient_accumulation_steps=7: both must be at least 1",
        ),
        ({"dtype": "float16"}, r"dtype='float16': choose one of bfloat16, float32"),
        ({"lora": True, "lora_r": 0}, r"lora_r=0, lora_alpha=128, lora_dropout=0.05: rank and alpha must be >= 1"),
        ({"use_vllm": True, "method": "sft", "prompt_mode": "vanilla"}, r"use_vllm: vLLM only generates GRPO rollouts"),
        ({"vllm_mode": "remote"}, r"vllm_mode='remote': choose colocate or server"),
        ({"max_steps": 0}, r"max_steps=0, num_train_epochs=1.0: nothing to train"),
    ],
)
def test_train_config_errors(overrides, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        TrainConfig(model="m", data="d", output_dir=tmp_path, **overrides)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"predictions": None}, r"give exactly one of --model \(to generate answers\) or --predictions"),
        ({"model": "m", "predictions": Path("p.jsonl")}, r"give exactly one of --model"),
        ({"benchmark": "mmbench"}, r"benchmark='mmbench': choose one of auto, vsibench, generated"),
        ({"prompt_mode": "cot"}, r"prompt_mode='cot': choose one of vanilla, think, observe"),
        ({"num_frames": 0}, r"num_frames=0: use at least 1 frame \(VSI-Bench uses 32\)"),
        ({"max_new_tokens": 0}, r"max_new_tokens=0: must be at least 1"),
        ({"frame_max_pixels": 10}, r"frame_max_pixels=10: use at least 784"),
        ({"backend": "tgi"}, r"backend='tgi': choose one of auto, transformers, vllm"),
        ({"batch_size": 0}, r"batch_size=0: must be at least 1"),
        ({"limit": 0}, r"limit=0: use a positive number or None"),
        ({"dtype": "int8"}, r"dtype='int8': choose bfloat16 or float32"),
    ],
)
def test_eval_config_errors(overrides, message, tmp_path):
    settings = {"data": "d", "output_dir": tmp_path, "predictions": Path("p.jsonl"), **overrides}
    with pytest.raises(ConfigError, match=message):
        EvalConfig(**settings)


def test_eval_config_default_generation_budget(tmp_path):
    assert EvalConfig(data="d", output_dir=tmp_path, model="m").generation_tokens == 16
    assert EvalConfig(data="d", output_dir=tmp_path, model="m", prompt_mode="think").generation_tokens == 1024
    assert EvalConfig(data="d", output_dir=tmp_path, model="m", max_new_tokens=64).generation_tokens == 64


def test_train_data_errors(build_dir, tmp_path, monkeypatch):
    import datasets

    import vsi100k.dataset.load as load
    from vsi100k.train.data import check_frames_cover, training_dataset

    with pytest.raises(
        SceneError,
        match=r"scene0009_00: frames: split 'train' has questions for 1 scene\(s\) without frames: scene0009_00",
    ):
        check_frames_cover({"scene_name": ["scene0000_00", "scene0009_00"]}, {"scene0000_00": []}, "src", "train")
    monkeypatch.setattr(load, "load_questions", lambda source, config, split: datasets.Dataset.from_dict({"id": []}))
    with pytest.raises(ValueError, match=r"config 'object_counting' split 'train' has no questions to train on"):
        training_dataset(TrainConfig(model="m", data=str(build_dir), output_dir=tmp_path, config="object_counting"))


def test_trainer_entry_points_refuse_the_other_method(tmp_path):
    from vsi100k.train.grpo import grpo_args, train_grpo
    from vsi100k.train.sft import train_sft

    sft = TrainConfig(model="m", data="d", output_dir=tmp_path, method="sft", prompt_mode="vanilla")
    with pytest.raises(ConfigError, match=r"train_grpo got method='sft'; call train_sft"):
        train_grpo(sft)
    with pytest.raises(ConfigError, match=r"train_sft got method='grpo'; call train_grpo"):
        train_sft(TrainConfig(model="m", data="d", output_dir=tmp_path))
    with pytest.raises(
        ConfigError,
        match=r"3 per device x 1 accumulation x 1 process\(es\) is not a multiple of num_generations=14: each optimiser step must hold whole groups",
    ):
        grpo_args(
            TrainConfig(
                model="m", data="d", output_dir=tmp_path, per_device_batch_size=3, gradient_accumulation_steps=1
            )
        )


def test_model_helpers_errors(tiny_model_dir):
    import torch

    from vsi100k.train.common import freeze_vision_tower, language_model_lora_pattern, load_processor

    with pytest.raises(ValueError, match="freeze_vision: found no parameters under a 'visual' module"):
        freeze_vision_tower(torch.nn.Linear(2, 2))
    pattern = language_model_lora_pattern(("q_proj", "gate_proj"))
    import re

    assert re.fullmatch(pattern, "model.language_model.layers.0.mlp.gate_proj")
    assert not re.fullmatch(pattern, "model.visual.blocks.0.mlp.gate_proj")  # Qwen2.5-VL vision MLP
    processor = load_processor(str(tiny_model_dir), 2048)
    assert processor.image_processor.size["longest_edge"] == 2048
    assert processor.tokenizer.padding_side == "left"


def test_predictor_errors(tmp_path):
    from vsi100k.evaluate.predict import VllmPredictor, adapter_base, choose_backend, vllm_available

    with pytest.raises(ValueError, match=r"unknown backend 'tgi'; valid: \['auto', 'transformers', 'vllm'\]"):
        choose_backend("tgi")
    if not vllm_available():
        with pytest.raises(ValueError, match="backend 'vllm' requested but vllm is not installed"):
            choose_backend("vllm")
        assert choose_backend("auto") == "transformers"
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(ValueError, match=r"adapter_config\.json: the adapter does not name its base model"):
        adapter_base(str(tmp_path))
    (tmp_path / "adapter_config.json").write_text('{"base_model_name_or_path": "/base"}')
    assert adapter_base(str(tmp_path)) == "/base"
    with pytest.raises(ValueError, match="a LoRA adapter folder; vLLM needs full weights"):
        VllmPredictor(str(tmp_path), max_new_tokens=1, max_images=1)


def test_transformers_predictor_batch_size_error(tiny_model_dir):
    from vsi100k.evaluate.predict import TransformersPredictor

    with pytest.raises(ValueError, match="batch_size=0: must be at least 1"):
        TransformersPredictor(str(tiny_model_dir), max_new_tokens=1, batch_size=0)


def test_vsibench_loader_errors(vsibench_dir, tmp_path):
    import zipfile

    from vsi100k.evaluate.vsibench import (
        VideoFrames,
        _safe_extract,
        ensure_videos,
        load_vsibench_questions,
        resolve_root,
    )

    with pytest.raises(
        FileNotFoundError, match=r"no VSI-Bench questions at the top of this folder \(test\.jsonl, test-\*\.parquet"
    ):
        resolve_root(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"no full VSI-Bench question file \(test\.jsonl or test-\*\.parquet\)"):
        load_vsibench_questions(tmp_path)
    with pytest.raises(ValueError, match=r"unknown VSI-Bench source\(s\) scannetpp; valid: arkitscenes, scannet"):
        load_vsibench_questions(vsibench_dir, sources=("scannetpp",))
    assert set(load_vsibench_questions(vsibench_dir, sources=("arkitscenes",))["dataset"]) == {"arkitscenes"}
    import pyarrow as pa
    import pyarrow.parquet as pq

    odd = tmp_path / "odd"
    odd.mkdir()
    pq.write_table(pa.table({"id": [1], "question": ["q"]}), odd / "test-00000-of-00001.parquet")
    with pytest.raises(
        ValueError, match=r"missing VSI-Bench column\(s\) dataset, scene_name, question_type, options, ground_truth"
    ):
        load_vsibench_questions(odd)
    with pytest.raises(FileNotFoundError, match=r"neither the video folder scannetpp/ nor scannetpp\.zip is there"):
        ensure_videos(odd, ["scannetpp"])
    with zipfile.ZipFile(odd / "evil.zip", "w") as bundle:
        bundle.writestr("../outside.mp4", b"x")
    with pytest.raises(ValueError, match=r"member '\.\./outside\.mp4' would be written outside"):
        _safe_extract(odd / "evil.zip", odd / "target")
    with zipfile.ZipFile(odd / "other.zip", "w") as bundle:
        bundle.writestr("elsewhere/a.mp4", b"x")
    with pytest.raises(FileNotFoundError, match=r"other\.zip: extracting did not produce the folder other/"):
        ensure_videos(odd, ["other"])
    with pytest.raises(SceneError, match=r"scene9999_00: scene9999_00\.mp4: video not found under"):
        VideoFrames(odd, 4).frames("scannet", "scene9999_00")


def test_vsibench_from_a_hub_id_downloads_lazily(tmp_path, monkeypatch):
    import fnmatch
    import shutil

    import vsi100k.evaluate.vsibench as vsibench
    from vsi100k.evaluate.run import detect_benchmark, load_eval_data

    remote = write_tiny_vsibench(tmp_path / "remote", n_video_frames=6)  # plays the Hub repo
    files = sorted(p.relative_to(remote).as_posix() for p in remote.rglob("*") if p.is_file())
    snapshot = tmp_path / "snapshot"
    calls = []

    def fake_download(repo_id, revision, patterns):  # the network stand-in: copies the matching files
        calls.append((repo_id, tuple(patterns)))
        for name in files:
            if any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
                (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(remote / name, snapshot / name)
        return snapshot

    monkeypatch.setattr(vsibench, "hub_download", fake_download)
    monkeypatch.setattr(vsibench, "hub_repo_files", lambda repo_id, revision=None: files)
    assert detect_benchmark("nyu-visionx/VSI-Bench") == "vsibench"
    cfg = EvalConfig(data="nyu-visionx/VSI-Bench", output_dir=tmp_path / "out", model="m", num_frames=3,
                     sources=("scannet",))
    data = load_eval_data(cfg, need_frames=True)
    assert calls == [
        ("nyu-visionx/VSI-Bench", ("*.parquet", "*.jsonl", "README.md", "pruned_ids.txt")),  # the questions first
        ("nyu-visionx/VSI-Bench", ("scannet.zip", "scannet/*")),  # then only the videos of the asked source
    ]
    assert len(data.questions) == 10 and set(data.questions["dataset"]) == {"scannet"}
    frames = data.frames_for(dict(data.questions[0]))
    assert len(frames) == 3 and frames[0].size == (64, 48)


def test_evaluation_data_errors(vsibench_dir, build_dir, tmp_path):
    from vsi100k.evaluate.run import detect_benchmark, evaluate

    assert detect_benchmark(str(vsibench_dir)) == "vsibench"
    assert detect_benchmark(str(build_dir)) == "generated"
    with pytest.raises(FileNotFoundError, match=r"neither a vsi100k build \(data/questions/\) nor VSI-Bench's layout"):
        detect_benchmark(str(tmp_path))
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"id": "nope", "prediction": "A"}\n')
    with pytest.raises(ValueError, match=r"p\.jsonl: no prediction id matches a question id of"):
        evaluate(EvalConfig(data=str(vsibench_dir), output_dir=tmp_path / "o", predictions=preds))
    with pytest.raises(ValueError, match="VSI-Bench has only the 'test' split, not 'validation'"):
        evaluate(EvalConfig(data=str(vsibench_dir), output_dir=tmp_path / "o", predictions=preds, split="validation"))
    with pytest.raises(
        ValueError, match="--source filters VSI-Bench's dataset column; a vsi100k build is ScanNet only"
    ):
        evaluate(EvalConfig(data=str(build_dir), output_dir=tmp_path / "o", predictions=preds, sources=("scannet",)))
    with pytest.raises(
        ValueError, match=r"no questions left to evaluate \(split, --question-type or --limit filters\)"
    ):
        evaluate(
            EvalConfig(
                data=str(build_dir), output_dir=tmp_path / "o", predictions=preds, question_types=("route_planning",)
            )
        )
    with pytest.raises(ValueError, match=r"unknown question type 'colour'"):
        evaluate(
            EvalConfig(data=str(build_dir), output_dir=tmp_path / "o", predictions=preds, question_types=("colour",))
        )


# ---- command line -----------------------------------------------------------------------------------


def run_cli(*args: str):
    from typer.testing import CliRunner

    from vsi100k.cli.app import app

    return CliRunner().invoke(app, list(args))


def test_cli_eval_scores_a_predictions_file(tmp_path):
    vsibench_dir = write_tiny_vsibench(tmp_path / "vsibench", n_video_frames=2)
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(json.dumps({"id": i, "prediction": "A"}) for i in range(20)) + "\n")
    result = run_cli(
        "eval",
        "--data",
        str(vsibench_dir),
        "--predictions",
        str(preds),
        "-o",
        str(tmp_path / "out"),
        "--question-type",
        "object_rel_direction_easy",
        "--question-type",
        "route_planning",
    )
    assert result.exit_code == 0, result.output
    # both sources answer A: easy (truth A) 100, route (truth A) 100
    assert "overall 100.00 on 4 questions" in result.output
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["count"] == 4


def test_cli_eval_reports_errors_with_exit_code_2(tmp_path):
    result = run_cli("eval", "--data", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert "error: give exactly one of --model" in result.output


@pytest.mark.slow
def test_cli_train_grpo_and_sft_on_cpu(tiny_model_dir, build_dir, tmp_path):
    common = [
        "--data",
        str(build_dir),
        "--model",
        str(tiny_model_dir),
        "--cpu",
        "--prompt-mode",
        "vanilla",
        "--frames",
        "2",
        "--frame-max-pixels",
        "0",
        "--max-steps",
        "1",
        "--no-gradient-checkpointing",
        "--per-device-batch-size",
        "4",
        "--gradient-accumulation-steps",
        "1",
    ]
    grpo = run_cli(
        "train", "-o", str(tmp_path / "grpo"), "--num-generations", "4", "--max-completion-length", "1",
        "--scoring", "thinking-in-space", *common
    )
    assert grpo.exit_code == 0, grpo.output
    assert json.loads((tmp_path / "grpo" / "train_config.json").read_text())["scoring"] == "thinking-in-space"
    assert "grpo: 1 steps" in grpo.output
    assert "reward" in read_jsonl(tmp_path / "grpo" / "metrics.jsonl")[0]
    sft = run_cli("train", "-o", str(tmp_path / "sft"), "--method", "sft", *common)
    assert sft.exit_code == 0, sft.output
    assert "loss" in read_jsonl(tmp_path / "sft" / "metrics.jsonl")[0]
    bad = run_cli(
        "train",
        "-o",
        str(tmp_path / "bad"),
        "--method",
        "sft",
        "--prompt-mode",
        "think",
        "--data",
        str(build_dir),
        "--model",
        str(tiny_model_dir),
    )
    assert bad.exit_code == 2 and "the SFT baseline learns direct answers" in bad.output
