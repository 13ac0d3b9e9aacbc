"""Reading the user's input files: every failure becomes a file-level :class:`Problem`.

A path that is missing, a folder, unreadable or too large is refused with
``FILE: cannot read: <reason>`` (raised as :class:`~bpr.errors.InvalidModelError`), never
with a traceback; nothing is read past the size limit. Text must be UTF-8; a UTF-16 or
UTF-32 file (recognised by its byte-order mark) is named as such.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from bpr.errors import InvalidModelError, Problem

__all__ = ["decode_utf8", "read_limited", "read_text_limited"]

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _refuse(file: str, message: str, hint: str | None = None) -> InvalidModelError:
    return InvalidModelError([Problem(file, 0, 0, message, hint=hint)])


def read_limited(path: str | Path, *, kind: str, limit: int, folder_hint: str | None = None
                 ) -> bytes:
    """The bytes of the file at ``path``, refusing anything that is not a readable file of
    at most ``limit`` bytes.

    Args:
        path: the file, as the user gave it (its text is used in the message).
        kind: what the file should be, for messages ("model file", "BPMN file").
        limit: the largest size accepted, in bytes.
        folder_hint: a suggestion shown when ``path`` is a folder.

    Raises:
        InvalidModelError: one file-level problem, ``cannot read: <reason>`` or the size.
    """
    path = Path(path)
    file = str(path)
    try:
        if path.is_dir():
            raise _refuse(file, f"cannot read: is a folder, not a {kind}", folder_hint)
        size = path.stat().st_size
        if size > limit:
            raise _refuse(file, f"file is {size} bytes, over the limit of {limit} bytes for a "
                          f"{kind}")
        with path.open("rb") as handle:
            # Read one byte past the limit: a file that grew since stat() is still refused.
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise _refuse(file, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise _refuse(file, f"file is over the limit of {limit} bytes for a {kind}")
    return raw


def decode_utf8(raw: bytes, file: str) -> str:
    """``raw`` decoded as UTF-8 (a UTF-8 byte-order mark is kept for the YAML parser, which
    accepts it).

    Raises:
        InvalidModelError: located at the first byte that is not UTF-8, or naming UTF-16 /
            UTF-32 when the file starts with their byte-order mark.
    """
    for bom, encoding in _WIDE_BOMS:
        if raw.startswith(bom):
            raise _refuse(file, f"file is {encoding} text (it starts with a {encoding} "
                          "byte-order mark); save it as UTF-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InvalidModelError([Problem(file, line, column, "file is not UTF-8 text (is it a "
                                         "binary file or Shift_JIS?)")]) from None


def read_text_limited(path: str | Path, *, kind: str, limit: int,
                      folder_hint: str | None = None) -> str:
    """:func:`read_limited` then :func:`decode_utf8`."""
    return decode_utf8(read_limited(path, kind=kind, limit=limit, folder_hint=folder_hint),
                       str(path))
