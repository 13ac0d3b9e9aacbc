"""A national sweep on a local Dask cluster gives the in-process totals with the same seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bpr.cli import app
from bpr.planning.national import national_summary
from bpr.sim.national import load_national_scenario
from flows.common import load_catalog_versions
from flows.national import (
    BUILTIN_NATIONAL,
    national_payload,
    national_sweep,
    pack_items,
    plan_items,
    run_in_process,
)
from models.store.database import RunStatus, Store

BANDS = ["p0-5k", "p5k-10k", "p10k-30k"]
PROCEDURES = ["child-allowance-claim", "parking-certificate"]
SWEEP = {"bands": BANDS, "procedures": PROCEDURES, "online_shares": (0.5,), "replications": 2,
         "years": 0.2, "seed": 11}


def test_three_bands_on_dask_give_the_in_process_totals(prefect_server: str, tmp_path: Path,
                                                        dask_cluster: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect_dask import DaskTaskRunner

    url = f"sqlite:///{tmp_path / 'store.db'}"
    run_id = national_sweep.with_options(task_runner=DaskTaskRunner(address=dask_cluster))(
        database_url=url, target_cases_per_task=100, **SWEEP)  # type: ignore[arg-type]

    national = load_national_scenario(BUILTIN_NATIONAL)
    items = plan_items(national, load_catalog_versions(PROCEDURES), (0.5,), 2, bands=BANDS,
                       seed=11, horizon_days=73)
    assert len(pack_items(items, 100)) > 2  # the run really was split into several tasks
    expected = national_summary(national, run_in_process(national, items))

    store = Store(url)
    try:
        run = store.run(run_id)
        assert run.status == RunStatus.COMPLETED
        assert run.tasks_done == run.tasks_expected == len(items)  # the totals are no task
        found = national_payload(store, None)
    finally:
        store.close()
    assert found is not None
    shown, summary = found
    assert shown == run_id
    assert summary == expected
    total = summary.row("total", "as-is", None)
    assert total.municipalities == 269 + 257 + 455
    assert total.total["arrived"].mean and total.total["fte"].mean
    # The paper as-is leaves more paper than the to-be at 50 % online.
    assert (summary.row("total", "to-be", 0.5).total["sheets"].mean or 0) < (total.total["sheets"].mean or 0)

    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["national", "--band", "total", "--format", "json"])
    assert result.exit_code == 0, result.output
    shown_json = json.loads(result.output)
    assert shown_json["run"] == run_id
    assert {(r["band"], r["version"]) for r in shown_json["rows"]} >= {("total", "as-is"),
                                                                      ("total", "to-be")}
