"""Runs on a shared store: leases, adoption for resuming, pruning, newest results only,
column types fit for PostgreSQL, and the migration path from a first-version store."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, text, update
from sqlalchemy.exc import IntegrityError

from bpr.errors import StorageError
from models.store.database import Run, RunStatus, Store
from models.store.migrate import alembic_config, current_revision, head_revision


def _pretend_elsewhere(store: Store, run_id: int, *, beat_age: float) -> None:
    """Make a run look held by a process on another host whose last heartbeat is
    ``beat_age`` seconds old (the process id check cannot apply across hosts)."""
    with store.transaction() as s:
        s.execute(update(Run).where(Run.id == run_id).values(
            host="another-host.example", pid=1,
            heartbeat_at=datetime.now(UTC) - timedelta(seconds=beat_age)))


def test_a_run_on_another_host_is_running_until_its_lease_expires(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_LEASE_SECONDS", "60")
    run = store.start_run("simulate", {}, seed=1, code_version="t")
    _pretend_elsewhere(store, run, beat_age=30)
    assert store.run(run).status == RunStatus.RUNNING
    _pretend_elsewhere(store, run, beat_age=90)
    assert store.run(run).status == RunStatus.INTERRUPTED


def test_a_reused_process_id_does_not_keep_a_dead_run_running(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_LEASE_SECONDS", "60")
    run = store.start_run("simulate", {}, seed=1, code_version="t")
    with store.transaction() as s:  # same host, a live pid (ours) that is not the run's holder
        s.execute(update(Run).where(Run.id == run).values(
            host=socket.gethostname(), heartbeat_at=datetime.now(UTC) - timedelta(seconds=600)))
    assert store.run(run).status == RunStatus.INTERRUPTED


def test_the_heartbeat_keeps_a_long_run_alive(store: Store,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_LEASE_SECONDS", "0.8")
    run = store.start_run("simulate", {}, seed=1, code_version="t")
    with store.hold(run) as beat:
        time.sleep(2.0)  # 2.5 lease times: only the heartbeat keeps the lease
        with store.transaction() as s:  # seen from another host
            s.execute(update(Run).where(Run.id == run).values(host="another-host.example"))
        time.sleep(0.5)
        assert store.run(run).status == RunStatus.RUNNING
        assert not beat.lost
    time.sleep(1.0)
    assert store.run(run).status == RunStatus.INTERRUPTED  # no heartbeat any more


def test_adoption_refuses_a_live_run_another_kind_and_a_completed_run(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_LEASE_SECONDS", "60")
    run = store.start_run("simulate", {}, seed=1, code_version="t")
    _pretend_elsewhere(store, run, beat_age=5)
    other = Store(store.url)
    with pytest.raises(StorageError, match=r"still running on another-host\.example"):
        other.adopt_run(run, kind="simulate")
    _pretend_elsewhere(store, run, beat_age=600)
    with pytest.raises(StorageError, match="is a simulate run, not a analyze run"):
        other.adopt_run(run, kind="analyze")
    assert other.adopt_run(run, kind="simulate").status == RunStatus.RUNNING
    # the first holder has lost the run: it cannot close it any more
    with pytest.raises(StorageError, match="taken over by another process"):
        store.finish_run(run, RunStatus.FAILED, error="late")
    other.finish_run(run, RunStatus.COMPLETED)
    with pytest.raises(StorageError, match="already completed"):
        other.adopt_run(run, kind="simulate")
    other.close()


def test_of_two_processes_adopting_one_run_exactly_one_wins(
        store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_LEASE_SECONDS", "60")
    first = Store(store_url)
    run = first.start_run("simulate", {}, seed=1, code_version="t")
    _pretend_elsewhere(first, run, beat_age=600)
    stores = [Store(store_url) for _ in range(4)]
    outcomes: list[str] = []
    barrier = threading.Barrier(len(stores))

    def adopt(s: Store) -> None:
        barrier.wait()
        try:
            s.adopt_run(run, kind="simulate")
            outcomes.append("won")
        except StorageError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=adopt, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    for s in (first, *stores):
        s.close()


def test_prune_keeps_the_newest_runs_and_never_a_live_one(store: Store) -> None:
    ids = []
    for _ in range(4):
        run = store.start_run("analyze", {}, seed=None, code_version="t")
        store.put_analysis_result(run, "metrics", "p/as-is", {"run": run}, procedure_id="p")
        store.finish_run(run, RunStatus.COMPLETED)
        ids.append(run)
    live = store.start_run("simulate", {}, seed=1, code_version="t")
    preview = store.prune(keep=1, dry_run=True)
    assert sorted(v.id for v in preview) == ids[:3]
    assert len(store.runs()) == 5  # a dry run deletes nothing
    gone = store.prune(keep=1)
    assert sorted(v.id for v in gone) == ids[:3]
    assert sorted(v.id for v in store.runs()) == [ids[3], live]
    assert store.analysis_results(ids[0]) == []
    assert store.prune(before=datetime.now(UTC) + timedelta(days=1)) \
        and [v.id for v in store.runs()] == [live]
    with pytest.raises(ValueError, match="say what to prune"):
        store.prune()


def test_readers_take_the_newest_completed_run_per_procedure(store: Store) -> None:
    from tests.models.store.test_store import _version

    h = _version(store)
    runs = []
    for value in (1.0, 2.0):
        run = store.start_run("simulate", {}, seed=1, code_version="t")
        store.put_simulation_result(run, version_hash=h, procedure_id="child-allowance-claim",
                                    version="as-is", name="x", canonical_json=_canonical(store, h),
                                    scenario_key="base", batch=0, replications=[0],
                                    results={"v": value})
        store.finish_run(run, RunStatus.COMPLETED)
        runs.append(run)
    assert [r.results for r in store.completed_results("child-allowance-claim")] == [{"v": 2.0}]
    assert [r.results["v"] for r in store.completed_results("child-allowance-claim",
                                                             all_runs=True)] == [2.0, 1.0]
    assert store.completed_results("another-procedure") == []


def _canonical(store: Store, content_hash: str) -> str:
    from models.store.database import ProcedureVersionRow

    with store.transaction() as s:
        row = s.get(ProcedureVersionRow, content_hash)
        assert row is not None
        return row.canonical_json


def test_big_seeds_aware_timestamps_and_checked_status(store: Store) -> None:
    run = store.start_run("simulate", {}, seed=3_000_000_000, code_version="t")
    view = store.run(run)
    assert view.seed == 3_000_000_000
    assert view.started_at.tzinfo is not None and view.started_at.utcoffset() == timedelta(0)
    with pytest.raises(IntegrityError), store.transaction() as s:
        s.execute(update(Run).where(Run.id == run).values(status="finished"))
    with pytest.raises(IntegrityError), store.transaction() as s:
        s.execute(update(Run).where(Run.id == run).values(kind="other"))


def test_a_first_version_store_with_runs_upgrades_in_place(store_url: str) -> None:
    engine = create_engine(store_url)
    if engine.dialect.name == "sqlite":
        from pathlib import Path

        Path(engine.url.database or "").parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(engine), "0001")
    started = datetime(2026, 4, 1, 9, 30)
    with engine.begin() as c:
        c.execute(text("INSERT INTO runs (kind, status, parameters, seed, code_version, "
                       "started_at, host) VALUES ('simulate', 'completed', '{\"a\": 1}', 42, "
                       "'old', :t, 'h')"), {"t": started})
    engine.dispose()
    store = Store(store_url)
    assert current_revision(store.engine) == head_revision()
    (view,) = store.runs()
    assert view.parameters == {"a": 1} and view.seed == 42
    assert view.started_at == started.replace(tzinfo=UTC)
    store.close()


@pytest.mark.timeout(60)
def test_a_postgresql_host_that_never_answers_is_an_error_not_a_hang(
        monkeypatch: pytest.MonkeyPatch) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts connections; nobody ever answers
    port = silent.getsockname()[1]
    monkeypatch.setenv("TETSUZUKI_DB_CONNECT_TIMEOUT", "2")
    try:
        # without a connect timeout this waits for ever (the test's timeout fails it)
        with pytest.raises(StorageError, match="cannot open the store at"):
            Store(f"postgresql+psycopg://u:secret@127.0.0.1:{port}/db")
    finally:
        silent.close()


def test_the_connect_timeout_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TETSUZUKI_DB_CONNECT_TIMEOUT", "soon")
    with pytest.raises(StorageError, match="expected a whole number of seconds"):
        Store("postgresql+psycopg://u@127.0.0.1:1/db")
