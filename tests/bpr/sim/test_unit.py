"""A unit's replications share what does not depend on the seeds (:mod:`bpr.sim.unit`):
simulated together, in any order, they give what each gives simulated alone."""

from __future__ import annotations

import pytest

from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_batch, simulate_replication
from bpr.sim.engine import KERNELS
from bpr.sim.unit import prepare_unit
from tests.conftest import EXAMPLE, ROOT

REFERENCE = ROOT / "benchmarks" / "reference-model.yaml"


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_batchs_replications_equal_the_same_replications_run_alone(kernel: str) -> None:
    """The reference model draws thousands of numbers per stream: the compiled kernel's
    later replications start their streams from the earlier ones' usage, and refill."""
    model = load_procedure(REFERENCE)
    scenario = Scenario(name="unit", horizon_days=120)
    order = [3, 0, 2]
    together = simulate_batch(model, scenario, order, keep_cases=True, kernel=kernel)
    alone = [simulate_replication(model, scenario, r, keep_cases=True, kernel=kernel) for r in order]
    assert together == alone
    assert together[0] != together[1]


def test_a_batch_with_a_burst_and_an_online_share_equals_its_replications_alone() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml").model_copy(update={"annual_volume": 6000.0})
    scenario = Scenario.model_validate({**Scenario(name="burst", horizon_days=60, online_share=0.4)
                                        .model_dump(), "burst": {"start": "2025-04-14", "days": 5,
                                                                 "applications": 800}})
    together = simulate_batch(model, scenario, range(3))
    assert together == [simulate_replication(model, scenario, r) for r in range(3)]


def test_a_unit_resolves_its_periods_and_covers_the_run_with_its_calendar() -> None:
    model = load_procedure(EXAMPLE / "to-be.yaml")
    unit = prepare_unit(model, Scenario(name="auto", horizon_days=30))
    assert unit.scenario.warmup_days != "auto" and unit.scenario.drain_days != "auto"
    assert unit.window_end - unit.window_start == 30 * 1440
    assert unit.office.days * 1440 > unit.stop
