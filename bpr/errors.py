"""The one exception hierarchy of tetsuzuki.

Every error a user can cause derives from :class:`TetsuzukiError`; the CLI prints it
and exits non-zero instead of showing a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AnalysisError",
    "DiffError",
    "InvalidModelError",
    "Problem",
    "SimulationError",
    "StorageError",
    "TetsuzukiError",
]


class TetsuzukiError(Exception):
    """Base class of all tetsuzuki errors."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a model file.

    Attributes:
        file: path of the file as given by the user.
        line: 1-based line, or 0 when unknown.
        column: 1-based column, or 0 when unknown.
        message: what is wrong, in one sentence.
        procedure: procedure id when it could be read.
        step: id of the step concerned, if any.
        field: dotted path of the field concerned (``steps[3].seal``), if any.
        value: the bad value as written (shortened), if any.
        hint: a suggestion such as "did you mean 'seal'?", if any.
        severity: ``"error"`` (the model is refused) or ``"warning"`` (reported, accepted).
    """

    file: str
    line: int
    column: int
    message: str
    procedure: str | None = None
    step: str | None = None
    field: str | None = None
    value: str | None = None
    hint: str | None = None
    severity: str = "error"

    def __str__(self) -> str:
        """``file:line:column: error [procedure, step] field 'f': message (got v); hint``
        (``warning`` instead of ``error`` for a warning).

        A problem of the whole file (line 0: it cannot be read, is too large, ...) has no
        position to show: ``file: message``.
        """
        where = f"{self.file}:{self.line}:{self.column}: {self.severity}" if self.line else \
            f"{self.file}:" + (" warning:" if self.severity == "warning" else "")
        context = []
        if self.procedure:
            context.append(f"procedure {self.procedure}")
        if self.step:
            context.append(f"step {self.step}")
        ctx = f" [{', '.join(context)}]" if context else ""
        field = f" field '{self.field}':" if self.field else ""
        value = f" (got {self.value})" if self.value is not None else ""
        hint = f"; {self.hint}" if self.hint else ""
        return f"{where}{ctx}{field} {self.message}{value}{hint}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view of the problem."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "procedure": self.procedure,
            "step": self.step,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "hint": self.hint,
            "severity": self.severity,
        }


class InvalidModelError(TetsuzukiError):
    """A model file (or a pair of files) was rejected; ``problems`` lists every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class AnalysisError(TetsuzukiError):
    """An analysis could not be computed (e.g. a singular system for expected counts)."""


class DiffError(TetsuzukiError):
    """Two versions cannot be compared (different procedures, broken lineage)."""


class SimulationError(TetsuzukiError):
    """A simulation could not run (bad scenario, inconsistent model)."""


class StorageError(TetsuzukiError):
    """The results store could not be read or written."""
