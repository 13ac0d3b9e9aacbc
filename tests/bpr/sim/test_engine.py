"""The engine against queueing theory, expected counts, calendar rules and its own seeds.

Statistical tolerances. Each check runs R independent replications and compares the
grand mean with the exact value; the tolerance is 4.1 standard errors estimated from the
replications (t quantile 0.9995 for 15 degrees of freedom), so a correct engine fails
with probability about 1/1000 for a given seed (the seeds are fixed, so the tests are
deterministic). Each check also asserts that the standard error is small, so that the
tolerance cannot silently grow into a test that always passes. With 25,000 cases per
replication the asymptotic variance of the mean sojourn time of M/M/1 at ρ = 0.5,
2(1+ρ)/((1-ρ)⁴ n) service times² (Whitt 1989), gives a standard deviation of 0.43 minutes
per replication for a 10-minute service, i.e. 0.11 minutes (0.5%) for 16 replications.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from bpr.errors import SimulationError
from bpr.sim import (
    Burst,
    ReplicationResult,
    Scenario,
    ScenarioError,
    load_scenario_text,
    simulate_batch,
    simulate_replication,
    summarise,
)
from bpr.sim.engine import office_calendar
from models.procedure import ProcedureVersion
from tests.bpr.sim.conftest import always_scenario, erlang_c_waiting, queue_model

REPLICATIONS = 16
T_99_9 = 4.1


def _busy(model: ProcedureVersion) -> ProcedureVersion:
    """The model at 4,000 cases a year: many cases, and the example's busiest pool (two
    benefit officers, about 45 minutes per case) stays near 70% utilisation."""
    return model.model_copy(update={"annual_volume": 4000.0})


def _grand_mean(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


@pytest.mark.parametrize(("servers", "utilisation"), [(1, 0.5), (3, 0.7)])
def test_mmc_agrees_with_erlang_c(servers: int, utilisation: float) -> None:
    mean_service = 10.0
    service_rate = 1 / mean_service
    arrival_rate = utilisation * servers * service_rate  # per minute
    model = queue_model(servers, mean_service, arrival_rate * 1440 * 365)
    scenario = always_scenario(horizon_days=round(25_000 / (arrival_rate * 1440)))
    results = simulate_batch(model, scenario, range(REPLICATIONS))
    assert min(r.metrics["arrived"] for r in results) > 20_000 / scenario.horizon_days * 365

    wait = erlang_c_waiting(servers, arrival_rate, service_rate)
    sojourn = wait + mean_service
    mean_wait, se_wait = _grand_mean([r.metrics["counter_wait_minutes_mean"] for r in results])
    mean_sojourn, se_sojourn = _grand_mean([r.metrics["lead_time_days_mean"] * 1440 for r in results])
    assert se_wait < 0.03 * wait and se_sojourn < 0.015 * sojourn
    assert abs(mean_wait - wait) < T_99_9 * se_wait, (mean_wait, wait, se_wait)
    assert abs(mean_sojourn - sojourn) < T_99_9 * se_sojourn, (mean_sojourn, sojourn, se_sojourn)
    if servers == 1:
        # The replication spread agrees with the asymptotic variance quoted in the module
        # docstring (within a factor 1.5): the tolerance is the one the case count implies.
        n = statistics.fmean(r.metrics["arrived"] for r in results) * scenario.horizon_days / 365
        theory = mean_service * math.sqrt(2 * (1 + utilisation) / ((1 - utilisation) ** 4 * n))
        assert theory / 1.5 < se_sojourn * math.sqrt(REPLICATIONS) < theory * 1.5
    # Utilisation of the pool is ρ.
    mean_use, se_use = _grand_mean([r.metrics["utilisation:counter"] for r in results])
    assert abs(mean_use - utilisation) < T_99_9 * se_use + 0.002


def test_littles_law_on_the_example_as_is(as_is: ProcedureVersion) -> None:
    # Three observed years at ten times the volume: lead times of days, office calendar,
    # seasonality, a rework loop, delays and three staff pools.
    busy = as_is.model_copy(update={"annual_volume": 4100.0})
    scenario = Scenario(name="little", warmup_days=60, horizon_days=3 * 365)
    result = simulate_replication(busy, scenario, 0)
    m = result.metrics
    arrival_rate = m["arrived"] / 365  # per day
    # Edge effects are about (lead time / horizon) ≈ 1%; statistical error is smaller.
    assert m["wip_mean"] == pytest.approx(arrival_rate * m["lead_time_days_mean"], rel=0.03)


def test_expected_visits_match_the_graph(as_is: ProcedureVersion, to_be: ProcedureVersion) -> None:
    graph = pytest.importorskip("bpr.analysis.graph")
    for model in (as_is, to_be):
        result = simulate_replication(_busy(model), Scenario(name="visits", horizon_days=3 * 365), 0)
        expected = graph.expected_visits(model)
        n = result.metrics["arrived"] * 3
        for step, visits in expected.items():
            # Binomial/geometric counts: sd per case below 0.6 here; 4 standard errors.
            assert result.step_visits[step] == pytest.approx(visits, abs=4 * 0.6 / math.sqrt(n)), step


def test_expected_visits_match_hand_worked_values(as_is: ProcedureVersion) -> None:
    result = simulate_replication(_busy(as_is), Scenario(name="visits", horizon_days=3 * 365), 0)
    n = result.metrics["arrived"] * 3
    # Completeness check fails with p = 0.15 and sends the resident back: the counter is
    # visited a geometric number of times, mean 1/0.85, sd sqrt(0.15)/0.85 ≈ 0.46.
    assert result.step_visits["travel"] == pytest.approx(1 / 0.85, abs=4 * 0.46 / math.sqrt(n))
    assert result.step_visits["fix-deficiency"] == pytest.approx(0.15 / 0.85, abs=4 * 0.46 / math.sqrt(n))
    assert result.metrics["counter_visits_mean"] == pytest.approx(1 / 0.85, abs=4 * 0.46 / math.sqrt(n))
    # No income inquiry since the October 2024 reform (所得制限 abolished).
    assert "income-inquiry" not in result.step_visits
    assert result.step_visits["data-entry"] == 1.0
    # Per case: 2 sheets at get-form, 2 write-form, 2 attachments, 1 approval, 1 notice;
    # the rework adds none.
    expected_sheets = (2 + 2 + 2 + 1 + 1) * n
    years = 3
    assert result.metrics["sheets"] * years == pytest.approx(expected_sheets, rel=0.02)
    assert result.metrics["signatures"] * years == n  # write-form is signed once per case


def test_online_share_overrides_the_channel_choice(to_be: ProcedureVersion) -> None:
    everyone_online = simulate_replication(to_be, Scenario(name="s", online_share=1.0), 0)
    assert everyone_online.step_visits["travel"] == 0
    assert everyone_online.metrics["counter_visits_mean"] == 0
    assert everyone_online.metrics["resident_travel_minutes_mean"] == 0
    share = simulate_replication(_busy(to_be), Scenario(name="s", online_share=0.9), 0)
    assert share.step_visits["apply-online"] == pytest.approx(0.9, abs=0.01)


def test_travel_time_of_the_scenario_replaces_travel_steps(as_is: ProcedureVersion) -> None:
    result = simulate_replication(as_is, Scenario(name="s", travel_minutes=15), 0)
    m = result.metrics
    assert m["resident_travel_minutes_mean"] == pytest.approx(15 * m["counter_visits_mean"])


def test_work_is_laid_on_the_office_calendar(model_text: Callable[[str], ProcedureVersion]) -> None:
    """Every case's lead time is exactly its 30 minutes of work on the office calendar
    (staff never queue: 200 members for a few hundred cases a year)."""
    model = model_text("""
id: calendar-check
name: 暦
version: test
category: other
annual_volume: 2000
volume_source: "assumption: test"
attributes:
  channel: {online: 0.5, counter: 0.5}
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 係, kind: staff, headcount: 200}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: work, name: 処理, actor: clerk, duration: 30}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: work}
  - {from: work, to: end}
""")
    scenario = Scenario(name="cal", online_share=1.0, horizon_days=120)
    result = simulate_replication(model, scenario, 0, keep_cases=True)
    assert result.case_table is not None
    cal = office_calendar(scenario, 400)
    origin = datetime(cal.origin.year, cal.origin.month, cal.origin.day)
    at_night = 0
    for arrival, lead in zip(result.case_table["arrival_minute"], result.case_table["lead_time_days"],
                             strict=True):
        end = cal.finish_at(cal.worked(arrival) + 30)
        assert arrival + lead * 1440 == pytest.approx(end)
        assert cal.is_open(end - 1e-6)
        at_night += not cal.is_open(arrival)
        finished = origin + timedelta(minutes=end)
        assert finished.weekday() < 5
    assert at_night > 100  # online applications arrived while the office was closed


def test_delay_elapses_on_calendar_time(model_text: Callable[[str], ProcedureVersion]) -> None:
    model = model_text("""
id: delay-check
name: 待ち
version: test
category: other
annual_volume: 500
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: post, name: 郵便, kind: external}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: mail, name: 郵送, actor: post, duration: 0, delay: 3}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: mail}
  - {from: mail, to: end}
""")
    result = simulate_replication(model, Scenario(name="d"), 0, keep_cases=True)
    assert result.case_table is not None
    leads = result.case_table["lead_time_days"]
    assert leads == pytest.approx([3.0] * len(leads))


def test_parallel_branches_are_joined(model_text: Callable[[str], ProcedureVersion]) -> None:
    model = model_text("""
id: parallel
name: 並行
version: test
category: other
annual_volume: 300
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: system, name: システム, kind: system}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: split, name: 分岐, kind: and-split, actor: system}
  - {id: short, name: 短, actor: system, duration: 60}
  - {id: long, name: 長, actor: system, duration: 120}
  - {id: join, name: 合流, kind: and-join, actor: system}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: split}
  - {from: split, to: short}
  - {from: split, to: long}
  - {from: short, to: join}
  - {from: long, to: join}
  - {from: join, to: end}
""")
    result = simulate_replication(model, Scenario(name="p"), 0, keep_cases=True)
    assert result.case_table is not None
    assert result.case_table["lead_time_days"] == pytest.approx([120 / 1440] * int(result.metrics["arrived"]))
    assert result.step_visits["join"] == 2 and result.step_visits["end"] == 1
    assert result.metrics["unfinished"] == 0


def test_staff_hours_are_the_work_done(as_is: ProcedureVersion) -> None:
    result = simulate_replication(_busy(as_is), Scenario(name="h"), 0)
    n = result.metrics["arrived"]
    mean_minutes = {s.id: s.duration.mean for s in as_is.steps}
    expected_counter = n * result.step_visits["reception"] * mean_minutes["reception"] + \
        n * result.step_visits["completeness-check"] * mean_minutes["completeness-check"]
    # Work of cases that straddle the ends of the year shifts a few hours; sampling noise
    # of the triangular durations is below 0.5%.
    assert result.metrics["hours:counter"] * 60 == pytest.approx(expected_counter, rel=0.02)


def test_same_seed_same_results_different_seeds_differ(as_is: ProcedureVersion) -> None:
    """The seed is (scenario seed, procedure, scenario, replication): the version label is
    not part of it, so two versions of a procedure are paired (common random numbers)."""
    scenario = Scenario(name="seeds")
    first = simulate_replication(as_is, scenario, 3)
    again = simulate_replication(as_is, scenario, 3)
    assert first == again
    assert simulate_replication(as_is, scenario, 4).metrics != first.metrics
    assert simulate_replication(as_is, scenario.with_overrides(seed=7), 3).metrics != first.metrics
    other_version = as_is.model_copy(update={"version": "as-is-2"})
    assert simulate_replication(other_version, scenario, 3).metrics == first.metrics
    other_procedure = as_is.model_copy(update={"id": "another-procedure"})
    assert simulate_replication(other_procedure, scenario, 3).metrics != first.metrics


def test_results_survive_json_and_summarise(as_is: ProcedureVersion) -> None:
    results = simulate_batch(as_is, Scenario(name="json"), range(3))
    rebuilt = [ReplicationResult.model_validate(json.loads(json.dumps(r.model_dump(mode="json"))))
               for r in results]
    assert rebuilt == results
    summary = summarise(rebuilt + rebuilt[:1])  # a replication counted once
    assert summary.replications == 3
    estimate = summary.metrics["lead_time_days_mean"]
    values = [r.metrics["lead_time_days_mean"] for r in results]
    assert estimate.mean == pytest.approx(statistics.fmean(values))
    assert estimate.half_width == pytest.approx(4.303 * statistics.stdev(values) / math.sqrt(3))
    json.dumps(summary.model_dump(mode="json"))


def test_scenario_must_fit_the_model(as_is: ProcedureVersion) -> None:
    with pytest.raises(SimulationError, match=r"unknown actor 'countr'.*did you mean 'counter'"):
        simulate_replication(as_is, Scenario(name="x", headcount={"countr": 3}), 0)
    with pytest.raises(SimulationError, match="unlimited capacity"):
        simulate_replication(as_is, Scenario(name="x", headcount={"resident": 3}), 0)


def test_headcount_override_shortens_queues(as_is: ProcedureVersion) -> None:
    busy = as_is.model_copy(update={"annual_volume": 12_000.0})
    scenario = Scenario(name="staff")
    few = simulate_replication(busy, scenario, 0)
    more = simulate_replication(busy, scenario.with_overrides(headcount={"counter": 6}), 0)
    assert more.metrics["counter_wait_minutes_mean"] < few.metrics["counter_wait_minutes_mean"]
    assert more.metrics["utilisation:counter"] < few.metrics["utilisation:counter"]


def test_burst_applies_only_to_its_procedures(as_is: ProcedureVersion) -> None:
    burst = Burst(start=date(2025, 9, 1), days=10, applications=1000)
    hit = simulate_replication(as_is, Scenario(name="b", burst=burst), 0)
    assert hit.metrics["arrived"] > 1000
    elsewhere = burst.model_copy(update={"procedures": ("disaster-certificate",)})
    assert simulate_replication(as_is, Scenario(name="b", burst=elsewhere), 0).metrics["arrived"] < 1000


def _seasonal(as_is: ProcedureVersion, season: list[float]) -> ProcedureVersion:
    return as_is.model_copy(update={"seasonality": tuple(season)})


def test_a_short_run_follows_the_seasonality(as_is: ProcedureVersion) -> None:
    """One April of a procedure whose applications all come in April sees nearly the whole
    year's volume (docs/readme/simulation.md: the weight of a month applies per calendar
    day, Σ n_k s_k = 0.01 × 335 + 100 × 30 = 3003.35)."""
    model = _seasonal(as_is, [0.01] * 3 + [100.0] + [0.01] * 8)
    result = simulate_replication(model, Scenario(name="april", horizon_days=30), 0)
    expected = as_is.annual_volume * 100 * 30 / 3003.35          # cases in the 30 days
    arrived = result.metrics["arrived"] * 30 / 365
    assert abs(arrived - expected) < 4 * math.sqrt(expected), (arrived, expected)


def test_a_window_without_demand_has_no_cases_and_no_error(as_is: ProcedureVersion) -> None:
    """All applications in January, observed in April: nothing arrives, the office being
    open does not matter, and the undefined statistics are None (null in JSON)."""
    model = _seasonal(as_is, [12.0] + [0.0] * 11)
    result = simulate_replication(model, Scenario(name="april", horizon_days=18), 0)
    m = result.metrics
    assert m["arrived"] == 0 and m["completed"] == 0 and result.cases == 0
    for name in ("lead_time_days_mean", "lead_time_days_p90", "resident_minutes_mean",
                 "counter_visits_mean", "counter_wait_minutes_mean", "counter_wait_minutes_p90"):
        assert m[name] is None, name
    text = json.dumps(result.model_dump(mode="json"), allow_nan=False)
    assert json.loads(text)["metrics"]["lead_time_days_mean"] is None
    summary = summarise([result, simulate_replication(model, Scenario(name="april", horizon_days=18), 1)])
    lead = summary.metrics["lead_time_days_mean"]
    assert (lead.mean, lead.half_width, lead.n) == (None, None, 0)
    assert summary.metrics["arrived"].mean == 0 and summary.metrics["arrived"].n == 2
    json.dumps(summary.model_dump(mode="json"), allow_nan=False)


def test_results_stored_with_nan_read_back_as_undefined(as_is: ProcedureVersion) -> None:
    """Runs stored before undefined values became null held NaN; they read back as None."""
    data = simulate_replication(as_is, Scenario(name="old", horizon_days=30), 0).model_dump(mode="json")
    data["metrics"]["counter_wait_minutes_mean"] = float("nan")
    result = ReplicationResult.model_validate(data)
    assert result.metrics["counter_wait_minutes_mean"] is None
    assert result.metrics["lead_time_days_mean"] is not None


def test_the_engine_refuses_an_online_share_outside_0_1(to_be: ProcedureVersion) -> None:
    """Even a scenario that skipped validation cannot make more arrivals than the volume."""
    for share in (1.5, -0.2):
        unchecked = Scenario.model_construct(**{**Scenario(name="x").__dict__, "online_share": share})
        with pytest.raises(SimulationError, match="online share must be between 0 and 1"):
            simulate_replication(to_be, unchecked, 0)


def test_scenario_errors_are_located_in_the_scenario_file(as_is: ProcedureVersion) -> None:
    scenario = load_scenario_text("name: x\nheadcount:\n  countr: 3\n", "hc.yaml")
    with pytest.raises(ScenarioError) as info:
        simulate_replication(as_is, scenario, 0)
    assert str(info.value) == ("hc.yaml:3:3: error field 'headcount.countr': unknown actor 'countr' "
                               "in child-allowance-claim (as-is); did you mean 'counter'?")
    scenario = load_scenario_text("name: x\nheadcount: {resident: 3}\n", "hc.yaml")
    with pytest.raises(ScenarioError, match=r"^hc\.yaml:2:13: error field 'headcount\.resident': "
                       "'resident' in child-allowance-claim \\(as-is\\) is a resident with unlimited"):
        simulate_replication(as_is, scenario, 0)
