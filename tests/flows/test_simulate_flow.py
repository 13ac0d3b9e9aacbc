"""simulate_catalog: a real Prefect flow over a process pool, results in the store."""

from __future__ import annotations

import json
from typing import Any

from prefect.task_runners import ProcessPoolTaskRunner

from bpr.load import load_procedure
from bpr.sim import load_scenario, simulate_batch
from flows.common import load_catalog_versions
from flows.simulate import BUILTIN_SCENARIO, plan_tasks, simulate_catalog
from models.store import RunStatus, Store
from tests.conftest import EXAMPLE


def _artifacts(key: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        return list(client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))))


def test_batches_are_sized_for_work_not_one_per_replication() -> None:
    versions = load_catalog_versions(["child-allowance-claim"])
    base = load_scenario(BUILTIN_SCENARIO)
    tasks = plan_tasks(versions, base, (0.3, 0.6, 0.9), replications=10)
    # 410 cases a year: a replication is ~440 cases, so all 10 replications go in one task
    assert all(len(t.replications) == 10 for t in tasks)
    # the paper as-is has no channel choice: one scenario; the to-be: three online shares
    assert sorted((t.version.model.version, t.scenario.name) for t in tasks) == [
        ("as-is", "default"), ("to-be", "default-online-0.3"), ("to-be", "default-online-0.6"),
        ("to-be", "default-online-0.9")]
    small = plan_tasks(versions, base, (0.5,), replications=10, target_cases=1000)
    assert {len(t.replications) for t in small} == {3, 1}  # 3+3+3+1 per version/scenario
    assert sum(len(t.replications) for t in small) == 2 * 10


def test_sweep_stores_exactly_what_the_engine_computes(prefect_server: str, store_file: str) -> None:
    run_id = simulate_catalog.with_options(task_runner=ProcessPoolTaskRunner(max_workers=2))(
        procedures=["child-allowance-claim"], online_shares=(0.3, 0.9), replications=3,
        years=0.25, seed=11, database_url=store_file, target_cases_per_task=150)
    store = Store(store_file)
    run = store.run(run_id)
    assert run.status == RunStatus.COMPLETED
    assert run.tasks_expected == run.tasks_done > 3  # batches of about 150 cases
    assert run.flow_run_id
    rows = store.simulation_results(run_id)
    by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault((row.version, row.scenario_key), []).extend(row.results["replications"])
    assert set(by_key) == {("as-is", "default"), ("to-be", "default-online-0.3"),
                           ("to-be", "default-online-0.9")}

    model = load_procedure(EXAMPLE / "to-be.yaml")
    scenario = load_scenario(BUILTIN_SCENARIO).model_copy(update={
        "horizon_days": 91, "seed": 11, "online_share": 0.9, "name": "default-online-0.9"})
    direct = [r.model_dump(mode="json") for r in simulate_batch(model, scenario, range(3))]
    stored = sorted(by_key[("to-be", "default-online-0.9")], key=lambda r: r["replication"])
    assert json.dumps(stored, sort_keys=True) == json.dumps(direct, sort_keys=True)

    def visits(key: tuple[str, str]) -> float:
        return sum(r["metrics"]["counter_visits"] for r in by_key[key])

    # more online applications, fewer counter visits; the paper as-is has the most
    assert visits(("to-be", "default-online-0.9")) < visits(("to-be", "default-online-0.3"))
    assert visits(("to-be", "default-online-0.3")) < visits(("as-is", "default"))

    tables = [a for a in _artifacts("simulation-sweep") if str(a.flow_run_id) == run.flow_run_id]
    assert tables, "the sweep's table artifact is missing"
    table = json.loads(tables[0].data) if isinstance(tables[0].data, str) else tables[0].data
    assert {r["scenario"] for r in table} == {"default", "default-online-0.3", "default-online-0.9"}
    store.close()
