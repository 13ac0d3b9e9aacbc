"""Where BPMN elements are written: the line and column of each start tag.

lxml gives an element's line (``sourceline``, where its start tag ends) but no column.
:class:`SourceIndex` reads the text once, recording every start tag's line and column by
element name and id, so that finding an element's position costs a dictionary look-up,
however many elements share a line (a whole document may be on one line).
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from bpr.interop.bpmn.secure_xml import document_text

__all__ = ["SourceIndex"]

_START_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_ID = re.compile(r"""\sid\s*=\s*(["'])(.*?)\1""", re.DOTALL)


class SourceIndex:
    """Line and column (1-based) of the start tags of a document, indexed once.

    Args:
        data: the document's bytes, or ``None`` when only lxml's lines are known (columns
            are then 1).
    """

    _LOOKBACK = 50
    """Lines searched above an element's ``sourceline`` for its tag (a start tag may span
    lines: one attribute a line)."""

    def __init__(self, data: bytes | None) -> None:
        self._by_id: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        self._by_line: dict[tuple[int, str], list[int]] = defaultdict(list)
        if data:
            self._index(document_text(data))

    def _index(self, text: str) -> None:
        line, line_start, previous = 1, 0, 0
        for tag in _START_TAG.finditer(text):
            start = tag.start()
            breaks = text.count("\n", previous, start)
            if breaks:
                line += breaks
                line_start = text.rfind("\n", previous, start) + 1
            previous = start
            name, column = tag.group(1), start - line_start + 1
            self._by_line[(line, name)].append(column)
            end = text.find(">", tag.end())
            found = _ID.search(text, tag.end(), end if end >= 0 else len(text))
            if found:
                self._by_id[(name, found.group(2))].append((line, column))

    def where(self, element: etree._Element | None) -> tuple[int, int]:
        """``(line, column)`` of the element's start tag; ``(0, 0)`` when lxml gives no line,
        column 1 when the tag is not found in the text."""
        line = (element.sourceline or 0) if element is not None else 0
        if element is None or not line:
            return 0, 0
        if not isinstance(element.tag, str):
            return line, 1
        name = etree.QName(element).localname
        ident = element.get("id")
        if ident is not None:
            # The last tag with this id that starts at or above the element's line (a
            # commented-out copy above it is passed over when it is on an earlier line).
            at = [p for p in self._by_id.get((name, ident), ()) if p[0] <= line]
            if at:
                return at[-1]
        for number in range(line, max(0, line - self._LOOKBACK), -1):
            columns = self._by_line.get((number, name))
            if columns:
                return number, columns[0] if number == line else columns[-1]
        return line, 1
