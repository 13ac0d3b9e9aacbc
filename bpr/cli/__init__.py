"""The ``tetsuzuki`` command line: the user's entry point.

Each group of commands lives in its own module and registers itself on :data:`app`.
Errors derived from :class:`~bpr.errors.TetsuzukiError` are printed without a traceback
and end the command with exit status 1 (2 for usage errors, as click does).
"""

from __future__ import annotations

import sys

from bpr.cli.app import app
from bpr.errors import TetsuzukiError

__all__ = ["app", "main"]

# Command modules register themselves on `app` when imported.
from bpr.cli import (
    analysis_cmd,  # noqa: F401
    bpmn_cmd,  # noqa: F401
    catalog_cmd,  # noqa: F401
    models_cmd,  # noqa: F401
    plan_cmd,  # noqa: F401
    rank_cmd,  # noqa: F401
    report_cmd,  # noqa: F401
    run_cmd,  # noqa: F401
    simulate_cmd,  # noqa: F401
    store_cmd,  # noqa: F401
)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except TetsuzukiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
