"""Writing the user's output files safely: all of a file or none of it.

Every file the command line writes at a path the user named (diagrams, rankings, BPMN
and Prosimos exports, imported models, the report) goes through :func:`write_file` or
:func:`write_files`:

* the bytes go to a temporary file in the target's folder, which is flushed to disk
  (``fsync``) and then renamed onto the target (``os.replace``, atomic on POSIX), so a
  failure (disk full, no permission, a folder in the way) leaves the old file as it was,
  or no file, never a cut-off one;
* :func:`write_files` writes a group of files (a BPMN + JSON pair, a whole report) all or
  nothing: every temporary file first, then the renames; when a rename fails, the ones
  already made are undone;
* missing parent folders are created (and removed again when the write fails);
* an ``OSError`` becomes :class:`OutputError`, ``cannot write FILE: <reason>``, which the
  command line prints without a traceback and with exit status 1.

A target that exists and is not a regular file or a folder (``/dev/stdout``,
``/dev/null``, a named pipe) is written in place, as it cannot be replaced. A symbolic
link is followed by default (the file it points to is replaced), as an ordinary write
would; :func:`write_files` with ``follow_symlinks=False`` replaces the link itself.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bpr.errors import TetsuzukiError

__all__ = ["OutputError", "write_file", "write_files"]


class OutputError(TetsuzukiError):
    """An output file cannot be written: ``cannot write FILE: <reason>``.

    Attributes:
        path: the file, as the user named it.
        reason: why, e.g. ``No space left on device`` or ``is a folder``.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"cannot write {path}: {reason}")
        self.path = str(path)
        self.reason = reason


def _reason(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "is a folder"
    return exc.strerror or str(exc)


def _umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _Target:
    """One file to write: where (``path`` after following a link), what, and its state."""

    def __init__(self, named: Path, data: bytes, follow_symlinks: bool) -> None:
        self.named = named
        self.data = data
        self.path = Path(os.path.realpath(named)) if follow_symlinks and named.is_symlink() else named
        self.temp: Path | None = None
        self.backup: Path | None = None
        self.replaced = False

    def fail(self, exc: OSError | str) -> OutputError:
        return OutputError(self.named, exc if isinstance(exc, str) else _reason(exc))


def _make_parents(target: _Target, created: list[Path]) -> None:
    """Create the missing folders above ``target``, appending each one made to ``created``."""
    missing: list[Path] = []
    folder = target.path.parent
    while not os.path.lexists(folder):
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    if os.path.lexists(folder) and not folder.is_dir():
        raise target.fail(f"{folder} is not a folder")
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            if not folder.is_dir():
                raise target.fail(f"{folder} is not a folder") from None
        except OSError as exc:
            raise target.fail(exc) from None
        else:
            created.append(folder)


def _in_place(target: _Target) -> bool:
    """True for an existing target that is neither a regular file nor a link to be replaced
    (a device or a pipe); raises for a folder."""
    try:
        mode = os.lstat(target.path).st_mode
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise target.fail(exc) from None
    if stat.S_ISLNK(mode):
        return False  # a link not followed: replaced by the file
    if stat.S_ISDIR(mode):
        raise target.fail("is a folder")
    return not stat.S_ISREG(mode)


def _write_temp(target: _Target, umask: int) -> None:
    """Write ``target.data`` to a new temporary file beside the target, on disk."""
    try:
        existing = os.lstat(target.path)
        mode = stat.S_IMODE(existing.st_mode) if stat.S_ISREG(existing.st_mode) else 0o666 & ~umask
    except OSError:
        mode = 0o666 & ~umask
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.path.name[:100]}.", suffix=".tmp",
                                    dir=target.path.parent)
    except OSError as exc:
        raise target.fail(exc) from None
    target.temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(target.data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
    except OSError as exc:
        raise target.fail(exc) from None


def _write_device(target: _Target) -> None:
    try:
        with open(target.path, "wb") as handle:
            handle.write(target.data)
            handle.flush()
    except OSError as exc:
        raise target.fail(exc) from None


def _sync_folders(folders: set[Path]) -> None:
    """Flush the renames to disk (best effort: not every file system allows it)."""
    for folder in folders:
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _undo(targets: Sequence[_Target], created: list[Path]) -> None:
    """Put back every target as it was before :func:`write_files` (best effort)."""
    for target in reversed(targets):
        if target.replaced:
            with contextlib.suppress(OSError):
                if target.backup is not None:
                    os.replace(target.backup, target.path)
                    target.backup = None
                else:
                    os.unlink(target.path)
        for leftover in (target.temp, target.backup):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
    for folder in reversed(created):
        with contextlib.suppress(OSError):
            folder.rmdir()


def write_files(outputs: Sequence[tuple[str | Path, bytes | str]], *,
                follow_symlinks: bool = True) -> None:
    """Write several files all or nothing (text is written as UTF-8).

    Every file is first written to a temporary file beside it; then each existing target
    is moved aside and the temporary file renamed onto it, in the order given. When any
    step fails, the renames already made are undone and the temporary files removed, so
    every target keeps its old content (or stays absent), and the folders created for
    the outputs are removed again.

    Args:
        outputs: ``(path, data)`` pairs, in the order the renames should be made (put a
            file that describes the others, such as a manifest, last).
        follow_symlinks: replace the file a symbolic link points to (default), or the
            link itself.

    Raises:
        OutputError: ``cannot write FILE: <reason>`` for the first file that failed.
    """
    targets = [_Target(Path(p), d.encode("utf-8") if isinstance(d, str) else d, follow_symlinks)
               for p, d in outputs]
    created: list[Path] = []
    umask = _umask()
    devices: list[_Target] = []
    try:
        for target in targets:
            _make_parents(target, created)
            if _in_place(target):
                devices.append(target)
            else:
                _write_temp(target, umask)
        several = len(targets) > 1
        for target in targets:
            if target.temp is None:
                continue
            if several and os.path.lexists(target.path):
                try:
                    fd, name = tempfile.mkstemp(prefix=f".{target.path.name[:100]}.", suffix=".old",
                                                dir=target.path.parent)
                    os.close(fd)
                    target.backup = Path(name)
                    os.replace(target.path, name)
                except OSError as exc:
                    raise target.fail(exc) from None
            try:
                os.replace(target.temp, target.path)
            except OSError as exc:
                if target.backup is not None:
                    target.replaced = True  # moved aside: _undo puts it back
                raise target.fail(exc) from None
            target.temp = None
            target.replaced = True
    except BaseException:
        _undo(targets, created)
        raise
    for target in targets:
        if target.backup is not None:
            with contextlib.suppress(OSError):
                os.unlink(target.backup)
    _sync_folders({t.path.parent for t in targets if t not in devices})
    for target in devices:
        _write_device(target)


def write_file(path: str | Path, data: bytes | str) -> None:
    """Write one file atomically (text as UTF-8): the old content or the new, never part.

    Raises:
        OutputError: ``cannot write FILE: <reason>``; the old file, if any, is unchanged.
    """
    write_files([(path, data)])
