"""The same sweep on a Dask cluster gives the same results; a killed run is resumable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from prefect.task_runners import ProcessPoolTaskRunner

from flows.simulate import simulate_catalog
from models.store.database import RunStatus, Store
from tests.conftest import ROOT

SWEEP: dict[str, Any] = {"procedures": ["child-allowance-claim"], "online_shares": (0.5,),
                         "replications": 4, "years": 0.2, "seed": 5,
                         "target_cases_per_task": 100}


def _results(store_url: str, run_id: int) -> dict[tuple[str, str, int], Any]:
    store = Store(store_url)
    out = {}
    for row in store.simulation_results(run_id):
        for rep in row.results["replications"]:
            out[(row.version, row.scenario_key, rep["replication"])] = rep
    store.close()
    return out


def test_dask_cluster_of_two_workers_gives_the_local_results(prefect_server: str, tmp_path: Any,
                                                             dask_cluster: str) -> None:
    from prefect_dask import DaskTaskRunner

    local_url = f"sqlite:///{tmp_path / 'local.db'}"
    dask_url = f"sqlite:///{tmp_path / 'dask.db'}"
    local_run = simulate_catalog.with_options(task_runner=ProcessPoolTaskRunner(max_workers=2))(
        database_url=local_url, **SWEEP)
    dask_run = simulate_catalog.with_options(task_runner=DaskTaskRunner(address=dask_cluster))(
        database_url=dask_url, **SWEEP)
    local, remote = _results(local_url, local_run), _results(dask_url, dask_run)
    assert len(local) == 8  # 2 versions x 1 scenario x 4 replications
    assert local == remote


def test_killed_run_is_interrupted_not_complete_and_resumes(prefect_server: str, tmp_path: Any
                                                             ) -> None:
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    env = {**os.environ, "TETSUZUKI_DATABASE_URL": url, "PREFECT_API_URL": prefect_server}
    # many small tasks (one unit each), one worker: the run takes long enough to be killed
    # half-way
    cmd = [sys.executable, "-m", "bpr.cli", "run", "simulate", "-p", "child-allowance-claim",
           "--online-share", "0.5", "--replications", "16", "--years", "0.5", "--seed", "9",
           "--target-cases-per-task", "1", "--workers", "1", "--tasks", "32"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    store = Store(url)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            runs = store.runs()
            if runs and 3 <= runs[0].tasks_done:
                break
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.2)
        else:
            pytest.fail("the run stored no task results in time")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes
        proc.wait()
    run = store.runs()[0]
    assert run.status == RunStatus.INTERRUPTED
    assert 0 < run.tasks_done < (run.tasks_expected or 0)
    assert store.completed_results("child-allowance-claim") == []  # nothing reported complete
    partial = _results(url, run.id)
    # every stored task is whole: each holds exactly its batch of one replication
    assert all(len(r.results["replications"]) == len(r.replications) == 1
               for r in store.simulation_results(run.id))

    # an option that contradicts the run's own is refused, and the run is left as it was
    clash = subprocess.run([*cmd[:5], "--resume", str(run.id), "--seed", "10"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300, check=False)
    assert clash.returncode != 0
    assert "--seed 10 (the run has 9)" in clash.stderr, clash.stderr[-2000:]
    assert store.run(run.id).status == RunStatus.INTERRUPTED
    # resumed as the README shows it: the id alone; the run's own seed, shares and plan
    resumed = subprocess.run([*cmd[:5], "--resume", str(run.id), "--workers", "1"], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    done = store.run(run.id)
    assert done.status == RunStatus.COMPLETED
    assert done.tasks_done == done.tasks_expected == 32
    final = _results(url, run.id)
    assert len(final) == 32
    assert all(final[k] == v for k, v in partial.items())  # kept as they were
    assert store.completed_results("child-allowance-claim")
    store.close()
