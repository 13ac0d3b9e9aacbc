"""Case attributes (drawn per case, guarding flows) and visit kinds in the engine.

Tolerances: a step's executions per case are a mean of n independent 0/1 outcomes, so
its standard error is sqrt(p (1 - p) / n); the checks allow 4 standard errors (a correct
engine fails with probability 6e-5; the seeds are fixed, so the tests are deterministic).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import yaml

from bpr.errors import SimulationError
from bpr.sim import Scenario, simulate_replication
from models.procedure import ProcedureVersion

GUARDED = """
id: guarded
name: 属性
version: to-be
category: other
annual_volume: 20000
volume_source: "assumption: test"
attributes:
  channel: {online: 0.6, counter: 0.4}
  e_delivery_consent: {"yes": 0.7, "no": 0.3}
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: clerk, name: 係, kind: staff, headcount: 50}
  - {id: system, name: システム, kind: system}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: how, name: 申請方法, kind: choice, actor: resident}
  - {id: apply-online, name: 電子申請, actor: resident, duration: 10, channel: online}
  - {id: counter, name: 窓口, actor: clerk, duration: 5, in_person: true, channel: counter}
  - {id: notice, name: 通知方法, kind: choice, actor: system}
  - {id: e-notice, name: 電子通知, actor: system, duration: 1}
  - {id: paper-notice, name: 紙の通知, actor: clerk, duration: 3, paper: true, sheets: 1}
  - {id: survey-choice, name: 調査, kind: choice, actor: system}
  - {id: survey, name: 意向調査, actor: clerk, duration: 2}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: how}
  - {from: how, to: apply-online, when: {channel: online}}
  - {from: how, to: counter, when: {channel: counter}}
  - {from: apply-online, to: notice}
  - {from: counter, to: notice}
  - {from: notice, to: e-notice, when: {channel: online}, probability: 0.7}
  - {from: notice, to: paper-notice}
  - {from: e-notice, to: survey-choice}
  - {from: paper-notice, to: survey-choice}
  - {from: survey-choice, to: survey, when: {e_delivery_consent: "no"}, probability: 0.5}
  - {from: survey-choice, to: end}
  - {from: survey, to: end}
"""


def _guarded(text: str = GUARDED) -> ProcedureVersion:
    """The model, validated as a pydantic model only: the structural check of guarded
    choices (one open flow may omit its probability) belongs to the model loader."""
    return ProcedureVersion.model_validate(yaml.safe_load(text))


def _within(observed: float, p: float, n: float) -> bool:
    return abs(observed - p) <= 4 * math.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize(("share", "online"), [(None, 0.6), (0.9, 0.9)])
def test_long_run_counts_equal_the_expected_counts_per_attribute_combination(
        share: float | None, online: float) -> None:
    """Expected counts by hand, weighting each attribute combination by its probability:
    online cases take the e-notice with 0.7 and the paper notice otherwise; counter cases
    only have the paper notice open; the survey is open to those without consent (0.3)
    and taken with 0.5. An online share overrides P(channel = online)."""
    model = _guarded()
    result = simulate_replication(model, Scenario(name="attributes", online_share=share), 0)
    n = result.metrics["arrived"]
    assert n > 19_000
    expected = {"apply-online": online, "counter": 1 - online,
                "e-notice": online * 0.7, "paper-notice": (1 - online) + online * 0.3,
                "survey": 0.3 * 0.5}
    for step, p in expected.items():
        assert _within(result.step_visits[step], p, n), (step, result.step_visits[step], p)
    assert result.metrics["counter_visits_mean"] == pytest.approx(result.step_visits["counter"])


def test_online_applicants_arrive_at_any_hour_and_counter_ones_in_office_hours() -> None:
    model = _guarded(GUARDED.replace("annual_volume: 20000", "annual_volume: 3000"))
    result = simulate_replication(model, Scenario(name="hours", horizon_days=60), 0, keep_cases=True)
    table = result.case_table
    assert table is not None
    at_night = [m for m, visits in zip(table["arrival_minute"], table["visits"], strict=True)
                if not 8.5 * 60 <= m % 1440 < 17.25 * 60]
    assert len(at_night) > 50
    counter = [m for m, visits in zip(table["arrival_minute"], table["visits"], strict=True) if visits]
    assert counter and all(8.5 * 60 <= m % 1440 < 17.25 * 60 for m in counter)


def test_an_online_share_needs_a_channel(as_is: ProcedureVersion) -> None:
    with pytest.raises(SimulationError, match=r"online share 0\.5 cannot be applied to "
                       r"child-allowance-claim \(as-is\): it has no `channel` case attribute"):
        simulate_replication(as_is, Scenario(name="x", online_share=0.5), 0)


VISITS = """
id: visits
name: 来庁
version: test
category: other
annual_volume: 4000
volume_source: "assumption: test"
actors:
  - {id: resident, name: 申請者, kind: resident}
  - {id: counter, name: 窓口, kind: staff, headcount: 1}
  - {id: back, name: 係, kind: staff, headcount: 1}
steps:
  - {id: start, name: 開始, kind: start, actor: resident}
  - {id: reception, name: 受付, actor: counter, duration: {dist: exponential, mean: 20},
     in_person: true, channel: counter, VISIT_RECEPTION}
  - {id: lookup, name: 照会, actor: back, duration: 5, WAITS}
  - {id: handover, name: 交付, actor: counter, duration: 3, in_person: true, channel: counter}
  - {id: end, name: 終了, kind: end, actor: resident}
flows:
  - {from: start, to: reception}
  - {from: reception, to: lookup}
  - {from: lookup, to: handover}
  - {from: handover, to: end}
"""


def _visits(model_text: Callable[[str], ProcedureVersion], reception: str = "visit: walk-in",
            waits: str = "resident: waits") -> ProcedureVersion:
    return model_text(VISITS.replace("VISIT_RECEPTION", reception).replace("WAITS", waits)
                      .replace("{, ", "{").replace(", }", "}"))


def test_a_counter_step_the_resident_waits_for_keeps_one_visit(
        model_text: Callable[[str], ProcedureVersion]) -> None:
    one = simulate_replication(_visits(model_text), Scenario(name="v"), 0).metrics
    assert one["counter_visits_mean"] == 1.0
    assert one["home_visits"] == 0 and one["appointment_visits"] == 0
    two = simulate_replication(_visits(model_text, waits="channel: internal"), Scenario(name="v"), 0)
    assert two.metrics["counter_visits_mean"] == 2.0
    # The resident's time includes the back-office step they wait for (5 minutes + queue).
    assert one["resident_working_minutes_mean"] == pytest.approx(
        two.metrics["resident_working_minutes_mean"] + 5)


def test_an_appointment_has_no_counter_wait_but_uses_the_same_staff_time(
        model_text: Callable[[str], ProcedureVersion]) -> None:
    def model(reception: str) -> ProcedureVersion:
        return model_text(VISITS.replace("VISIT_RECEPTION", reception).replace(", WAITS", "")
                          .replace("duration: 3, in_person: true, channel: counter", "duration: 3"))

    walk_in = simulate_replication(model("visit: walk-in"), Scenario(name="v"), 0).metrics
    booked = simulate_replication(model("visit: appointment"), Scenario(name="v"), 0).metrics
    assert walk_in["counter_wait_minutes_mean"] > 5      # a busy counter (about 75% in use)
    # The resident comes at the booked slot: no counter wait at all.
    assert booked["resident_waiting_minutes_mean"] == 0
    assert booked["counter_wait_minutes_mean"] is None
    # The wait for the slot is still lead time.
    assert booked["lead_time_days_mean"] == pytest.approx(walk_in["lead_time_days_mean"], rel=0.05)
    assert booked["appointment_visits"] == booked["arrived"]
    assert booked["counter_visits"] == booked["arrived"]
    assert booked["hours:counter"] == pytest.approx(walk_in["hours:counter"], rel=0.01)


def test_a_home_visit_is_staff_travel_not_a_counter_visit(
        model_text: Callable[[str], ProcedureVersion]) -> None:
    text = VISITS.replace("VISIT_RECEPTION", "visit: home").replace(", WAITS", "") \
        .replace("{id: handover, name: 交付, actor: counter, duration: 3, in_person: true, channel: counter}",
                 "{id: handover, name: 交付, actor: counter, duration: 3}") \
        .replace("mean: 20}", "mean: 2}").replace("annual_volume: 4000", "annual_volume: 1000")
    model = model_text(text)
    scenario = Scenario(name="home", home_visit_travel_minutes=25)
    m = simulate_replication(model, scenario, 0).metrics
    assert m["counter_visits"] == 0 and m["home_visits"] == m["arrived"]
    assert m["resident_travel_minutes_mean"] == 0 and m["resident_waiting_minutes_mean"] == 0
    # Staff time per case: 2 minutes at the home (mean), 2 × 25 travelling, 3 for the hand-over.
    per_case = m["hours:counter"] * 60 / m["arrived"]
    assert per_case == pytest.approx(2 + 50 + 3, rel=0.02)
