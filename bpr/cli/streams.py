"""Standard output that cannot be written: one clean line, never a traceback.

``tetsuzuki show > /dev/full`` (a full disk) or ``tetsuzuki metrics | head -1`` (a reader
that stops early) make a write to standard output fail, at any ``print`` of any command
or only when the buffer is flushed at exit. :func:`guarded_stdout` wraps standard output
for the time of a command so that such a failure becomes :class:`StandardOutputError`,
which :func:`bpr.cli.main` reports once: ``error: cannot write to standard output: No
space left on device`` and exit status 1, or nothing at all and exit status 1 for a
closed pipe (the reader has what it wanted).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from bpr.errors import TetsuzukiError

__all__ = ["StandardOutputError", "guarded_stdout"]


class StandardOutputError(TetsuzukiError):
    """Standard output cannot be written.

    Attributes:
        errno: the system's error number (``errno.EPIPE`` for a closed pipe).
    """

    def __init__(self, exc: OSError) -> None:
        super().__init__(f"cannot write to standard output: {exc.strerror or exc}")
        self.errno = exc.errno

    @property
    def broken_pipe(self) -> bool:
        """True when the reader closed the pipe (not worth a message)."""
        return self.errno == errno.EPIPE


class _Guarded:
    """A text stream that turns ``OSError`` of ``write`` and ``flush`` into
    :class:`StandardOutputError`, and is silent once one occurred."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.failed = False

    def _call(self, name: str, *args: Any) -> Any:
        if self.failed:
            return len(args[0]) if name == "write" else None
        try:
            return getattr(self._stream, name)(*args)
        except OSError as exc:
            self.failed = True
            raise StandardOutputError(exc) from None

    def write(self, text: str) -> int:
        result: int = self._call("write", text)
        return result

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._call("flush")

    def __getattr__(self, name: str) -> Any:  # encoding, buffer, isatty, fileno, ...
        return getattr(self._stream, name)


def _discard_pending(stream: TextIO) -> None:
    """Point the process's standard output at ``/dev/null`` so that the interpreter's
    flush at exit cannot fail again (only for the real standard output)."""
    if stream is not sys.__stdout__:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, stream.fileno())
        os.close(null)


@contextlib.contextmanager
def guarded_stdout() -> Iterator[None]:
    """Run a command with :data:`sys.stdout` guarded; flush it before leaving, so that a
    failure shows up here and not at exit.

    Raises:
        StandardOutputError: standard output could not be written.
    """
    original = sys.stdout
    guarded = _Guarded(original)
    sys.stdout = guarded
    try:
        try:
            yield
        finally:
            if not guarded.failed:
                guarded.flush()
    finally:
        sys.stdout = original
        if guarded.failed:
            _discard_pending(original)
