"""analyze_catalog: validated, measured and diffed procedures in the store, with artifacts."""

from __future__ import annotations

from prefect.task_runners import ThreadPoolTaskRunner

from bpr.analysis.diff import diff
from bpr.model.load import load_procedure
from flows.analyze import analyze_catalog
from models.store.database import RunStatus, Store
from tests.conftest import EXAMPLE


def test_analysis_is_stored_per_procedure(prefect_server: str, store_file: str) -> None:
    run_id = analyze_catalog.with_options(task_runner=ThreadPoolTaskRunner(max_workers=2))(
        procedures=["child-allowance-claim", "pregnancy-notification"], database_url=store_file)
    store = Store(store_file)
    run = store.run(run_id)
    assert run.status == RunStatus.COMPLETED and run.tasks_done == run.tasks_expected == 2
    results = {r.subject: r for r in store.analysis_results(run_id, kind="procedure")}
    assert set(results) == {"child-allowance-claim", "pregnancy-notification"}
    claim = results["child-allowance-claim"]
    assert len(claim.version_hashes) == 2
    assert all(store.get_version(h) is not None for h in claim.version_hashes)
    expected = diff(load_procedure(EXAMPLE / "as-is.yaml"), load_procedure(EXAMPLE / "to-be.yaml"))
    stored = claim.payload["changeset"]["total_savings_per_year"]
    assert abs(stored["counter_visits"] - expected.total_savings().counter_visits) < 1e-6
    assert {v["version"] for v in claim.payload["versions"]} == {"as-is", "to-be"}
    ranking = store.analysis_results(run_id, kind="ranking")
    assert len(ranking) == 1
    rows = ranking[0].payload["rows"]
    assert len(rows) == 2 and rows[0]["rank"] == 1
    # readers of "the latest analysis" see this completed run
    assert {r.subject for r in store.analysis_results(kind="procedure")} == set(results) - {"catalog"}
    store.close()
