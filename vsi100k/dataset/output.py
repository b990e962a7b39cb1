"""Write a dataset folder like git updates a ref: stage, validate, then swap the whole folder in.

A build never writes into `out_dir` itself. `prepare_output` checks the destination before any scan
work (parent writable, enough free space, the folder empty or a previous vsi100k build) and creates
a staging folder beside it, on the same filesystem. The caller writes everything into
`StagedOutput.path`; `StagedOutput.commit` validates the staged folder in full, writes the ownership
marker (`.vsi100k.json`) and swaps the staged folder into place, then deletes the previous build.

Names, for `out_dir = <parent>/<name>`:
    <parent>/.<name>.vsi100k-staging   the folder being written (holds `.vsi100k-staging.json`)
    <parent>/.<name>.vsi100k-old       the previous build, only during the two-rename fallback

Crash safety: on Linux the swap is one `renameat2(RENAME_EXCHANGE)` call, so `out_dir` always holds
a complete dataset (the previous one until the exchange, the new one after). Where the exchange is
not available the swap is two renames (`out_dir` -> old, staging -> `out_dir`); a crash between
them leaves no `out_dir` but a complete old folder, which the next `prepare_output` renames back.
Leftover staging folders (an unfinished build, or the previous build after an exchange) are
deleted by the next `prepare_output`, and only when they carry one of the project's markers.

What this module never does: write into, or delete, a folder that has no vsi100k marker; delete a
file of a previous build that the build did not write (a file a user added blocks `overwrite`).
It does not lock: callers hold `vsi100k.dataset.lock.OutputLock(out_dir)` around the whole
prepare -> write -> commit sequence, so the fixed staging names are used by one writer at a time.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vsi100k import __version__
from vsi100k.dataset.schema import REPORT_FILE
from vsi100k.errors import ConfigError, Vsi100kError

MARKER_FILE = ".vsi100k.json"
STAGING_MARKER_FILE = ".vsi100k-staging.json"
MARKER_FORMAT = "vsi100k-dataset"
MARKER_FORMAT_VERSION = 1
# Folders that other vsi100k commands add to a finished build (`vsi100k preview`); they are not in
# the marker's file list but may be replaced with the build.
DERIVED_PREFIXES = ("preview/",)
# Headroom on top of the caller's estimate: parquet pages, the card, facts and the filesystem's own blocks.
FREE_SPACE_MARGIN = 1.05
FREE_SPACE_MIN_BYTES = 16 * 2**20

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_OS_PROBLEMS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a path component is not a folder",
    errno.EISDIR: "is a folder",
    errno.ENOTEMPTY: "folder not empty",
    errno.EEXIST: "already exists",
    errno.EIO: "input/output error",
}


class OutputError(Vsi100kError):
    """The output folder cannot be prepared, written or swapped in; one line naming the path and the problem.

    path: the file or folder concerned. problem: what went wrong and, where there is one, what to do.
    """

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def os_problem(error: OSError) -> str:
    """A short phrase for an OS error (`no space left on the device`), without a traceback."""
    if error.errno in _OS_PROBLEMS:
        return _OS_PROBLEMS[error.errno]
    return error.strerror or str(error)


def output_error(error: OSError, path: Path | str | None = None, doing: str | None = None) -> OutputError:
    """Turn an OSError (ENOSPC, EROFS, EACCES, ...) met while writing the output into an OutputError.

    path: the file being written when the error does not name one itself. doing: what was being
    done ("writing the marker"), added to the message.
    """
    where = error.filename if getattr(error, "filename", None) else path
    problem = os_problem(error)
    if doing:
        problem = f"{doing}: {problem}"
    return OutputError(where if where is not None else "-", problem)


@dataclass(frozen=True)
class Marker:
    """The content of `.vsi100k.json`: what wrote the folder and which files belong to it.

    files: repo-relative posix path -> size in bytes of every file the build wrote (the marker
    itself excluded). No timestamp, so a rebuild with the same inputs writes the same bytes.
    """

    build_id: str
    vsi100k_version: str
    files: dict[str, int]
    format: str = MARKER_FORMAT
    format_version: int = MARKER_FORMAT_VERSION

    def to_json(self) -> dict:
        return {
            "format": self.format,
            "format_version": self.format_version,
            "vsi100k_version": self.vsi100k_version,
            "build_id": self.build_id,
            "files": dict(sorted(self.files.items())),
        }


def read_marker(folder: Path) -> Marker | None:
    """The marker of a folder, or None when it has none. Raises OutputError for an unreadable marker."""
    path = Path(folder) / MARKER_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except OSError as error:
        raise output_error(error, path, "reading the vsi100k marker") from None
    except ValueError as error:
        raise OutputError(path, f"vsi100k marker is not valid JSON ({error}); delete the folder yourself if it is a build") from None
    if not isinstance(data, dict) or data.get("format") != MARKER_FORMAT:
        raise OutputError(path, f"not a vsi100k marker (format is not {MARKER_FORMAT!r})")
    if data.get("format_version") != MARKER_FORMAT_VERSION or not isinstance(data.get("files"), dict):
        raise OutputError(
            path, f"vsi100k marker format version {data.get('format_version')!r} is not {MARKER_FORMAT_VERSION}; "
            "it was written by another vsi100k version"
        )
    return Marker(str(data.get("build_id", "")), str(data.get("vsi100k_version", "")),
                  {str(k): int(v) for k, v in data["files"].items()})


def staging_path(out_dir: Path) -> Path:
    """`<parent>/.<name>.vsi100k-staging`: where a build of `out_dir` is written before the swap."""
    out_dir = Path(out_dir)
    return out_dir.with_name(f".{out_dir.name}.vsi100k-staging")


def old_path(out_dir: Path) -> Path:
    """`<parent>/.<name>.vsi100k-old`: the previous build during a two-rename swap."""
    out_dir = Path(out_dir)
    return out_dir.with_name(f".{out_dir.name}.vsi100k-old")


def folder_files(folder: Path) -> dict[str, int]:
    """Repo-relative posix path -> size in bytes of every file under `folder` (markers excluded)."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in (MARKER_FILE, STAGING_MARKER_FILE):
            files[path.relative_to(folder).as_posix()] = path.stat().st_size
    return files


def foreign_files(folder: Path, marker: Marker) -> list[str]:
    """Files in a previous build that its marker does not list (added later by someone else)."""
    listed = set(marker.files)
    return [rel for rel in folder_files(folder) if rel not in listed and not rel.startswith(DERIVED_PREFIXES)]


def derived_files(folder: Path) -> list[str]:
    """Files of a previous build that another vsi100k command added (`preview/` pages): not in its
    marker, replaced with the build by --overwrite, so the caller names them. [] without a build."""
    folder = Path(folder)
    try:
        marker = read_marker(folder)
    except OutputError:
        return []
    if marker is None:
        return []
    return [rel for rel in folder_files(folder) if rel not in marker.files and rel.startswith(DERIVED_PREFIXES)]


def recover(out_dir: Path) -> list[str]:
    """Finish or undo what a crashed run left beside `out_dir`; returns one sentence per action.

    - no `out_dir` but an old folder: the crash came between the two renames of a fallback swap;
      the old folder (a complete previous build) is renamed back to `out_dir`.
    - an old folder beside a present `out_dir`: the swap finished; the old folder is deleted.
    - a staging folder: an unfinished build, or the previous build after an exchange; deleted.
    A leftover is deleted or renamed only if it carries a vsi100k marker; otherwise OutputError.
    """
    out_dir = Path(out_dir)
    actions: list[str] = []
    old, staging = old_path(out_dir), staging_path(out_dir)
    try:
        if old.exists():
            _require_ours(old)
            if not out_dir.exists():
                os.rename(old, out_dir)
                _fsync_dir(out_dir.parent)
                actions.append(f"{out_dir}: restored the previous build from {old.name} (a swap was interrupted)")
            else:
                remove_ours(old)
                actions.append(f"{old}: removed the previous build left by an interrupted clean-up")
        if staging.exists():
            _require_ours(staging)
            remove_ours(staging)
            actions.append(f"{staging}: removed a staging folder left by an interrupted build")
    except OSError as error:
        raise output_error(error, out_dir.parent, "recovering from an interrupted build") from None
    return actions


def remove_ours(folder: Path) -> None:
    """Delete a folder of the project's, its markers last: a deletion cut short by a crash leaves
    the marker, so the next run still recognises the remains as its own and finishes the job."""
    folder = Path(folder)
    markers = (MARKER_FILE, STAGING_MARKER_FILE)
    for entry in sorted(folder.iterdir()):
        if entry.name in markers:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for name in markers:
        (folder / name).unlink(missing_ok=True)
    folder.rmdir()


def _require_ours(folder: Path) -> None:
    if not folder.is_dir() or not ((folder / MARKER_FILE).is_file() or (folder / STAGING_MARKER_FILE).is_file()):
        raise OutputError(
            folder, f"has a vsi100k working-folder name but no {MARKER_FILE} or {STAGING_MARKER_FILE}; "
            "it was not written by vsi100k: move it away (nothing was touched)"
        )


def check_destination(out_dir: Path, *, overwrite: bool) -> Marker | None:
    """Refuse a destination that a build may not replace; returns its marker (None when new or empty).

    A missing or empty folder is free. A non-empty folder without the vsi100k marker is never
    written into or deleted. A previous vsi100k build is replaced only with `overwrite`, and only
    when it holds no file its build did not write.
    """
    out_dir = Path(out_dir)
    if not out_dir.exists():
        return None
    if not out_dir.is_dir():
        raise OutputError(out_dir, "exists and is not a folder; choose another --out (nothing was touched)")
    try:
        empty = not any(out_dir.iterdir())
    except OSError as error:
        raise output_error(error, out_dir, "listing the output folder") from None
    if empty:
        return None
    marker = read_marker(out_dir)
    if marker is None:
        legacy = " (its build_report.json suggests an older vsi100k build without a marker: delete it yourself)" if (
            out_dir / REPORT_FILE).is_file() else ""
        raise OutputError(
            out_dir, f"is not empty and has no {MARKER_FILE}, so it was not written by vsi100k{legacy}; "
            "refusing to write into it, nothing was touched: choose a new or empty --out"
        )
    if not overwrite:
        raise OutputError(
            out_dir, f"holds a previous vsi100k build (build {marker.build_id or 'unknown'}); "
            "pass --overwrite to replace it, or choose another --out (nothing was touched)"
        )
    foreign = foreign_files(out_dir, marker)
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputError(
            out_dir, f"the previous build holds file(s) vsi100k did not write: {shown}; move them away before "
            "--overwrite replaces the folder (nothing was touched)"
        )
    return marker


def prepare_output(out_dir: Path, *, overwrite: bool, estimated_bytes: int) -> StagedOutput:
    """Pre-flight the destination and create an empty staging folder beside it.

    Run before any scan work, while holding `OutputLock(out_dir)`. Checks, in order: leftovers of a
    crashed run (recovered, see `recover`), the destination (`check_destination`), that the parent
    is a writable folder, and that its filesystem has `estimated_bytes` (plus 5 % and 16 MiB) free:
    the previous build stays until the swap, so the new one needs its full size. Creates missing
    parent folders. Raises OutputError (nothing touched) or ConfigError for a negative estimate.
    """
    if estimated_bytes < 0:
        raise ConfigError(f"estimated_bytes must be >= 0, got {estimated_bytes}")
    out_dir = Path(os.path.abspath(out_dir))
    parent = out_dir.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(parent, "is not a folder; choose another --out (nothing was touched)")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise output_error(error, parent, "creating the parent folder of the output") from None
    if not os.access(parent, os.W_OK | os.X_OK):
        reason = "read-only file system" if _read_only_mount(parent) else "no write permission"
        raise OutputError(parent, f"{reason}: cannot write the output folder {out_dir.name} here (nothing was touched)")
    actions = recover(out_dir)
    check_destination(out_dir, overwrite=overwrite)
    needed = int(estimated_bytes * FREE_SPACE_MARGIN) + FREE_SPACE_MIN_BYTES
    free = shutil.disk_usage(parent).free
    if free < needed:
        raise OutputError(
            parent, f"not enough free space for the output: about {_size(needed)} needed, {_size(free)} free "
            "(nothing was touched)"
        )
    staging = staging_path(out_dir)
    try:
        staging.mkdir()
        _write_json(staging / STAGING_MARKER_FILE, {"format": MARKER_FORMAT, "staging_for": out_dir.name})
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise output_error(error, staging, "creating the staging folder") from None
    return StagedOutput(out_dir, staging, overwrite, tuple(actions))


class StagedOutput:
    """A staging folder that becomes `out_dir` on `commit` or disappears on `abort`.

    Use as a context manager: an exception inside the block aborts (an OSError becomes an
    OutputError naming the file), and leaving the block without `commit` aborts too.
    recovered: sentences describing what `prepare_output` cleaned up from a crashed run.
    """

    def __init__(self, out_dir: Path, path: Path, overwrite: bool, recovered: tuple[str, ...] = ()):
        self.out_dir = Path(out_dir)
        self.path = Path(path)
        self.overwrite = overwrite
        self.recovered = recovered
        self.committed = False

    def __enter__(self) -> StagedOutput:
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if not self.committed:
            self.abort()
        if isinstance(exc, OSError):
            raise output_error(exc, self.path, "writing the output") from None
        return False

    def commit(
        self,
        *,
        validate: bool | Callable[[Path], list[str]] = True,
        build_id: str | None = None,
    ) -> Path:
        """Validate the staged folder, write the marker and swap it into `out_dir`; returns out_dir.

        validate: True runs `validate_output` on the staged folder against its own build report; a
        callable gets the staged folder and returns problems ([] when valid); False skips it (only
        for folders checked otherwise). build_id: recorded in the marker (default: the staged
        report's). Raises OutputInvalid (the staged folder is kept for inspection until `abort`)
        or OutputError; in both cases `out_dir` is as it was.
        """
        from vsi100k.dataset.validate import OutputInvalid, validate_output

        if self.committed:
            raise OutputError(self.path, "already committed")
        if validate is True:
            problems = validate_output(self.path)
        elif validate is False:
            problems = []
        else:
            problems = list(validate(self.path))
        if problems:
            raise OutputInvalid(self.path, problems)
        check_destination(self.out_dir, overwrite=self.overwrite)  # again: the folder may have changed meanwhile
        try:
            self._write_marker(build_id)
            self._sync_tree()
        except OSError as error:
            raise output_error(error, self.path, "finishing the staged output") from None
        try:
            self._swap(previous_exists=self.out_dir.exists())
        except OSError as error:
            raise output_error(error, self.out_dir, "swapping the new build into place") from None
        self.committed = True
        return self.out_dir

    def abort(self) -> None:
        """Delete the staging folder (nothing else); safe to call twice."""
        if self.path.exists() and not self.committed:
            try:
                remove_ours(self.path)
            except OSError:
                pass  # what is left carries its marker; the next prepare_output removes it

    def _write_marker(self, build_id: str | None) -> None:
        if build_id is None:
            report = self.path / REPORT_FILE
            build_id = str(json.loads(report.read_text()).get("build_id", "")) if report.is_file() else ""
        marker = Marker(build_id, __version__, folder_files(self.path))
        _write_json(self.path / MARKER_FILE, marker.to_json())
        (self.path / STAGING_MARKER_FILE).unlink()

    def _sync_tree(self) -> None:
        """fsync every file and folder of the staged tree, so the swap never exposes unwritten bytes."""
        for path in sorted(self.path.rglob("*"), reverse=True):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
            elif path.is_dir():
                _fsync_dir(path)
        _fsync_dir(self.path)

    def _swap(self, *, previous_exists: bool) -> None:
        out_dir, staging, parent = self.out_dir, self.path, self.out_dir.parent
        if not previous_exists:
            os.rename(staging, out_dir)
            _fsync_dir(parent)
            return
        if exchange_folders(staging, out_dir):
            # out_dir is the new build; the staging name now holds the previous one.
            _fsync_dir(parent)
            remove_ours(staging)
            return
        old = old_path(out_dir)
        os.rename(out_dir, old)
        _fsync_dir(parent)
        os.rename(staging, out_dir)
        _fsync_dir(parent)
        remove_ours(old)


def exchange_folders(a: Path, b: Path) -> bool:
    """Atomically exchange two folders (Linux renameat2 RENAME_EXCHANGE); False when unsupported.

    Unsupported means: not Linux, a C library without renameat2, or a filesystem that refuses the
    flag (EINVAL / ENOSYS / EOPNOTSUPP); the caller then falls back to two renames. Other errors
    raise OSError naming `b`.
    """
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _renameat2():
    if not os.uname().sysname == "Linux":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(json.dumps(data, indent=1, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_only_mount(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _size(n_bytes: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n_bytes < 1024 or unit == "GiB":
            return f"{n_bytes:.0f} {unit}" if unit == "B" else f"{n_bytes:.1f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.1f} TiB"
