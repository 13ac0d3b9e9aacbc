"""Simulation rows for the report: grouped, ordered, stable."""

from __future__ import annotations

from bpr.model.load import load_procedure
from bpr.sim import load_scenario, simulate_batch
from bpr.sim.tables import REPORT_COLUMNS, simulation_rows
from tests.conftest import EXAMPLE, PROCEDURES


def test_rows_per_procedure_version_and_scenario() -> None:
    scenario = load_scenario(PROCEDURES / "scenarios" / "default.yaml").model_copy(
        update={"horizon_days": 60, "drain_days": 60, "warmup_days": 0})
    results = []
    for version in ("to-be", "as-is"):
        model = load_procedure(EXAMPLE / f"{version}.yaml")
        results += simulate_batch(model, scenario, range(3))
    rows = simulation_rows(reversed(results))
    assert list(rows) == ["child-allowance-claim"]
    table = rows["child-allowance-claim"]
    assert [r["version"] for r in table] == ["as-is", "to-be"]
    assert all(r["replications"] == 3 for r in table)
    assert set(REPORT_COLUMNS.values()) <= set(table[0])
    assert "±" in table[0]["lead time (days)"]  # mean with a 95% half-width
    assert simulation_rows(results) == rows  # order of input does not matter
