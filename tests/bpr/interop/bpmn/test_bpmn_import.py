"""Importing BPMN 2.0: the MIWG reference models, the mapping rules, located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bpr.errors import InvalidModelError
from bpr.interop.bpmn.bpmn_import import import_bpmn, import_bpmn_bytes
from models.procedure import ActorKind, Channel, StepKind

MIWG = ("A.1.0", "A.2.0", "A.2.1", "A.3.0", "A.4.0", "A.4.1")


def _miwg(shared: Path, name: str) -> Path:
    return shared / "bpmn" / "miwg-reference" / f"{name}.bpmn"


@pytest.mark.parametrize("name", MIWG)
def test_every_miwg_reference_model_imports(shared_dir: Path, name: str) -> None:
    result = import_bpmn(_miwg(shared_dir, name))
    model = result.model
    assert sum(s.kind is StepKind.START for s in model.steps) == 1
    assert any(s.kind is StepKind.END for s in model.steps)
    # Every task of the imported process keeps its (normalised) name.
    assert {"Task 1", "Task 2"} <= {s.name for s in model.steps}


def test_a10_is_a_straight_line_of_three_tasks(shared_dir: Path) -> None:
    model = import_bpmn(_miwg(shared_dir, "A.1.0")).model
    assert [s.name for s in model.steps] == ["Start Event", "Task 1", "Task 2", "Task 3", "End Event"]
    assert len(model.flows) == 4


def test_gateway_without_probabilities_gets_equal_shares_and_a_warning(shared_dir: Path) -> None:
    result = import_bpmn(_miwg(shared_dir, "A.2.0"))
    choices = [s for s in result.model.steps if s.kind is StepKind.CHOICE]
    assert choices
    for choice in choices:
        shares = [f.probability for f in result.model.outgoing(choice.id)]
        assert shares == pytest.approx([1 / len(shares)] * len(shares))
    assert any("no probability" in w.message for w in result.warnings)


def test_labels_are_normalised(shared_dir: Path) -> None:
    a30 = import_bpmn(_miwg(shared_dir, "A.3.0")).model
    assert "Collapsed Sub-Process" in {s.name for s in a30.steps}  # was "Collapsed&#10;Sub-Process"
    a41 = import_bpmn(_miwg(shared_dir, "A.4.1")).model
    assert "Task 1" in {s.name for s in a41.steps}  # was "Task 1 "


def test_boundary_events_keep_their_meaning_on_the_miwg_model(shared_dir: Path) -> None:
    result = import_bpmn(_miwg(shared_dir, "A.3.0"))
    model = result.model
    sub = next(s for s in model.steps if s.name == "Collapsed Sub-Process")
    # The non-interrupting message event runs Task 3 beside the sub-process, joined after it.
    split = next(s for s in model.steps if s.kind is StepKind.AND_SPLIT)
    join = next(s for s in model.steps if s.kind is StepKind.AND_JOIN)
    assert {model.step(f.target).name for f in model.outgoing(split.id)} == {sub.name, "Task 3"}
    assert {model.step(f.source).name for f in model.incoming(join.id)} == {sub.name, "Task 3"}
    # The interrupting escalation event is an exclusive exit: Task 4 or the normal Task 2.
    after_join = {model.step(f.target).name for f in model.outgoing(join.id)}
    assert after_join == {"Task 2", "Task 4"}
    notes = {n.element: n.message for n in result.warnings}
    assert "interrupting boundary event" in notes["_178e16eb-4c9e-4ea0-9644-7c5fb2b71825"]
    assert "does not end the case" in notes["_428dcbf5-8e5e-48e0-9c0c-d93003fa8c82"]


def test_expanded_sub_process_is_flattened(shared_dir: Path) -> None:
    result = import_bpmn(_miwg(shared_dir, "A.4.1"), process="sid-54D696FD-DEDC-45F3-99DB-1404DA433FC4")
    names = [s.name for s in result.model.steps]
    assert "Task 4" in names  # inside "Expanded Sub-Process 1"
    assert "Expanded Sub-Process 1" not in names
    task3 = next(s for s in result.model.steps if s.name == "Task 3")
    assert any("flattened" in w.message for w in result.warnings)
    # Task 3 leads, through the sub-process's start event, to Task 4.
    reachable = {result.model.step(f.target).name for f in result.model.flows
                 if f.source in {task3.id} | {x.target for x in result.model.outgoing(task3.id)}}
    assert "Task 4" in reachable


def test_ignored_elements_are_reported_by_id(shared_dir: Path) -> None:
    result = import_bpmn(_miwg(shared_dir, "A.4.1"), process="Pool 1")
    ignored = {note.element for note in result.ignored}
    assert {"sid-96EF2D8F-C322-42B1-8C08-0DA05524C904",      # message flows to the other pool
            "sid-D0B859BF-CBFB-4B35-BBC8-BCA308F6455C",
            "sid-54D696FD-DEDC-45F3-99DB-1404DA433FC4"} <= ignored  # the other pool


def test_lanes_and_task_types_give_actors_and_channels(bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p" name="Test">
          <bpmn:laneSet id="ls">
            <bpmn:lane id="L1" name="申請者"><bpmn:flowNodeRef>s</bpmn:flowNodeRef>
              <bpmn:flowNodeRef>u</bpmn:flowNodeRef></bpmn:lane>
            <bpmn:lane id="L2" name="Core system"><bpmn:flowNodeRef>svc</bpmn:flowNodeRef>
              <bpmn:flowNodeRef>scr</bpmn:flowNodeRef></bpmn:lane>
            <bpmn:lane id="L3" name="Clerk"><bpmn:flowNodeRef>snd</bpmn:flowNodeRef>
              <bpmn:flowNodeRef>e</bpmn:flowNodeRef></bpmn:lane>
          </bpmn:laneSet>
          <bpmn:startEvent id="s"/>
          <bpmn:userTask id="u" name="Apply"/>
          <bpmn:serviceTask id="svc" name="Check"/>
          <bpmn:scriptTask id="scr" name="Compute"/>
          <bpmn:sendTask id="snd" name="Send notice"/>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="u"/>
          <bpmn:sequenceFlow id="f2" sourceRef="u" targetRef="svc"/>
          <bpmn:sequenceFlow id="f3" sourceRef="svc" targetRef="scr"/>
          <bpmn:sequenceFlow id="f4" sourceRef="scr" targetRef="snd"/>
          <bpmn:sequenceFlow id="f5" sourceRef="snd" targetRef="e"/>
        </bpmn:process>
    """)
    model = import_bpmn_bytes(doc, "t.bpmn").model
    kinds = {a.name: a.kind for a in model.actors}
    assert kinds == {"申請者": ActorKind.RESIDENT, "Core system": ActorKind.SYSTEM,
                     "Clerk": ActorKind.STAFF}
    channel = {s.name: s.channel for s in model.steps}
    assert channel["Apply"] is Channel.INTERNAL
    assert channel["Check"] is Channel.SYSTEM and channel["Compute"] is Channel.SYSTEM
    assert channel["Send notice"] is Channel.MAIL
    assert model.step("svc").actor == "L2"


def test_our_extension_gives_facts_and_camunda_overrides(bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p" name="Test">
          <bpmn:startEvent id="s"/>
          <bpmn:task id="t" name="Write the form">
            <bpmn:extensionElements>
              <tz:properties><tz:property name="paper" value="true"/>
                <tz:property name="sheets" value="1"/>
                <tz:property name="duration" value='{"dist":"fixed","value":10}'/></tz:properties>
              <camunda:properties><camunda:property name="sheets" value="3"/>
                <camunda:property name="rationale" value="true"/></camunda:properties>
            </bpmn:extensionElements>
          </bpmn:task>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
          <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
        </bpmn:process>
    """)
    step = import_bpmn_bytes(doc, "t.bpmn").model.step("t")
    assert step.paper and step.duration.mean == 10
    assert step.sheets == 3            # edited in Camunda Modeler: wins
    assert step.rationale == "true"    # a text field stays text


def test_invalid_probability_is_located_at_the_sequence_flow_line(
        bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p" name="Test">
          <bpmn:startEvent id="s"/>
          <bpmn:exclusiveGateway id="g"/>
          <bpmn:task id="a" name="A"/>
          <bpmn:task id="b" name="B"/>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/>
          <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="a">
            <bpmn:extensionElements><tz:properties>
              <tz:property name="probability" value="0.7"/></tz:properties></bpmn:extensionElements>
          </bpmn:sequenceFlow>
          <bpmn:sequenceFlow id="f3" sourceRef="g" targetRef="b">
            <bpmn:extensionElements><tz:properties>
              <tz:property name="probability" value="0.7"/></tz:properties></bpmn:extensionElements>
          </bpmn:sequenceFlow>
          <bpmn:sequenceFlow id="f4" sourceRef="a" targetRef="e"/>
          <bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="e"/>
        </bpmn:process>
    """)
    # Two header lines, then the process: sequence flow f2 starts on line 10, column 3.
    with pytest.raises(InvalidModelError, match=r"t.bpmn:10:3: error .*sum to 1.4, not 1"):
        import_bpmn_bytes(doc, "t.bpmn")


def test_sub_process_without_start_event_is_rejected(bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p">
          <bpmn:startEvent id="s"/>
          <bpmn:subProcess id="sp" name="Inner">
            <bpmn:task id="x" name="X"/>
          </bpmn:subProcess>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sp"/>
          <bpmn:sequenceFlow id="f2" sourceRef="sp" targetRef="e"/>
        </bpmn:process>
    """)
    with pytest.raises(InvalidModelError, match=r"t.bpmn:5:3: .*sub-process 'sp' has no start event"):
        import_bpmn_bytes(doc, "t.bpmn")


def test_unknown_process_id_lists_the_processes(shared_dir: Path) -> None:
    with pytest.raises(InvalidModelError,
                       match=r"no process with id or pool name 'nope' \(processes: WFP-6-1, WFP-6-2\)"):
        import_bpmn(_miwg(shared_dir, "A.4.0"), process="nope")


def test_a_file_that_is_not_bpmn_is_rejected() -> None:
    with pytest.raises(InvalidModelError, match="root element is not <definitions>"):
        import_bpmn_bytes(b"<html><body/></html>", "page.html")


CAMUNDA_MODELER_FILE = """\
<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn"
    exporter="Camunda Modeler" exporterVersion="5.17.0">
  <bpmn:process id="Process_1" name="Permit" isExecutable="true">
    <bpmn:extensionElements>
      <camunda:properties><camunda:property name="owner" value="city hall"/></camunda:properties>
    </bpmn:extensionElements>
    <bpmn:startEvent id="StartEvent_1"/>
    <bpmn:userTask id="Activity_review" name="Review" camunda:assignee="clerk">
      <bpmn:extensionElements>
        <camunda:properties>
          <camunda:property name="priority" value="high"/>
          <camunda:property name="duration" value="PT5M"/>
        </camunda:properties>
        <camunda:inputOutput><camunda:inputParameter name="x">1</camunda:inputParameter>
        </camunda:inputOutput>
        <zeebe:taskDefinition type="review"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"/>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_review"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_review" targetRef="EndEvent_1"/>
  </bpmn:process>
</bpmn:definitions>
"""


def test_camunda_modeler_properties_are_noted_and_ignored() -> None:
    result = import_bpmn_bytes(CAMUNDA_MODELER_FILE.encode("utf-8"), "permit.bpmn")
    plain = import_bpmn_bytes(CAMUNDA_MODELER_FILE.replace('name="duration" value="PT5M"', "")
                              .encode("utf-8"), "permit.bpmn")
    review = next(s for s in result.model.steps if s.name == "Review")
    assert review.duration == next(s for s in plain.model.steps if s.name == "Review").duration
    notes = {(n.element, n.message) for n in result.ignored}
    messages = " | ".join(m for e, m in notes if e == "Activity_review")
    assert "Camunda property priority='high' ignored" in messages
    assert "Camunda property duration='PT5M' ignored" in messages
    assert "camunda:inputOutput ignored" in messages
    assert "zeebe:taskDefinition ignored" in messages
    assert any(e == "Process_1" and "owner" in m for e, m in notes)


def test_a_camunda_property_mirroring_ours_is_still_read(bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p" name="Test">
          <bpmn:startEvent id="s"/>
          <bpmn:task id="t" name="Write">
            <bpmn:extensionElements>
              <tz:properties><tz:property name="paper" value="true"/>
                <tz:property name="sheets" value="1"/></tz:properties>
              <camunda:properties><camunda:property name="sheets" value="2"/>
                <camunda:property name="priority" value="high"/></camunda:properties>
            </bpmn:extensionElements>
          </bpmn:task>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
          <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
        </bpmn:process>
    """)
    result = import_bpmn_bytes(doc, "t.bpmn")
    assert result.model.step("t").sheets == 2
    assert [n.message for n in result.ignored if n.element == "t"] == [
        "Camunda property priority='high' ignored (the user's own key/value, not a tetsuzuki "
        "property)"]


@pytest.mark.parametrize("name", MIWG)
def test_every_miwg_model_is_sound_and_round_trips_with_an_equal_hash(shared_dir: Path,
                                                                       name: str) -> None:
    from bpr.analysis.soundness import soundness_problems
    from bpr.interop.bpmn import export_bpmn
    from bpr.model.canonical import content_hash

    result = import_bpmn(_miwg(shared_dir, name))
    assert [p for p in soundness_problems(result.model, result.located)
            if p.severity == "error"] == []
    exported = export_bpmn(result.model)
    back = import_bpmn_bytes(exported, f"{name}.bpmn")
    assert content_hash(back.model) == content_hash(result.model)
    assert export_bpmn(back.model) == exported


def test_the_miwg_collaborations_merge_both_pools(shared_dir: Path) -> None:
    for name, pool_tasks in (("A.4.0", {"Task 1", "Task 2", "Task 3", "Task 5"}),
                             ("A.4.1", {"Task 1", "Task 2", "Task 3", "Task 5"})):
        result = import_bpmn(_miwg(shared_dir, name))
        assert pool_tasks <= {s.name for s in result.model.steps}, name
        # Message flows are hand-offs now, not ignored elements.
        assert not any(n.message.startswith("messageFlow") for n in result.ignored), name
