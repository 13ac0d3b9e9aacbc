"""Scenario files: the shipped scenarios load; mistakes are located."""

from __future__ import annotations

import json
import pickle
from datetime import date
from pathlib import Path

import pytest

from bpr.errors import InvalidModelError
from bpr.model.load import iter_model_files
from bpr.sim import Burst, Scenario, ScenarioError, load_scenario, load_scenario_text
from tests.conftest import PROCEDURES

SCENARIOS = PROCEDURES / "scenarios"


def test_shipped_scenarios_load() -> None:
    default = load_scenario(SCENARIOS / "default.yaml")
    assert default.start.isoformat() == "2025-04-01" and default.horizon_days == 365
    assert default.calendar.open_minute == 510 and default.calendar.close_minute == 1035
    burst = load_scenario(SCENARIOS / "disaster-burst.yaml").burst
    assert burst is not None and burst.applications == 3000
    assert burst.procedures == ("disaster-certificate",)


def test_scenarios_are_not_taken_for_models() -> None:
    assert not [f for f in iter_model_files([PROCEDURES]) if "scenarios" in f.parts]


def test_unknown_field_is_located_with_a_suggestion() -> None:
    with pytest.raises(InvalidModelError, match=r"s\.yaml:3:1: .*unknown field 'online_shar'; "
                       r"did you mean 'online_share'\?"):
        load_scenario_text("name: x\nstart: 2025-04-01\nonline_shar: 0.3\n", "s.yaml")


def test_bad_values_are_all_reported_with_their_field() -> None:
    text = "name: x\ncalendar:\n  open: '25:00'\ncounter_profile: [1, 2]\nonline_share: 1.5\n"
    with pytest.raises(InvalidModelError) as info:
        load_scenario_text(text, "s.yaml")
    fields = {p.field for p in info.value.problems}
    assert fields == {"calendar.open", "counter_profile", "online_share"}
    lines = {p.field: p.line for p in info.value.problems}
    assert lines["calendar.open"] == 3 and lines["online_share"] == 5


def test_travel_minutes_accept_a_number_or_a_distribution() -> None:
    assert load_scenario_text("name: x\ntravel_minutes: 30\n").travel_minutes is not None
    with pytest.raises(InvalidModelError, match="triangular needs low <= mode <= high"):
        load_scenario_text("name: x\ntravel_minutes: {dist: triangular, low: 5, mode: 1, high: 9}\n")


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidModelError, match=r"nope\.yaml: cannot read: "):
        load_scenario(tmp_path / "nope.yaml")


def test_overrides_are_validated() -> None:
    base = Scenario(name="x")
    assert base.with_overrides(online_share=0.8).online_share == 0.8
    for share in (1.8, -0.2):
        with pytest.raises(ScenarioError, match=r"^scenario 'x': field 'online_share': Input should be "
                           rf".* \(got {share}\); the value given as an override$"):
            base.with_overrides(online_share=share)


def test_an_override_of_a_scenario_file_names_the_file_and_the_field() -> None:
    scenario = load_scenario(SCENARIOS / "default.yaml")
    with pytest.raises(ScenarioError) as info:
        scenario.with_overrides(online_share=1.5, seed=-1)
    assert [(p.file, p.line, p.field) for p in info.value.problems] == [
        (str(SCENARIOS / "default.yaml"), 0, "online_share"), (str(SCENARIOS / "default.yaml"), 0, "seed")]
    assert "1.5" in str(info.value) and "the value given as an override" in str(info.value)


def test_an_office_open_on_no_day_is_refused_where_it_is_written() -> None:
    text = "name: x\ncalendar:\n  open: '08:30'\n  weekdays: []\n"
    with pytest.raises(ScenarioError, match=r"^s\.yaml:4:13: error field 'calendar\.weekdays': the office "
                       "would be open on no day"):
        load_scenario_text(text, "s.yaml")
    # Open only on given dates (no weekly opening) is an office that opens.
    only = load_scenario_text(text + "  open_dates: [2025-04-05]\n", "s.yaml")
    assert only.calendar.weekdays == () and only.calendar.open_dates == (date(2025, 4, 5),)


BURST = "name: x\nstart: 2025-04-01\nwarmup_days: 10\nburst:\n  start: {start}\n  days: {days}\n" \
        "  applications: 100\n  procedures: [disaster-certificate, child-allowance-claimm]\n"


@pytest.mark.parametrize(("start", "days", "where"), [
    ("2030-09-01", 30, "5:10: error field 'burst.start': the burst starts on 2030-09-01, outside"),
    ("2025-03-01", 5, "5:10: error field 'burst.start': the burst starts on 2025-03-01, outside"),
    ("2026-03-20", 30, "6:9: error field 'burst.days': the burst lasts until 2026-04-18, after"),
])
def test_a_burst_outside_the_simulated_period_is_refused(start: str, days: int, where: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(BURST.format(start=start, days=days), "b.yaml")
    assert str(info.value).startswith(f"b.yaml:{where}")
    assert "the simulated period 2025-03-22 – 2026-03-31 (start 2025-04-01, warmup_days 10, " \
           "horizon_days 365)" in str(info.value)


def test_a_burst_in_the_warm_up_or_on_the_last_day_is_accepted() -> None:
    for start, days in (("2025-03-22", 3), ("2026-03-31", 1)):
        burst = load_scenario_text(BURST.format(start=start, days=days)).burst
        assert burst is not None and burst.start == date.fromisoformat(start)


def test_a_shorter_horizon_that_leaves_the_burst_out_is_located_at_the_burst() -> None:
    scenario = load_scenario(SCENARIOS / "disaster-burst.yaml")
    with pytest.raises(ScenarioError, match=r"disaster-burst\.yaml:\d+:\d+: error field 'burst\.start': "
                       r"the burst starts on 2025-09-02, outside the simulated period "
                       r"2025-03-02 – 2025-06-30 \(start 2025-04-01, warmup_days 30, horizon_days 91\)"):
        scenario.with_overrides(horizon_days=91)


def test_unknown_burst_procedures_are_located_with_a_suggestion() -> None:
    scenario = load_scenario_text(BURST.format(start="2025-09-01", days=30), "b.yaml")
    catalog = {"disaster-certificate", "child-allowance-claim", "nursery-application"}
    with pytest.raises(ScenarioError) as info:
        scenario.check_procedures(catalog)
    assert str(info.value) == ("b.yaml:8:38: error field 'burst.procedures[1]': unknown procedure id "
                               "'child-allowance-claimm'; did you mean 'child-allowance-claim'?")
    scenario.check_procedures(catalog | {"child-allowance-claimm"})       # no error
    # A scenario made in Python has no file: the error names the scenario and the field.
    with pytest.raises(ScenarioError, match=r"^scenario 'x': field 'burst\.procedures\[0\]': unknown "
                       "procedure id 'disaster-certificat'; did you mean 'disaster-certificate'"):
        Scenario(name="x", burst=Burst(start=date(2025, 9, 1), days=3, applications=1,
                                       procedures=("disaster-certificat",))).check_procedures(catalog)


def test_the_file_location_survives_overrides_and_pickling_but_not_equality() -> None:
    scenario = load_scenario_text("name: x\nheadcount: {counter: 2}\n", "s.yaml")
    again = pickle.loads(pickle.dumps(scenario.with_overrides(seed=3)))
    with pytest.raises(ScenarioError, match=r"^s\.yaml:2:"):
        raise again.error(("headcount", "counter"), "bad", key=True)
    assert Scenario.model_validate(scenario.model_dump(mode="json")) == scenario
    assert scenario.with_overrides(seed=3) != scenario


def test_scenario_survives_json_for_workers() -> None:
    """Flows send scenarios to worker processes as JSON."""
    scenario = load_scenario(SCENARIOS / "disaster-burst.yaml").with_overrides(
        travel_minutes={"dist": "exponential", "mean": 30}, headcount={"counter": 4})
    data = json.loads(json.dumps(scenario.model_dump(mode="json")))
    assert Scenario.model_validate(data) == scenario


@pytest.mark.parametrize(("text", "where", "field"), [
    ("name: x\nstart: 2025-02-30\n", "s.yaml:2:8", "'start'"),
    ("name: x\ncalendar:\n  closed_dates: [2025-04-30, 2025-13-01]\n", "s.yaml:3:30",
     "'calendar.closed_dates[1]'"),
])
def test_an_impossible_date_is_located_at_its_field(text: str, where: str, field: str) -> None:
    with pytest.raises(InvalidModelError) as caught:
        load_scenario_text(text, "s.yaml")
    message = str(caught.value)
    assert where in message and field in message
    assert "outside expected range" in message


def test_dates_are_still_read_as_dates() -> None:
    scenario = load_scenario_text("name: x\nstart: 2026-04-01\ncalendar:\n"
                                  "  closed_dates: [2026-08-13]\n", "s.yaml")
    assert scenario.start == date(2026, 4, 1)
    assert scenario.calendar.closed_dates == (date(2026, 8, 13),)
