"""`tetsuzuki simulate` says loudly when cases never finish, and exits 1 above the share."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bpr.cli import app
from bpr.cli.simulate_cmd import unfinished_report
from bpr.sim import ReplicationResult
from tests.bpr.analysis.test_soundness import LOW_EXIT_LOOP, SOUND_NESTED_LOOP, XOR_INTO_JOIN, model_yaml

runner = CliRunner()
FAST = ["--replications", "2", "--years", "0.2"]


def _write(tmp_path: Path, model: tuple[list, list]) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "m.yaml"
    path.write_text(model_yaml(*model), encoding="utf-8")
    return path


def test_cases_stuck_at_an_and_join_fail_the_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, XOR_INTO_JOIN)), *FAST])
    assert result.exit_code == 1
    assert "error: t as-is:" in result.stderr
    assert "(100.0%) did not finish within the 365 drain days" in result.stderr
    assert "stuck for ever: every branch waits at an and-join" in result.stderr
    assert "unfinished" in result.stdout  # the results are still shown


def test_a_larger_allowed_share_lets_the_run_pass_but_still_warns(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, XOR_INTO_JOIN)), *FAST,
                                 "--max-unfinished-share", "1"])
    assert result.exit_code == 0
    assert "warning: t as-is:" in result.stderr and "stuck for ever" in result.stderr


def test_a_loop_almost_never_left_fails_the_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, LOW_EXIT_LOOP)), *FAST])
    assert result.exit_code == 1
    assert "the model has a loop that is almost never left" in result.stderr


def test_a_sound_model_passes_silently(tmp_path: Path) -> None:
    result = runner.invoke(app, ["simulate", str(_write(tmp_path, SOUND_NESTED_LOOP)), *FAST])
    assert result.exit_code == 0, result.output
    assert "did not finish" not in result.stderr


def _result(arrived_per_year: float, unfinished: float, stuck: float) -> ReplicationResult:
    return ReplicationResult.model_validate({
        "procedure": "p", "version": "to-be", "scenario": "s", "replication": 0, "seed": 1,
        "spawn_key": [], "start": "2025-04-01", "end": "2026-03-31", "years": 1.0, "cases": 1,
        "metrics": {"arrived": arrived_per_year, "unfinished": unfinished, "stuck": stuck},
        "throughput_per_month": {}, "actors": [], "step_visits": {}})


def test_slow_cases_of_a_sound_model_are_a_warning_only() -> None:
    # Like the catalog's school-fee collection: 3.5% still open after a year of drain, in a
    # payment loop with a long tail, none stuck.
    line, too_many = unfinished_report([_result(1000, 35, 0)], 0.01, 365)
    assert not too_many
    assert line is not None and line.startswith("warning: p to-be: 35.0 of 1,000.0 cases")
    assert "a longer drain_days lets them finish" in line


def test_stuck_share_is_judged_against_the_limit() -> None:
    assert unfinished_report([_result(1000, 20, 20)], 0.01, 365)[1]
    assert not unfinished_report([_result(1000, 20, 5)], 0.01, 365)[1]
    assert unfinished_report([_result(1000, 20, 0)], 0.01, 365, low_exit_loop=True)[1]
    assert unfinished_report([_result(1000, 0, 0)], 0.01, 365) == (None, False)
