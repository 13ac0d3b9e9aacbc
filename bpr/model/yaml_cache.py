"""A cache of YAML read into located plain data, so that a file is parsed once.

Parsing YAML with positions (ruamel's round-trip parser, in pure Python, plus the safety
pre-scan) costs about 70 ms for a catalog model file; the main job's commands each read
the whole catalog (62 files), and ``run all`` read it twice. What :func:`cached` keeps is
the *result* of a successful read: the plain data and positions of a text, keyed by the
SHA-256 of the text, the file name and kind given (they appear in messages) and
:data:`CACHE_FORMAT`. A text that fails to read is never cached: its errors are found
again each time.

Two levels: a dictionary in the process, and files in ``$TETSUZUKI_CACHE_DIR`` (default
``~/.cache/tetsuzuki/yaml``; ``off`` disables it; the key also holds a hash of the
reader's code and ruamel's version) written with :mod:`marshal`, which reads
back only plain values (dicts, lists, tuples, strings, numbers), never code. A cache file
that cannot be read or does not hold the expected shape is ignored and rewritten.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["CACHE_ENV", "CACHE_FORMAT", "cache_dir", "cached"]

CACHE_ENV = "TETSUZUKI_CACHE_DIR"
CACHE_FORMAT = "tetsuzuki-yaml-1"
"""Changed whenever what a read returns changes, so old entries are not used."""

_MEMORY: dict[str, bytes] = {}
"""Marshalled reads: each hit is a fresh copy (a caller may change what it gets)."""
_MEMORY_LIMIT = 4096

Read = tuple[Any, dict[Any, tuple[int, int]]]


def cache_dir() -> Path | None:
    """The folder of the on-disk cache, or None when it is off."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured.lower() == "off":
        return None
    if configured:
        return Path(configured)
    return Path.home() / ".cache" / "tetsuzuki" / "yaml"


@functools.cache
def _reader_version() -> str:
    """The reader's own code and ruamel's version: a changed reader never uses old entries."""
    from importlib.metadata import version

    code = (Path(__file__).parent / "yaml_reader.py").read_bytes()
    return f"{hashlib.sha256(code).hexdigest()}/{version('ruamel.yaml')}"


def _key(text: str, file: str, kind: str) -> str:
    digest = hashlib.sha256()
    for part in (CACHE_FORMAT, _reader_version(), file, kind, text):
        digest.update(part.encode("utf-8", errors="surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()


def _unpack(blob: bytes) -> Read | None:
    try:
        value = marshal.loads(blob)
    except (EOFError, ValueError, TypeError):
        return None
    if (isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict)
            and all(isinstance(k, tuple) and isinstance(v, tuple) for k, v in value[1].items())):
        return value[0], value[1]
    return None


def _save(path: Path, blob: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs time


def cached(text: str, file: str, kind: str, read: Callable[[], Read]) -> Read:
    """``read()`` — the plain data and positions of ``text`` — once per distinct input.

    Raises:
        whatever ``read`` raises (failures are not cached).
    """
    key = _key(text, file, kind)
    folder = cache_dir()
    blob = _MEMORY.get(key)
    if blob is None and folder is not None:
        try:
            blob = (folder / key[:2] / key).read_bytes()
        except OSError:
            blob = None
    hit = _unpack(blob) if blob is not None else None
    if hit is not None and blob is not None:
        _remember(key, blob)
        return hit
    value = read()
    try:
        blob = marshal.dumps(value)
    except ValueError:  # a value marshal cannot write: read it each time
        return value
    _remember(key, blob)
    if folder is not None:
        _save(folder / key[:2] / key, blob)
    return value


def _remember(key: str, blob: bytes) -> None:
    if len(_MEMORY) >= _MEMORY_LIMIT:
        _MEMORY.clear()
    _MEMORY[key] = blob
