"""Scenario files: the shipped scenarios load; mistakes are located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bpr.errors import InvalidModelError
from bpr.load import iter_model_files
from bpr.sim import Scenario, load_scenario, load_scenario_text
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
    with pytest.raises(InvalidModelError, match="cannot read scenario"):
        load_scenario(tmp_path / "nope.yaml")


def test_overrides_are_validated() -> None:
    base = Scenario(name="x")
    assert base.with_overrides(online_share=0.8).online_share == 0.8
    with pytest.raises(ValueError, match="less than or equal to 1"):
        base.with_overrides(online_share=1.8)


def test_scenario_survives_json_for_workers() -> None:
    """Flows send scenarios to worker processes as JSON."""
    scenario = load_scenario(SCENARIOS / "disaster-burst.yaml").with_overrides(
        travel_minutes={"dist": "exponential", "mean": 30}, headcount={"counter": 4})
    data = json.loads(json.dumps(scenario.model_dump(mode="json")))
    assert Scenario.model_validate(data) == scenario
