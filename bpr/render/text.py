"""Plain-text formatting of table rows: cell text and GitHub-flavoured Markdown tables.

Pure string formatting with no terminal dependency, shared by the command line (which adds
rich tables and CSV to it) and the flows' Markdown artifacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["cell_text", "markdown_table"]


def cell_text(value: Any) -> str:
    """A cell as text: ``""`` for ``None``, ``yes``/``""`` for booleans, floats with thousands
    separators and 2 decimals, lists and tuples joined by ``", "``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    return str(value)


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table; ``|`` and newlines in cells are escaped."""
    columns = list(columns or (rows[0].keys() if rows else []))
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [cell_text(row.get(c)).replace("|", "\\|").replace("\n", " ") for c in columns]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
