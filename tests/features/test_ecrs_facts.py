"""Steps of features/ecrs_facts.feature: ECRS counted at the level of facts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.analysis.diff import Change, ChangeSet, diff
from bpr.analysis.ecrs import ECRS_KINDS, ChangeKind
from bpr.analysis.measures import applied_measures
from bpr.cli import app
from models.procedure import ProcedureVersion
from tests.bpr.analysis.analysis_models import build, chain, gateway, step
from tests.conftest import EXAMPLE

scenarios("ecrs_facts.feature")


class Pair:
    """The literal as-is / to-be pair a scenario builds, and its diff."""

    as_is: ProcedureVersion
    to_be: ProcedureVersion
    changeset: ChangeSet


@pytest.fixture
def pair() -> Pair:
    return Pair()


def _change(changeset: ChangeSet, step_id: str) -> Change:
    return next(c for c in changeset.changes if step_id in c.as_is_steps + c.to_be_steps)


def _hours(change: Change, kind: ChangeKind) -> float:
    part = change.savings_of(kind)
    return (part.resident_minutes + part.staff_minutes_total) / 60


@given("現行では職員が申請書を基幹システムへ転記する（10分、年100件）")
def retyping_as_is(pair: Pair) -> None:
    pair.as_is = build([step("data-entry", "office", 10, transcription=True)], chain("data-entry"))


@given("見直し後はそれを置き換えたシステム取込を職員が1分で確認する")
def import_to_be(pair: Pair) -> None:
    pair.to_be = build([step("import-check", "office", 1, channel="system",
                             replaces=["data-entry"], rationale="取込機能")],
                       chain("import-check"), version="to-be")


@given("現行ではすべての申請者が市役所へ行き（往復40分）、窓口で受け付ける（年100件）")
def counter_as_is(pair: Pair) -> None:
    pair.as_is = build([step("travel", "resident", 40, travel=True),
                        step("reception", "clerk", 5, channel="counter", in_person=True)],
                       chain("travel", "reception"))


@given("見直し後は 60% がオンラインで申請し、残りは今までどおり窓口へ行く")
def channel_shift_to_be(pair: Pair) -> None:
    pair.to_be = build(
        [gateway("choose"), step("apply-online", "resident", 10, channel="online",
                                 rationale="マイナポータル"),
         step("travel", "resident", 40, travel=True),
         step("reception", "clerk", 5, channel="counter", in_person=True)],
        [("start", "choose"), ("choose", "apply-online", 0.6), ("choose", "travel", 0.4),
         ("travel", "reception"), ("reception", "end"), ("apply-online", "end")],
        version="to-be")


@given("現行では職員が審査を行う（チャネル none）")
def review_as_is(pair: Pair) -> None:
    pair.as_is = build([step("review", "office", 10)], chain("review"))


@given("見直し後は同じ審査をチャネル system で行う")
def review_to_be(pair: Pair) -> None:
    pair.to_be = build([step("review", "office", 10, channel="system")], chain("review"),
                       version="to-be")


@given("児童手当の認定請求の現行フローと見直し後フローがある", target_fixture="folder")
def example_folder() -> Any:
    return EXAMPLE


@when("現行と見直し後を比較する")
def compare(pair: Pair) -> None:
    pair.changeset = diff(pair.as_is, pair.to_be)


@when('"tetsuzuki diff" で手続のフォルダを比較する', target_fixture="result")
def diff_folder(folder: Any) -> Any:
    result = CliRunner().invoke(app, ["diff", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    return result


@then(parsers.parse('職員の削減時間はすべて "{letter}" に数えられる'))
def staff_all_in(pair: Pair, letter: str) -> None:
    change = _change(pair.changeset, "data-entry")
    assert change.savings.staff_minutes_total / 60 == pytest.approx(15.0)  # 9 min × 100
    assert change.savings_of(ChangeKind(letter)).staff_minutes_total / 60 == pytest.approx(15.0)


@then(parsers.parse('なくなった事実として "{fact}" が年 {count:d} 件示される'))
def fact_eliminated(pair: Pair, fact: str, count: int) -> None:
    assert _change(pair.changeset, "data-entry").eliminated_facts[fact] == pytest.approx(count)


@then(parsers.parse('適用した施策に "{label}" が含まれる'))
def measure_applied(pair: Pair, label: str) -> None:
    assert label in [m.label for m in applied_measures(pair.as_is, pair.to_be, pair.changeset)]


@then(parsers.parse('手順 "{step_id}" の削減は {share:d}% 分の {hours:d} 時間で、'
                    'すべて "{letter}" に数えられる'))
def shifted_share(pair: Pair, step_id: str, share: int, hours: int, letter: str) -> None:
    change = _change(pair.changeset, step_id)
    assert change.kind is ChangeKind.UNCHANGED  # the step itself did not change
    assert share / 100 * 40 * 100 / 60 == pytest.approx(hours)
    assert change.savings.travel_minutes / 60 == pytest.approx(hours)
    assert _hours(change, ChangeKind(letter)) == pytest.approx(hours)


@then(parsers.parse('来庁の減少 {visits:d} 回/年 はすべて "{letter}" に数えられる'))
def visits_eliminated(pair: Pair, visits: int, letter: str) -> None:
    by_kind = pair.changeset.by_kind()
    assert pair.changeset.total_savings().counter_visits == pytest.approx(visits)
    assert by_kind[ChangeKind(letter)].counter_visits == pytest.approx(visits)


@then(parsers.parse('手順 "{step_id}" の変更は "{letter}" である'))
def kind_of(pair: Pair, step_id: str, letter: str) -> None:
    assert _change(pair.changeset, step_id).kind is ChangeKind(letter)


@then("合計行の E_h・C_h・R_h・S_h の和は resident_h と staff_h の和に等しい")
def total_row_adds_up(result: Any) -> None:
    payload = _json(result)
    total = payload["total_savings_per_year"]
    by_kind = payload["savings_by_kind_per_year"]
    for name in ("resident_hours", "staff_hours_total", "counter_visits", "seals"):
        assert sum(by_kind[k.value][name] for k in ECRS_KINDS) == pytest.approx(total[name], abs=1e-5)
    hours = payload["ecrs_profile"]["hours"]
    assert sum(hours[k.value] for k in ECRS_KINDS) == pytest.approx(
        payload["ecrs_profile"]["total_hours"])


@then('種類 "A" "M" "U" の行は削減時間を E・C・R・S のどれかに数えている')
def nothing_left_outside(result: Any) -> None:
    payload = _json(result)
    assert all(payload["ecrs_profile"]["hours"][k] == 0 for k in "AMU")
    for change in payload["changes"]:
        assert set(change["hours_by_kind"]) <= {"E", "C", "R", "S"}
        assert sum(change["hours_by_kind"].values()) == pytest.approx(
            change["savings_per_year"]["resident_hours"]
            + change["savings_per_year"]["staff_hours_total"], abs=1e-5)


def _json(result: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.output)
    return data
