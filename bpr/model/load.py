"""Loading procedure models from YAML with located, complete error reports.

The loader reads a file, refuses anything dangerous or malformed before building a
model, validates the shape with pydantic and the graph with :mod:`bpr.model.structure`, and
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

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from bpr.errors import InvalidModelError, Problem
from bpr.model.collector import collector_paused
from bpr.model.files import decode_utf8, read_limited
from bpr.model.structure import structural_problems
from bpr.model.validation import pydantic_message, pydantic_problems
from bpr.model.version_rules import version_problems
from bpr.model.yaml_reader import MAX_DEPTH, MAX_FILE_BYTES, Located, Path_, read_yaml, suggest
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
    Source,
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
    "load_located_text",
    "load_procedure",
    "load_procedure_text",
    "pydantic_message",
    "suggest",
]

_FOLDER_HINT = "give a version file such as as-is.yaml; `validate DIR` and `diff DIR` take a folder"

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
        ("sources", "#"): Source,
    }
    found = table.get(shape)
    if found is None:
        return []
    models = found if isinstance(found, tuple) else (found,)
    names: list[str] = []
    for m in models:
        names += [n for n in _fields_of(m) if n not in names]
    return names


# Union members that pydantic names in error locations (the distribution tags).
_TAGS = ("fixed", "uniform", "triangular", "exponential", "lognormal", "float", "int")


def _special(located: Located, err: Mapping[str, Any], path: Path_) -> Problem | None:
    """The model's own wording: a distribution parameter over its bound, an unknown ``dist``."""
    kind = err["type"]
    parameter = err.get("ctx", {}).get("parameter")
    if kind == "too_large" and parameter and isinstance(located.get(path), dict):
        return located.problem((*path, str(parameter)), pydantic_message(err))
    if kind == "union_tag_invalid":
        return located.problem((*path, "dist"), "unknown distribution",
                               hint=suggest(str(located.get((*path, "dist"))),
                                            ["fixed", "uniform", "triangular", "exponential",
                                             "lognormal"]))
    return None


def _pydantic_problems(located: Located, error: ValidationError) -> list[Problem]:
    return pydantic_problems(located, error, tags=_TAGS, fields_at=_model_at, special=_special)


@collector_paused()
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
    problems += version_problems(located)
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
    return load_located_text(text, file)[0]


def load_located_text(text: str, file: str = "<string>") -> tuple[ProcedureVersion, Located]:
    """Like :func:`load_procedure_text`, also returning the located raw data (for checks
    that span files, such as a pair's lineage)."""
    if len(text.encode("utf-8", errors="replace")) > MAX_FILE_BYTES:
        raise InvalidModelError([Problem(file, 0, 0, f"file is larger than the limit of "
                                         f"{MAX_FILE_BYTES} bytes")])
    located = read_yaml(text, file, kind="model file")
    return validate_located(located), located


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
