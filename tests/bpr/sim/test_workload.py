"""Cost estimates of simulation work and its packing into balanced tasks (bpr.sim.workload)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpr.model.catalog import builtin_root, catalog_versions, load_catalog
from bpr.model.load import load_procedure
from bpr.sim import load_scenario, simulate_replication
from bpr.sim.workload import events_per_case, pack, task_count
from tests.conftest import ROOT

SCENARIO = ROOT / "procedures" / "scenarios" / "default.yaml"


@pytest.mark.parametrize("procedure", ["child-allowance-claim", "nursery-application"])
def test_the_estimate_is_what_the_engine_executes_per_case(procedure: str) -> None:
    as_is = next(a for e, a, _ in catalog_versions(load_catalog(), builtin_root()) if e.id == procedure)
    model = load_procedure(as_is)
    result = simulate_replication(model, load_scenario(SCENARIO), 0)
    simulated = 1.0 + sum(result.step_visits.values())
    assert events_per_case(model) == pytest.approx(simulated, rel=0.1)
    assert events_per_case(model) > len(model.steps) / 2  # not a constant


costs = st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), max_size=60)


@settings(max_examples=200, deadline=None)
@given(costs, st.integers(min_value=1, max_value=12))
def test_packing_keeps_every_unit_once_and_balances(unit_costs: list[float], tasks: int) -> None:
    units = list(range(len(unit_costs)))
    packed = pack(units, lambda u: unit_costs[u], tasks)
    assert sorted(u for group in packed for u in group) == units  # each unit exactly once
    assert len(packed) <= tasks and all(packed)
    assert all(group == sorted(group) for group in packed)  # given order kept inside a task
    loads = [sum(unit_costs[u] for u in group) for group in packed]
    assert loads == sorted(loads, reverse=True)  # the costliest task first
    if units:
        # LPT: no task exceeds the mean load by more than the costliest unit
        bins = min(tasks, len(units))
        assert max(loads) <= sum(unit_costs) / bins + max(unit_costs) + 1e-6
    assert pack(units, lambda u: unit_costs[u], tasks) == packed  # deterministic


def test_lpt_packs_the_classic_example_within_four_thirds() -> None:
    # 2 workers, costs 3,3,2,2,2: optimum makespan 6; LPT gives 7 (≤ 4/3 · 6)
    costs = [3.0, 3.0, 2.0, 2.0, 2.0]
    packed = pack(list(range(5)), lambda u: costs[u], 2)
    assert sorted(sum(costs[u] for u in g) for g in packed) == [5.0, 7.0]


def test_task_count_is_a_few_per_worker_never_more_than_units() -> None:
    assert task_count(156, 2) == 6
    assert task_count(4, 2) == 4
    assert task_count(0, 2) == 1
    assert task_count(156, 2, per_worker=1) == 2
