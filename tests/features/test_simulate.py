"""Steps of features/simulate.feature: a working group compares as-is and to-be by simulation."""

from __future__ import annotations

import json
from typing import Any

from pytest_bdd import parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.cli import app
from tests.conftest import EXAMPLE

scenarios("simulate.feature")

QUICK = ["--years", "0.25", "--format", "json"]


def _run(args: list[str]) -> Any:
    return CliRunner().invoke(app, ["simulate", *args, *QUICK])


@when(parsers.parse('"tetsuzuki simulate" で児童手当の認定請求フォルダを {n:d} 回の反復で'
                    'シミュレーションする'), target_fixture="result")
def simulate_folder(n: int) -> Any:
    return _run([str(EXAMPLE), "--replications", str(n)])


@when(parsers.parse("見直し後フローをオンライン申請率 {share:g} でシミュレーションする"),
      target_fixture="result")
def simulate_online(share: float) -> Any:
    return _run([str(EXAMPLE / "to-be.yaml"), "--replications", "2", "--online-share", str(share)])


@when(parsers.parse("見直し後フローをシード {seed:d} で 2 回シミュレーションする"), target_fixture="runs")
def simulate_twice(seed: int) -> list[Any]:
    args = [str(EXAMPLE / "to-be.yaml"), "--replications", "2", "--seed", str(seed)]
    return [_run(args), _run(args)]


def _summaries(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    return {s["version"]: s for s in json.loads(result.stdout)["summaries"]}


@then(parsers.parse("終了コードは {code:d} である"))
def exit_code(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output


@then("見直し後の平均処理日数は現行より短い")
def shorter(result: Any) -> None:
    s = _summaries(result)
    lead = "lead_time_days_mean"
    assert s["to-be"]["metrics"][lead]["mean"] < s["as-is"]["metrics"][lead]["mean"]


@then("見直し後の押印は 0 件である")
def no_seals(result: Any) -> None:
    assert _summaries(result)["to-be"]["metrics"]["seals"]["mean"] == 0


@then("各指標に 95% 信頼区間が付いている")
def intervals(result: Any) -> None:
    for summary in _summaries(result).values():
        lead = summary["metrics"]["lead_time_days_mean"]
        assert lead["low"] <= lead["mean"] <= lead["high"]
        assert lead["n"] == 2


@then("1件あたりの来庁回数は 0 である")
def no_visits(result: Any) -> None:
    assert _summaries(result)["to-be"]["metrics"]["counter_visits_mean"]["mean"] == 0


@then("2 回の結果は同一である")
def identical(runs: list[Any]) -> None:
    first, second = (json.loads(r.stdout) for r in runs)
    assert first == second
