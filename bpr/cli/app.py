"""The Typer application that every command module registers its commands on."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="tetsuzuki",
    help="BPR of administrative procedures: validate, measure, diff (ECRS), simulate, rank.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
