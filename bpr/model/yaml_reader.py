"""Reading YAML safely into located plain data (:class:`Located`).

Every YAML reader of the project (models, catalog, weights, scenarios, Prosimos
parameters) goes through :func:`read_yaml`: aliases, anchors, tags, merge keys, keys that
are lists or mappings, numbers over :data:`MAX_NUMBER_CHARS` characters and deep nesting are
refused before parsing (located), and every value keeps its line and column so that a
later check can point at it. :func:`suggest` gives the "did you mean" hints.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    ScalarEvent,
)

from bpr.errors import InvalidModelError, Problem
from bpr.model.yaml_cache import cached

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "MAX_NUMBER_CHARS", "Located", "Path_", "read_yaml", "suggest"]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 20
MAX_NUMBER_CHARS = 100
"""Longest number read (a 5,000-digit integer would hit Python's int-string limit)."""


Path_ = tuple[str | int, ...]


class Located:
    """Plain data read from YAML plus where each part of it was written.

    ``data`` is made of dicts, lists and scalars only. ``where(path)`` gives the
    (line, column), 1-based, of the value at ``path`` (or of its key, for mapping keys
    that do not hold a value the path reaches).
    """

    def __init__(self, data: Any, positions: dict[Path_, tuple[int, int]], file: str) -> None:
        self.data = data
        self.positions = positions
        self.file = file

    def where(self, path: Sequence[str | int]) -> tuple[int, int]:
        """Closest known position of ``path``: itself, else its nearest ancestor."""
        p = tuple(path)
        while p:
            if p in self.positions:
                return self.positions[p]
            p = p[:-1]
        return self.positions.get((), (1, 1))

    def get(self, path: Sequence[str | int]) -> Any:
        """The value at ``path``, or ``None`` when the path does not exist."""
        node = self.data
        for part in path:
            if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
                node = node[part]
            elif isinstance(part, str) and isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return None
        return node

    def problem(self, path: Sequence[str | int], message: str, *, value: Any = None,
                show_value: bool = True, hint: str | None = None, key: bool = False) -> Problem:
        """Build a :class:`Problem` located at ``path``.

        Args:
            path: where in the data the problem is.
            message: what is wrong.
            value: the bad value; by default the value found at ``path``.
            show_value: include the value in the message.
            hint: a suggestion such as "did you mean ...?".
            key: locate the mapping key rather than its value.
        """
        path = tuple(path)
        line, column = self.positions.get(("key", *path), (0, 0)) if key else (0, 0)
        if not line:
            line, column = self.where(path)
        if value is None and show_value:
            value = self.get(path)
        procedure = self.data.get("id") if isinstance(self.data, dict) else None
        return Problem(
            file=self.file,
            line=line,
            column=column,
            message=message,
            procedure=procedure if isinstance(procedure, str) else None,
            step=self._step_of(path),
            field=_dotted(path) or None,
            value=_show(value) if show_value and value is not None else None,
            hint=hint,
        )

    def _step_of(self, path: Path_) -> str | None:
        if len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
            step_id = self.get(("steps", path[1], "id"))
            return step_id if isinstance(step_id, str) else f"#{path[1] + 1}"
        if len(path) >= 2 and path[0] == "flows" and isinstance(path[1], int):
            source = self.get(("flows", path[1], "from"))
            return source if isinstance(source, str) else None
        if len(path) >= 2 and path[0] == "eliminated" and isinstance(path[1], int):
            step_id = self.get(("eliminated", path[1], "step"))
            return step_id if isinstance(step_id, str) else None
        return None



def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if part == "key":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _show(value: Any) -> str:
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(v) for v in value) + "]"
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def suggest(word: str, candidates: Sequence[str]) -> str | None:
    """A "did you mean ...?" hint for an unknown ``word``, or ``None``."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    if not matches:
        lowered = {c.lower(): c for c in candidates}
        matches = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"did you mean '{matches[0]}'?" if matches else None


# --------------------------------------------------------------------------- YAML reading


class _TextDates(RoundTripConstructor):
    """Leaves date-like scalars (``2025-04-01``) as text for pydantic to parse: ruamel
    would build them itself and fail on an impossible date (``2025-02-30``) with no
    position; pydantic's error is located at the field like any other."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", RoundTripConstructor.construct_yaml_str)


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _TextDates
    yaml.allow_duplicate_keys = False
    return yaml


# What YAML may read as a number: a sign, a digit (or "." and a digit), then digits, letters
# of hexadecimal/octal/binary/exponent forms and separators.
_NUMBER = re.compile(r"[-+]?\.?[0-9][0-9a-fA-FxXoObB_.,:eE+-]*")


class _Scan:
    """The prescan's state: where the parser is (to tell mapping keys from values) and the
    problems found, one per kind of construct (a count is added for repeats)."""

    def __init__(self, file: str, kind: str) -> None:
        self.file, self.kind = file, kind
        self.problems: list[Problem] = []
        self.counts: dict[str, int] = {}
        # One entry per open collection: [is a mapping, items seen so far].
        self.stack: list[list[Any]] = []

    def refuse(self, what: str, mark: Any, message: str, value: str | None = None,
               hint: str | None = None) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1
        if self.counts[what] == 1:
            self.problems.append(Problem(self.file, mark.line + 1, mark.column + 1, message,
                                         value=value, hint=hint))

    def at_key(self) -> bool:
        """The next node is a mapping key (and counts it)."""
        if not self.stack:
            return False
        top = self.stack[-1]
        top[1] += 1
        return bool(top[0]) and top[1] % 2 == 1

    def node(self, event: Any) -> None:
        mark = event.start_mark
        key = self.at_key()
        if event.anchor:
            self.refuse("anchor", mark, f"YAML anchors are not allowed in {self.kind}s",
                        value=f"&{event.anchor}")
        if event.tag is not None:
            self.refuse("tag", mark, f"YAML tags are not allowed in {self.kind}s (they build "
                        "values of other types); write the plain value", value=str(event.tag))
        if isinstance(event, CollectionStartEvent):
            if key:
                self.refuse("complex key", mark, "a mapping key must be a plain value, not a "
                            "list or a mapping")
            self.stack.append([isinstance(event, MappingStartEvent), 0])
            return
        value = str(event.value)
        plain = event.style is None
        if key and plain and value == "<<":
            self.refuse("merge", mark, f"YAML merge keys ('<<') are not allowed in {self.kind}s; "
                        "write the keys out", value="<<")
        elif plain and len(value) > MAX_NUMBER_CHARS and _NUMBER.fullmatch(value):
            self.refuse("number", mark, f"a number of {len(value)} characters: numbers may "
                        f"have at most {MAX_NUMBER_CHARS}", value=value[:20] + "...")


def _prescan(text: str, file: str, kind: str) -> list[Problem]:
    """Refuse aliases, anchors, tags, merge keys, complex keys, overlong numbers and
    excessive nesting before anything is built (the event parser is iterative, so deep
    nesting cannot exhaust the stack here)."""
    scan = _Scan(file, kind)
    try:
        for event in _yaml().parse(text):
            mark = event.start_mark
            if isinstance(event, AliasEvent):
                scan.at_key()
                scan.refuse("alias", mark, f"YAML aliases are not allowed in {kind}s (they can "
                            "expand a small file into a huge one); write the value out",
                            value=f"*{event.anchor}")
            elif isinstance(event, ScalarEvent | CollectionStartEvent):
                scan.node(event)
                if len(scan.stack) > MAX_DEPTH:
                    scan.problems.append(Problem(file, mark.line + 1, mark.column + 1,
                                                 f"nesting deeper than {MAX_DEPTH} levels"))
                    break
            elif isinstance(event, CollectionEndEvent) and scan.stack:
                scan.stack.pop()
    except MarkedYAMLError as exc:
        scan.problems.append(_yaml_problem(exc, file))
    except YAMLError as exc:
        scan.problems.append(Problem(file, 0, 0, f"not valid YAML: {exc}"))
    aliases = scan.counts.get("alias", 0)
    if aliases > 1:
        return [dataclasses.replace(p, message=f"{p.message} ({aliases} aliases in the file)")
                if p.value and p.value.startswith("*") else p for p in scan.problems]
    return scan.problems


def _yaml_problem(exc: MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)
    what = " ".join(x for x in (exc.context, exc.problem) if x)
    if isinstance(exc, DuplicateKeyError):
        found = re.search(r'duplicate key "([^"]*)"', str(exc.problem))
        key = found.group(1) if found else None
        return Problem(file, line, column, "duplicate key: each key may appear once in a mapping",
                       field=key, value=repr(key) if key else None,
                       hint="remove one of the two entries")
    return Problem(file, line, column, f"not valid YAML: {what}".replace("\n", " "))


def _plain(node: Any, path: Path_, positions: dict[Path_, tuple[int, int]]) -> Any:
    """Turn ruamel's round-trip nodes into plain data, recording positions."""
    if isinstance(node, CommentedMap):
        out: dict[str, Any] = {}
        for key in node:
            line, col = node.lc.value(key)
            kline, kcol = node.lc.key(key)
            k = key if isinstance(key, str) else str(key)
            positions[(*path, k)] = (line + 1, col + 1)
            positions[("key", *path, k)] = (kline + 1, kcol + 1)
            out[k] = _plain(node[key], (*path, k), positions)
        return out
    if isinstance(node, CommentedSeq):
        items = []
        for i, item in enumerate(node):
            line, col = node.lc.item(i)
            positions[(*path, i)] = (line + 1, col + 1)
            items.append(_plain(item, (*path, i), positions))
        return items
    if isinstance(node, str):
        return str(node)
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def read_yaml(text: str, file: str, *, kind: str = "tetsuzuki input file") -> Located:
    """Parse YAML text safely into :class:`Located` plain data.

    ``kind`` names the file in messages ("model file", "weights file", ...).

    A text read before (in this process or, through the cache folder, in another) is
    not parsed again (:mod:`bpr.model.yaml_cache`).

    Raises:
        InvalidModelError: the text is not acceptable YAML.
    """
    data, positions = cached(text, file, kind, lambda: _read(text, file, kind))
    return Located(data, positions, file)


def _read(text: str, file: str, kind: str) -> tuple[Any, dict[Path_, tuple[int, int]]]:
    problems = _prescan(text, file, kind)
    if problems:
        raise InvalidModelError(problems)
    try:
        node = _yaml().load(text)
    except MarkedYAMLError as exc:
        raise InvalidModelError([_yaml_problem(exc, file)]) from None
    except YAMLError as exc:
        raise InvalidModelError([Problem(file, 0, 0, f"not valid YAML: {exc}")]) from None
    positions: dict[Path_, tuple[int, int]] = {(): (1, 1)}
    data = _plain(node, (), positions)
    return data, positions
