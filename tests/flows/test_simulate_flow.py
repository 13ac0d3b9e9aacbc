"""simulate_catalog: a real Prefect flow over a process pool, results in the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from prefect.exceptions import ParameterTypeError
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from bpr.model.load import load_procedure
from bpr.sim import ScenarioError, load_scenario, load_scenario_text, simulate_batch
from flows.common import catalog_ids, load_catalog_versions
from flows.simulate import BUILTIN_SCENARIO, check_sweep, plan_tasks, scenario_variants, simulate_catalog
from models.store.database import RunStatus, Store
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
    scenario = load_scenario(BUILTIN_SCENARIO).with_overrides(
        horizon_days=91, seed=11, online_share=0.9, name="default-online-0.9", stream_name="default")
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


@pytest.mark.parametrize("share", [1.5, -0.2])
def test_scenario_variants_refuse_a_share_outside_0_1(share: float) -> None:
    """The variants are validated (with_overrides, not model_copy), with or without a
    channel choice."""
    base = load_scenario(BUILTIN_SCENARIO)
    for has_choice in (True, False):
        with pytest.raises(ScenarioError, match=rf"field 'online_share': .*\(got {share}\); the value "
                           "given as an override"):
            scenario_variants(base, (0.5, share), has_channel_choice=has_choice)
    good = scenario_variants(base, (0.0, 1.0), has_channel_choice=True)
    assert [(s.name, s.online_share) for s in good] == [("default-online-0", 0.0), ("default-online-1", 1.0)]


def test_the_sweep_is_checked_against_the_catalog_and_every_version() -> None:
    versions = load_catalog_versions(["child-allowance-claim"])
    typo = load_scenario_text("name: x\nburst: {start: 2025-09-01, days: 3, applications: 10, "
                              "procedures: [nursery-aplication]}\n", "typo.yaml")
    with pytest.raises(ScenarioError, match=r"^typo\.yaml:2:68: error field 'burst\.procedures\[0\]': "
                       r"unknown procedure id 'nursery-aplication'; did you mean 'nursery-application'\?"):
        check_sweep(versions, typo, (0.5,), catalog_ids())
    staff = load_scenario_text("name: x\nheadcount: {benefit: 3}\n", "hc.yaml")
    with pytest.raises(ScenarioError, match=r"^hc\.yaml:2:13: error field 'headcount\.benefit': unknown "
                       r"actor 'benefit' in child-allowance-claim \(as-is\)"):
        check_sweep(versions, staff, (0.5,), catalog_ids())
    check_sweep(versions, load_scenario(BUILTIN_SCENARIO), (0.5,), catalog_ids())


def test_the_flow_refuses_a_share_outside_0_1_and_stores_no_run(prefect_server: str, tmp_path: Path) -> None:
    """Called from Python or a deployment: Prefect's parameter validation refuses 1.5, and
    so does the flow itself when parameter validation is off."""
    store_url = f"sqlite:///{tmp_path / 'store.db'}"
    runner = ThreadPoolTaskRunner(max_workers=1)
    with pytest.raises(ParameterTypeError, match="less than or equal to 1"):
        simulate_catalog.with_options(task_runner=runner)(
            procedures=["child-allowance-claim"], online_shares=(1.5,), database_url=store_url)
    with pytest.raises(ScenarioError, match=r"field 'online_share': .*\(got -0\.2\)"):
        simulate_catalog.with_options(task_runner=runner, validate_parameters=False)(
            procedures=["child-allowance-claim"], online_shares=(-0.2,), database_url=store_url)
    assert not (tmp_path / "store.db").exists()


def test_online_share_variants_draw_the_base_scenarios_applicants() -> None:
    # The as-is runs under the base scenario and the to-be under its online-share variants:
    # both must see the same applicants (paired), so a variant's name must not change the
    # random numbers; only the share does.
    from bpr.model.load import load_procedure
    from bpr.sim import simulate_replication
    from bpr.sim.scenario import Scenario
    from flows.simulate import scenario_variants
    from tests.conftest import EXAMPLE

    base = Scenario(name="default", horizon_days=60, drain_days=60, online_share=0.6)
    (variant,) = scenario_variants(base, (0.6,), has_channel_choice=True)
    assert variant.name == "default-online-0.6" and variant.seed_name == "default"
    model = load_procedure(EXAMPLE / "to-be.yaml")
    assert simulate_replication(model, variant, 0).metrics == simulate_replication(model, base, 0).metrics
    renamed = base.with_overrides(name="other")
    assert simulate_replication(model, renamed, 0).metrics != simulate_replication(model, base, 0).metrics


def test_a_procedures_versions_share_one_automatic_warmup() -> None:
    versions = load_catalog_versions(["nursery-application", "child-allowance-claim"])
    base = load_scenario(BUILTIN_SCENARIO)
    assert base.warmup_days == "auto"
    tasks = plan_tasks(versions, base, (0.5,), replications=2)
    periods: dict[str, set[tuple[object, object]]] = {}
    for t in tasks:
        periods.setdefault(t.version.model.id, set()).add((t.scenario.warmup_days,
                                                            t.scenario.drain_days))
    # as-is and to-be (and every online share) of one procedure: one period, in numbers
    assert all(len(p) == 1 for p in periods.values())
    (nursery,), (allowance,) = periods["nursery-application"], periods["child-allowance-claim"]
    assert isinstance(nursery[0], int) and nursery[0] > allowance[0] >= 30  # months vs weeks


def _task_runs(flow_run_id: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        return list(client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))))


def _replications(store: Store, run_id: int) -> dict[tuple[str, str, str, int], Any]:
    return {(row.procedure_id, row.version, row.scenario_key, rep["replication"]): rep
            for row in store.simulation_results(run_id) for rep in row.results["replications"]}


def test_units_are_packed_into_a_few_tasks_per_worker_with_the_same_results(
        prefect_server: str, store_file: str) -> None:
    sweep: dict[str, Any] = {"procedures": ["child-allowance-claim", "child-allowance-revision"],
                             "online_shares": (0.3, 0.9), "replications": 4, "years": 0.1,
                             "seed": 3, "target_cases_per_task": 40}
    store = Store(store_file)
    runs = {}
    for workers in (1, 2):
        runner: Any = ThreadPoolTaskRunner(max_workers=workers)
        runs[workers] = simulate_catalog.with_options(task_runner=runner)(
            database_url=store_file, workers=workers, **sweep)
    one, two = (store.run(runs[w]) for w in (1, 2))
    assert one.tasks_expected is not None and one.tasks_expected > 6  # many small units
    assert two.tasks_expected == one.tasks_expected
    assert one.tasks_done == one.tasks_expected and two.tasks_done == two.tasks_expected
    # ... run as 3 Prefect tasks per worker, not one task per unit
    assert len(_task_runs(str(one.flow_run_id))) == 3
    assert len(_task_runs(str(two.flow_run_id))) == 6
    # packing changes where a unit runs, never its results
    first, second = _replications(store, runs[1]), _replications(store, runs[2])
    planned = plan_tasks(load_catalog_versions(sweep["procedures"]),
                         load_scenario(BUILTIN_SCENARIO).with_overrides(horizon_days=36, seed=3),
                         sweep["online_shares"], sweep["replications"], 40)
    assert len(planned) == one.tasks_expected
    assert len(first) == sum(len(t.replications) for t in planned) >= 3 * 2 * 4
    assert first == second
    store.close()
