"""Route-dependent steps of the built-in catalog: attributes and guards, checked on the graph.

A to-be model with an online route declares the case attribute ``channel``; a case's
later steps follow the route it came by. The check walks the model graph with networkx
once per value of ``channel``, keeping only the flows open to such a case (a flow is open
when its guard admits the value; guards on other attributes are kept open, which can only
make more steps reachable), and asserts that a case that did not come online never reaches
an online notice (a step with ``channel: online`` or a マイナポータル notice), unless that
step's rationale says why.
"""

from __future__ import annotations

from functools import cache

import networkx as nx
import pytest

from bpr.analysis.diff import diff
from bpr.model.catalog import catalog_versions, load_catalog
from bpr.model.load import load_procedure
from models.procedure import ProcedureVersion, StepKind

CATALOG = load_catalog()
PAIRS = {entry.id: (as_is, to_be) for entry, as_is, to_be in catalog_versions(CATALOG)}
IDS = list(PAIRS)


@cache
def _load(procedure_id: str) -> tuple[ProcedureVersion, ProcedureVersion]:
    as_is, to_be = PAIRS[procedure_id]
    return load_procedure(as_is), load_procedure(to_be)


def _admits(when: dict | None, attribute: str, value: str) -> bool:
    if not when or attribute not in when:
        return True
    allowed = when[attribute]
    return value in ((allowed,) if isinstance(allowed, str) else tuple(allowed))


def _reachable(model: ProcedureVersion, attribute: str, value: str) -> set[str]:
    """Steps a case with ``attribute == value`` can reach from the start (networkx)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(step.id for step in model.steps)
    for flow in model.flows:
        if flow.probability == 0:
            continue
        if _admits(flow.when, attribute, value):
            graph.add_edge(flow.source, flow.target)
    return {model.start.id} | nx.descendants(graph, model.start.id)


def _has_online_route(model: ProcedureVersion) -> bool:
    return any(step.channel.value == "online" and step.actor is not None
               and model.actor(step.actor).kind.value in ("resident", "external")
               for step in model.steps if step.kind is StepKind.TASK)


def _online_notice(model: ProcedureVersion, step_id: str) -> bool:
    step = model.step(step_id)
    if step.kind is not StepKind.TASK:
        return False
    notice = "通知" in step.name or "お知らせ" in step.name
    return notice and (step.channel.value == "online" or "マイナポータル" in step.name)


def _explained(model: ProcedureVersion, step_id: str) -> bool:
    rationale = model.step(step_id).rationale or ""
    return "channel" in rationale or "経路" in rationale


@pytest.mark.parametrize("procedure_id", IDS)
def test_no_to_be_uses_channel_choice(procedure_id: str) -> None:
    _, to_be = _load(procedure_id)
    assert to_be.channel_choice is None, "use the `channel` attribute and guards"


@pytest.mark.parametrize("procedure_id", IDS)
def test_an_online_route_declares_the_channel_attribute(procedure_id: str) -> None:
    _, to_be = _load(procedure_id)
    if _has_online_route(to_be):
        assert "channel" in to_be.attributes, "an online route needs the `channel` attribute"
        assert "online" in to_be.attributes["channel"]
        guarded = [f for f in to_be.flows if f.when and "channel" in f.when]
        assert guarded, "the `channel` attribute must route something"


@pytest.mark.parametrize("procedure_id", IDS)
def test_cases_that_did_not_come_online_get_no_online_notice(procedure_id: str) -> None:
    _, to_be = _load(procedure_id)
    values = [v for v in to_be.attributes.get("channel", {}) if v != "online"]
    for value in values:
        reached = _reachable(to_be, "channel", value)
        wrong = sorted(sid for sid in reached
                       if _online_notice(to_be, sid) and not _explained(to_be, sid))
        assert not wrong, f"a case with channel={value} reaches online notice(s) {wrong}"


@pytest.mark.parametrize("procedure_id", IDS)
def test_every_route_reaches_an_end(procedure_id: str) -> None:
    _, to_be = _load(procedure_id)
    ends = {s.id for s in to_be.steps if s.kind is StepKind.END}
    for value in to_be.attributes.get("channel", {}):
        assert _reachable(to_be, "channel", value) & ends, f"channel={value} never ends"


@pytest.mark.parametrize("procedure_id", IDS)
def test_no_audit_warning(procedure_id: str) -> None:
    as_is, to_be = _load(procedure_id)
    changes = diff(as_is, to_be)
    warnings = list(changes.warnings) + [f"{c.label}: {w}" for c in changes.changes
                                         for w in c.warnings]
    assert not warnings


def test_the_checks_see_a_wrong_notice() -> None:
    """The notice check fails on the old child-allowance notice (60% electronic, unguarded)."""
    _, to_be = _load("child-allowance-claim")
    flows = tuple(f.model_copy(update={"when": None}) if f.source == "notice-channel" else f
                  for f in to_be.flows)
    broken = to_be.model_copy(update={"flows": flows})
    assert "e-notice" in _reachable(broken, "channel", "counter")
    assert _online_notice(broken, "e-notice") and not _explained(broken, "e-notice")
    assert "e-notice" not in _reachable(to_be, "channel", "counter")
