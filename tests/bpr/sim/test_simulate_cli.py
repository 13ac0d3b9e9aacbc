"""`tetsuzuki simulate` and `tetsuzuki run simulate`: undefined statistics, help texts,
range checks and located scenario errors, as users meet them."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.cli.simulate_cmd import strict_json
from bpr.errors import SimulationError
from bpr.sim import ScenarioError
from tests.conftest import EXAMPLE, PROCEDURES

runner = CliRunner()
# No applications in 4 days: every per-case statistic is undefined.
EMPTY = ["simulate", str(PROCEDURES / "childcare" / "child-allowance-donation-change"),
         "--years", "0.01", "--replications", "3"]


def _refuse_constant(token: str) -> Any:
    raise AssertionError(f"{token} is not JSON")


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real command (its error handling and exit status), in a subprocess."""
    return subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", *args],
                          capture_output=True, text=True, check=False,
                          env={**os.environ, **(env or {})})


def test_json_with_no_cases_has_null_for_undefined_statistics() -> None:
    result = runner.invoke(app, [*EMPTY, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    payload = json.loads(result.stdout, parse_constant=_refuse_constant)
    for summary in payload["summaries"]:
        m = summary["metrics"]
        assert m["arrived"]["mean"] == 0 and m["arrived"]["n"] == 3
        for name in ("lead_time_days_mean", "counter_wait_minutes_mean", "resident_minutes_mean"):
            assert m[name] == {"mean": None, "low": None, "high": None, "half_width": None,
                               "sd": None, "n": 0}, name


def test_table_with_no_cases_leaves_undefined_statistics_blank() -> None:
    result = runner.invoke(app, [*EMPTY, "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {line.split(",")[0]: line.split(",")[1:] for line in result.stdout.splitlines()}
    # as-is, to-be, change, to-be − as-is (paired)
    assert rows["counter_wait_minutes_mean"] == ["", "", "", ""]
    assert rows["lead_time_days_mean"] == ["", "", "", ""]
    assert rows["arrived"][:2] == ["0.000 ± 0.000", "0.000 ± 0.000"]


def test_the_json_writer_refuses_nan_and_infinity() -> None:
    assert strict_json({"a": None}) == '{\n  "a": null\n}\n'
    for bad in (math.nan, math.inf):
        with pytest.raises(SimulationError, match="not a finite number"):
            strict_json({"metrics": {"x": bad}})


def test_help_shows_the_defaults_and_the_range() -> None:
    env = {"COLUMNS": "200", "TERMINAL_WIDTH": "200"}
    simulate = runner.invoke(app, ["simulate", "--help"], env=env).stdout
    assert "[default: (the scenario's replications, 10 in default.yaml)]" in simulate
    assert "[default: (the scenario's horizon_days / 365, 1 in default.yaml)]" in simulate
    sweep = runner.invoke(app, ["run", "simulate", "--help"], env=env).stdout
    line = next(ln for ln in sweep.splitlines() if "--online-share" in ln)
    assert "[0.0<=x<=1.0]" in line and "a number from 0 to 1" in line
    assert "[default: (0.3 0.6 0.9)]" in sweep


@pytest.mark.parametrize("share", ["1.5", "-0.2"])
def test_run_simulate_refuses_a_share_outside_0_1_before_anything_runs(tmp_path: Path,
                                                                       share: str) -> None:
    store = tmp_path / "store.db"
    result = runner.invoke(app, ["run", "simulate", "-p", "child-allowance-claim", "--online-share",
                                 "0.5", "--online-share", share],
                           env={"TETSUZUKI_DATABASE_URL": f"sqlite:///{store}"})
    assert result.exit_code == 2
    assert "Invalid value for '--online-share'" in result.output
    assert not store.exists()


@pytest.mark.parametrize("share", ["1.5", "-0.2"])
def test_simulate_refuses_a_share_outside_0_1(share: str) -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE / "to-be.yaml"), "--online-share", share])
    assert result.exit_code == 2 and "Invalid value for '--online-share'" in result.output


SCENARIO_ERRORS = [
    ("headcount: {counterr: 3}\n",
     "2:13: error field 'headcount.counterr': unknown actor 'counterr' in child-allowance-claim "
     "(to-be); did you mean 'counter'?"),
    ("calendar:\n  weekdays: []\n",
     "3:13: error field 'calendar.weekdays': the office would be open on no day"),
    ("burst: {start: 2025-09-01, days: 30, applications: 3000, procedures: [child-allowance-claimm]}\n",
     "2:71: error field 'burst.procedures[0]': unknown procedure id 'child-allowance-claimm'; "
     "did you mean 'child-allowance-claim'?"),
    ("burst: {start: 2030-09-01, days: 30, applications: 3000}\n",
     "2:16: error field 'burst.start': the burst starts on 2030-09-01, outside the simulated "
     "period 2025-04-01 – 2026-03-31"),
]


@pytest.mark.parametrize(("body", "expected"), SCENARIO_ERRORS)
def test_scenario_mistakes_are_located_errors(tmp_path: Path, body: str, expected: str) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\n" + body, encoding="utf-8")
    result = runner.invoke(app, ["simulate", str(EXAMPLE / "to-be.yaml"), "--scenario", str(scenario),
                                 "--replications", "1"])
    assert isinstance(result.exception, ScenarioError), result.output    # printed by main(), exit 1
    assert str(result.exception).startswith(f"{scenario}:{expected}"), result.exception


def test_a_horizon_too_short_for_the_burst_is_located_at_the_burst() -> None:
    """As the user sees it: the message on standard error, exit status 1, no traceback."""
    scenario = PROCEDURES / "scenarios" / "disaster-burst.yaml"
    proc = _cli("simulate", str(PROCEDURES / "disaster" / "disaster-certificate"), "--scenario",
                str(scenario), "--years", "0.25", "--replications", "1")
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"{scenario}:17:10: error field 'burst.start': the burst starts "
                                  "on 2025-09-02, outside the simulated period 2025-03-02 – 2025-06-30 "
                                  "(start 2025-04-01, warmup_days 30, horizon_days 91)"), proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_burst_for_another_procedure_is_noted() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE / "to-be.yaml"), "--scenario",
                                 str(PROCEDURES / "scenarios" / "disaster-burst.yaml"),
                                 "--replications", "1", "--years", "0.6", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "note: the burst of scenario 'disaster-burst' applies to disaster-certificate only, " \
           "not to child-allowance-claim" in result.stderr
    json.loads(result.stdout, parse_constant=_refuse_constant)


def test_a_folder_pairing_two_procedures_is_refused_before_simulating(tmp_path: Path) -> None:
    folder = tmp_path / "mix"
    folder.mkdir()
    childcare = PROCEDURES / "childcare"
    (folder / "as-is.yaml").write_bytes(
        (childcare / "child-allowance-claim" / "as-is.yaml").read_bytes())
    (folder / "to-be.yaml").write_bytes(
        (childcare / "nursery-application" / "to-be.yaml").read_bytes())
    result = _cli("simulate", str(folder), "--replications", "1")
    assert result.returncode == 1
    assert f"{folder / 'to-be.yaml'}:" in result.stderr + result.stdout
    assert "different procedures" in result.stderr + result.stdout


def test_a_folder_shows_the_paired_difference_in_the_table_and_in_json() -> None:
    args = ["simulate", str(EXAMPLE), "--years", "0.3", "--replications", "3"]
    table = runner.invoke(app, [*args, "--format", "csv"])
    assert table.exit_code == 0, table.output
    header, *lines = table.stdout.splitlines()
    assert header.split(",") == ["metric", "as-is", "to-be", "change", "to-be − as-is (paired)"]
    rows = {line.split(",")[0]: line.split(",")[1:] for line in lines}
    assert rows["arrived"][3] == "0.000 ± 0.000"   # the same applicants in both versions
    result = runner.invoke(app, [*args, "--format", "json"])
    payload = json.loads(result.stdout, parse_constant=_refuse_constant)
    paired = payload["paired_differences"]
    assert (paired["first"], paired["second"]) == ("as-is", "to-be")
    staff = paired["metrics"]["staff_hours"]
    as_is, to_be = (s["metrics"]["staff_hours"]["mean"] for s in payload["summaries"])
    assert staff["mean"] == pytest.approx(to_be - as_is) and staff["n"] == 3


def test_an_online_share_for_a_version_without_a_channel_is_an_error_naming_it() -> None:
    proc = _cli("simulate", str(EXAMPLE / "as-is.yaml"), "--online-share", "0.5", "--replications", "1")
    assert proc.returncode == 1
    assert "online share 0.5 cannot be applied to child-allowance-claim (as-is)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_in_a_folder_the_online_share_applies_to_the_version_with_a_channel() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--online-share", "1", "--years", "0.1",
                                 "--replications", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "note: the online share 1 applies to to-be only; child-allowance-claim (as-is) has no " \
           "channel attribute" in result.stderr
    payload = json.loads(result.stdout, parse_constant=_refuse_constant)
    as_is, to_be = (s["metrics"]["counter_visits"]["mean"] for s in payload["summaries"])
    assert as_is > 0 and to_be == 0
