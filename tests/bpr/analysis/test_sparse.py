"""The sparse mixture solve agrees with a dense solve written out here.

The dense reference is the textbook computation (one dense ``numpy.linalg.solve`` per
attribute combination, transfers through gateways via the dense inverse) that the analysis
used before it went sparse; it is only affordable on small models.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from bpr.analysis.graph import (
    GATEWAY_KINDS,
    counter_entries,
    expected_visits,
    expected_visits_by_combination,
    handoffs_into,
)
from bpr.errors import InvalidModelError
from bpr.model.load import iter_model_files, load_procedure
from models.procedure import ProcedureVersion, Step, StepKind, VisitKind
from tests.bpr.analysis.analysis_models import build, gateway, step
from tests.conftest import PROCEDURES


def _dense_matrix(model: ProcedureVersion, combination: dict[str, str], *,
                  per_branch: bool = False) -> np.ndarray:
    ids = [s.id for s in model.steps]
    index = {sid: i for i, sid in enumerate(ids)}
    m = np.zeros((len(ids), len(ids)))
    for step_ in model.steps:
        outs = [f for f in model.flows if f.source == step_.id]
        open_ = [f for f in outs if not f.when or all(
            combination[k] in ((v,) if isinstance(v, str) else v) for k, v in f.when.items())]
        for flow in open_:
            if step_.kind is StepKind.AND_SPLIT or len(open_) == 1:
                weight = 1.0
            else:
                weight = float(flow.probability or 0.0)
            fan_in = 1
            target = model.step(flow.target)
            if target.kind is StepKind.AND_JOIN and not per_branch:
                fan_in = len([f for f in model.flows if f.target == flow.target])
            m[index[flow.source], index[flow.target]] += weight / fan_in
    return m


def _dense_combinations(model: ProcedureVersion) -> list[tuple[dict[str, str], float]]:
    used = [n for n in model.attributes if any(f.when and n in f.when for f in model.flows)]
    out = []
    for values in itertools.product(*(model.attributes[n].items() for n in used)):
        p = math.prod(q for _, q in values)
        if p > 0:
            out.append(({n: v for n, (v, _) in zip(used, values, strict=True)}, p))
    return out


def _dense_visits(model: ProcedureVersion, combination: dict[str, str]) -> np.ndarray:
    m = _dense_matrix(model, combination)
    e = np.zeros(len(model.steps))
    e[[s.id for s in model.steps].index(model.start.id)] = 1
    return np.linalg.solve(np.eye(len(model.steps)) - m.T, e)


def _dense_transfer(model: ProcedureVersion, combination: dict[str, str], *,
                    per_branch: bool, waits_pass: bool = False) -> np.ndarray:
    """Task-to-task transfer through gateways (and, with ``waits_pass``, through the staff
    steps the resident waits for, which continue the visit around them)."""
    m = _dense_matrix(model, combination, per_branch=per_branch)
    gate = np.array([s.kind in GATEWAY_KINDS or (waits_pass and _waits(s)) for s in model.steps])
    x = np.zeros_like(m)
    work = ~gate
    through = np.linalg.solve(np.eye(int(gate.sum())) - m[np.ix_(gate, gate)], m[np.ix_(gate, work)])
    x[np.ix_(work, work)] = m[np.ix_(work, work)] + m[np.ix_(work, gate)] @ through
    return x


def _waits(step: Step) -> bool:
    return step.kind is StepKind.TASK and not step.in_person and step.resident == "waits"


def _counter(step: Step) -> bool:
    return step.kind is StepKind.TASK and step.in_person and step.visit is not VisitKind.HOME


def _dense_counts(model: ProcedureVersion) -> tuple[dict[str, float], dict[str, float],
                                                       dict[str, float]]:
    """Visits, counter entries (runs of in-person steps that are not home visits, bridged
    by `resident: waits` staff steps) and hand-offs, mixed over combinations."""
    ids = [s.id for s in model.steps]
    steps = model.steps
    n = len(ids)
    visits, entries, handoffs = np.zeros(n), np.zeros(n), np.zeros(n)
    for combination, p in _dense_combinations(model):
        v = _dense_visits(model, combination)
        visits += p * v
        x = _dense_transfer(model, combination, per_branch=False, waits_pass=True)
        xb = _dense_transfer(model, combination, per_branch=True)
        for a, b in itertools.product(range(n), range(n)):
            person_b = _counter(steps[b])
            person_a = _counter(steps[a])
            if person_b and not person_a:
                entries[b] += p * v[a] * x[a, b]
            if steps[a].kind is StepKind.TASK and steps[b].kind is StepKind.TASK and \
                    steps[a].actor != steps[b].actor:
                handoffs[b] += p * v[a] * xb[a, b]
    return (dict(zip(ids, visits, strict=True)),
            {sid: entries[i] for i, sid in enumerate(ids)
             if _counter(steps[i])},
            {sid: handoffs[i] for i, sid in enumerate(ids) if steps[i].kind is StepKind.TASK})


CATALOG = sorted(iter_model_files([PROCEDURES]))


@pytest.mark.parametrize("path", CATALOG, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_sparse_counts_equal_the_dense_solve_on_every_catalog_model(path: Any) -> None:
    model = load_procedure(path)
    visits, entries, handoffs = _dense_counts(model)
    assert expected_visits(model) == pytest.approx(visits, abs=1e-9)
    assert counter_entries(model) == pytest.approx(entries, abs=1e-9)
    assert handoffs_into(model) == pytest.approx(handoffs, abs=1e-9)


def test_the_catalog_is_not_empty() -> None:
    assert len(CATALOG) >= 60


# --------------------------------------------------------------------------- random models


@st.composite
def guarded_models(draw: st.DrawFn) -> ProcedureVersion:
    """Chains of tasks and choices; a choice either splits by probabilities (and may loop
    back) or routes by one attribute (one forward flow per value)."""
    attributes = {"channel": {"online": 0.0, "counter": 0.0}, "consent": {"yes": 0.0, "no": 0.0}}
    for name in attributes:
        p = draw(st.sampled_from([0.25, 0.6]))
        first, second = attributes[name]
        attributes[name] = {first: p, second: 1 - p}
    size = draw(st.integers(2, 7))
    names = [f"s{i}" for i in range(size)]
    kinds = [draw(st.sampled_from(["task", "choice"])) for _ in names]
    steps = [step(n, draw(st.sampled_from(["clerk", "office", "resident"])),
                  in_person=draw(st.booleans())) if k == "task" else gateway(n)
             for n, k in zip(names, kinds, strict=True)]
    flows: list[Any] = [("start", names[0])]
    for i, (sid, kind) in enumerate(zip(names, kinds, strict=True)):
        forward = [*names[i + 1:], "end"]
        if kind == "task" or len(forward) < 2:
            flows.append((sid, forward[0]))
            continue
        if draw(st.booleans()):
            attribute = draw(st.sampled_from(sorted(attributes)))
            targets = draw(st.permutations(forward))[:2]
            for value, target in zip(attributes[attribute], targets, strict=True):
                flows.append({"from": sid, "to": target, "when": {attribute: value}})
        else:
            back = draw(st.sampled_from(names[:i + 1]))
            loop = draw(st.sampled_from([0.1, 0.3, 0.5]))
            flows += [(sid, back, loop), (sid, forward[0], round(1 - loop, 10))]
    try:
        return build(steps, flows, attributes=attributes)
    except InvalidModelError:
        # Skipped steps (unreachable) or guards that earlier guards exclude are refused.
        reject()
        raise


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(guarded_models())
def test_the_mixture_equals_a_dense_solve_per_combination(model: ProcedureVersion) -> None:
    visits, entries, handoffs = _dense_counts(model)
    assert expected_visits(model) == pytest.approx(visits, abs=1e-9)
    assert counter_entries(model) == pytest.approx(entries, abs=1e-9)
    assert handoffs_into(model) == pytest.approx(handoffs, abs=1e-9)
    parts = expected_visits_by_combination(model)
    assert sum(p.probability for p in parts) == pytest.approx(1.0)
    for part, (combination, probability) in zip(parts, _dense_combinations(model), strict=True):
        assert part.combination == combination
        assert part.probability == pytest.approx(probability)
        dense = _dense_visits(model, combination)
        assert [part.visits[s.id] for s in model.steps] == pytest.approx(list(dense), abs=1e-9)
