"""Hostile XML is refused before anything is built from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpr.errors import InvalidModelError
from bpr.interop.bpmn import secure_xml
from bpr.interop.bpmn.bpmn_import import import_bpmn, import_bpmn_bytes
from bpr.interop.bpmn.secure_xml import MAX_BPMN_BYTES, MAX_XML_DEPTH, parse_xml_bytes

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE definitions [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x">
  <process id="p"><task id="t" name="&secret;"/></process>
</definitions>
"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" name="&lol9;"/></definitions>
"""


def test_xxe_file_is_refused_with_the_doctype_line(tmp_path: Path) -> None:
    path = tmp_path / "xxe.bpmn"
    path.write_bytes(XXE)
    with pytest.raises(InvalidModelError, match=r"xxe.bpmn:2:0: .*DOCTYPE declaration is not allowed"):
        import_bpmn(path)


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(InvalidModelError, match="DOCTYPE declaration is not allowed"):
        import_bpmn_bytes(BILLION_LAUGHS, "lol.bpmn")


def test_entity_declaration_without_doctype_keyword_is_refused() -> None:
    with pytest.raises(InvalidModelError, match="ENTITY declaration is not allowed"):
        parse_xml_bytes(b'<a><![CDATA[x]]></a><!ENTITY x "y">', "odd.xml")


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.bpmn"
    path.write_bytes(b"<definitions>" + b" " * MAX_BPMN_BYTES + b"</definitions>")
    with pytest.raises(InvalidModelError, match=rf"over the limit of {MAX_BPMN_BYTES} bytes"):
        import_bpmn(path)


def test_too_deep_nesting_is_refused() -> None:
    depth = MAX_XML_DEPTH + 5
    doc = b"<a>" * depth + b"</a>" * depth
    with pytest.raises(InvalidModelError, match=f"nest deeper than {MAX_XML_DEPTH}"):
        parse_xml_bytes(doc, "deep.xml")


def test_malformed_xml_names_the_line() -> None:
    with pytest.raises(InvalidModelError, match=r"bad.bpmn:3:0: .*not well-formed XML"):
        parse_xml_bytes(b"<a>\n<b>\n</a>", "bad.bpmn")


def test_unreadable_paths_are_file_level_errors(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidModelError) as info:
        import_bpmn(tmp_path / "none.bpmn")
    assert str(info.value) == f"{tmp_path / 'none.bpmn'}: cannot read: No such file or directory"
    with pytest.raises(InvalidModelError) as info:
        import_bpmn(tmp_path)
    assert str(info.value) == f"{tmp_path}: cannot read: is a folder, not a BPMN file"
    locked = tmp_path / "locked.bpmn"
    locked.write_bytes(XXE)

    def denied(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(InvalidModelError) as info:
        import_bpmn(locked)
    assert str(info.value) == f"{locked}: cannot read: Permission denied"


AMPLIFIED = ('<?xml version="1.0" encoding="{encoding}"?>\n'
             '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
             '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
             '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
             '<process id="p" name="&c;"/></definitions>')


@pytest.mark.parametrize(("encoding", "codec"), [
    ("UTF-16", "utf-16"), ("UTF-16", "utf-16-le"), ("UTF-16", "utf-16-be"), ("UTF-32", "utf-32"),
    ("UTF-8", "utf-8-sig"), ("ISO-8859-1", "latin-1"), ("Shift_JIS", "shift_jis")])
def test_a_doctype_is_refused_whatever_the_encoding(encoding: str, codec: str) -> None:
    data = AMPLIFIED.format(encoding=encoding).encode(codec)
    with pytest.raises(InvalidModelError) as caught:
        parse_xml_bytes(data, "wide.bpmn")
    (problem,) = caught.value.problems
    assert "DOCTYPE declaration is not allowed" in problem.message
    assert problem.line == 2


def test_a_doctype_the_text_scan_misses_is_refused_from_the_parsed_tree(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Defence in depth: the tree's document information is checked after parsing."""
    monkeypatch.setattr(secure_xml, "document_text", lambda data: "")
    with pytest.raises(InvalidModelError, match="DOCTYPE declaration is not allowed"):
        parse_xml_bytes(AMPLIFIED.format(encoding="UTF-16").encode("utf-16"), "wide.bpmn")
