"""Parsing untrusted XML (BPMN files) safely.

A BPMN file comes from another tool or another organisation, so it is parsed as hostile
input:

* no DOCTYPE at all: a document type declaration is the door to external entities (XXE)
  and to entity expansion ("billion laughs"); BPMN files never need one. It is looked for
  in the text decoded as the document says it is encoded (byte-order mark, UTF-16/32
  without one, or the XML declaration), so a UTF-16 file is refused like a UTF-8 one, before
  the parser sees it; and, for encodings Python does not know, in the parsed tree's
  document information;
* entity resolution, DTD loading and network access are off in the parser as well, in
  case a declaration slipped past the check;
* the file may be at most :data:`MAX_BPMN_BYTES` (5 MiB; the largest MIWG reference model
  is 31 KiB and a catalog export under 200 KiB);
* elements may nest at most :data:`MAX_XML_DEPTH` (60) deep; a BPMN document with diagram
  interchange and five nested sub-processes is under 20 deep.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from lxml import etree

from bpr.errors import InvalidModelError, Problem
from bpr.model.files import read_limited

__all__ = ["MAX_BPMN_BYTES", "MAX_XML_DEPTH", "document_text", "parse_xml_bytes", "parse_xml_file"]

MAX_BPMN_BYTES = 5 * 1024 * 1024
MAX_XML_DEPTH = 60

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# Without a byte-order mark, UTF-16 and UTF-32 show by the zero bytes around the first "<"
# (XML 1.0, appendix F).
_WIDE = ((b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
         (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"))
_DECLARED = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_REFUSED = "{what} is not allowed in a BPMN file (it can pull in external files or expand a " \
    "small file into a huge one); remove it"


def _refuse(file: str, message: str, line: int = 0) -> InvalidModelError:
    return InvalidModelError([Problem(file, line, 0, message)])


def document_text(data: bytes) -> str:
    """The document decoded as it says it is encoded (see the module docstring); bytes that
    do not decode are replaced, and an encoding Python does not know reads as Latin-1."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    for prefix, encoding in _WIDE:
        if data.startswith(prefix):
            return data.decode(encoding, errors="replace")
    declared = _DECLARED.match(data)
    try:
        return data.decode(declared.group(1).decode("ascii") if declared else "utf-8",
                           errors="replace")
    except LookupError:
        return data.decode("latin-1")


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
    # entities off, but expands internal ones in attribute values); a DOCTYPE in a comment
    # is refused too, which costs nothing real.
    text = document_text(data)
    for pattern, what in ((_DOCTYPE, "a DOCTYPE declaration"), (_ENTITY, "an ENTITY declaration")):
        found = pattern.search(text)
        if found:
            raise _refuse(file, _REFUSED.format(what=what),
                          text.count("\n", 0, found.start()) + 1)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             load_dtd=False, dtd_validation=False, remove_comments=True,
                             remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else 0
        raise _refuse(file, f"not well-formed XML: {exc.msg}", line) from None
    tree = etree.ElementTree(root)
    info = tree.docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None or \
            info.system_url or info.public_id:
        raise _refuse(file, _REFUSED.format(what="a DOCTYPE declaration"), 1)
    _check_depth(root, file)
    return tree


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
