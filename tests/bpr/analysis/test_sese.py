"""Soundness a SESE fragment at a time: the same answer as the whole state space.

:func:`bpr.analysis.soundness.check_soundness` cuts a model at the flows every case
crosses exactly once (:func:`bpr.analysis.sese.sequence_fragments`) and explores each
fragment on its own; these tests compare it with the whole state space
(``decompose=False``) on chains of random blocks, sound or not.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpr.analysis.sese import sequence_fragments
from bpr.analysis.soundness import SINK, SOURCE, FindingKind, check_soundness
from bpr.errors import InvalidModelError
from bpr.model.load import validate_located
from bpr.model.yaml_reader import Located
from models.procedure import ProcedureVersion

_KINDS = ["task", "task", "choice", "and-split", "and-join"]


def _model(steps: list[dict[str, Any]], edges: list[tuple[str, str]]) -> dict[str, Any]:
    flows = []
    kind = {s["id"]: s["kind"] for s in steps}
    for source, target in edges:
        outs = [t for s, t in edges if s == source]
        flow: dict[str, Any] = {"from": source, "to": target}
        if len(outs) > 1 and kind[source] != "and-split":
            flow["probability"] = 1 / len(outs)
        flows.append(flow)
    return {"id": "chain", "name": "連鎖", "version": "as-is", "category": "other",
            "annual_volume": 10, "volume_source": "assumption: test",
            "actors": [{"id": "clerk", "name": "窓口", "kind": "staff"}],
            "steps": steps, "flows": flows}


def _step(sid: str, kind: str) -> dict[str, Any]:
    return {"id": sid, "name": sid, "kind": kind, "actor": "clerk"}


@st.composite
def chains(draw: st.DrawFn) -> dict[str, Any]:
    """A start, 2-4 random blocks in a row (each entered at one task and left by one task,
    2-5 inner steps of random kinds in a row with random flows besides), an end; now and
    then a flow from the last block back into the first."""
    steps = [_step("start", "start")]
    edges: list[tuple[str, str]] = []
    last = "start"
    blocks = draw(st.integers(2, 4))
    for b in range(blocks):
        inner = [f"b{b}s{k}" for k in range(draw(st.integers(2, 5)))]
        steps.append(_step(f"b{b}in", "task"))
        steps += [_step(sid, draw(st.sampled_from(_KINDS))) for sid in inner]
        steps.append(_step(f"b{b}out", "task"))
        # A backbone in -> s0 -> s1 -> ... -> out (so that most drawn models are valid),
        # and 0-2 more flows from each inner step.
        backbone = [f"b{b}in", *inner, f"b{b}out"]
        edges += [(last, f"b{b}in"), *pairwise(backbone)]
        for sid in inner:
            targets = draw(st.lists(st.sampled_from([*inner, f"b{b}out"]), max_size=2,
                                    unique=True))
            edges += [(sid, t) for t in targets if t != sid]
        last = f"b{b}out"
    if draw(st.integers(0, 4)) == 0:  # a loop back across blocks: fewer cuts
        edges.append((last, "b0in"))
    steps.append(_step("end", "end"))
    edges.append((last, "end"))
    return _model(steps, list(dict.fromkeys(edges)))


def _report_of(data: dict[str, Any]) -> tuple[Any, Any]:
    try:
        model = validate_located(Located(data, {(): (1, 1)}, "<chain>"))
    except InvalidModelError:
        assume(False)
        raise
    return (check_soundness(model, max_markings=2_000),
            check_soundness(model, max_markings=2_000, decompose=False))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(chains())
def test_fragment_by_fragment_gives_the_findings_of_the_whole_state_space(
        data: dict[str, Any]) -> None:
    by_fragment, whole = _report_of(data)
    assume(whole.exhaustive)
    assert by_fragment == whole


def _blocks(count: int, broken: int | None = None) -> dict[str, Any]:
    """``count`` blocks in a row: a choice with a rework loop, then an and-split of two
    tasks and its join; in block ``broken`` one branch of the split is joined by an
    and-join of its own that a case reaches with one token (found only by the state
    space: the structural pre-checks pass it)."""
    steps = [_step("start", "start")]
    edges: list[tuple[str, str]] = []
    last = "start"
    for b in range(count):
        p = f"b{b}"
        steps += [_step(f"{p}w", "task"), _step(f"{p}c", "choice"), _step(f"{p}s", "and-split"),
                  _step(f"{p}x", "task"), _step(f"{p}y", "task"), _step(f"{p}j", "and-join")]
        edges += [(last, f"{p}w"), (f"{p}w", f"{p}c"), (f"{p}c", f"{p}w"), (f"{p}c", f"{p}s"),
                  (f"{p}s", f"{p}x"), (f"{p}s", f"{p}y"), (f"{p}x", f"{p}j"), (f"{p}y", f"{p}j")]
        last = f"{p}j"
        if b == broken:  # x also feeds a second and-join that y never reaches
            steps += [_step(f"{p}j2", "and-join"), _step(f"{p}z", "task")]
            edges += [(f"{p}x", f"{p}j2"), (f"{p}s", f"{p}z"), (f"{p}z", f"{p}j2"),
                      (f"{p}j2", f"{p}j")]
    steps.append(_step("end", "end"))
    edges.append((last, "end"))
    return _model(steps, edges)


def test_a_chain_of_blocks_is_cut_between_the_blocks() -> None:
    model = ProcedureVersion.model_validate(_blocks(3))
    flows = [(f.source, f.target, f"{f.source}->{f.target}") for f in model.flows]
    parts = sequence_fragments([s.id for s in model.steps], "start", ["end"], flows,
                               SOURCE, SINK)
    assert parts is not None
    # start | w, c (the rework loop) | s, x, y, j | ... | end: entries and exits chain up.
    assert [sorted(p.steps) for p in parts[:3]] == [["start"], ["b0c", "b0w"],
                                                    ["b0j", "b0s", "b0x", "b0y"]]
    assert [p.entry for p in parts] == [SOURCE, *(p.exit for p in parts[:-1])]
    assert parts[-1].exit == SINK and len(parts) == 1 + 2 * 3 + 1


def test_a_loop_back_over_the_whole_model_leaves_one_fragment() -> None:
    data = _blocks(3)
    data["flows"] = [f for f in data["flows"] if f["to"] != "end"]
    data["steps"].insert(-1, _step("again", "choice"))
    data["flows"] += [{"from": "b2j", "to": "again"},
                      {"from": "again", "to": "b0w", "probability": 0.5},
                      {"from": "again", "to": "end", "probability": 0.5}]
    model = ProcedureVersion.model_validate(data)
    flows = [(f.source, f.target, f"{f.source}->{f.target}") for f in model.flows]
    parts = sequence_fragments([s.id for s in model.steps], "start", ["end"], flows,
                               SOURCE, SINK)
    assert parts is not None
    # Only the flows before the first block and after the loop are crossed once.
    assert [len(p.steps) for p in parts] == [1, len(model.steps) - 2, 1]


def test_an_error_deep_in_a_long_chain_is_found_with_its_whole_path() -> None:
    model = ProcedureVersion.model_validate(_blocks(120, broken=100))
    by_fragment = check_soundness(model)
    whole = check_soundness(model, decompose=False)
    assert not by_fragment.sound
    assert by_fragment == whole
    finding = by_fragment.findings[0]
    assert finding.kind is FindingKind.DEADLOCK and "b100j2" in finding.message
    # The counterexample runs from the start through the hundred blocks before it.
    assert finding.path[0] == "start" and "b99j" in finding.path and "b100s" in finding.path
