"""The results store on SQLite and PostgreSQL: migrations, immutability, runs, results."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import inspect

from bpr.errors import StorageError
from bpr.model.canonical import canonical_json, content_hash
from bpr.model.load import load_procedure
from models.store.database import RunStatus, Store, default_url
from models.store.migrate import current_revision, head_revision
from tests.conftest import EXAMPLE, ROOT


def _version(store: Store, version: str = "as-is") -> str:
    model = load_procedure(EXAMPLE / f"{version}.yaml")
    h = content_hash(model)
    store.put_version(h, model.id, model.version, model.name, canonical_json(model))
    return h


def test_opening_applies_migrations(store: Store) -> None:
    assert current_revision(store.engine) == head_revision()
    tables = set(inspect(store.engine).get_table_names())
    assert {"procedure_versions", "runs", "simulation_results", "analysis_results"} <= tables


def test_versions_are_immutable_and_keyed_by_hash(store: Store) -> None:
    h = _version(store)
    _version(store)  # same content again: a no-op
    stored = store.get_version(h)
    assert stored is not None and stored["id"] == "child-allowance-claim"
    with pytest.raises(StorageError, match="immutable"):
        store.put_version(h, "child-allowance-claim", "as-is", "x", '{"tampered":true}')


def test_run_lifecycle_and_results(store: Store) -> None:
    run = store.start_run("simulate", {"online_share": [0.3]}, seed=7, code_version="test",
                          tasks_expected=2)
    assert store.run(run).status == RunStatus.RUNNING
    model = load_procedure(EXAMPLE / "to-be.yaml")
    args = dict(version_hash=content_hash(model), procedure_id=model.id, version=model.version,
                name=model.name, canonical_json=canonical_json(model), scenario_key="online-0.3",
                replications=[0, 1], results={"lead_time_days": {"mean": 3.5}})
    store.put_simulation_result(run, batch=0, **args)  # type: ignore[arg-type]
    store.put_simulation_result(run, batch=0, **args)  # a retried task: stored once
    assert len(store.simulation_results(run)) == 1
    assert store.completed_results() == []  # not complete while running
    store.finish_run(run, RunStatus.COMPLETED)
    view = store.run(run)
    assert view.status == RunStatus.COMPLETED and view.ended_at is not None
    assert view.tasks_done == 1 and view.seed == 7
    done = store.completed_results("child-allowance-claim")
    assert done[0].results == {"lead_time_days": {"mean": 3.5}}


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    run = store.start_run("simulate", {}, seed=1, code_version="test")
    with pytest.raises(RuntimeError), store.transaction() as s:
        from models.store.database import AnalysisResult

        s.add(AnalysisResult(run_id=run, kind="metrics", subject="x", payload={}, version_hashes=[]))
        s.flush()
        raise RuntimeError("crash inside the transaction")
    assert store.analysis_results(run) == []


def test_analysis_results_of_latest_completed_run(store: Store) -> None:
    first = store.start_run("analyze", {}, seed=None, code_version="test")
    store.put_analysis_result(first, "metrics", "p/as-is", {"v": 1}, procedure_id="p")
    store.finish_run(first, RunStatus.COMPLETED)
    second = store.start_run("analyze", {}, seed=None, code_version="test")
    store.put_analysis_result(second, "metrics", "p/as-is", {"v": 2}, procedure_id="p")
    # the second is still running: readers see the first
    assert [r.payload for r in store.analysis_results(kind="metrics")] == [{"v": 1}]


def test_dead_process_shows_interrupted(store_url: str) -> None:
    code = (
        "import os\n"
        "from models.store.database import Store\n"
        f"s = Store({store_url!r})\n"
        "print(s.start_run('simulate', {}, seed=1, code_version='t'))\n"
        "os._exit(0)\n"  # dies without finishing the run
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    run_id = int(out.stdout.strip())
    store = Store(store_url)
    assert store.run(run_id).status == RunStatus.INTERRUPTED
    store.close()


def test_default_url_is_project_local_or_from_environment(tmp_path: object, monkeypatch:
                                                          pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TETSUZUKI_DATABASE_URL", raising=False)
    assert default_url("/proj") == "sqlite:////proj/.tetsuzuki/tetsuzuki.db"
    monkeypatch.setenv("TETSUZUKI_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert default_url("/proj") == "postgresql+psycopg://u@h/db"


def test_cli_db_upgrade_and_runs(store_url: str, tmp_path: object) -> None:
    env = {**os.environ, "TETSUZUKI_DATABASE_URL": store_url}
    exe = [sys.executable, "-m", "bpr.cli"]
    up = subprocess.run([*exe, "db", "upgrade"], capture_output=True, text=True, env=env, check=False)
    assert up.returncode == 0, up.stderr
    assert head_revision() in up.stdout
    store = Store(store_url)
    run = store.start_run("analyze", {"x": 1}, seed=3, code_version="t")
    store.finish_run(run, RunStatus.FAILED, error="boom")
    store.close()
    listed = subprocess.run([*exe, "runs", "--format", "json"], capture_output=True, text=True,
                            env=env, check=False)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert rows[0]["id"] == run and rows[0]["status"] == "failed"
    shown = subprocess.run([*exe, "runs", "show", str(run), "--format", "json"],
                           capture_output=True, text=True, env=env, check=False)
    payload = json.loads(shown.stdout)
    assert payload["error"] == "boom" and payload["complete"] is False
