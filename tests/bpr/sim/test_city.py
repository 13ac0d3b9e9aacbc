"""A city as one system: procedures share the municipality's pools in one event loop."""

from __future__ import annotations

import math
import statistics

from bpr.model.load import load_procedure
from bpr.sim.city import (
    CityScenario,
    city_paired_differences,
    load_city_scenario,
    pool_assignment,
    simulate_city,
)
from models.procedure import ProcedureVersion
from tests.bpr.sim.conftest import always_scenario, erlang_c_waiting, queue_model
from tests.conftest import EXAMPLE, PROCEDURES

T_99_9 = 4.1
REPLICATIONS = 10


def _city(**scenario: object) -> CityScenario:
    return CityScenario.model_validate({
        "name": "two-queues",
        "scenario": always_scenario(horizon_days=120, **scenario).model_dump(),
        "pools": [{"id": "shared", "name": "共用窓口", "headcount": 2, "calendar": "always"}],
        "rules": [{"actor_name": "窓口", "pool": "shared"}]})


def test_two_procedures_feeding_one_pool_agree_with_erlang_c_for_the_summed_rate() -> None:
    """Two procedures (rates λ₁ = 0.05 and λ₂ = 0.09 a minute, both exponential 10-minute
    service) whose counters are one pool of 2 on a 24/7 calendar: M/M/2 at λ = 0.14,
    ρ = 0.7. Neither procedure alone would queue like that."""
    service = 10.0
    rates = (0.05, 0.09)
    models = [queue_model(1, service, rate * 1440 * 365).model_copy(update={"id": f"queue-{i}"})
              for i, rate in enumerate(rates)]
    results = simulate_city(models, _city(), range(REPLICATIONS), "test")
    waits, uses = [], []
    for r in results:
        arrivals = r.measures["arrivals"]
        monthly = r.measures["counter_wait_mean"]
        waits.append(sum(a * w for a, w in zip(arrivals, monthly, strict=True) if w is not None) /
                     sum(arrivals))
        uses.append(statistics.fmean(u for u in r.measures["utilisation:shared"] if u is not None))
    expected = erlang_c_waiting(2, sum(rates), 1 / service)
    mean, se = statistics.fmean(waits), statistics.stdev(waits) / math.sqrt(len(waits))
    assert se < 0.05 * expected
    assert abs(mean - expected) < T_99_9 * se, (mean, expected, se)
    use_mean, use_se = statistics.fmean(uses), statistics.stdev(uses) / math.sqrt(len(uses))
    assert abs(use_mean - 0.7) < T_99_9 * use_se + 0.005


def test_a_city_run_is_paired() -> None:
    """The same models under two version labels: every monthly difference is exactly 0."""
    models = [load_procedure(EXAMPLE / "as-is.yaml"),
              load_procedure(PROCEDURES / "childcare" / "nursery-application" / "as-is.yaml")]
    city = load_city_scenario(PROCEDURES / "scenarios" / "city.yaml")
    city = city.model_copy(update={"scenario": city.scenario.with_overrides(horizon_days=61)})
    first = simulate_city(models, city, range(3), "as-is")
    relabelled = [m.model_copy(update={"version": "to-be"}) for m in models]
    differences = city_paired_differences(first, simulate_city(relabelled, city, range(3), "to-be"))
    assert "utilisation:kosodate-counter@2025-04" in differences
    for key, difference in differences.items():
        if difference.n:
            assert difference.mean == 0.0 and difference.half_width in (0.0, None), key


def test_the_city_scenario_maps_the_catalogs_actors_onto_shared_pools() -> None:
    city = load_city_scenario(PROCEDURES / "scenarios" / "city.yaml")
    claim: ProcedureVersion = load_procedure(EXAMPLE / "as-is.yaml")
    assignment = pool_assignment(city, claim)
    assert assignment["counter"] == "kosodate-counter"
    assert assignment["benefits"] == "kosodate-benefits"
    assert assignment["approver"] is None            # approvers keep their own pool
    care = load_procedure(PROCEDURES / "long-term-care" / "care-certification" / "as-is.yaml")
    pools = set(pool_assignment(city, care).values())
    assert {"kaigo-certification", "kaigo-survey"} <= pools
