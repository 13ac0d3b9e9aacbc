"""BPMN import: readable procedure ids from process ids, and notes located as
file:line:column like every other message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from bpr.cli import app
from bpr.interop.bpmn.bpmn_import import ImportNote, import_bpmn, import_bpmn_bytes
from bpr.interop.bpmn.positions import SourceIndex

runner = CliRunner()

GATEWAY = """\
<bpmn:process id="Process_1" isExecutable="false">
  <bpmn:startEvent id="Start"/>
  <bpmn:userTask id="Apply" name="申請する"/>
  <bpmn:exclusiveGateway id="GW" name="OK?"/>
  <bpmn:task id="Fix" name="補正"/><bpmn:endEvent id="End"/>
  <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Apply"/>
  <bpmn:sequenceFlow id="f2" sourceRef="Apply" targetRef="GW"/>
  <bpmn:sequenceFlow id="f3" sourceRef="GW" targetRef="End"/>
  <bpmn:sequenceFlow id="f4" sourceRef="GW" targetRef="Fix"/>
  <bpmn:sequenceFlow id="f5" sourceRef="Fix" targetRef="Apply"/>
</bpmn:process>
"""


def _where(doc: bytes, needle: str) -> tuple[int, int]:
    for number, text in enumerate(doc.decode("utf-8").splitlines(), 1):
        if needle in text:
            return number, text.index(needle) + 1
    raise AssertionError(needle)


@pytest.mark.parametrize(("process_id", "expected"), [
    ("Process_1", "process-1"), ("Process_0abc", "process-0abc"), ("Billing.Flow", "billing-flow")])
def test_process_id_becomes_a_readable_procedure_id(
        bpmn_doc: Callable[[str], bytes], process_id: str, expected: str) -> None:
    doc = bpmn_doc(GATEWAY.replace('id="Process_1"', f'id="{process_id}"'))
    # the file name is a last resort only: the process id comes first
    assert import_bpmn_bytes(doc, "gw.bpmn").model.id == expected


def test_notes_give_line_and_column_of_the_element(bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc(GATEWAY)
    notes = {n.element: n for n in import_bpmn_bytes(doc, "gw.bpmn").warnings}
    gateway = notes["GW"]
    assert (gateway.line, gateway.column) == _where(doc, '<bpmn:exclusiveGateway id="GW"')
    assert str(gateway).startswith(f"{gateway.line}:{gateway.column}: GW: no probability")


def test_two_elements_on_one_line_get_their_own_column() -> None:
    doc = b"<a>\n  <b id='x'/><b id='y'/>\n</a>"
    root = etree.fromstring(doc)
    source = SourceIndex(doc)
    assert [source.where(e) for e in root] == [(2, 3), (2, 14)]


def test_a_start_tag_over_several_lines_is_located_where_it_begins() -> None:
    doc = b"<a>\n  <b\n     id='x'\n  />\n</a>"
    root = etree.fromstring(doc)
    assert root[0].sourceline == 4            # lxml: where the start tag ends
    assert SourceIndex(doc).where(root[0]) == (2, 3)


def test_a_note_without_a_line_has_no_column() -> None:
    assert str(ImportNote("x", 0, "somewhere")) == "0:0: x: somewhere"


def test_cli_prints_file_line_column(bpmn_doc: Callable[[str], bytes], tmp_path: Path) -> None:
    doc = bpmn_doc(GATEWAY)
    source = tmp_path / "gw.bpmn"
    source.write_bytes(doc)
    result = runner.invoke(app, ["bpmn", "import", str(source), "-o", str(tmp_path / "gw.yaml")])
    assert result.exit_code == 0, result.output
    line, column = _where(doc, '<bpmn:exclusiveGateway id="GW"')
    assert f"warning: {source}:{line}:{column}: GW: no probability" in result.output
    assert "line " not in result.output
    assert "wrote " in result.output and ": process-1 (as-is)" in result.output
    # a file read from disk is located like the same bytes
    from_file = {n.element: (n.line, n.column) for n in import_bpmn(source).warnings}
    assert from_file["GW"] == (line, column)
