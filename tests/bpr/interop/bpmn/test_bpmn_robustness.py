"""A BPMN file loses nothing and crashes nothing: duplicate ids and empty processes are
refused where they are written, import time grows linearly with the file, and any bytes or
any arrangement of BPMN elements give a located error or a valid model."""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpr.errors import InvalidModelError
from bpr.interop.bpmn.bpmn_import import BpmnImport, import_bpmn, import_bpmn_bytes
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from bpmn_import import generate  # the benchmark's generator


def test_an_id_used_twice_is_refused_at_both_places(bpmn_doc: Callable[[str], bytes]) -> None:
    doc = bpmn_doc("""\
        <bpmn:process id="p">
          <bpmn:startEvent id="s"/>
          <bpmn:task id="a" name="受付"/>
          <bpmn:userTask id="a" name="審査"/>
          <bpmn:endEvent id="e"/>
          <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
          <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="e"/>
        </bpmn:process>
        """)
    with pytest.raises(InvalidModelError) as caught:
        import_bpmn_bytes(doc, "dup.bpmn")
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (6, 3)
    assert problem.message == ("id 'a' is used twice: by the task on line 5 and by this "
                               "userTask; ids must be unique")


@pytest.mark.parametrize("body", ['<bpmn:process id="empty"/>',
                                  '<bpmn:process id="empty">\n<bpmn:laneSet id="l"/>\n'
                                  "</bpmn:process>"])
def test_a_process_without_steps_is_named(bpmn_doc: Callable[[str], bytes], body: str) -> None:
    with pytest.raises(InvalidModelError) as caught:
        import_bpmn_bytes(bpmn_doc(body + "\n"), "empty.bpmn")
    (problem,) = caught.value.problems
    assert problem.line == 3
    assert problem.message.startswith("process 'empty' has no steps")


def _cpu_seconds(data: bytes, repeat: int) -> float:
    """Least CPU time of ``repeat`` imports, with the cyclic garbage collector paused (its
    passes grow with the number of live objects and would blur what is measured)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.process_time()
            import_bpmn_bytes(data, "big.bpmn")
            best = min(best, time.process_time() - started)
        finally:
            gc.enable()
    return best


@pytest.mark.parametrize("one_line", [False, True])
def test_import_time_grows_linearly_with_the_file(one_line: bool) -> None:
    """Eight times the elements: about eight times the time (the quadratic reader took 14
    times as long for four times the elements on separate lines, and minutes on one line)."""
    small = _cpu_seconds(generate(2_500, one_line=one_line), 5)
    large = _cpu_seconds(generate(20_000, one_line=one_line), 2)
    assert large / small < 20


def test_a_large_import_keeps_every_step() -> None:
    result = import_bpmn_bytes(generate(10_000, one_line=True), "big.bpmn")
    tasks = round(10_000 / 3.4)
    assert len(result.model.steps) == 2 + tasks + tasks // 10


# --------------------------------------------------------------------------- never a traceback

_IDS = st.sampled_from(["s", "t1", "t2", "g", "e", "p", "sp", "l"])
_NODE_TAGS = st.sampled_from(["startEvent", "endEvent", "task", "userTask", "serviceTask",
                              "exclusiveGateway", "parallelGateway", "inclusiveGateway",
                              "boundaryEvent", "intermediateCatchEvent", "callActivity",
                              "dataObject", "textAnnotation", "intermediateThrowEvent",
                              "eventBasedGateway", "receiveTask", "businessRuleTask"])
_DURATIONS = st.sampled_from(["P7D", "PT2H", "P1DT12H", "P", "PT", "${x}", "R3/PT1H", "P1Y2M",
                              "-P1D", "P99999999999D", ""])
_DEFINITIONS = st.one_of(
    st.just(""),
    _DURATIONS.map(lambda d: "<bpmn:timerEventDefinition><bpmn:timeDuration>"
                             f"{d}</bpmn:timeDuration></bpmn:timerEventDefinition>"),
    st.sampled_from(["a", "b", ""]).map(lambda n: f'<bpmn:linkEventDefinition name="{n}"/>'),
    st.sampled_from(["<bpmn:compensateEventDefinition/>", "<bpmn:messageEventDefinition/>",
                     "<bpmn:terminateEventDefinition/>"]))


def _clean(text: str) -> str:
    return "".join(c for c in text if c.isprintable() and c not in '&<"')


@st.composite
def _elements(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    used: set[str] = set()
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["node", "flow", "sub", "lane"] if depth < 2 else
                                    ["node", "flow"]))
        ident = draw(_IDS)
        if ident in used and draw(st.integers(0, 4)):  # mostly unique ids, some used twice
            ident = f"{ident}{len(used)}"
        used.add(ident)
        if kind == "node":
            tag = draw(_NODE_TAGS)
            extra = f' attachedToRef="{draw(_IDS)}"' if tag == "boundaryEvent" else ""
            extra += draw(st.sampled_from(["", ' cancelActivity="false"', ' isForCompensation="true"',
                                           f' default="f{draw(st.integers(0, 9))}"']))
            direction = draw(st.sampled_from(["", ' gatewayDirection="Diverging"',
                                              ' gatewayDirection="Converging"']))
            name = _clean(draw(st.text(max_size=4)))
            definition = draw(_DEFINITIONS) if "Event" in tag else ""
            parts.append(f'<bpmn:{tag} id="{ident}" name="{name}"{extra}{direction}>'
                         f"{definition}</bpmn:{tag}>")
        elif kind == "flow":
            probability = draw(st.sampled_from(["", "0.5", "x", "-1", "1e999"]))
            props = ("<bpmn:extensionElements><tz:properties><tz:property name=\"probability\" "
                     f'value="{probability}"/></tz:properties></bpmn:extensionElements>'
                     if probability else "")
            condition = _clean(draw(st.text(max_size=6)))
            if condition:
                props += f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>"
            parts.append(f'<bpmn:sequenceFlow id="f{draw(st.integers(0, 9))}" '
                         f'sourceRef="{draw(_IDS)}" targetRef="{draw(_IDS)}">{props}'
                         "</bpmn:sequenceFlow>")
        elif kind == "sub":
            parts.append(f'<bpmn:subProcess id="{ident}">{draw(_elements(depth + 1))}'
                         "</bpmn:subProcess>")
        else:
            refs = "".join(f"<bpmn:flowNodeRef>{draw(_IDS)}</bpmn:flowNodeRef>"
                           for _ in range(draw(st.integers(0, 3))))
            parts.append(f'<bpmn:laneSet id="ls{depth}"><bpmn:lane id="{ident}" name="窓口">'
                         f"{refs}</bpmn:lane></bpmn:laneSet>")
    return draw(st.sampled_from(["\n", ""])).join(parts)


def _located_or_valid(call: Callable[[], BpmnImport], file: str) -> None:
    try:
        result = call()
    except InvalidModelError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == file and problem.message
            assert problem.line >= 0 and problem.column >= 0
    else:
        assert isinstance(result, BpmnImport) and result.model.steps


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=_elements(), process_id=_IDS)
def test_any_arrangement_of_elements_gives_located_problems_or_a_model(
        bpmn_doc: Callable[[str], bytes], body: str, process_id: str) -> None:
    doc = bpmn_doc(f'<bpmn:process id="{process_id}">{body}'
                   "</bpmn:process>\n")
    _located_or_valid(lambda: import_bpmn_bytes(doc, "any.bpmn"), "any.bpmn")


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200)
       | st.lists(st.sampled_from(["<", ">", "/", "<!DOCTYPE x>", "<!ENTITY", "&a;", '"', "=",
                                   "<bpmn:definitions", "<bpmn:process", "<bpmn:task", " id=",
                                   "\x00", "\ufeff", "<?xml version='1.0'?>"]), max_size=30)
       .map(lambda parts: "".join(parts).encode("utf-8")))
def test_any_bytes_give_located_problems_or_a_model(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "any.bpmn"
    path.write_bytes(raw)
    _located_or_valid(lambda: import_bpmn(path), str(path))


@st.composite
def _collaboration(draw: st.DrawFn) -> str:
    """Two pools with message flows between any elements (or none)."""
    first = draw(_elements())
    second = draw(_elements())
    for prefix in ('id="', 'Ref="', "<bpmn:flowNodeRef>"):  # the second pool's own ids
        second = second.replace(prefix, prefix + "q")
    flows = "".join(
        f'<bpmn:messageFlow id="m{i}" name="{draw(st.sampled_from(["", "3日", "P2D", "x"]))}" '
        f'sourceRef="{draw(_IDS)}" targetRef="{draw(_IDS.map(lambda i: "q" + i) | _IDS)}"/>'
        for i in range(draw(st.integers(0, 3))))
    return ('<bpmn:collaboration id="c"><bpmn:participant id="pa" name="住民" processRef="p1"/>'
            f'<bpmn:participant id="pb" name="市役所" processRef="p2"/>{flows}'
            f'</bpmn:collaboration><bpmn:process id="p1">{first}</bpmn:process>'
            f'<bpmn:process id="p2">{second}</bpmn:process>\n')


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(body=_collaboration())
def test_any_collaboration_gives_located_problems_or_a_model(
        bpmn_doc: Callable[[str], bytes], body: str) -> None:
    doc = bpmn_doc(body)
    _located_or_valid(lambda: import_bpmn_bytes(doc, "pools.bpmn"), "pools.bpmn")
