"""Pydantic validation errors as located problems: file, line, column and data path.

Every reader that validates :class:`~bpr.model.yaml_reader.Located` data with pydantic
(procedure models, Prosimos parameter files) turns the errors into
:class:`~bpr.errors.Problem` objects with :func:`pydantic_problems`, so that a message
points at the value in the user's file whichever model refused it. A validator that knows
better where a problem is — a value below the one it checks, or several values at once —
raises :class:`DataError` with one :class:`Issue` per value.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bpr.errors import Problem
from bpr.model.yaml_reader import Located, Path_, suggest
from models.procedure import number_text_message

__all__ = ["DataError", "Issue", "Special", "data_path", "pydantic_message", "pydantic_problems"]

Special = Callable[[Located, Mapping[str, Any], Path_], Problem | None]
"""A reader's own wording for some errors: ``(located, error, data path)`` to a problem,
or ``None`` for the common wording."""


@dataclass(frozen=True)
class Issue:
    """One problem found by a validator, at ``path`` below the value it validates."""

    path: Path_
    message: str
    hint: str | None = None
    show_value: bool = True


class DataError(ValueError):
    """Raised by a validator to report issues located below the value it checks.

    Pydantic keeps the exception in the error's context; :func:`pydantic_problems`
    reports each issue at the error's location followed by the issue's path.
    """

    def __init__(self, *issues: Issue) -> None:
        super().__init__("; ".join(issue.message for issue in issues))
        self.issues = issues


def data_path(located: Located, loc: Sequence[str | int], *, tags: Collection[str] = ()
              ) -> Path_:
    """Map a pydantic error location onto a path that exists in the data.

    Pydantic inserts union tags (``function-before[...]``, ``tagged-union[...]`` and the
    member names given in ``tags``) that are not in the data; they are dropped. A field
    name missing from the data is kept (the location of a missing field), and ends the
    path.
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
            if not part.startswith(("function-", "tagged-union")) and part not in tags:
                path.append(part)
                node = None
    return tuple(path)


def pydantic_message(err: Mapping[str, Any]) -> str:
    """The message of one pydantic error in our wording (shared by every reader)."""
    if err["type"] == "finite_number":
        return "must be a finite number"
    if err["type"] in ("int_parsing", "float_parsing") and isinstance(err.get("input"), str):
        return number_text_message(err["input"], "a whole number" if err["type"] ==
                                   "int_parsing" else "a number")
    return str(err["msg"]).removeprefix("Value error, ")


def _common(located: Located, err: Mapping[str, Any], loc: tuple[Any, ...], path: Path_,
            fields_at: Callable[[Path_], list[str]]) -> Problem:
    kind = err["type"]
    if kind == "extra_forbidden":
        field = str(loc[-1])
        parent = path[:-1] if path and path[-1] == field else path
        return located.problem((*parent, field), f"unknown field '{field}'", show_value=False,
                               hint=suggest(field, fields_at(parent)), key=True)
    if kind == "missing":
        return located.problem(path, "required field is missing", show_value=False)
    if kind in ("enum", "literal_error"):
        expected = err.get("ctx", {}).get("expected", "")
        value = located.get(path)
        options = [o.strip().strip("'") for o in str(expected).replace(" or ", ",").split(",")]
        hint = suggest(str(value), [o for o in options if o]) if isinstance(value, str) else None
        return located.problem(path, f"must be one of {expected}", hint=hint)
    return located.problem(path, pydantic_message(err))


def pydantic_problems(located: Located, error: ValidationError, *, tags: Collection[str] = (),
                      fields_at: Callable[[Path_], list[str]] = lambda path: [],
                      special: Special | None = None) -> list[Problem]:
    """Every error of ``error`` as a problem located in the file ``located`` was read from.

    Args:
        located: the data that was validated, with the position of each value.
        error: pydantic's error for that data.
        tags: names of union members that pydantic puts in locations (see :func:`data_path`).
        fields_at: the field names valid at a path, for "did you mean" on unknown fields.
        special: the reader's own wording for some errors, tried before the common one.

    Returns:
        One problem per distinct (field, message), in pydantic's order: unknown fields at
        their key with a hint, missing fields, enum values with a hint, the issues of each
        :class:`DataError`, and pydantic's message for the rest.
    """
    problems: list[Problem] = []
    seen: set[tuple[str | None, str]] = set()
    for err in error.errors(include_url=False):
        loc = tuple(err["loc"])
        path = data_path(located, loc, tags=tags)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, DataError):
            found = [located.problem((*path, *issue.path), issue.message, hint=issue.hint,
                                     show_value=issue.show_value) for issue in cause.issues]
        else:
            problem = special(located, err, path) if special is not None else None
            found = [problem or _common(located, err, loc, path, fields_at)]
        for problem in found:
            if (problem.field, problem.message) not in seen:
                seen.add((problem.field, problem.message))
                problems.append(problem)
    return problems
