"""Plain-text formatting of table rows: cell text and GitHub-flavoured Markdown tables.

Pure string formatting with no terminal dependency, shared by the command line (which adds
rich tables and CSV to it) and the flows' Markdown artifacts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["cell_text", "json_safe", "markdown_table", "number", "visible"]

_BIDI_AND_SEPARATORS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                                 "\u2066\u2067\u2068\u2069\u2028\u2029")
"""Bidirectional controls (which reorder what a terminal shows, as in the "Trojan
Source" attack) and the line and paragraph separators."""


def _escape(ch: str) -> str:
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def _is_control(ch: str) -> bool:
    code = ord(ch)
    return code < 0x20 or 0x7F <= code <= 0x9F or ch in _BIDI_AND_SEPARATORS


def visible(text: str) -> str:
    """``text`` safe to print on a terminal: every control character (C0 including
    newline and tab, DEL, C1) and every bidirectional control is written as its escape,
    ``\\x1b``, ``\\u202e``, so that it shows instead of acting (moving the cursor,
    setting the window title, ringing, reversing the line)."""
    if not any(_is_control(ch) for ch in text):
        return text
    return "".join(_escape(ch) if _is_control(ch) else ch for ch in text)


def json_safe(text: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the control
    characters JSON leaves raw (DEL, C1, bidirectional controls) written as ``\\uXXXX``
    escapes: the same JSON value, safe on a terminal. They can only occur inside strings,
    where the escape means the same character."""
    if not any(_is_control(ch) for ch in text):
        return text
    return "".join(f"\\u{ord(ch):04x}" if _is_control(ch) and ch not in "\n" else ch
                   for ch in text)


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


def number(value: float, digits: int = 1) -> str:
    """A number for people: thousands separators, ``digits`` decimals, no ``-0``."""
    if not math.isfinite(value):
        return str(value)
    rounded = round(value, digits)
    if rounded == 0:
        rounded = 0.0
    return f"{rounded:,.{digits}f}"
