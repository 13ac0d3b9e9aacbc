"""The report shows the store's latest completed simulation run, and verify re-reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from bpr.cli import app
from bpr.i18n import translator
from bpr.model.canonical import canonical_json, content_hash
from bpr.model.load import load_procedure
from bpr.sim import load_scenario, simulate_batch
from models.store.database import RunStatus, SimulationResult, Store
from tests.bpr.render.test_report import make_procedures
from tests.conftest import EXAMPLE, PROCEDURES


def _simulated_store(url: str, *, complete: bool = True) -> int:
    store = Store(url)
    scenario = load_scenario(PROCEDURES / "scenarios" / "default.yaml").model_copy(
        update={"horizon_days": 30, "drain_days": 60, "warmup_days": 0})
    run = store.start_run("simulate", {}, seed=scenario.seed, code_version="test")
    for batch, version in enumerate(("as-is", "to-be")):
        model = load_procedure(EXAMPLE / f"{version}.yaml")
        reps = [r.model_dump(mode="json") for r in simulate_batch(model, scenario, range(2))]
        store.put_simulation_result(run, version_hash=content_hash(model), procedure_id=model.id,
                                    version=version, name=model.name,
                                    canonical_json=canonical_json(model), scenario_key=scenario.name,
                                    batch=batch, replications=[0, 1], results={"replications": reps})
    if complete:
        store.finish_run(run, RunStatus.COMPLETED)
    store.close()
    return run


def test_report_uses_latest_completed_run_and_verify_rereads_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", url)
    run = _simulated_store(url)
    _simulated_store(url, complete=False)  # a later run that never completed is not used
    procedures = make_procedures(tmp_path / "procedures", golden=False, broken=False)
    out = tmp_path / "site"
    runner = CliRunner()
    args = ["--procedures", str(procedures), "--workers", "1"]
    result = runner.invoke(app, ["report", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"with simulation run {run}" in result.output
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["simulation_run"] == run and manifest["simulation_sha256"]
    page = (out / "procedures" / "child-allowance-claim.html").read_text("utf-8")
    _ = translator("ja")  # the report's columns and versions, in its language
    assert _("lead time (days)") in page and f"<td>{_('as-is')}</td>" in page

    result = runner.invoke(app, ["verify", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"simulation run {run}" in result.output

    # the stored results change under the report: verify notices
    store = Store(url)
    with store.transaction() as s:
        row = s.query(SimulationResult).filter_by(run_id=run, version="to-be").one()
        results = json.loads(json.dumps(row.results))
        results["replications"][0]["metrics"]["staff_hours"] += 100.0
        s.execute(update(SimulationResult).where(SimulationResult.id == row.id)
                  .values(results=results))
    store.close()
    result = runner.invoke(app, ["verify", str(out), *args])
    assert result.exit_code == 1
    assert "simulation" in result.output


def test_report_without_store_has_no_simulation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETSUZUKI_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .tetsuzuki/ here: nothing is created to read nothing
    procedures = make_procedures(tmp_path / "procedures", golden=False, broken=False)
    result = CliRunner().invoke(app, ["report", str(tmp_path / "site"), "--procedures",
                                      str(procedures), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "without simulation results" in result.output
    assert not (tmp_path / ".tetsuzuki").exists()
