"""The output folder is staged, validated and swapped in whole; never mixed, never someone else's.

Crashes are injected at every step of the swap, both by raising from the patched rename/exchange
(the process survives, then "restarts" by calling prepare_output again) and by SIGKILL of a child
process at a named point. After each, the folder holds the previous build byte for byte or the
new one complete and valid.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_dataset_validate import write_small_dataset

from vsi100k.dataset import output as output_module
from vsi100k.dataset.output import (
    MARKER_FILE,
    STAGING_MARKER_FILE,
    OutputError,
    exchange_folders,
    old_path,
    prepare_output,
    read_marker,
    staging_path,
)
from vsi100k.dataset.validate import OutputInvalid, validate_output
from vsi100k.errors import ConfigError

TESTS_DIR = Path(__file__).parent


def checksums(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file under folder, markers excluded."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).rglob("*"))
        if p.is_file() and p.name not in (MARKER_FILE, STAGING_MARKER_FILE)
    }


def build(out: Path, tag: str, *, overwrite: bool = False) -> dict[str, str]:
    """A full staged build of the small dataset into `out`; returns its checksums."""
    with prepare_output(out, overwrite=overwrite, estimated_bytes=10**5) as staged:
        write_small_dataset(staged.path, tag=tag)
        staged.commit()
    return checksums(out)


@pytest.fixture
def previous(tmp_path):
    """(out, checksums) of a committed first build."""
    out = tmp_path / "out"
    return out, build(out, "previous")


def test_a_build_is_staged_beside_the_folder_and_swapped_in(tmp_path):
    out = tmp_path / "nested" / "out"
    staged = prepare_output(out, overwrite=False, estimated_bytes=0)
    assert staged.path == tmp_path / "nested" / ".out.vsi100k-staging" and staged.path.is_dir()
    assert not out.exists()
    write_small_dataset(staged.path, tag="one")
    written = checksums(staged.path)
    assert staged.commit() == out
    assert checksums(out) == written and not staged.path.exists()
    marker = read_marker(out)
    assert marker.build_id == "build-one"
    assert marker.files == {rel: (out / rel).stat().st_size for rel in written}
    assert not (out / STAGING_MARKER_FILE).exists()
    assert validate_output(out) == []
    with pytest.raises(OutputError, match="already committed"):
        staged.commit()


def test_an_empty_existing_folder_is_free(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    new = build(out, "one")
    assert checksums(out) == new and read_marker(out).build_id == "build-one"


def test_a_folder_not_written_by_vsi100k_is_refused_and_untouched(tmp_path):
    out = tmp_path / "mine"
    (out / "facts").mkdir(parents=True)
    (out / "README.md").write_text("my notes\n")
    (out / "facts" / "mine.json").write_text("{}")
    before = checksums(out)
    for overwrite in (False, True):
        with pytest.raises(OutputError, match=r"mine: is not empty and has no \.vsi100k\.json, so it was not written by "
                           r"vsi100k; refusing to write into it, nothing was touched"):
            prepare_output(out, overwrite=overwrite, estimated_bytes=0)
    assert checksums(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no staging folder either
    (out / "build_report.json").write_text("{}")
    with pytest.raises(OutputError, match="suggests an older vsi100k build without a marker"):
        prepare_output(out, overwrite=True, estimated_bytes=0)


def test_a_previous_build_needs_overwrite(previous):
    out, before = previous
    with pytest.raises(OutputError, match=r"holds a previous vsi100k build \(build build-previous\); pass --overwrite"):
        prepare_output(out, overwrite=False, estimated_bytes=0)
    assert checksums(out) == before
    after = build(out, "next", overwrite=True)
    assert after != before and set(after) == set(before)
    assert read_marker(out).build_id == "build-next" and validate_output(out) == []
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_a_file_added_to_a_previous_build_blocks_overwrite(previous):
    out, before = previous
    (out / "facts").mkdir()
    (out / "facts" / "notes.txt").write_text("mine")
    (out / "preview").mkdir()
    (out / "preview" / "scene0000_00.html").write_text("<html>")  # written by `vsi100k preview`: allowed
    with pytest.raises(OutputError, match=r"holds file\(s\) vsi100k did not write: facts/notes.txt; move them away"):
        prepare_output(out, overwrite=True, estimated_bytes=0)
    assert (out / "facts" / "notes.txt").read_text() == "mine"
    (out / "facts" / "notes.txt").unlink()
    build(out, "next", overwrite=True)
    assert not (out / "preview").exists()


def test_the_destination_is_checked_again_at_commit(tmp_path):
    out = tmp_path / "out"
    staged = prepare_output(out, overwrite=False, estimated_bytes=0)
    write_small_dataset(staged.path, tag="one")
    out.mkdir()
    (out / "arrived.txt").write_text("meanwhile")
    with pytest.raises(OutputError, match="has no .vsi100k.json"):
        staged.commit()
    assert (out / "arrived.txt").read_text() == "meanwhile"
    staged.abort()
    assert not staged.path.exists()


def test_an_invalid_stage_is_never_swapped_in(previous):
    out, before = previous
    with pytest.raises(OutputInvalid, match=r"config object_counting, split train: 1 rows, the build report says 2"):
        with prepare_output(out, overwrite=True, estimated_bytes=0) as staged:
            write_small_dataset(staged.path, tag="broken")
            import pyarrow.parquet as pq

            shard = staged.path / "data/questions/object_counting/train-00000-of-00001.parquet"
            pq.write_table(pq.read_table(shard).slice(0, 1), shard)
            staged.commit()
    assert checksums(out) == before and not staged.path.exists()
    with pytest.raises(OutputInvalid, match="custom problem"):
        with prepare_output(out, overwrite=True, estimated_bytes=0) as staged:
            staged.commit(validate=lambda folder: ["custom problem"])
    assert checksums(out) == before


def test_write_errors_in_the_block_become_one_line_output_errors(previous):
    out, before = previous
    with pytest.raises(OutputError, match=r"\.out\.vsi100k-staging/x\.bin: writing the output: no space left on the device$"):
        with prepare_output(out, overwrite=True, estimated_bytes=0) as staged:
            raise OSError(28, "No space left on device", str(staged.path / "x.bin"))
    assert checksums(out) == before and not staging_path(out).exists()


def test_pre_flight_errors(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="estimated_bytes must be >= 0, got -1"):
        prepare_output(tmp_path / "out", overwrite=False, estimated_bytes=-1)
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="file: exists and is not a folder"):
        prepare_output(tmp_path / "file", overwrite=False, estimated_bytes=0)
    with pytest.raises(OutputError, match="file: is not a folder; choose another --out"):
        prepare_output(tmp_path / "file" / "out", overwrite=False, estimated_bytes=0)
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(OutputError, match=r"not enough free space for the output: about .* needed, .* free \(nothing was touched\)"):
        prepare_output(tmp_path / "out", overwrite=False, estimated_bytes=2 * free)
    assert not staging_path(tmp_path / "out").exists()


def test_a_leftover_without_a_marker_is_not_deleted(tmp_path):
    out = tmp_path / "out"
    staging_path(out).mkdir()
    (staging_path(out) / "keep.txt").write_text("someone's")
    with pytest.raises(OutputError, match=r"\.out\.vsi100k-staging: has a vsi100k working-folder name but no "
                       r"\.vsi100k\.json or \.vsi100k-staging\.json; it was not written by vsi100k"):
        prepare_output(out, overwrite=False, estimated_bytes=0)
    assert (staging_path(out) / "keep.txt").read_text() == "someone's"


def test_marker_errors(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "data.txt").write_text("x")
    (out / MARKER_FILE).write_text("{")
    with pytest.raises(OutputError, match=r"\.vsi100k\.json: vsi100k marker is not valid JSON"):
        prepare_output(out, overwrite=True, estimated_bytes=0)
    (out / MARKER_FILE).write_text('{"format": "other"}')
    with pytest.raises(OutputError, match=r"not a vsi100k marker \(format is not 'vsi100k-dataset'\)"):
        prepare_output(out, overwrite=True, estimated_bytes=0)
    (out / MARKER_FILE).write_text('{"format": "vsi100k-dataset", "format_version": 99, "files": {}}')
    with pytest.raises(OutputError, match="marker format version 99 is not 1; it was written by another vsi100k version"):
        prepare_output(out, overwrite=True, estimated_bytes=0)


def test_exchange_folders_swaps_contents(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from_a").write_text("a")
    (tmp_path / "b" / "from_b").write_text("b")
    assert exchange_folders(tmp_path / "a", tmp_path / "b") is True
    assert os.listdir(tmp_path / "a") == ["from_b"] and os.listdir(tmp_path / "b") == ["from_a"]
    with pytest.raises(OSError):
        exchange_folders(tmp_path / "a", tmp_path / "missing")


# ---- crashes at every step of the swap ----
class Crash(BaseException):
    """Stands for the process dying: raised from inside the swap, never caught by the code under test."""


def _crash_on_call(monkeypatch, target, name, crash_on: int, *, after: bool = False):
    """Patch target.name so that its `crash_on`-th call (1-based) crashes, before or after doing its work."""
    real = getattr(target, name)
    calls = {"n": 0}

    def patched(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == crash_on and not after:
            raise Crash(f"{name} call {crash_on}")
        result = real(*args, **kwargs)
        if calls["n"] == crash_on and after:
            raise Crash(f"after {name} call {crash_on}")
        return result

    monkeypatch.setattr(target, name, patched)


def _commit_with_crash(out: Path) -> dict[str, str]:
    """Stage a new build and commit it without the context manager (a crash runs no clean-up).
    Returns the new build's checksums as staged."""
    staged = prepare_output(out, overwrite=True, estimated_bytes=0)
    write_small_dataset(staged.path, tag="new")
    new = checksums(staged.path)
    with pytest.raises(Crash):
        staged.commit()
    return new


def _assert_previous_or_new(out: Path, before: dict, new: dict, *, may_be_missing: bool = False) -> str:
    if may_be_missing and not out.exists():
        assert old_path(out).is_dir() and checksums(old_path(out)) == before
        return "missing"
    found = checksums(out)
    assert found in (before, new)
    assert validate_output(out) == []
    return "previous" if found == before else "new"


CRASH_POINTS = [
    # (id, exchange supported, patched name, call number, crash after the call, state right after, state after restart)
    ("before-exchange", True, "exchange_folders", 1, False, "previous", "previous"),
    ("after-exchange", True, "exchange_folders", 1, True, "new", "new"),
    ("during-removal-after-exchange", True, "rmtree", 1, False, "new", "new"),
    ("before-first-rename", False, "rename", 1, False, "previous", "previous"),
    ("between-renames", False, "rename", 2, False, "missing", "previous"),
    ("after-second-rename", False, "rename", 2, True, "new", "new"),
    ("during-removal-of-old", False, "rmtree", 1, False, "new", "new"),
]


@pytest.mark.parametrize("point, exchange, name, call, after, right_after, restarted",
                         CRASH_POINTS, ids=[p[0] for p in CRASH_POINTS])
def test_a_crash_at_any_step_leaves_a_complete_dataset(previous, monkeypatch, point, exchange, name, call, after,
                                                       right_after, restarted):
    out, before = previous
    if not exchange:
        monkeypatch.setattr(output_module, "exchange_folders", lambda a, b: False)
    target = output_module if name == "exchange_folders" else (output_module.os if name == "rename" else output_module.shutil)
    with monkeypatch.context() as patch:
        _crash_on_call(patch, target, name, call, after=after)
        new = _commit_with_crash(out)
    assert _assert_previous_or_new(out, before, new, may_be_missing=True) == right_after
    if point.startswith("during-removal"):  # cut short half-way: files gone, the marker (deleted last) kept
        leftover = staging_path(out) if exchange else old_path(out)
        assert (leftover / MARKER_FILE).is_file() and not (leftover / "README.md").exists()
    # the next run recovers before anything else and starts from a complete folder
    staged = prepare_output(out, overwrite=True, estimated_bytes=0)
    assert _assert_previous_or_new(out, before, new) == restarted
    assert any("interrupted" in action for action in staged.recovered)
    assert not old_path(out).exists()
    staged.abort()
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def test_a_crash_in_a_first_build_leaves_nothing_or_the_build(tmp_path, monkeypatch):
    out = tmp_path / "out"
    staged = prepare_output(out, overwrite=False, estimated_bytes=0)
    write_small_dataset(staged.path, tag="first")
    with monkeypatch.context() as patch:
        _crash_on_call(patch, output_module.os, "rename", 1)
        with pytest.raises(Crash):
            staged.commit()
    assert not out.exists()
    again = prepare_output(out, overwrite=False, estimated_bytes=0)
    assert again.recovered == (f"{staging_path(out)}: removed a staging folder left by an interrupted build",)
    again.abort()


KILL_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from test_dataset_validate import write_small_dataset
    from vsi100k.dataset import output

    out, point = Path(sys.argv[1]), sys.argv[2]
    if point.startswith("fallback"):
        output.exchange_folders = lambda a, b: False
    real_rename, renames = os.rename, []

    def rename(a, b):
        renames.append(a)
        if point == "fallback-between-renames" and len(renames) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        real_rename(a, b)

    output.os.rename = rename
    real_exchange = output.exchange_folders

    def exchange(a, b):
        done = real_exchange(a, b)
        if point == "after-exchange":
            os.kill(os.getpid(), signal.SIGKILL)
        return done

    output.exchange_folders = exchange
    staged = output.prepare_output(out, overwrite=True, estimated_bytes=0)
    write_small_dataset(staged.path, tag="killed")
    staged.commit()
    """
)


@pytest.mark.parametrize("point, restarted", [("fallback-between-renames", "previous"), ("after-exchange", "new")])
def test_sigkill_during_the_swap(previous, tmp_path, point, restarted):
    out, before = previous
    script = tmp_path / "kill.py"
    script.write_text(KILL_SCRIPT.format(tests=str(TESTS_DIR)))
    done = subprocess.run([sys.executable, str(script), str(out), point], capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    reference = tmp_path / "reference"
    write_small_dataset(reference, tag="killed")
    new = checksums(reference)
    staged = prepare_output(out, overwrite=True, estimated_bytes=0)
    assert _assert_previous_or_new(out, before, new) == restarted
    staged.abort()
    assert sorted(p.name for p in out.parent.iterdir() if not p.name.startswith("kill")) == ["out", "reference"]


# ---- read-only folder and full disk ----
def _mount_tmpfs(folder: Path, options: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}); needs root with CAP_SYS_ADMIN")


@pytest.fixture
def mounts():
    """Mount points to unmount after the test, innermost first."""
    mounted: list[Path] = []
    yield mounted
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.fixture
def read_only_parent(tmp_path, mounts):
    """A folder nobody may write into: a read-only tmpfs when root (chmod does not restrict root), else chmod 555."""
    folder = tmp_path / "ro"
    if os.geteuid() == 0:
        _mount_tmpfs(folder, "ro,size=1m")
        mounts.append(folder)
        yield folder, "read-only file system"
    else:
        folder.mkdir()
        folder.chmod(0o555)
        yield folder, "no write permission"
        folder.chmod(0o755)


def test_a_read_only_folder_is_refused_before_any_work(read_only_parent):
    folder, reason = read_only_parent
    with pytest.raises(OutputError, match=rf"ro: {reason}: cannot write the output folder out here \(nothing was touched\)"):
        prepare_output(folder / "out", overwrite=False, estimated_bytes=0)
    with pytest.raises(OutputError, match=r"creating the parent folder of the output: (read-only file system|permission denied)"):
        prepare_output(folder / "deeper" / "out", overwrite=False, estimated_bytes=0)


@pytest.fixture
def small_disk(tmp_path, mounts):
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a 1 MiB tmpfs, and mounting one needs root")
    folder = tmp_path / "disk"
    _mount_tmpfs(folder, "size=1m")
    mounts.append(folder)
    return folder


def test_a_full_disk_is_refused_in_pre_flight(small_disk):
    with pytest.raises(OutputError, match=r"disk: not enough free space for the output: about 17\.0 MiB needed, "
                       r"(\d+\.\d) (KiB|MiB) free"):
        prepare_output(small_disk / "out", overwrite=False, estimated_bytes=10**6)


def test_a_disk_filling_up_while_writing_leaves_the_previous_build(small_disk, monkeypatch):
    from vsi100k.dataset.rows import frame_row
    from vsi100k.dataset.write import write_dataset

    monkeypatch.setattr(output_module, "FREE_SPACE_MIN_BYTES", 0)
    out = small_disk / "out"
    before = build(out, "previous")
    rng = __import__("numpy").random.default_rng(0)
    big = [b"\xff\xd8" + rng.bytes(300_000) for _ in range(4)]  # 1.2 MB that zstd cannot shrink
    rows = [frame_row("scene0000_00", frame_indices=range(4), timestamps_s=[0.0] * 4, jpegs=big, width=64,
                      height=48, source="sens")]
    with pytest.raises(OutputError, match=r"\.out\.vsi100k-staging/data/frames/\.train-00000\.parquet\.tmp: "
                       r"writing a parquet shard: no space left on the device$"):
        with prepare_output(out, overwrite=True, estimated_bytes=0) as staged:
            write_dataset(staged.path, {}, {"train": rows})
    assert checksums(out) == before and validate_output(out) == []
    assert sorted(p.name for p in small_disk.iterdir()) == ["out"]
