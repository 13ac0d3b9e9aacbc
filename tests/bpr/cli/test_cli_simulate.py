"""`tetsuzuki simulate` as users call it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bpr.cli import app
from tests.conftest import EXAMPLE

runner = CliRunner()


def test_folder_compares_as_is_with_to_be_in_json() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "2", "--years", "0.5",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["scenario"]["name"] == "default"
    assert payload["scenario"]["horizon_days"] == 182
    as_is, to_be = payload["summaries"]
    assert (as_is["version"], to_be["version"]) == ("as-is", "to-be")
    assert as_is["replications"] == 2
    lead = "lead_time_days_mean"
    assert to_be["metrics"][lead]["mean"] < as_is["metrics"][lead]["mean"]
    assert to_be["metrics"]["seals"]["mean"] == 0 < as_is["metrics"]["seals"]["mean"]


def test_online_share_and_seed_options(tmp_path: Path) -> None:
    args = ["simulate", str(EXAMPLE / "to-be.yaml"), "--replications", "2", "--years", "0.25",
            "--format", "json", "--online-share", "1"]
    first = json.loads(runner.invoke(app, [*args, "--seed", "5"]).stdout)
    again = json.loads(runner.invoke(app, [*args, "--seed", "5"]).stdout)
    other = json.loads(runner.invoke(app, [*args, "--seed", "6"]).stdout)
    (summary,) = first["summaries"]
    assert summary["metrics"]["counter_visits_mean"]["mean"] == 0
    assert first == again
    assert other["summaries"] != first["summaries"]


def test_table_shows_versions_side_by_side() -> None:
    result = runner.invoke(app, ["simulate", str(EXAMPLE), "--replications", "2", "--years", "0.25"])
    assert result.exit_code == 0, result.output
    assert "as-is" in result.stdout and "to-be" in result.stdout and "change" in result.stdout
    assert "lead_time_days_mean" in result.stdout


def test_bad_scenario_is_reported_with_its_location(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: bad\nonline_shar: 0.5\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", "from bpr.cli import main; main()", "simulate",
                           str(EXAMPLE / "as-is.yaml"), "--scenario", str(scenario)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1
    assert f"{scenario}:2:1" in proc.stderr and "did you mean 'online_share'" in proc.stderr
