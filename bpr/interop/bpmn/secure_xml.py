"""Parsing untrusted XML (BPMN files) safely.

A BPMN file comes from another tool or another organisation, so it is parsed as hostile
input:

* no DOCTYPE at all: a document type declaration is the door to external entities (XXE)
  and to entity expansion ("billion laughs"); BPMN files never need one;
* entity resolution, DTD loading and network access are off in the parser as well, in
  case a declaration slipped past the check;
* the file may be at most :data:`MAX_BPMN_BYTES` (5 MiB; the largest MIWG reference model
  is 31 KiB and a catalog export under 200 KiB);
* elements may nest at most :data:`MAX_XML_DEPTH` (60) deep; a BPMN document with diagram
  interchange and five nested sub-processes is under 20 deep.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_limited

__all__ = ["MAX_BPMN_BYTES", "MAX_XML_DEPTH", "parse_xml_bytes", "parse_xml_file"]

MAX_BPMN_BYTES = 5 * 1024 * 1024
MAX_XML_DEPTH = 60

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _refuse(file: str, message: str, line: int = 0) -> InvalidModelError:
    return InvalidModelError([Problem(file, line, 0, message)])


def _line_of(data: bytes, index: int) -> int:
    return data.count(b"\n", 0, index) + 1


def parse_xml_bytes(data: bytes, file: str = "<bytes>") -> etree._ElementTree:
    """Parse XML bytes with every dangerous feature off.

    Args:
        data: the raw document.
        file: name used in error messages.

    Returns:
        The parsed tree (element ``sourceline`` gives positions for error messages).

    Raises:
        InvalidModelError: the document is too large, declares a DOCTYPE or entities,
            nests too deeply, or is not well-formed XML.
    """
    if len(data) > MAX_BPMN_BYTES:
        raise _refuse(file, f"file is {len(data)} bytes, over the limit of {MAX_BPMN_BYTES} "
                      "bytes for a BPMN file")
    # The declarations are refused before the parser sees them (the parser also has
    # entities off); a DOCTYPE in a comment is refused too, which costs nothing real.
    for pattern, what in ((_DOCTYPE, "a DOCTYPE declaration"), (_ENTITY, "an ENTITY declaration")):
        found = pattern.search(data)
        if found:
            raise _refuse(file, f"{what} is not allowed in a BPMN file (it can pull in external "
                          "files or expand a small file into a huge one); remove it",
                          _line_of(data, found.start()))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else 0
        raise _refuse(file, f"not well-formed XML: {exc.msg}", line) from None
    _check_depth(root, file)
    return etree.ElementTree(root)


def _check_depth(root: etree._Element, file: str) -> None:
    stack: list[tuple[etree._Element, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_XML_DEPTH:
            raise _refuse(file, f"elements nest deeper than {MAX_XML_DEPTH} levels",
                          element.sourceline or 0)
        stack.extend((child, depth + 1) for child in element)


def parse_xml_file(path: str | Path) -> etree._ElementTree:
    """Read and parse an XML file safely; see :func:`parse_xml_bytes`.

    Raises:
        InvalidModelError: the file cannot be read or is refused.
    """
    raw = read_limited(path, kind="BPMN file", limit=MAX_BPMN_BYTES)
    return parse_xml_bytes(raw, str(path))
