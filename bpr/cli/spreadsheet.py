"""Files that open correctly in Excel: CSV in UTF-8 with a BOM, and XLSX.

Excel reads a CSV file as the system code page unless it starts with a UTF-8 byte-order
mark, so Japanese text turns into mojibake; :func:`write_csv` writes the BOM and CRLF line
ends. :func:`write_xlsx` writes one sheet per table with a bold, frozen header row, an
auto-filter and column widths fitted to the content (full-width characters count double).
Both build the file in memory and write it with :func:`bpr.render.output_files.write_file`: the old
file or the new one, never a part.

No text of the user's becomes a formula (OWASP "CSV injection"): :func:`neutralise` puts
a ``'`` before text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return, in every CSV and XLSX writer of the command line (:func:`write_csv`,
:func:`write_xlsx` and ``--format csv`` on standard output); XLSX cells of text are
moreover typed as strings, never formulas. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bpr.render.output_files import write_file
from bpr.render.text import visible

__all__ = ["FORMULA_STARTS", "cell_value", "display_width", "neutralise", "write_csv", "write_xlsx"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet shows it as text: a string that starts with one of
    :data:`FORMULA_STARTS` gets a leading ``'``; numbers and other strings are returned as
    they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

_MAX_WIDTH = 60


def cell_value(value: Any) -> Any:
    """A value a spreadsheet cell can hold: numbers and text as they are, ``None`` empty,
    booleans ``yes``/empty, lists and tuples joined with ``; ``, mappings as ``k=v; ...``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, Mapping):
        return "; ".join(f"{k}={cell_value(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(str(cell_value(v)) for v in value)
    return str(value)


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font: 2 for full-width characters."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def write_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], path: str | Path) -> None:
    """Write rows as CSV in UTF-8 with a BOM and CRLF line ends (what Excel expects).

    Args:
        rows: one mapping per line; missing columns are empty.
        columns: the header, in order.
        path: the file to write (replaced atomically).

    Raises:
        OutputError: the file cannot be written (the old one is left as it was).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(cell_value(row.get(c))) for c in columns])
    write_file(path, buffer.getvalue().encode("utf-8-sig"))


def _text_cell(sheet: Any, text: str) -> Any:
    """A cell holding ``text`` as a string (``t="s"``), never read as a formula."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

    # XLSX (XML 1.0) cannot hold most C0 controls: shown as escapes rather than refused.
    cell = Cell(sheet, value=ILLEGAL_CHARACTERS_RE.sub(lambda found: visible(found.group()), text))
    cell.data_type = "s"  # what openpyxl would infer for "=..." is "f", a formula
    return cell


def write_xlsx(sheets: Sequence[tuple[str, Sequence[Mapping[str, Any]], Sequence[str]]],
               path: str | Path) -> None:
    """Write an XLSX workbook with one sheet per table.

    Args:
        sheets: ``(sheet title, rows, columns)`` per sheet, in order (titles are cut to
            Excel's 31 characters).
        path: the file to write (replaced atomically).

    Raises:
        OutputError: the file cannot be written (the old one is left as it was).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, rows, columns in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([_text_cell(sheet, neutralise(str(c))) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [display_width(str(c)) for c in columns]
        for row in rows:
            values = [neutralise(cell_value(row.get(c))) for c in columns]
            sheet.append([_text_cell(sheet, v) if isinstance(v, str) else v for v in values])
            for i, v in enumerate(values):
                shown = f"{v:,.2f}" if isinstance(v, float) else str(v)
                widths[i] = max(widths[i], display_width(shown))
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(width + 2, _MAX_WIDTH)
        sheet.freeze_panes = "A2"
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    write_file(path, buffer.getvalue())
