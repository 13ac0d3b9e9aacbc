"""Case attributes, flow guards and visits through BPMN: exported in our extension with a
readable condition, imported back into an equal model; a file without our extension
imports as before."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from bpr.interop.bpmn.bpmn_export import export_bpmn, guard_text
from bpr.interop.bpmn.bpmn_import import BPMN_NS, import_bpmn_bytes
from bpr.interop.bpmn.extension import CAMUNDA_NS, TZ_NS
from bpr.model.canonical import content_hash
from bpr.model.load import load_procedure_text
from models.procedure import VisitKind

GUARDED = """\
id: notice
name: 通知のある手続
version: to-be
category: other
annual_volume: 500
volume_source: "assumption: test"
attributes:
  channel: {online: 0.7, counter: 0.3}
  consent: {yes: 0.4, no: 0.6}
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 窓口, kind: staff}
  - {id: system, name: 基幹システム, kind: system}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: apply-online, name: オンラインで申請する, actor: resident, channel: online, duration: 10}
  - {id: apply-counter, name: 窓口で申請する, actor: clerk, channel: counter, duration: 15,
     in_person: true, visit: appointment, seal: true, required_by: 架空法施行規則3条}
  - {id: check, name: 審査する, actor: clerk, duration: 5, resident: waits}
  - {id: notify, name: 通知する, kind: choice}
  - {id: notice-online, name: 電子で通知する, actor: system, channel: system}
  - {id: notice-mail, name: 郵送で通知する, actor: clerk, channel: mail, paper: true, sheets: 1,
     delay: 2}
  - {id: notice-counter, name: 窓口で通知を渡す, actor: clerk, channel: counter, in_person: true,
     visit: walk-in}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: apply-online, when: {channel: online}}
  - {from: start, to: apply-counter, when: {channel: counter}, label: 窓口}
  - {from: apply-online, to: check}
  - {from: apply-counter, to: check}
  - {from: check, to: notify}
  - {from: notify, to: notice-online, when: {consent: yes}}
  - {from: notify, to: notice-mail, when: {channel: [online, counter], consent: no},
     probability: 0.9}
  - {from: notify, to: notice-counter, when: {consent: no}, probability: 0.1}
  - {from: notice-online, to: end}
  - {from: notice-mail, to: end}
  - {from: notice-counter, to: end}
"""


def _flows(xml: bytes) -> dict[str, etree._Element]:
    return {f.get("id", ""): f for f in etree.fromstring(xml).iter(f"{{{BPMN_NS}}}sequenceFlow")}


def test_attributes_guards_and_visits_round_trip_with_equal_hash() -> None:
    model = load_procedure_text(GUARDED)
    assert model.step("check").resident == "waits"
    back = import_bpmn_bytes(export_bpmn(model), "notice.bpmn")
    assert back.warnings == () and back.ignored == ()
    assert back.model.attributes == {"channel": {"online": 0.7, "counter": 0.3},
                                     "consent": {"yes": 0.4, "no": 0.6}}
    assert [f.when for f in back.model.flows] == [f.when for f in model.flows]
    # A flow that is the only one open to its cases keeps no probability.
    assert [f.probability for f in back.model.flows] == [f.probability for f in model.flows]
    counter = back.model.step("apply-counter")
    assert counter.visit is VisitKind.APPOINTMENT
    assert counter.required_by == "架空法施行規則3条"
    assert back.model.step("check").resident == "waits"
    assert content_hash(back.model) == content_hash(model)


def test_a_guard_is_in_our_extension_with_a_readable_condition_for_modelers() -> None:
    xml = export_bpmn(load_procedure_text(GUARDED))
    flows = _flows(xml)
    first = flows["Flow_1"]
    assert first.find(f".//{{{TZ_NS}}}property[@name='when']").get("value") == \
        '{"channel":"online"}'
    assert first.find(f".//{{{CAMUNDA_NS}}}property[@name='when']") is not None
    conditions = [f.findtext(f"{{{BPMN_NS}}}conditionExpression") for f in flows.values()]
    assert "channel = online" in conditions
    assert "channel in (online, counter) and consent = no" in conditions
    # The label stays the flow's name; the condition is not a label.
    assert flows["Flow_2"].get("name") == "窓口" and flows["Flow_1"].get("name") is None
    process = etree.fromstring(xml).find(f"{{{BPMN_NS}}}process")
    assert process is not None
    assert process.find(f".//{{{TZ_NS}}}property[@name='attributes']") is not None


def test_the_condition_text_is_not_read_back() -> None:
    """Editing the text of a condition changes nothing: the guard is read from our extension."""
    xml = export_bpmn(load_procedure_text(GUARDED))
    edited = xml.replace(b">channel = online</", b">channel = counter</")
    assert edited != xml
    back = import_bpmn_bytes(edited).model
    assert back.flows[0].when == {"channel": "online"}


def test_guard_text_lists_several_values() -> None:
    assert guard_text({"channel": "online"}) == "channel = online"
    assert guard_text({"channel": ("mail",), "consent": ("yes", "no")}) == \
        "channel = mail and consent in (yes, no)"


def test_a_vendor_file_with_conditions_but_no_extension_imports_as_before(
        bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p" name="Vendor">
          <bpmn:startEvent id="s"/>
          <bpmn:exclusiveGateway id="g" name="Channel?"/>
          <bpmn:task id="online" name="Apply online"/>
          <bpmn:task id="counter" name="Apply at the counter"/>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
          <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="online" name="online">
            <bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
              xsi:type="bpmn:tFormalExpression">channel = online</bpmn:conditionExpression>
          </bpmn:sequenceFlow>
          <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="counter"/>
          <bpmn:sequenceFlow id="f4" sourceRef="online" targetRef="e"/>
          <bpmn:sequenceFlow id="f5" sourceRef="counter" targetRef="e"/>
        </bpmn:process>
    """)
    result = import_bpmn_bytes(doc, "vendor.bpmn")
    model = result.model
    assert model.attributes == {}
    assert all(f.when is None for f in model.flows)
    assert sorted(f.probability or 0 for f in model.outgoing("g")) == [0.5, 0.5]
    assert any("no probability" in w.message for w in result.warnings)
    assert all(s.visit is None and s.resident is None and s.required_by is None
               for s in model.steps)
