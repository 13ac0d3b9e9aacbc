"""The ``tetsuzuki`` command line: the user's entry point.

Each group of commands lives in its own module and registers itself on :data:`app`.
Errors derived from :class:`~bpr.errors.TetsuzukiError` are printed without a traceback
and end the command with exit status 1 (2 for usage errors, as click does).
"""

from __future__ import annotations

import re
import sys

from bpr.cli.app import app
from bpr.cli.streams import StandardOutputError, guarded_stdout
from bpr.errors import InvalidModelError, TetsuzukiError
from bpr.render.text import visible

__all__ = ["app", "error_lines", "main"]

# Command modules register themselves on `app` when imported.
from bpr.cli import (
    analysis_cmd,  # noqa: F401
    bpmn_cmd,  # noqa: F401
    catalog_cmd,  # noqa: F401
    models_cmd,  # noqa: F401
    national_cmd,  # noqa: F401
    plan_cmd,  # noqa: F401
    rank_cmd,  # noqa: F401
    report_cmd,  # noqa: F401
    run_cmd,  # noqa: F401
    simulate_cmd,  # noqa: F401
    store_cmd,  # noqa: F401
)

_LOCATED = re.compile(r"^.+?:\d+:\d+: (error|warning)\b")
"""A message that starts with its own location and severity (a :class:`Problem`)."""


def error_lines(exc: TetsuzukiError) -> list[str]:
    """The lines :func:`main` prints for ``exc`` on standard error.

    The first line starts with ``error: `` unless the message already says where and
    what it is (``FILE:L:C: error ...``, as the problems of an invalid model do); a problem
    of a whole file (``FILE: message``) gets ``error: `` too. Every line is made visible
    (:func:`~bpr.render.text.visible`): a control character of a name or a path is shown,
    never sent to the terminal.
    """
    if isinstance(exc, InvalidModelError) and exc.problems:
        lines = [str(p) if p.line or p.severity == "warning" else f"error: {p}" for p in exc.problems]
    else:
        lines = str(exc).split("\n")
        if not _LOCATED.match(lines[0]):
            lines[0] = f"error: {lines[0]}"
    return [visible(line) for line in lines]


def main() -> None:
    """Console-script entry point: run the command; print a :class:`TetsuzukiError` (or a
    standard output that cannot be written) as one message, never a traceback."""
    try:
        with guarded_stdout():
            app()
    except StandardOutputError as exc:
        if not exc.broken_pipe:
            print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except TetsuzukiError as exc:
        print("\n".join(error_lines(exc)), file=sys.stderr)
        raise SystemExit(1) from None
