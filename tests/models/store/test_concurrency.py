"""Many processes against one fresh store at the same moment, on SQLite and PostgreSQL:
the first use races on the migration, and every process stores the same procedure version
(the races behind "table alembic_version already exists" and duplicate-key failures).
Every run must complete with exactly its own results."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from sqlalchemy import create_engine, func, select, text

from models.store.database import ProcedureVersionRow, RunStatus, Store
from models.store.migrate import current_revision, head_revision
from tests.conftest import ROOT

PROCESSES = 5
TRIALS = int(os.environ.get("TETSUZUKI_CONCURRENCY_TRIALS", "2"))
"""Fresh stores per database in the default run; set the variable for a longer trial."""
BATCHES = 3

WORKER = """
import json, sys, time
from bpr.model.canonical import canonical_json, content_hash
from bpr.model.load import load_procedure
from tests.conftest import EXAMPLE
url, start_at, batches = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
model = load_procedure(EXAMPLE / "to-be.yaml")
h, text = content_hash(model), canonical_json(model)
from models.store.database import RunStatus, Store
time.sleep(max(0.0, start_at - time.time()))
store = Store(url)
run = store.start_run("simulate", {"worker": True}, seed=1, code_version="t")
for batch in range(batches):
    store.put_simulation_result(run, version_hash=h, procedure_id=model.id, version=model.version,
                                name=model.name, canonical_json=text, scenario_key="base",
                                batch=batch, replications=[batch], results={"run": run})
store.put_analysis_result(run, "metrics", "p/to-be", {"run": run}, procedure_id="p")
store.finish_run(run, RunStatus.COMPLETED)
print(json.dumps({"run": run}))
"""


def _trial(url: str) -> list[int]:
    start_at = time.time() + 4.0  # all processes open the fresh store at the same moment
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(start_at), str(BATCHES)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(PROCESSES)]
    runs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err[-2000:]
        runs.append(json.loads(out.strip().splitlines()[-1])["run"])
    return runs


def test_concurrent_first_use_and_writes_lose_nothing(store_url: str) -> None:
    failures = 0
    extra: list[str] = []
    try:
        for trial in range(TRIALS):
            url = store_url if trial == 0 else _fresh(store_url, trial, extra)
            failures += _check_trial(url)
    finally:
        _drop(store_url, extra)
    assert failures == 0


def _check_trial(url: str) -> int:
    """Run one trial; returns the number of runs that did not end with exactly their
    results."""
    failures = 0
    runs = _trial(url)
    store = Store(url)
    assert current_revision(store.engine) == head_revision()
    assert sorted(v.id for v in store.runs()) == sorted(runs)
    for run in runs:
        view = store.run(run)
        results = store.simulation_results(run)
        ok = (view.status == RunStatus.COMPLETED and view.tasks_done == BATCHES + 1
              and sorted(r.batch for r in results) == list(range(BATCHES))
              and all(r.results == {"run": run} for r in results))
        failures += not ok
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ProcedureVersionRow)) == 1
    store.close()
    return failures


def _fresh(store_url: str, trial: int, created: list[str]) -> str:
    """Another empty database beside the fixture's one (same server or folder)."""
    if store_url.startswith("sqlite:///"):
        return store_url.replace("store.db", f"store-{trial}.db")
    name = store_url.rsplit("/", 1)[1] + f"_{trial}"
    admin = create_engine(store_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    created.append(name)
    return store_url.rsplit("/", 1)[0] + f"/{name}"


def _drop(store_url: str, names: list[str]) -> None:
    if not names:
        return
    admin = create_engine(store_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
