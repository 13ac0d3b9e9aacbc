"""Steps of features/ranking.feature: a planner ranks the catalog and reads why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, then, when
from typer.testing import CliRunner

from bpr.cli import app
from bpr.model import lineage
from bpr.model.catalog import load_catalog
from bpr.model.load import Located, load_located
from bpr.planning.weights import Weights, load_weights
from models.procedure import ProcedureVersion

scenarios("ranking.feature")

_MODELS: dict[Path, tuple[ProcedureVersion, Located]] = {}


@pytest.fixture(autouse=True)
def models_loaded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse each catalog model once for both scenarios (YAML parsing is the slow part)."""
    def load(path: str | Path) -> tuple[ProcedureVersion, Located]:
        key = Path(path).resolve()
        if key not in _MODELS:
            _MODELS[key] = load_located(key)
        model, located = _MODELS[key]
        located = Located(located.data, located.positions, str(path))  # messages name `path`
        return model, located

    monkeypatch.setattr(lineage, "load_located", load)


@given("手続カタログと既定の重みがある", target_fixture="weights")
def catalog_and_weights() -> Weights:
    assert load_catalog().procedures
    return load_weights()


@when(parsers.parse('"tetsuzuki {command}" でカタログを順位付けする'), target_fixture="result")
def run_rank(command: str) -> Any:
    # expected counts only: the planner's figures must not depend on a local store
    return CliRunner().invoke(app, [*command.split(), "--no-store", "--format", "json"])


@then(parsers.parse("終了コードは {code:d} である"))
def exit_code(result: Any, code: int) -> None:
    assert result.exit_code == code, result.output


def _rows(result: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(result.stdout)["ranking"]
    return rows


@then("1位の手続の行に年間件数と住民・職員の削減時間が示される")
def first_row_figures(result: Any) -> None:
    first = _rows(result)[0]
    assert first["rank"] == 1
    catalog = load_catalog()
    assert first["annual_volume"] == catalog.entry(first["procedure"]).annual_volume
    assert first["resident_hours_saved"] > 0
    assert first["staff_hours_saved"] > 0
    assert first["source"] == "expected counts"


@then("1位の手続のスコアはその行の便益×実現可能性÷労力に等しい")
def first_score(result: Any) -> None:
    first = _rows(result)[0]
    assert first["score"] == pytest.approx(
        first["benefit"] * first["feasibility"] / first["effort"], rel=1e-3)


@then("便益はその行の削減量に重みを掛けた合計に等しい")
def benefit_sum(result: Any, weights: Weights) -> None:
    first = _rows(result)[0]
    b = weights.benefit
    expected = (b.resident_hours * first["resident_hours_saved"]
                + b.waiting_hours * (first["waiting_hours_saved"] or 0.0)
                + b.staff_hours * first["staff_hours_saved"]
                + b.counter_visits * first["counter_visits_avoided"]
                + b.paper_steps * first["paper_steps_removed"]
                + b.seals * first["seals_removed"]
                + b.transcriptions * first["transcriptions_removed"])
    assert first["benefit"] == pytest.approx(expected, rel=1e-3)


@then("どの手続のスコアも1位の手続のスコアを超えない")
def first_is_best(result: Any) -> None:
    rows = _rows(result)
    assert all(r["score"] <= rows[0]["score"] for r in rows)


@then("どの手続にも順位の幅が示され、その幅は元の順位を含む")
def rank_ranges(result: Any) -> None:
    rows = _rows(result)
    assert rows
    for row in rows:
        assert row["best_rank"] <= row["rank"] <= row["worst_rank"]
