"""Paired comparisons: the versions of a procedure see the same applicants.

Seeds come from (procedure, scenario, replication), not the version, and random numbers
are split into streams by purpose, so replication r of the as-is and of the to-be share
their arrivals and attribute draws (common random numbers); the paired difference has
its own confidence interval.
"""

from __future__ import annotations

import math

import pytest

from bpr.errors import SimulationError
from bpr.sim import Scenario, paired_differences, simulate_batch, summarise
from bpr.sim.compiled import compile_model
from bpr.sim.engine import case_arrivals, office_calendar
from bpr.sim.seeds import replication_seed
from models.procedure import ProcedureVersion


def _arrivals(model: ProcedureVersion, scenario: Scenario, replication: int) -> list[tuple[float, bool]]:
    cm = compile_model(model, scenario)
    office = office_calendar(scenario, scenario.warmup_days + scenario.horizon_days + 60)
    root = replication_seed(scenario.seed, model.id, scenario.name, replication)
    return [(t, online) for t, _, online, _, _ in case_arrivals(model, cm, scenario, root, office, 0)]


def test_identical_versions_have_every_paired_difference_exactly_zero(as_is: ProcedureVersion) -> None:
    same = as_is.model_copy(update={"version": "to-be"})
    scenario = Scenario(name="paired", horizon_days=120)
    differences = paired_differences(simulate_batch(as_is, scenario, range(4)),
                                     simulate_batch(same, scenario, range(4)))
    assert "staff_hours" in differences and "lead_time_days_mean" in differences
    for name, difference in differences.items():
        assert (difference.mean, difference.half_width) == (0.0, 0.0), name
        assert difference.n == 4


def test_versions_with_the_same_online_share_see_the_same_arrivals(as_is: ProcedureVersion,
                                                                   to_be: ProcedureVersion) -> None:
    """With everyone at the counter, the to-be's applicants are exactly the as-is's."""
    scenario = Scenario(name="paired", horizon_days=200)
    first = _arrivals(as_is, scenario, 2)
    assert len(first) > 150
    assert _arrivals(to_be, scenario.with_overrides(online_share=0.0), 2) == first


def test_a_higher_online_share_turns_counter_applicants_into_online_ones(
        as_is: ProcedureVersion, to_be: ProcedureVersion) -> None:
    """Over whole months the number of applicants does not depend on the share; the to-be's
    counter applicants are a subset of the as-is's (same times)."""
    scenario = Scenario(name="paired", horizon_days=365)
    paper = _arrivals(as_is, scenario, 0)
    online = _arrivals(to_be, scenario, 0)      # the model's own online share, 0.6
    assert len(paper) == len(online)
    counter_times = {t for t, is_online in online if not is_online}
    assert counter_times <= {t for t, _ in paper}
    assert 0.5 < 1 - len(counter_times) / len(online) < 0.7


def test_pairing_narrows_the_interval_of_the_difference(as_is: ProcedureVersion,
                                                        to_be: ProcedureVersion) -> None:
    """The catalog's child-allowance claim: the paired interval of the difference in staff
    hours and in completed cases is narrower than the unpaired one (the two versions'
    intervals combined, sqrt(h_a² + h_b²)), because both versions meet the same
    applicants."""
    scenario = Scenario(name="paired")
    first, second = simulate_batch(as_is, scenario, range(8)), simulate_batch(to_be, scenario, range(8))
    paired = paired_differences(first, second)
    a, b = summarise(first).metrics, summarise(second).metrics
    for name in ("staff_hours", "completed", "resident_hours"):
        unpaired = math.hypot(a[name].half_width or 0, b[name].half_width or 0)
        assert paired[name].half_width is not None
        assert paired[name].half_width < unpaired, (name, paired[name].half_width, unpaired)
    # The to-be saves staff time; the paired interval says so.
    assert paired["staff_hours"].high is not None and paired["staff_hours"].high < 0


def test_pairing_needs_the_same_procedure_and_scenario(as_is: ProcedureVersion) -> None:
    results = simulate_batch(as_is, Scenario(name="a", horizon_days=30), range(2))
    others = simulate_batch(as_is, Scenario(name="b", horizon_days=30), range(2))
    with pytest.raises(SimulationError, match="cannot pair child-allowance-claim under a"):
        paired_differences(results, others)
    with pytest.raises(SimulationError, match="no replication number in common"):
        paired_differences(results[:1], [results[1]])
