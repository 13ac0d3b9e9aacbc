"""Publishing a folder so that readers see the old version or the new one, never a mix.

The new report is built in a sibling folder (``.NAME.tetsuzuki-new-TOKEN``, beside the
report folder ``NAME``) and swapped in with one rename: Linux's ``renameat2`` with
``RENAME_EXCHANGE`` exchanges the two folders atomically, so the previous version stays
whole until the very moment the new one takes its place. The sibling then holds the
previous version and is removed. A crash at any moment leaves the report folder holding
either the previous report or the new one, plus at most one sibling carrying our naming,
which the next publication removes (:func:`clean_leftovers`). Where the file system cannot
exchange (``EINVAL``/``ENOSYS``), two renames are made instead, with a window of
microseconds in which the folder is absent; nothing is mixed even then.

Nothing but regular files and folders is accepted in a report folder: a symbolic link, a
named pipe, a socket or a device is refused by name (:func:`scan`), never followed or
opened — a pipe in place of a page made the earlier in-place writer hang for ever.
"""

from __future__ import annotations

import ctypes
import errno
import os
import secrets
import shutil
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bpr.render.output_files import OutputError

__all__ = ["Scan", "clean_leftovers", "exchange", "leftovers", "publish_folder", "scan"]

_SIBLING = ".tetsuzuki-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


@dataclass(frozen=True)
class Scan:
    """What a folder holds, found without following links or opening anything.

    Attributes:
        files: relative paths (``/``) of the regular files.
        unsafe: relative path -> what it is, for every entry that is neither a regular
            file nor a folder (symbolic link, named pipe, socket, device).
    """

    files: tuple[str, ...] = ()
    unsafe: Mapping[str, str] = field(default_factory=dict)


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def scan(folder: Path) -> Scan:
    """Every entry under ``folder``, by ``lstat`` (no link is followed, nothing opened)."""
    files: list[str] = []
    unsafe: dict[str, str] = {}
    pending = [Path()]
    while pending:
        relative = pending.pop()
        with os.scandir(folder / relative) as entries:
            for entry in entries:
                path = relative / entry.name
                mode = entry.stat(follow_symlinks=False).st_mode
                if stat.S_ISDIR(mode):
                    pending.append(path)
                elif stat.S_ISREG(mode):
                    files.append(path.as_posix())
                else:
                    unsafe[path.as_posix()] = _kind(mode)
    return Scan(tuple(sorted(files)), dict(sorted(unsafe.items())))


def leftovers(out_dir: Path) -> list[Path]:
    """Sibling folders of ``out_dir`` left by an interrupted publication (our naming)."""
    parent, prefix = out_dir.parent, f".{out_dir.name}{_SIBLING}"
    try:
        names = sorted(n for n in os.listdir(parent) if n.startswith(prefix))
    except OSError:
        return []
    return [parent / n for n in names
            if stat.S_ISDIR(os.lstat(parent / n).st_mode)]


def clean_leftovers(out_dir: Path) -> list[Path]:
    """Remove what :func:`leftovers` finds; returns what was removed."""
    removed = []
    for path in leftovers(out_dir):
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            removed.append(path)
    return removed


def _renameat2(source: Path, target: Path, flags: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is None:
        raise OSError(errno.ENOSYS, "renameat2 is not available")
    if function(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def exchange(first: Path, second: Path) -> None:
    """Exchange two folders: atomically where the system can, else by two renames.

    Raises:
        OSError: the exchange failed (both folders are as they were).
    """
    try:
        _renameat2(first, second, _RENAME_EXCHANGE)
        return
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
            raise
    parked = first.with_name(first.name + "-swap")
    os.rename(second, parked)
    try:
        os.rename(first, second)
    except OSError:
        os.rename(parked, second)
        raise
    os.rename(parked, first)


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_one(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _carry(source: Path, target: Path) -> None:
    """Keep a file of the old folder in the new one: a hard link (same file system, no
    copy), or a copy where links are not allowed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def publish_folder(out_dir: Path, files: Mapping[str, bytes], *, last: str,
                   carry: Iterable[str] = ()) -> None:
    """Replace ``out_dir`` by a folder holding exactly ``files`` (written ``last`` at the
    end) and the files of the old folder named in ``carry`` (kept as they are).

    Raises:
        OutputError: the new folder could not be written or swapped in (``out_dir`` is
            left as it was; the partial sibling is removed).
    """
    clean_leftovers(out_dir)
    new = out_dir.parent / f".{out_dir.name}{_SIBLING}new-{secrets.token_hex(6)}"
    swapped = False
    doing = out_dir  # what the user is told could not be written
    try:
        mode = stat.S_IMODE(os.stat(out_dir).st_mode) if out_dir.is_dir() else 0o777
        os.mkdir(new, mode)
        os.chmod(new, mode)  # the umask does not narrow an existing report folder's mode
        for relative in [p for p in files if p != last] + [p for p in files if p == last]:
            doing = out_dir.joinpath(*relative.split("/"))
            _write_one(new.joinpath(*relative.split("/")), files[relative])
        for relative in carry:
            doing = out_dir.joinpath(*relative.split("/"))
            _carry(doing, new.joinpath(*relative.split("/")))
        doing = out_dir
        _fsync_folder(new)
        if out_dir.is_dir():
            exchange(new, out_dir)
            swapped = True
            shutil.rmtree(new, ignore_errors=True)  # now the previous version
        else:
            os.rename(new, out_dir)
            swapped = True
        _fsync_folder(out_dir.parent)
    except OSError as exc:
        if not swapped:
            shutil.rmtree(new, ignore_errors=True)
        raise OutputError(doing, exc.strerror or str(exc)) from None
