"""The command line as a new user meets it: help text (snapshots in tests/snapshots/help/; square
brackets and choice lists survive), `vsi100k --version`, one exit-code table that every registered
command follows, and Ctrl-C saying in one line what was kept.

The generic checks iterate over the commands registered in the app, so a command or an option added
later is covered too. Snapshots are rewritten with `VSI100K_UPDATE_SNAPSHOTS=1` (review the diff).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from vsi100k import __version__
from vsi100k.cli.app import app
from vsi100k.cli.options import EXIT_CODES, SCENES_HELP

SNAPSHOTS = Path(__file__).parent / "snapshots" / "help"
HELP_WIDTH = 100
REPO = Path(__file__).resolve().parents[1]


def registered() -> dict[str, click.Command]:
    return dict(get_command(app).commands)


COMMANDS = sorted(registered())


def invoke(*args: str, **kwargs):
    return CliRunner().invoke(app, list(args), terminal_width=HELP_WIDTH, max_content_width=HELP_WIDTH, **kwargs)


def squeeze(text: str) -> str:
    """Text without any whitespace: help is rewrapped (and hyphenated words split) at the terminal width."""
    return re.sub(r"\s+", "", text)


def options_of(name: str) -> list[click.Option]:
    return [p for p in registered()[name].params if isinstance(p, click.Option)]


# ---- help ----
@pytest.mark.parametrize("name", ["", *COMMANDS])
def test_help_matches_its_snapshot(name):
    result = invoke(*([name] if name else []), "--help")
    assert result.exit_code == 0, result.output
    path = SNAPSHOTS / f"{name or 'vsi100k'}.txt"
    if os.environ.get("VSI100K_UPDATE_SNAPSHOTS"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.output)
    assert path.is_file(), f"no help snapshot {path.name}: write it with VSI100K_UPDATE_SNAPSHOTS=1 and review it"
    assert result.output == path.read_text()


def test_help_snapshots_keep_brackets_and_show_choices():
    """What Rich markup used to eat, as a user reads it."""
    build = (SNAPSHOTS / "build.txt").read_text()
    assert "pip install 'vsi100k[ray]'" in squeeze(build).replace("pipinstall", "pip install ")
    assert "--executor <local|ray>" in build
    assert "--mix <vsi100k|vsibench>" in build
    train = (SNAPSHOTS / "train.txt").read_text()
    assert "'vsi100k[vllm]'" in train
    for choice in ("--method <grpo|sft>", "--prompt-mode <vanilla|think|observe>", "--dtype <bfloat16|float32>"):
        assert choice in train
    evaluate = (SNAPSHOTS / "eval.txt").read_text()
    for choice in ("--benchmark <auto|vsibench|generated>", "--backend <auto|transformers|vllm>",
                   "--split <train|validation|test>"):
        assert choice in evaluate
    synth = (SNAPSHOTS / "synth.txt").read_text()
    assert "--realism <clean|scan>" in synth and "--source <scannet|scannetpp|arkitscenes>" in synth
    top = (SNAPSHOTS / "vsi100k.txt").read_text()
    for code, meaning in EXIT_CODES.items():
        assert f"{code:<4} {meaning}" in top


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_is_described_and_its_help_survives(name):
    text = squeeze(invoke(name, "--help").output)
    for option in options_of(name):
        if option.name == "help":
            continue
        assert option.help and option.help.strip(), f"{name} {option.opts[0]}: no help text"
        assert squeeze(option.help) in text, f"{name} {option.opts[0]}: help text altered (markup?)"
        if isinstance(option.type, click.Choice):
            assert squeeze("<" + "|".join(option.type.choices) + ">") in text, f"{name} {option.opts[0]}: choices hidden"
        elif option.type == click.STRING:
            # a help text listing "a | b | c" belongs to a Choice option, which shows (and checks) its choices
            assert not re.search(r"^[\w-]+ (\([^)]*\) )?\| [\w-]+", option.help), (
                f"{name} {option.opts[0]}: lists choices but takes any string; make it a choices() Enum")


@pytest.mark.parametrize("name", COMMANDS)
def test_out_and_scenes_are_described_alike(name):
    for option in options_of(name):
        if "--out" in option.opts:
            assert "-o" in option.opts, f"{name} --out has no -o"
            assert option.help.startswith(("Output folder: ", "Output file: ")), f"{name} --out: {option.help}"
        if "--scenes" in option.opts and isinstance(option.type, click.Path):
            assert option.help.startswith(SCENES_HELP), f"{name} --scenes: {option.help}"


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and result.output == f"vsi100k {__version__}\n"


# ---- exit codes ----
def lines(result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


@pytest.mark.parametrize("name", COMMANDS)
def test_usage_errors_exit_2_for_every_command(name):
    assert invoke(name, "--no-such-option").exit_code == 2
    for option in options_of(name):
        if isinstance(option.type, click.Choice) and not option.multiple:
            result = invoke(name, option.opts[0], "not-a-choice")
            assert result.exit_code == 2, (option.opts, result.output)
            assert "Invalid value for" in result.output and option.opts[0] in result.output


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def model_folder(root: Path) -> Path:
    folder = root / "model"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text("{}")
    return folder


def frameless_release(root: Path) -> Path:
    """A release without images (manifest and report, no question shard) listing one ScanNet scan."""
    from vsi100k.dataset.manifest import make_manifest, manifest_entry, row_columns, write_manifest

    root.mkdir(parents=True, exist_ok=True)
    row = {**dict.fromkeys(row_columns()), "scene_name": "scene0000_00", "frame_indices": [0], "timestamps_s": [0.0],
           "width": 64, "height": 48, "source": "sens"}
    stream = {"kind": "sens", "path": "scene0000_00.sens", "files": ["scene0000_00.sens"], "sha256": "0" * 64}
    entry = manifest_entry("train", row, "scannet", stream, [{"sha256": "1" * 64, "pixels_sha256": "2" * 64}])
    write_manifest(root, make_manifest([entry], build_id="b1", vsi100k_version="0", sampling={"n_frames": 1}))
    (root / "build_report.json").write_text('{"build_id": "b1", "shards": []}')
    return root


def tiny_vsibench(root: Path) -> Path:
    from tiny_build import write_tiny_vsibench

    return write_tiny_vsibench(root / "vsibench", n_video_frames=2)


# command -> cases (arguments built from a tmp folder, exit code, a piece of the one error line)
CASES = {
    "synth": [
        (lambda t: ["--out", str(t / "s"), "--source", "scannetpp", "--realism", "scan"], 2,
         "realism 'scan' is not available for ScanNet++ scans"),
        (lambda t: ["--out", str(t / "s"), "--fps", "2"], 2, "--scannet-size and --fps need --realism scan"),
        (lambda t: ["--out", str(write_bytes(t / "file", b"x") / "s"), "--no-render", "--scenes", "1"], 1, "file"),
    ],
    "facts": [
        (lambda t: ["--scenes", str(t), "--out", str(t / "o")], 1, "no scan folders"),
        (lambda t: ["--scenes", str(t), "--out", str(t), "--ray-address", "auto"], 2,
         "ray_address is set but executor is not 'ray'"),
    ],
    "frames": [
        (lambda t: ["--scenes", str(t)], 1, "no scan folders"),
    ],
    "questions": [
        (lambda t: ["--facts", str(t), "--out", str(t / "q.jsonl")], 1, "no <scene_id>.json facts files"),
    ],
    "build": [
        (lambda t: ["--scenes", str(t), "--out", str(t / "o")], 1, "no scan folders"),
        (lambda t: ["--scenes", str(t), "--out", str(t / "o"), "--ray-address", "auto"], 2,
         "ray_address is set but executor is not 'ray'"),
    ],
    "push": [
        (lambda t: [str(t), "--repo-id", "not a repo id"], 2, "a repo id is 'namespace/name'"),
        (lambda t: [str(t), "--repo-id", "me/vsi100k", "--dry-run"], 1, "failed validation"),
    ],
    "rehydrate": [
        (lambda t: [str(t), "--scenes", str(t), "--out", str(t / "o")], 1, "no frames manifest"),
        (lambda t: [str(frameless_release(t / "release")), "--scenes",
                    str(write_bytes(t / "scans" / "notes.txt", b"").parent), "--out", str(t / "o")], 1,
         "no scan of the release could be rehydrated, so"),
    ],
    "export-lmms-eval": [
        (lambda t: [str(t), "--out", str(t / "task")], 1, "not a vsi100k build folder (no build_report.json)"),
    ],
    "preview": [
        (lambda t: [str(t), "--scene", "scene0000_00"], 1, "scene0000_00"),
    ],
    "train": [
        (lambda t: ["--data", str(t), "--model", str(t / "none"), "-o", str(t / "o"), "--cpu"], 1,
         "no such folder"),
        (lambda t: ["--data", str(t), "--model", str(model_folder(t)), "-o", str(t / "o"), "--method", "sft",
                    "--vllm", "--cpu"], 2, "vLLM only generates GRPO rollouts"),
    ],
    "eval": [
        (lambda t: ["--data", str(tiny_vsibench(t)), "-o", str(t / "o"), "--predictions",
                    str(write_bytes(t / "p.jsonl", b'{"id": 1, "prediction": "A"}\n{"id": "\xff"}\n'))], 1,
         "p.jsonl: line 2: not UTF-8 text (byte 0xff at column 9)"),
        (lambda t: ["--data", str(t), "-o", str(t / "o"), "--model", str(model_folder(t)), "--cpu",
                    "--batch-size", "0"], 2, "batch_size=0: must be at least 1"),
    ],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_exit_codes_follow_the_table(name, tmp_path):
    """Each command's library failures: 1 (fatal, one line) or 2 (a bad option value or combination)."""
    cases = CASES.get(name)
    assert cases, f"{name}: a registered command needs its exit-code cases in CASES"
    for number, (make_args, code, text) in enumerate(cases):
        folder = tmp_path / str(number)
        folder.mkdir()
        result = invoke(name, *make_args(folder))
        assert result.exit_code == code, (name, number, result.output)
        errors = [line for line in lines(result) if line.startswith("error: ")]
        assert len(errors) == 1 and text in errors[0], (name, number, result.output)
        assert "Traceback" not in result.output


def test_every_command_of_the_readme_has_cases():
    """The commands this project ships are all exercised beyond the generic usage checks."""
    assert set(CASES) <= set(COMMANDS)
    assert {"synth", "facts", "frames", "questions", "build", "push", "preview", "train", "eval"} <= set(CASES)


def test_eval_non_utf8_predictions_name_the_file_and_line(tmp_path):
    from vsi100k.evaluate.report import read_predictions

    path = write_bytes(tmp_path / "preds.jsonl", b'{"id": 1, "prediction": "A"}\n\n{"id": 2, "prediction": "\xc3("}\n')
    with pytest.raises(ValueError, match=r"preds\.jsonl: line 3: not UTF-8 text \(byte 0xc3 at column 26\)"):
        read_predictions(path)


# ---- Ctrl-C ----
@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Path:
    """Two small synthetic scans (no colour streams: quick to build)."""
    from vsi100k.synth import generate_scenes

    root = tmp_path_factory.mktemp("cli-scans") / "scans"
    generate_scenes(root, 2, seed=3, render=False)
    return root


def test_ctrl_c_during_the_scans_says_what_was_kept(scans, tmp_path, monkeypatch):
    import vsi100k.pipeline.run as run

    def interrupted(cfg, jobs, until, progress, interrupts=None):
        from vsi100k.pipeline.stages import run_scan

        run_scan(jobs[0], cfg, until)  # one scan's result reaches the cache, then Ctrl-C
        raise KeyboardInterrupt

    out = tmp_path / "out"
    args = ["build", "--scenes", str(scans), "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    monkeypatch.setattr(run, "process", interrupted)
    result = invoke(*args)
    assert result.exit_code == 130
    assert lines(result) == [
        f"interrupted: 1 of 2 scans are kept in the cache ({tmp_path / 'cache' / 'build'}); {out} was not written; "
        "rerun the same command to resume"]
    assert not out.exists()
    monkeypatch.undo()
    assert invoke(*args).exit_code == 0
    monkeypatch.setattr(run, "process", interrupted)
    result = invoke(*args, "--overwrite", "--seed", "1")
    assert result.exit_code == 130
    assert f"; the previous build in {out} is untouched; rerun the same command to resume" in lines(result)[0]
    assert json.loads((out / "build_report.json").read_text())["settings"]["questions"]["seed"] == 0


def test_ctrl_c_after_the_swap_says_the_new_build_is_complete(scans, tmp_path, monkeypatch):
    import vsi100k.cli.build_cmd as build_cmd

    def interrupted(result):
        raise KeyboardInterrupt

    monkeypatch.setattr(build_cmd, "print_report", interrupted)
    out = tmp_path / "out"
    result = invoke("build", "--scenes", str(scans), "--out", str(out), "--cache-dir", str(tmp_path / "cache"),
                    "--no-progress")
    build_id = json.loads((out / "build_report.json").read_text())["build_id"]
    assert result.exit_code == 130
    assert lines(result) == [f"interrupted: the new build {build_id} is complete in {out} (only the report's printing "
                             "was cut short; build_report.json holds it)"]


def test_ctrl_c_inside_the_swap_window_is_recognised(scans, tmp_path):
    """After the swap, the pipeline itself reports the new build as complete (the marker holds its id)."""
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.plan import plan_jobs
    from vsi100k.pipeline.run import interrupted_state, run_build

    cfg = BuildConfig(scenes_dir=scans, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    result = run_build(cfg, progress=False)
    assert interrupted_state(cfg, plan_jobs(cfg)) == (
        f"the new build {result.report['build_id']} is complete in {cfg.out_dir} (Ctrl-C came after it was swapped in)")


@pytest.fixture
def sigint_as_in_a_terminal():
    """Ctrl-C raises KeyboardInterrupt in this process during the test, as in a foreground terminal
    (a test run started in the background by a script inherits SIGINT ignored)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _sigint_default() -> None:
    """preexec_fn: the child takes SIGINT's default action, as a command started from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_swallowed_while_the_build_is_swapped_in_still_stops_it(scans, tmp_path, monkeypatch,
                                                                       sigint_as_in_a_terminal):
    """A library that catches the KeyboardInterrupt during the final validation cannot turn Ctrl-C into
    a silent success: the build says it is complete and that Ctrl-C came."""
    import vsi100k.dataset.validate as validate
    from vsi100k.pipeline.config import BuildConfig
    from vsi100k.pipeline.run import BuildInterrupted, run_build

    real = validate.validate_output

    def swallowing(*args, **kwargs):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass  # what a careless library does
        return real(*args, **kwargs)

    monkeypatch.setattr(validate, "validate_output", swallowing)
    cfg = BuildConfig(scenes_dir=scans, out_dir=tmp_path / "out", cache_dir=tmp_path / "cache")
    with pytest.raises(BuildInterrupted, match=r"the new build \w+ is complete in .*Ctrl-C came after it was swapped in"):
        run_build(cfg, progress=False)


@pytest.mark.slow
def test_a_real_sigint_gives_one_line_and_ends_the_workers(tmp_path):
    """SIGINT to the whole process group (as a terminal's Ctrl-C): exit 130 within seconds, one line on
    stderr, no worker traceback and no library warnings."""
    from vsi100k.synth import generate_scenes

    scans = tmp_path / "scans"
    generate_scenes(scans, 12, seed=11, render=False)  # enough scans left after the first, even on a loaded machine
    cache = tmp_path / "cache"
    env = dict(os.environ, PYTHONPATH=str(REPO), VSI100K_CACHE=str(cache))
    process = subprocess.Popen(
        [sys.executable, "-m", "vsi100k", "build", "--scenes", str(scans), "--out", str(tmp_path / "out"),
         "--workers", "2", "--no-progress"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=_sigint_default)
    deadline = time.monotonic() + 240
    while not list((cache / "build" / "scenes").glob("*/*/result.json")) and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)
    sent = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert time.monotonic() - sent < 15
    errors = [line for line in stderr.splitlines() if line.strip()]
    assert len(errors) == 1 and re.fullmatch(
        r"interrupted: \d+ of 12 scans are kept in the cache \(.*\); .* was not written; rerun the same command to resume",
        errors[0]), stderr


def test_a_build_where_no_scan_gives_a_question_says_so_in_one_line(scans, tmp_path, monkeypatch):
    from collections import Counter

    import vsi100k.pipeline.stages as stages

    def nothing(facts, visibility, has_frames, cfg):  # every candidate rejected, as in rooms too bare to ask about
        return facts, [], Counter({("object_counting", "single_instance"): 3, ("room_size_estimation", "no_floor"): 1})

    monkeypatch.setattr(stages, "questions_stage", nothing)
    out = tmp_path / "out"
    result = invoke("build", "--scenes", str(scans), "--out", str(out), "--cache-dir", str(tmp_path / "cache"),
                    "--no-progress")
    assert result.exit_code == 1
    assert lines(result) == [f"error: no questions: all 2 usable scan(s) gave none (most rejected candidates: "
                             f"single_instance 6, no_floor 2); {out} was left as it was"]
    assert not out.exists()


def test_overwrite_names_the_preview_pages_it_replaces(scans, tmp_path):
    out = tmp_path / "out"
    args = ["build", "--scenes", str(scans), "--out", str(out), "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
    assert invoke(*args).exit_code == 0
    page = invoke("preview", str(out), "--scene", "scene0000_00")
    assert page.exit_code == 0 and (out / "preview" / "scene0000_00.html").is_file()
    rebuilt = invoke(*args, "--overwrite", "--seed", "2")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert ("note: --overwrite removed the previous build's preview/scene0000_00.html (not part of a build; write "
            "them again with `vsi100k preview`)") in lines(rebuilt)
    (out / "notes.txt").write_text("mine")  # a user's own file is never removed: it blocks the rebuild, named
    blocked = invoke(*args, "--overwrite", "--seed", "3")
    assert blocked.exit_code == 1 and "vsi100k did not write: notes.txt" in blocked.output
    assert (out / "notes.txt").read_text() == "mine"
