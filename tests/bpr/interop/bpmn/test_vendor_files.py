"""BPMN as drawn in Camunda Modeler, Signavio and Bizagi: collaborations, events with their
meaning, and lossless round trips of what each element was drawn as.

The files in ``vendor/`` were written for these tests in each tool's style (ids, namespaces,
extensions); they are not exports of the tools themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from bpr.analysis.graph import expected_visits
from bpr.analysis.soundness import soundness_problems
from bpr.cli import app
from bpr.errors import InvalidModelError
from bpr.interop.bpmn import export_bpmn, import_bpmn, import_bpmn_bytes
from bpr.interop.bpmn.bpmn_import import BPMN_NS
from bpr.model.canonical import content_hash
from bpr.model.lineage import lineage_problems
from models.procedure import ActorKind, StepKind

VENDOR = Path(__file__).parent / "vendor"
CAMUNDA = VENDOR / "camunda_two_pools.bpmn"
SIGNAVIO = VENDOR / "signavio_boundaries.bpmn"
BIZAGI = VENDOR / "bizagi_links.bpmn"
runner = CliRunner()


def _notes(result: object, kind: str = "warnings") -> dict[str, str]:
    return {n.element: n.message for n in getattr(result, kind)}


# --------------------------------------------------------------------------- collaborations

def test_both_pools_are_merged_with_message_flows_as_hand_offs() -> None:
    result = import_bpmn(CAMUNDA)
    model = result.model
    actors = {a.name: a for a in model.actors}
    # The 住民 pool has no lanes: one actor named after it; 市役所's lanes are actors.
    assert actors["住民"].kind is ActorKind.RESIDENT
    assert {"窓口", "審査担当"} <= set(actors)
    names = [s.name for s in model.steps]
    assert {"申請書を記入", "受付・形式審査", "所得判定", "決裁", "決定通知を受け取る"} <= set(names)
    # One start (the resident's); the city's message start is where the hand-off arrives.
    assert [s.name for s in model.steps if s.kind is StepKind.START] == ["申請を思い立つ"]
    assert [s.name for s in model.steps if s.kind is StepKind.END] == ["手続完了"]
    # The notice goes from the city to the resident, as the message flow says.
    send = next(s for s in model.steps if s.name == "決定通知を送付")
    receive = next(s for s in model.steps if s.name == "決定通知を受け取る")
    flow = next(f for f in model.outgoing(send.id))
    assert flow.target == receive.id and flow.label == "決定通知"
    # Every case runs every step once: nothing lost between the pools.
    visits = expected_visits(model)
    assert all(visits[s.id] == pytest.approx(1.0) for s in model.steps)
    assert soundness_problems(model, result.located) == []


def test_a_message_flow_label_with_a_time_is_a_wait_of_that_length() -> None:
    model = import_bpmn(CAMUNDA).model
    post = next(s for s in model.steps if s.name == "郵送 (3日)")
    assert post.delay is not None and post.delay.mean == pytest.approx(3.0)
    actor = next(a for a in model.actors if a.id == post.actor)
    assert actor.kind is ActorKind.EXTERNAL  # unlimited capacity, not a lane's staff
    send = next(s for s in model.steps if s.name == "申請書を郵送")
    assert [f.target for f in model.outgoing(send.id)] == [post.id]


def test_a_japanese_pool_name_gives_a_stable_id_whatever_the_modeller_ids() -> None:
    as_is = import_bpmn(CAMUNDA).model
    text = CAMUNDA.read_text(encoding="utf-8")
    for old, new in [("Process_1k2v7c9", "Process_07yq1aa"), ("Process_0m5t2rb", "Process_1x0b9zz"),
                     ("Definitions_0x3k9ab", "Definitions_1pp2x0q")]:
        text = text.replace(old, new)
    to_be = import_bpmn_bytes(text.encode("utf-8"), "to-be.bpmn", version="to-be")
    assert as_is.id == to_be.model.id and as_is.id.startswith("bpmn-")
    assert as_is.name == "住民・市役所"
    assert to_be.located is not None
    assert not [p for p in lineage_problems(as_is, to_be.model, to_be.located)
                if "different procedures" in p.message]


def test_process_option_picks_pools_by_name_and_id_option_sets_the_id() -> None:
    result = import_bpmn(CAMUNDA, process="市役所", procedure_id="jido-teate")
    model = result.model
    assert model.id == "jido-teate"
    assert "申請書を記入" not in {s.name for s in model.steps}
    ignored = _notes(result, "ignored")
    assert "Process_1k2v7c9" in ignored  # the other pool, named
    assert "Flow_msg_notice" in ignored  # its message flows, named


def test_cli_imports_every_pool_with_id_and_repeated_process(tmp_path: Path) -> None:
    out = tmp_path / "m.yaml"
    result = runner.invoke(app, ["bpmn", "import", str(CAMUNDA), "-o", str(out), "--id",
                                 "jido-teate", "--process", "住民", "--process", "市役所"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "jido-teate (as-is)" in result.output
    assert "Flow_msg_apply: message flow '郵送 (3日)'" in result.output
    assert "審査担当" in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- events

def test_a_timer_duration_is_the_delay_of_a_step_of_unlimited_capacity() -> None:
    model = import_bpmn(CAMUNDA).model
    wait = next(s for s in model.steps if s.name == "照会回答待ち")
    assert wait.delay is not None and wait.delay.mean == pytest.approx(7.0)
    actor = next(a for a in model.actors if a.id == wait.actor)
    assert actor.kind is ActorKind.EXTERNAL and actor.name != "窓口"  # not the lane's staff


def test_non_interrupting_boundary_is_a_side_branch_that_does_not_end_the_case() -> None:
    result = import_bpmn(SIGNAVIO)
    model = result.model
    visits = expected_visits(model)
    timer = next(s for s in model.steps if s.name == "Every week")
    remind = next(s for s in model.steps if s.name == "Send reminder")
    assert timer.delay is not None and timer.delay.mean == pytest.approx(7.0)
    # Every case gets the reminder and still reaches one of the real ends.
    assert visits[remind.id] == pytest.approx(1.0)
    ends = {s.name: visits[s.id] for s in model.steps if s.kind is StepKind.END}
    assert "Reminder sent" not in ends
    assert sum(ends.values()) == pytest.approx(1.0)
    assert "does not end the case" in _notes(result)["sid-REMINDER-TIMER"]
    assert soundness_problems(model, result.located) == []


def test_interrupting_boundary_is_a_choice_with_a_note_and_its_timer() -> None:
    result = import_bpmn(SIGNAVIO)
    model = result.model
    deadline = next(s for s in model.steps if s.name == "Deadline")
    assert deadline.delay is not None and deadline.delay.mean == pytest.approx(2 / 24)
    note = _notes(result)["sid-DEADLINE"]
    assert "interrupting boundary event: a choice after 'sid-WAIT-DOCS'" in note
    assert "share" in note
    into = model.incoming(deadline.id)
    assert len(into) == 1 and into[0].probability == pytest.approx(0.5)


def test_link_events_are_joined_by_name() -> None:
    result = import_bpmn(BIZAGI)
    model = result.model
    intake = next(s for s in model.steps if s.name == "受付")
    check = next(s for s in model.steps if s.name == "書類はそろっているか")
    assert [f.target for f in model.outgoing(intake.id)] == [check.id]
    assert "link event '審査へ' joined" in _notes(result)["Id_link_out"]


def test_an_unmatched_link_is_refused_naming_it() -> None:
    text = BIZAGI.read_text(encoding="utf-8").replace(
        '<linkEventDefinition name="審査へ" />\n    </intermediateCatchEvent>',
        '<linkEventDefinition name="決裁へ" />\n    </intermediateCatchEvent>')
    with pytest.raises(InvalidModelError, match=r"links.bpmn:\d+:\d+: .*link throw event '審査へ' "
                       r"has no link catch event of that name \(catch events: 決裁へ\)"):
        import_bpmn_bytes(text.encode("utf-8"), "links.bpmn")


def test_compensation_is_skipped_with_notes_naming_the_elements() -> None:
    result = import_bpmn(BIZAGI)
    ignored = _notes(result, "ignored")
    assert "compensation handler '受付取消' skipped" in ignored["Id_undo"]
    assert "compensation boundary event skipped" in ignored["Id_comp_boundary"]
    assert "association not imported" in ignored["Id_assoc"]  # outside the process, noted too
    assert "受付取消" not in {s.name for s in result.model.steps}


def test_default_flow_takes_the_rest_and_conditions_become_labels() -> None:
    result = import_bpmn(BIZAGI)
    model = result.model
    gateway = next(s for s in model.steps if s.name == "書類はそろっているか")
    flows = {model.step(f.target).name: f for f in model.outgoing(gateway.id)}
    assert flows["書類の追完依頼"].label == "書類不足 = true"
    assert flows["認定"].probability == pytest.approx(0.5)
    # With a share on the conditioned flow, the default flow takes what is left.
    text = BIZAGI.read_text(encoding="utf-8").replace(
        '<sequenceFlow id="Id_f_missing" sourceRef="Id_complete" targetRef="Id_ask">',
        '<sequenceFlow id="Id_f_missing" sourceRef="Id_complete" targetRef="Id_ask">'
        '<extensionElements><tz:properties xmlns:tz="urn:tetsuzuki:bpmn:1.0">'
        '<tz:property name="probability" value="0.2"/></tz:properties></extensionElements>')
    model = import_bpmn_bytes(text.encode("utf-8"), "b.bpmn").model
    flows = {model.step(f.target).name: f for f in model.outgoing(gateway.id)}
    assert flows["認定"].probability == pytest.approx(0.8)
    assert flows["書類の追完依頼"].probability == pytest.approx(0.2)


# --------------------------------------------------------------------------- round trips

def _tags(xml: bytes) -> dict[str, str]:
    root = etree.fromstring(xml)
    return {e.get("name", ""): etree.QName(e).localname for e in root.iter(f"{{{BPMN_NS}}}*")
            if e.get("name") and etree.QName(e).localname not in ("participant", "process",
                                                                   "lane", "sequenceFlow")}


@pytest.mark.parametrize("path", [CAMUNDA, SIGNAVIO, BIZAGI], ids=lambda p: p.stem)
def test_export_import_export_is_identical(path: Path) -> None:
    model = import_bpmn(path).model
    first = export_bpmn(model)
    back = import_bpmn_bytes(first, "first.bpmn")
    assert back.warnings == () and back.ignored == ()
    assert content_hash(back.model) == content_hash(model)
    assert export_bpmn(back.model) == first


def test_task_gateway_and_event_types_survive_the_round_trip() -> None:
    model = import_bpmn(CAMUNDA).model
    tags = _tags(export_bpmn(model))
    assert tags["所得判定"] == "businessRuleTask"
    assert tags["決裁"] == "callActivity"
    assert tags["決定通知を受け取る"] == "receiveTask"
    assert tags["受付・形式審査"] == "manualTask"
    assert tags["照会回答待ち"] == "intermediateCatchEvent"
    root = etree.fromstring(export_bpmn(model))
    timer = root.find(f".//{{{BPMN_NS}}}intermediateCatchEvent/{{{BPMN_NS}}}timerEventDefinition")
    assert timer is not None


@pytest.mark.parametrize("gateway", ["eventBasedGateway", "inclusiveGateway"])
def test_gateway_types_survive_the_round_trip(gateway: str) -> None:
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="urn:t">
  <bpmn:process id="p" name="Gateways">
    <bpmn:startEvent id="s"/><bpmn:{gateway} id="g" name="which"/>
    <bpmn:intermediateCatchEvent id="m" name="reply">
      <bpmn:messageEventDefinition/>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="t" name="timeout">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P14D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="e"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
    <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="m"/>
    <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="t"/>
    <bpmn:sequenceFlow id="f4" sourceRef="m" targetRef="e"/>
    <bpmn:sequenceFlow id="f5" sourceRef="t" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>""".encode()
    model = import_bpmn_bytes(doc, "g.bpmn").model
    assert model.step("g").bpmn == gateway and model.step("g").kind is StepKind.CHOICE
    assert model.step("m").bpmn == "intermediateCatchEvent:message"
    xml = export_bpmn(model)
    assert _tags(xml)["which"] == gateway
    back = import_bpmn_bytes(xml, "back.bpmn").model
    assert content_hash(back) == content_hash(model)


def test_a_sequence_flow_between_pools_is_refused_where_it_is() -> None:
    text = CAMUNDA.read_text(encoding="utf-8").replace(
        '<bpmn:sequenceFlow id="Flow_r3" sourceRef="Activity_send_form" '
        'targetRef="Activity_receive_notice" />',
        '<bpmn:sequenceFlow id="Flow_r3" sourceRef="Activity_send_form" '
        'targetRef="Activity_receive" />')
    with pytest.raises(InvalidModelError, match=r"two.bpmn:\d+:\d+: .*sequence flow 'Flow_r3' joins "
                       "two pools"):
        import_bpmn_bytes(text.encode("utf-8"), "two.bpmn")


def test_cli_refuses_an_unsound_result_with_the_located_path(tmp_path: Path) -> None:
    # Two parallel branches, one of which may end early: a case would end with work open.
    doc = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN_NS}" id="d" targetNamespace="urn:t">
  <bpmn:process id="p" name="Unsound">
    <bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>
    <bpmn:task id="a" name="A"/><bpmn:task id="b" name="B"/>
    <bpmn:exclusiveGateway id="x"/><bpmn:parallelGateway id="join"/>
    <bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fork"/>
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="x"/>
    <bpmn:sequenceFlow id="f5" sourceRef="x" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="x" targetRef="e2"/>
    <bpmn:sequenceFlow id="f7" sourceRef="b" targetRef="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="e1"/>
  </bpmn:process>
</bpmn:definitions>"""
    source = tmp_path / "u.bpmn"
    source.write_text(doc, encoding="utf-8")
    out = tmp_path / "u.yaml"
    result = runner.invoke(app, ["bpmn", "import", str(source), "-o", str(out)])
    assert isinstance(result.exception, InvalidModelError)  # printed by main(), exit 1
    message = str(result.exception)
    assert f"{source}:" in message and "and-split" in message and "path:" in message
    assert not out.exists()


def test_a_non_interrupting_branch_that_rejoins_stays_an_exit_with_a_note() -> None:
    # The reminder flows back into the main path: no side branch of its own to join.
    text = SIGNAVIO.read_text(encoding="utf-8").replace(
        '<sequenceFlow id="sid-F4" sourceRef="sid-REMIND" targetRef="sid-REMINDER-SENT"/>',
        '<sequenceFlow id="sid-F4" sourceRef="sid-REMIND" targetRef="sid-CHECK"/>').replace(
        '<endEvent id="sid-REMINDER-SENT" name="Reminder sent">\n         <incoming>sid-F4</incoming>\n'
        '      </endEvent>', "")
    result = import_bpmn_bytes(text.encode("utf-8"), "s.bpmn")
    note = _notes(result)["sid-REMINDER-TIMER"]
    assert "does not end on its own" in note and "exclusive exit of 'sid-WAIT-DOCS'" in note
    assert not any(s.kind is StepKind.AND_SPLIT for s in result.model.steps)


def test_a_bad_id_option_is_refused_as_the_model_would_refuse_it() -> None:
    with pytest.raises(InvalidModelError, match=r"c.bpmn:\d+:\d+: .*id"):
        import_bpmn_bytes(CAMUNDA.read_bytes(), "c.bpmn", procedure_id="Not An Id")
