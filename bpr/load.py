"""Loading procedure models from YAML with located, complete error reports.

The loader reads a file, refuses anything dangerous or malformed before building a
model, validates the shape with pydantic and the graph with :mod:`bpr.structure`, and
returns a :class:`~models.procedure.ProcedureVersion` — or raises
:class:`~bpr.errors.InvalidModelError` listing *every* problem found, each with file,
line, column, procedure id, step id, field and the bad value. Nothing half-loaded is
ever returned.

Limits (documented in the README):

* a model file may be at most :data:`MAX_FILE_BYTES` (1 MiB); the largest catalog file
  is under 30 KiB;
* YAML aliases (``*name``) are refused, which rules out "billion laughs" expansion;
  anchors alone are harmless but pointless, so they are refused too;
* nesting deeper than :data:`MAX_DEPTH` is refused.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent

from bpr.errors import InvalidModelError, Problem
from bpr.files import decode_utf8, read_limited
from bpr.structure import structural_problems
from models.procedure import (
    Actor,
    Attachment,
    ChannelChoice,
    Elimination,
    Exponential,
    Fixed,
    Flow,
    LogNormal,
    ProcedureVersion,
    Step,
    Triangular,
    Uniform,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "Located",
    "iter_model_files",
    "load_located",
    "load_procedure",
    "load_procedure_text",
    "pydantic_message",
    "suggest",
]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 20

_FOLDER_HINT = "give a version file such as as-is.yaml; `validate DIR` and `diff DIR` take a folder"

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


def _prescan(text: str, file: str, kind: str) -> list[Problem]:
    """Refuse aliases, anchors and excessive nesting before anything is built."""
    problems: list[Problem] = []
    depth = 0
    aliases = anchors = 0
    try:
        for event in _yaml().parse(text):
            mark = event.start_mark
            if isinstance(event, AliasEvent):
                aliases += 1
                if aliases == 1:
                    problems.append(Problem(file, mark.line + 1, mark.column + 1,
                                            f"YAML aliases are not allowed in {kind}s (they can "
                                            "expand a small file into a huge one); write the value "
                                            "out", value=f"*{event.anchor}"))
            elif isinstance(event, ScalarEvent | CollectionStartEvent) and event.anchor:
                anchors += 1
                if anchors == 1:
                    problems.append(Problem(file, mark.line + 1, mark.column + 1,
                                            f"YAML anchors are not allowed in {kind}s",
                                            value=f"&{event.anchor}"))
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    problems.append(Problem(file, mark.line + 1, mark.column + 1,
                                            f"nesting deeper than {MAX_DEPTH} levels"))
                    break
            elif isinstance(event, CollectionEndEvent):
                depth -= 1

    except MarkedYAMLError as exc:
        problems.append(_yaml_problem(exc, file))
    except YAMLError as exc:
        problems.append(Problem(file, 0, 0, f"not valid YAML: {exc}"))
    if aliases > 1:
        problems = [dataclasses.replace(p, message=f"{p.message} ({aliases} aliases in the file)")
                    if p.value and p.value.startswith("*") else p for p in problems]
    return problems


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

    Raises:
        InvalidModelError: the text is not acceptable YAML.
    """
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
    return Located(data, positions, file)


# --------------------------------------------------------------------------- validation

_DISTRIBUTIONS: tuple[type[BaseModel], ...] = (Fixed, Uniform, Triangular, Exponential, LogNormal)


def _fields_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


def _model_at(path: Path_) -> list[str]:
    """Field names valid in the mapping at ``path`` (for "did you mean" on unknown keys)."""
    shape = tuple("#" if isinstance(p, int) else p for p in path)
    table: dict[tuple[str, ...], type[BaseModel] | tuple[type[BaseModel], ...]] = {
        (): ProcedureVersion,
        ("actors", "#"): Actor,
        ("steps", "#"): Step,
        ("steps", "#", "attachments", "#"): Attachment,
        ("steps", "#", "duration"): _DISTRIBUTIONS,
        ("steps", "#", "delay"): _DISTRIBUTIONS,
        ("flows", "#"): Flow,
        ("channel_choice",): ChannelChoice,
        ("eliminated", "#"): Elimination,
    }
    found = table.get(shape)
    if found is None:
        return []
    models = found if isinstance(found, tuple) else (found,)
    names: list[str] = []
    for m in models:
        names += [n for n in _fields_of(m) if n not in names]
    return names


def _data_path(located: Located, loc: Sequence[str | int]) -> Path_:
    """Map a pydantic error location onto a path that exists in the data.

    Pydantic inserts union tags (``fixed``, ``function-before[...]``) that are not in the
    data; they are dropped.
    """
    path: list[str | int] = []
    node = located.data
    for part in loc:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in node:
            # A missing field or an unknown tag: keep field names of the model, drop tags.
            if not part.startswith(("function-", "tagged-union")) and part not in (
                "fixed", "uniform", "triangular", "exponential", "lognormal", "float", "int"):
                path.append(part)
                node = None
    return tuple(path)


def pydantic_message(err: Mapping[str, Any]) -> str:
    """The message of one pydantic error in our wording (shared by every YAML loader)."""
    if err["type"] == "finite_number":
        return "must be a finite number"
    return str(err["msg"]).removeprefix("Value error, ")


def _pydantic_problems(located: Located, error: ValidationError) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[tuple[Path_, str]] = set()
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        path = _data_path(located, loc)
        kind = err["type"]
        msg = pydantic_message(err)
        parameter = err.get("ctx", {}).get("parameter")
        if kind == "too_large" and parameter and isinstance(located.get(path), dict):
            path = (*path, str(parameter))  # the distribution parameter over the limit
        if kind == "extra_forbidden":
            field = str(loc[-1])
            parent = path[:-1] if path and path[-1] == field else path
            hint = suggest(field, _model_at(parent))
            problem = located.problem((*parent, field), f"unknown field '{field}'",
                                      show_value=False, hint=hint, key=True)
        elif kind == "missing":
            problem = located.problem(path, "required field is missing", show_value=False)
        elif kind == "union_tag_invalid":
            problem = located.problem((*path, "dist"), "unknown distribution",
                                      hint=suggest(str(located.get((*path, "dist"))),
                                                   ["fixed", "uniform", "triangular",
                                                    "exponential", "lognormal"]))
        elif kind == "enum" or kind == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            value = located.get(path)
            options = [o.strip().strip("'") for o in str(expected).replace(" or ", ",").split(",")]
            hint = suggest(str(value), [o for o in options if o]) if isinstance(value, str) else None
            problem = located.problem(path, f"must be one of {expected}", hint=hint)
        else:
            problem = located.problem(path, msg)
        key = (path, problem.message)
        if key not in seen:
            seen.add(key)
            problems.append(problem)
    return problems


def validate_located(located: Located) -> ProcedureVersion:
    """Validate plain located data into a model, reporting every problem found.

    Raises:
        InvalidModelError: the data is not a valid procedure version.
    """
    if not isinstance(located.data, dict):
        kind = "empty" if located.data is None else type(located.data).__name__
        raise InvalidModelError([Problem(located.file, 1, 1,
                                         f"a model file must be a YAML mapping, got {kind}")])
    problems: list[Problem] = []
    model: ProcedureVersion | None = None
    try:
        model = ProcedureVersion.model_validate(located.data)
    except ValidationError as error:
        problems += _pydantic_problems(located, error)
    # Graph checks run on the raw data so that they are reported together with shape
    # errors; they skip parts that are too broken to interpret.
    problems += structural_problems(located)
    if problems or model is None:
        problems.sort(key=lambda p: (p.line, p.column))
        raise InvalidModelError(problems)
    return model


def load_procedure_text(text: str, file: str = "<string>") -> ProcedureVersion:
    """Load a procedure version from YAML text.

    Args:
        text: the YAML document.
        file: the name to use in error messages.

    Returns:
        The validated procedure version.

    Raises:
        InvalidModelError: with every problem found, each located.
    """
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InvalidModelError([Problem(file, 0, 0, f"file is larger than the limit of "
                                         f"{MAX_FILE_BYTES} bytes")])
    return validate_located(read_yaml(text, file, kind="model file"))


def load_procedure(path: str | Path) -> ProcedureVersion:
    """Load a procedure version from a YAML file.

    Raises:
        InvalidModelError: the file is too large, not UTF-8, not YAML or not a valid model.
    """
    return load_located(path)[0]


def load_located(path: str | Path) -> tuple[ProcedureVersion, Located]:
    """Like :func:`load_procedure`, also returning the located raw data (for checks that
    span files, such as lineage, and must point into this one)."""
    path = Path(path)
    file = str(path)
    text = decode_utf8(read_limited(path, kind="model file", limit=MAX_FILE_BYTES,
                                    folder_hint=_FOLDER_HINT), file)
    if "\x00" in text:
        raise InvalidModelError([Problem(file, 0, 0, "file contains NUL bytes: not a YAML file")])
    located = read_yaml(text, file, kind="model file")
    return validate_located(located), located


def iter_model_files(paths: Sequence[str | Path]) -> Iterator[Path]:
    """Model files under ``paths``: files as given, directories searched recursively for
    ``*.yaml``/``*.yml`` (skipping ``catalog.yaml`` and the ``scenarios`` folder, which are
    not procedure versions), in sorted order."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted([*p.rglob("*.yaml"), *p.rglob("*.yml")]):
                if f.name == "catalog.yaml" or "scenarios" in f.relative_to(p).parts[:-1] or \
                        f.name.startswith("weights"):
                    continue
                yield f
        else:
            yield p


def as_mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one (for defensive raw-data walks)."""
    return value if isinstance(value, dict) else {}
