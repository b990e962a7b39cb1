"""One writer (or publisher) per dataset folder: a lock file beside the folder, held with flock.

`OutputLock(out_dir)` creates `<parent>/.<name>.vsi100k.lock` holding who took it (pid, host, start
time in UTC, command) and holds an exclusive `fcntl.flock` on it for as long as the context lasts.
A build holds it from before its pre-flight to after the swap; a push holds it while it reads the
folder. The kernel drops a flock when its process dies, however it dies, so a lock file whose flock
nobody holds was left by a dead process: it is reported (`OutputLock.stale`, and a logged warning)
and taken over. A second live holder fails at once with `OutputLocked` naming the first.

The lock file is deleted on release (while still locked, and an acquirer checks that the file it
locked is still the one at the path, so two processes never both believe they hold it). flock is
reliable on local filesystems; on network filesystems it may not exclude across machines.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import logging
import os
import shlex
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

from vsi100k.dataset.output import OutputError, output_error

log = logging.getLogger(__name__)
_ATTEMPTS = 5


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) a lock: process id, host name, start time (ISO 8601, UTC), command, purpose."""

    pid: int | None
    host: str
    started: str
    command: str
    purpose: str = ""

    def describe(self) -> str:
        if self.pid is None:
            return "another vsi100k process (it has not written its details yet)"
        what = f" ({self.purpose})" if self.purpose else ""
        return f"pid {self.pid} on {self.host}, started {self.started}{what}: {self.command}"


class OutputLocked(OutputError):
    """Another live process holds the lock of this output folder. holder: who, as far as it wrote."""

    def __init__(self, lock_file: Path, out_dir: Path, holder: LockHolder):
        self.holder = holder
        self.out_dir = Path(out_dir)
        super().__init__(
            out_dir, f"in use by {holder.describe()}; wait for it to finish (lock file {Path(lock_file).name})"
        )


def lock_path(out_dir: Path) -> Path:
    """`<parent>/.<name>.vsi100k.lock`: beside the folder, so swapping the folder keeps the lock."""
    out_dir = Path(os.path.abspath(out_dir))
    return out_dir.with_name(f".{out_dir.name}.vsi100k.lock")


class OutputLock:
    """Exclusive lock on a dataset folder (context manager). Creates missing parent folders.

    command: recorded for whoever is refused (default: this process's command line). purpose:
    "build" or "push", recorded too. stale: the dead holder whose lock file was taken over, if any.
    Raises OutputLocked when a live process holds it, OutputError when the lock file cannot be written.
    """

    def __init__(self, out_dir: Path, *, command: str | None = None, purpose: str = "build"):
        self.out_dir = Path(os.path.abspath(out_dir))
        self.path = lock_path(self.out_dir)
        self.command = command if command is not None else shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])
        self.purpose = purpose
        self.stale: LockHolder | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.release()
        return False

    def acquire(self) -> None:
        if self._fd is not None:
            raise OutputError(self.path, "this lock is already held by this process")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            for _ in range(_ATTEMPTS):
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    holder = _read_holder(fd)
                    os.close(fd)
                    raise OutputLocked(self.path, self.out_dir, holder) from None
                except BaseException:
                    os.close(fd)
                    raise
                if not _same_file(fd, self.path):
                    os.close(fd)  # the holder released and deleted it meanwhile: lock the new file
                    continue
                previous = _read_holder(fd)
                if previous.pid is not None or previous.host:
                    self.stale = previous
                    log.warning("%s: stale lock of %s (no process holds it); taking it over", self.path, previous.describe())
                self._write_holder(fd)
                self._fd = fd
                return
        except OSError as error:
            raise output_error(error, self.path, "taking the output lock") from None
        raise OutputError(self.path, f"the lock file changed {_ATTEMPTS} times while being taken; try again")

    def release(self) -> None:
        """Delete the lock file and drop the flock; does nothing when not held."""
        if self._fd is None:
            return
        try:
            if _same_file(self._fd, self.path):
                self.path.unlink()
        except OSError:
            pass  # the flock below is what excludes; a left file is taken over as stale
        finally:
            os.close(self._fd)
            self._fd = None

    def _write_holder(self, fd: int) -> None:
        started = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
        data = {"pid": os.getpid(), "host": socket.gethostname(), "started": started,
                "command": self.command, "purpose": self.purpose}
        payload = (json.dumps(data, sort_keys=True) + "\n").encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, payload, 0)
        os.fsync(fd)


def read_lock(out_dir: Path) -> LockHolder | None:
    """Who wrote the lock file of `out_dir` (None when there is none); does not say whether it is held."""
    path = lock_path(out_dir)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        return _read_holder(fd)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> LockHolder:
    raw = os.pread(fd, 65536, 0)
    try:
        data = json.loads(raw.decode()) if raw.strip() else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    pid = data.get("pid")
    return LockHolder(
        pid=pid if isinstance(pid, int) else None,
        host=str(data.get("host", "")),
        started=str(data.get("started", "")),
        command=str(data.get("command", "")),
        purpose=str(data.get("purpose", "")),
    )


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)
