"""One holder per output folder: a second one fails at once naming the first; a dead holder's lock is taken over."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap

import pytest

from vsi100k.dataset.lock import LockHolder, OutputLock, OutputLocked, lock_path, read_lock
from vsi100k.dataset.output import OutputError

HOLDER = textwrap.dedent(
    """
    import sys
    from vsi100k.dataset.lock import OutputLock

    lock = OutputLock(sys.argv[1], command="vsi100k build --out " + sys.argv[1])
    lock.acquire()
    print("held", flush=True)
    sys.stdin.read()  # hold until the test closes stdin (or kills us)
    if sys.argv[2] == "release":
        lock.release()
    """
)


@pytest.fixture
def holder(tmp_path):
    """Start a child process holding the lock of tmp_path/out; yields (out, process)."""
    out = tmp_path / "out"
    started: list[subprocess.Popen] = []

    def start(mode: str = "release") -> subprocess.Popen:
        process = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), mode], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True)
        started.append(process)
        assert process.stdout.readline().strip() == "held"
        return process

    yield out, start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)


def test_lock_file_sits_beside_the_folder(tmp_path):
    assert lock_path(tmp_path / "out") == tmp_path / ".out.vsi100k.lock"


def test_a_second_holder_fails_at_once_naming_the_first(holder):
    out, start = holder
    first = start()
    with pytest.raises(OutputLocked) as caught:
        with OutputLock(out, purpose="push"):
            pass
    error = caught.value
    assert error.holder.pid == first.pid and error.holder.host == socket.gethostname()
    assert error.holder.command == f"vsi100k build --out {out}" and error.holder.purpose == "build"
    assert error.holder.started.endswith("+00:00")
    assert str(error) == (f"{out}: in use by pid {first.pid} on {socket.gethostname()}, started {error.holder.started} "
                          f"(build): vsi100k build --out {out}; wait for it to finish (lock file .out.vsi100k.lock)")
    assert read_lock(out) == error.holder
    first.stdin.close()
    first.wait(timeout=30)
    assert read_lock(out) is None and not lock_path(out).exists()  # a clean release deletes the file
    with OutputLock(out) as lock:
        assert lock.held and lock.stale is None
        assert read_lock(out).pid == os.getpid()
    assert not lock.held and not lock_path(out).exists()


def test_a_dead_holders_lock_is_reported_stale_and_taken_over(holder, caplog):
    out, start = holder
    first = start(mode="keep")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert read_lock(out).pid == first.pid  # the file outlived its process; the flock did not
    with caplog.at_level(logging.WARNING, logger="vsi100k.dataset.lock"):
        with OutputLock(out, command="vsi100k build") as lock:
            assert lock.stale is not None and lock.stale.pid == first.pid
            assert json.loads(lock_path(out).read_text())["pid"] == os.getpid()
    assert f"stale lock of pid {first.pid} on {socket.gethostname()}" in caplog.text
    assert "no process holds it" in caplog.text


def test_two_locks_in_one_process_exclude_each_other(tmp_path):
    out = tmp_path / "out"
    with OutputLock(out, command="first") as lock:
        with pytest.raises(OutputLocked, match=rf"in use by pid {os.getpid()} .*: first; wait for it to finish"):
            OutputLock(out, command="second").acquire()
        with pytest.raises(OutputError, match="this lock is already held by this process"):
            lock.acquire()
    with OutputLock(out):
        pass


def test_a_holder_that_has_not_written_its_details(tmp_path):
    import fcntl

    out = tmp_path / "out"
    path = lock_path(out)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(OutputLocked, match=r"in use by another vsi100k process \(it has not written its details yet\)"):
            OutputLock(out).acquire()
    assert LockHolder(None, "", "", "").describe().startswith("another vsi100k process")


def test_a_lock_in_a_read_only_folder_is_one_line(tmp_path):
    if os.geteuid() == 0:
        folder = tmp_path / "ro"
        folder.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a read-only tmpfs ({done.stderr.strip()}); chmod does not restrict root")
        try:
            with pytest.raises(OutputError, match=r"ro/\.out\.vsi100k\.lock: taking the output lock: read-only file system$"):
                OutputLock(folder / "out").acquire()
        finally:
            subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        folder.chmod(0o555)
        try:
            with pytest.raises(OutputError, match=r"\.out\.vsi100k\.lock: taking the output lock: permission denied$"):
                OutputLock(folder / "out").acquire()
        finally:
            folder.chmod(0o755)
