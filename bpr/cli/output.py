"""Rendering rows for the terminal (rich table), JSON, CSV and Markdown.

Commands build a list of plain dict rows and call :func:`emit`; the format is the user's
``--format`` choice.

No text of the user's (a name, a rationale, a path) is ever read as rich markup or sent
raw to the terminal: table cells, headers and titles are :class:`rich.text.Text` objects
of :func:`~bpr.render.text.visible` text (control characters escaped), so are Markdown
cells and titles, JSON has the control characters it leaves raw escaped
(:func:`~bpr.render.text.json_safe`), and CSV cells that a spreadsheet would run as a
formula are neutralised (:func:`bpr.cli.spreadsheet.neutralise`).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bpr.cli.spreadsheet import neutralise
from bpr.render.text import cell_text, json_safe, markdown_table, visible

__all__ = ["Format", "console", "emit", "render", "say"]

console = Console(soft_wrap=False, width=200)


class Format(StrEnum):
    """Output formats shared by the commands."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    CSV = "csv"


def _csv_cell(value: Any) -> Any:
    """A CSV cell: numbers as they are; text neutralised (never a formula), with a carriage
    return written as a line feed, as the writer quotes only fields with its line end
    ``\\n`` and a bare ``\\r`` would end the record for a reader."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return neutralise(cell_text(value)).replace("\r\n", "\n").replace("\r", "\n")


def render(rows: Sequence[dict[str, Any]], fmt: Format, *, title: str | None = None,
           columns: Sequence[str] | None = None, payload: Any = None) -> str:
    """Rows as text in ``fmt``; ``payload`` replaces ``rows`` for JSON when given."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt is Format.JSON:
        return json_safe(json.dumps(payload if payload is not None else list(rows),
                                    ensure_ascii=False, indent=2, default=str)) + "\n"
    if fmt is Format.CSV:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: _csv_cell(row.get(c)) for c in columns})
        return buf.getvalue()
    if fmt is Format.MARKDOWN:
        head = f"## {visible(title)}\n\n" if title else ""
        shown = [{visible(str(c)): visible(cell_text(row.get(c))) for c in columns} for row in rows]
        return head + markdown_table(shown, [visible(str(c)) for c in columns])
    table = Table(title=Text(visible(title)) if title else None, show_lines=False)
    for c in columns:
        table.add_column(Text(visible(str(c))), overflow="fold")
    for row in rows:
        table.add_row(*[Text(visible(cell_text(row.get(c)))) for c in columns])
    with console.capture() as cap:
        console.print(table)
    return cap.get()


def emit(rows: Sequence[dict[str, Any]], fmt: Format, **kwargs: Any) -> None:
    """Print :func:`render` of the rows to standard output."""
    text = render(rows, fmt, **kwargs)
    if fmt is Format.TABLE:
        console.print(text, end="", markup=False, highlight=False)
    else:
        print(text, end="")


def say(text: str = "", *, file: TextIO | None = None, end: str = "\n") -> None:
    """Print a message for people (standard output, or ``file=sys.stderr``) with every
    control character of the user's text (in a path, an id, a name) shown as its escape
    (:func:`~bpr.render.text.visible`); the message's own line breaks are kept."""
    print("\n".join(visible(line) for line in text.split("\n")), file=file or sys.stdout, end=end)
