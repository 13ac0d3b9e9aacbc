"""The ``tetsuzuki`` command line: the user's entry point.

Each group of commands lives in its own module and registers itself on :data:`app`.
Errors derived from :class:`~bpr.errors.TetsuzukiError` are printed without a traceback
and end the command with exit status 1 (2 for usage errors, as click does).
"""

from __future__ import annotations

import sys

import typer

from bpr.errors import TetsuzukiError

__all__ = ["app", "main"]

app = typer.Typer(
    name="tetsuzuki",
    help="BPR of administrative procedures: validate, measure, diff (ECRS), simulate, rank.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules register themselves on `app` when imported.
from bpr.cli import models_cmd  # noqa: E402, F401
from bpr.cli import simulate_cmd  # noqa: E402, F401
from bpr.cli import bpmn_cmd  # noqa: E402, F401
from bpr.cli import catalog_cmd  # noqa: E402, F401
from bpr.cli import analysis_cmd  # noqa: E402, F401
from bpr.cli import store_cmd  # noqa: E402, F401
from bpr.cli import run_cmd  # noqa: E402, F401
from bpr.cli import report_cmd  # noqa: E402, F401
from bpr.cli import rank_cmd  # noqa: E402, F401


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except TetsuzukiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
