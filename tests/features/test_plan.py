"""Steps of features/plan.feature: the planner's three questions at 60% online."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.cli import app
from bpr.model.catalog import builtin_root, load_catalog

scenarios("plan.feature")

_RESULTS: dict[str, Any] = {}


@given("組込みカタログと組込みの市シナリオがある")
def catalog_and_city() -> None:
    assert load_catalog().procedures
    assert (builtin_root() / "scenarios" / "city.yaml").is_file()


@when(parsers.parse('"tetsuzuki {command}" で計画を出す'), target_fixture="result")
def run_plan(command: str) -> Any:
    # One run serves the three scenarios (a city year is simulated for the peak month).
    if command not in _RESULTS:
        _RESULTS[command] = CliRunner().invoke(
            app, [*command.split(), "--replications", "2", "--format", "json"])
    return _RESULTS[command]


@then(parsers.parse("終了コードは {code:d} である"))
def exit_code(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output


def _payload(result: Any) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(result.stdout)
    assert payload["online_share"] == pytest.approx(0.6)
    return payload


def _groups(result: Any) -> dict[str, dict[str, Any]]:
    return {g["group"]: g for g in _payload(result)["groups"]}


@then("市町村と都道府県と合計のそれぞれに、紙の申請書と紙の通知の年間件数が見直し前後で示される")
def paper_forms_shown(result: Any) -> None:
    groups = _groups(result)
    assert set(groups) == {"municipal", "prefectural", "total"}
    for group in groups.values():
        for side in ("as_is", "to_be"):
            assert group[side]["paper_applications"] >= 0
            assert group[side]["paper_notices"] >= 0


@then("見直し後に紙で残る申請書は見直し前より少ない")
def fewer_paper_forms(result: Any) -> None:
    total = _groups(result)["total"]
    assert total["to_be"]["paper_applications"] < total["as_is"]["paper_applications"]


@then("合計は市町村と都道府県の和に等しい")
def total_is_the_sum(result: Any) -> None:
    groups = _groups(result)
    for side in ("as_is", "to_be"):
        for name, value in groups["total"][side].items():
            parts = groups["municipal"][side][name] + groups["prefectural"][side][name]
            assert value == pytest.approx(parts), name


@then("浮く常勤換算人数は浮く職員時間を年1,600時間で割ったものに等しい")
def fte_freed(result: Any) -> None:
    total = _groups(result)["total"]
    assert total["saved"]["fte"] == pytest.approx(total["saved"]["staff_hours"] / 1600)
    assert total["saved"]["fte"] > 0


@then("浮く職員時間は各手続の見直し前後の職員時間の差の合計に等しい")
def staff_hours_freed(result: Any) -> None:
    payload = _payload(result)
    by_procedure = math.fsum(p["as_is"]["staff_hours"] - p["to_be"]["staff_hours"]
                             for p in payload["procedures"])
    assert _groups(result)["total"]["saved"]["staff_hours"] == pytest.approx(by_procedure)


@then("繁忙月は申請の最も多い月で、見直し前後で同じ申請者が来る")
def peak_month_is_paired(result: Any) -> None:
    peak = _payload(result)["peak_month"]
    assert peak["replications"] == 2
    arrivals = peak["as_is"]["arrivals"]
    assert arrivals["mean"] > 0
    assert peak["to_be"]["arrivals"]["mean"] == arrivals["mean"]
    assert peak["difference"]["arrivals"]["mean"] == 0


@then("繁忙月の窓口待ち時間の平均と90パーセンタイルが見直し前後で示され、差には95%信頼区間が付く")
def peak_waiting(result: Any) -> None:
    peak = _payload(result)["peak_month"]
    for measure in ("counter_wait_mean", "counter_wait_p90"):
        before, after = peak["as_is"][measure], peak["to_be"][measure]
        diff = peak["difference"][measure]
        assert before["mean"] is not None and after["mean"] is not None
        assert diff["mean"] == pytest.approx(after["mean"] - before["mean"])
        assert diff["low"] <= diff["mean"] <= diff["high"]
