"""Warm-up and drain periods that fit the procedure (``warmup_days: auto``)."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.errors import SimulationError
from bpr.model.load import load_procedure
from bpr.sim import Scenario, simulate_batch, simulate_replication
from bpr.sim.periods import (
    auto_drain_days,
    auto_warmup_days,
    expected_lead_days,
    resolve_periods,
)
from bpr.sim.results import ReplicationResult
from bpr.sim.scenario import ScenarioError, load_scenario, load_scenario_text
from models.procedure import ProcedureVersion

ROOT = Path(__file__).resolve().parents[3]
DEFAULT = ROOT / "procedures" / "scenarios" / "default.yaml"
NURSERY = ROOT / "procedures" / "childcare" / "nursery-application"
SCHOOL_FEE = ROOT / "procedures" / "childcare" / "school-fee-collection-request"
runner = CliRunner()


def _little_ratio(results: list[ReplicationResult]) -> tuple[float, float]:
    """Little's law over replications: (Σ L) / (Σ λW) — cases in progress over arrival rate
    × mean lead time — and its standard error (delta method, from the replications' spread)."""
    wip = [r.metrics["wip_mean"] for r in results]
    rate_lead = [r.metrics["arrived"] / 365 * r.metrics["lead_time_days_mean"] for r in results]
    ratio = sum(wip) / sum(rate_lead)
    residuals = [w - ratio * x for w, x in zip(wip, rate_lead, strict=True)]
    se = statistics.stdev(residuals) / math.sqrt(len(results)) / statistics.mean(rate_lead)
    return ratio, se


def test_the_default_scenario_fits_its_periods_to_the_procedure() -> None:
    scenario = load_scenario(DEFAULT)
    assert scenario.warmup_days == "auto" and scenario.drain_days == "auto"
    model = load_procedure(NURSERY / "as-is.yaml")
    lead = expected_lead_days(model, scenario)
    assert 100 < lead < 200  # 保育所入所申請: months between application and decision
    resolved = resolve_periods(scenario, [model])
    assert resolved.warmup_days == auto_warmup_days(lead) == math.ceil(2 * lead)
    assert resolved.drain_days == auto_drain_days(lead) == math.ceil(5 * lead)
    assert resolved.start == scenario.start and resolved.horizon_days == scenario.horizon_days


def test_short_procedures_keep_at_least_30_and_365_days() -> None:
    assert auto_warmup_days(0.5) == 30 and auto_drain_days(0.5) == 365
    assert auto_warmup_days(10_000) == 3660 and auto_drain_days(10_000) == 3660


def test_an_explicit_number_is_used_as_it_is(as_is: ProcedureVersion) -> None:
    scenario = Scenario(name="fixed", warmup_days=7, drain_days=40)
    assert resolve_periods(scenario, [as_is]) is scenario


def test_versions_compared_share_the_longest_lead_time() -> None:
    as_is, to_be = load_procedure(NURSERY / "as-is.yaml"), load_procedure(NURSERY / "to-be.yaml")
    scenario = load_scenario(DEFAULT)
    longest = max(expected_lead_days(as_is, scenario), expected_lead_days(to_be, scenario))
    assert resolve_periods(scenario, [as_is, to_be]).warmup_days == auto_warmup_days(longest)


def test_auto_is_the_only_word_accepted() -> None:
    assert load_scenario_text("name: x\nwarmup_days: auto\n").warmup_days == "auto"
    with pytest.raises(ScenarioError, match=r"x.yaml:2:14: error field 'warmup_days'"):
        load_scenario_text("name: x\nwarmup_days: automatic\n", "x.yaml")


def test_an_unresolved_warmup_has_no_first_day() -> None:
    with pytest.raises(SimulationError, match="warmup_days is 'auto'; resolve it"):
        _ = Scenario(name="x", warmup_days="auto").first_day


def test_littles_law_holds_for_nursery_application_under_the_default_scenario() -> None:
    model = load_procedure(NURSERY / "as-is.yaml")
    scenario = load_scenario(DEFAULT)
    ratio, se = _little_ratio(simulate_batch(model, scenario, range(6)))
    # About 550 cases a year: the standard error is under 1% (asserted, so the tolerance
    # cannot grow unnoticed); 3% leaves room for the edges of the observed year.
    assert se < 0.01
    assert ratio == pytest.approx(1.0, abs=0.03)
    # The former fixed 30-day warm-up began the year with queues a tenth short.
    short, _ = _little_ratio(simulate_batch(model, scenario.with_overrides(warmup_days=30), range(6)))
    assert short < 0.95


def test_littles_law_holds_for_school_fee_collection_request_under_the_default_scenario() -> None:
    model = load_procedure(SCHOOL_FEE / "as-is.yaml")
    scenario = load_scenario(DEFAULT)
    # 30 cases a year with a long-tailed payment loop: one replication's ratio varies by
    # ±40%, so many cheap replications, and the tolerance is 4 standard errors of the
    # pooled ratio (the standard error itself bounded).
    ratio, se = _little_ratio(simulate_batch(model, scenario, range(100)))
    assert se < 0.03
    assert abs(ratio - 1.0) < 4 * se
    short, short_se = _little_ratio(simulate_batch(
        model, scenario.with_overrides(warmup_days=30, drain_days=365), range(100)))
    assert short < 1.0 - 4 * short_se  # the 30-day warm-up is biased low


def test_unfinished_cases_are_counted_and_left_out_of_the_lead_times() -> None:
    model = load_procedure(SCHOOL_FEE / "as-is.yaml")
    # No drain: the cases of the last months are still open when the simulation stops.
    scenario = load_scenario(DEFAULT).with_overrides(drain_days=0)
    result = simulate_replication(model, scenario, 0, keep_cases=True)
    m, table = result.metrics, result.case_table
    assert table is not None
    arrived = round(m["arrived"] * result.years)
    assert m["unfinished"] > 0
    assert len(table["lead_time_days"]) == arrived - m["unfinished"]
    assert m["lead_time_days_mean"] == pytest.approx(statistics.mean(table["lead_time_days"]))


def test_both_kernels_agree_with_an_automatic_warmup() -> None:
    model = load_procedure(SCHOOL_FEE / "as-is.yaml")
    scenario = load_scenario(DEFAULT)
    compiled = simulate_batch(model, scenario, range(2), keep_cases=True, kernel="compiled")
    python = simulate_batch(model, scenario, range(2), keep_cases=True, kernel="python")
    assert compiled == python


def test_simulate_shows_the_periods_it_used() -> None:
    result = runner.invoke(app, ["simulate", str(NURSERY), "--replications", "1", "--years", "0.1",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    scenario = json.loads(result.stdout)["scenario"]
    as_is, to_be = load_procedure(NURSERY / "as-is.yaml"), load_procedure(NURSERY / "to-be.yaml")
    expected = resolve_periods(load_scenario(DEFAULT), [as_is, to_be])
    assert (scenario["warmup_days"], scenario["drain_days"]) == (expected.warmup_days,
                                                                 expected.drain_days)
    table = runner.invoke(app, ["simulate", str(NURSERY / "as-is.yaml"), "--replications", "1",
                                "--years", "0.1"])
    assert f"after a warm-up of {expected.warmup_days} days" in " ".join(table.stdout.split())
