"""Never writing over an input: ``bpmn export M.yaml -o M.yaml`` is refused, not obeyed.

Every command that writes a file at a path the user named calls :func:`refuse_inputs`
with its outputs and the files it read before writing anything. An output is the same
file as an input when

* both exist and ``os.stat`` (following symbolic links) gives the same device and inode:
  the same name, a symbolic link to it, a hard link, a path with ``..``, a bind mount;
* or their resolved paths (:func:`os.path.realpath`) are equal: a dangling or chained
  symbolic link, a path through a linked folder.

Two outputs of one command that are the same file (``prosimos import -o X
--scenario-output X``) are refused the same way, as the second would replace the first.
Standard output (``-``) is no file and is never compared.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from bpr.render.output_files import OutputError

__all__ = ["refuse_inputs", "same_file"]


def _keys(path: Path) -> list[object]:
    """What identifies the file ``path`` names: its (device, inode) when it exists, and
    its resolved path."""
    keys: list[object] = []
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        pass
    else:
        keys.append((found.st_dev, found.st_ino))
    try:
        keys.append(os.path.realpath(path))
    except (OSError, ValueError):
        pass
    return keys


def same_file(first: str | Path, second: str | Path) -> bool:
    """True when the two paths name the same file (see the module docstring)."""
    return bool(set(_keys(Path(first))) & set(_keys(Path(second))))


def refuse_inputs(outputs: Iterable[str | Path | None], inputs: Iterable[str | Path | None]) -> None:
    """Refuse to write any of ``outputs`` over one of ``inputs`` or over another output.

    Args:
        outputs: the files the command is about to write (``None`` and ``-`` are skipped).
        inputs: the files it read (``None`` is skipped).

    Raises:
        OutputError: ``cannot write OUT: it is the input file IN ...``, naming both as the
            user gave them; nothing has been written.
    """
    read: dict[object, Path] = {}
    for given in inputs:
        if given is not None:
            for key in _keys(Path(given)):
                read.setdefault(key, Path(given))
    written: dict[object, Path] = {}
    for given in outputs:
        if given is None or str(given) == "-":
            continue
        out = Path(given)
        keys = _keys(out)
        for key in keys:
            if key in read:
                source = read[key]
                shown = "" if str(source) == str(out) else f" {source}"
                raise OutputError(out, f"it is the input file{shown}; refusing to overwrite it "
                                  "(choose another output path)")
            if key in written:
                raise OutputError(out, f"it is also the output {written[key]} of the same "
                                  "command; choose two different paths")
        for key in keys:
            written[key] = out
