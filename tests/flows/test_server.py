"""The CLI's local-mode Prefect server is the one every task worker reports to."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

CHECK = """
import json, os
from prefect.context import serialize_context
from flows.server import prefect_api
with prefect_api() as url:
    sent = serialize_context()["settings_context"]["settings"]["api"]["url"]
    print(json.dumps({"url": url, "env": os.environ.get("PREFECT_API_URL"), "sent": sent}))
print(json.dumps({"after": os.environ.get("PREFECT_API_URL")}))
"""


@pytest.mark.timeout(180)
def test_local_mode_puts_its_server_in_the_context_sent_to_workers() -> None:
    # a fresh process in local mode (no API configured), as `tetsuzuki run` starts
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=170, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    inside, after = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    assert inside["url"] and inside["env"] == inside["url"]
    assert inside["sent"] == inside["url"]  # what a Dask worker elsewhere receives with a task
    assert after["after"] is None


@pytest.mark.timeout(300)
def test_a_running_server_named_by_prefect_api_url_is_reused(prefect_server: str,
                                                             store_file: str) -> None:
    from prefect.client.orchestration import get_client

    from models.store.database import Store

    env = {**os.environ, "PREFECT_API_URL": prefect_server, "TETSUZUKI_DATABASE_URL": store_file,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    out = subprocess.run([sys.executable, "-m", "bpr.cli", "run", "simulate",
                          "-p", "child-allowance-claim", "--replications", "1", "--years", "0.05",
                          "--workers", "1", "--task-runner", "thread"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=280, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Starting temporary server" not in out.stderr  # no server of its own
    store = Store(store_file)
    (run,) = store.runs()
    store.close()
    from uuid import UUID

    assert run.flow_run_id
    with get_client(sync_client=True) as client:  # the flow run is on the running server
        flow_run = client.read_flow_run(UUID(run.flow_run_id))
    assert flow_run.state is not None and flow_run.state.is_completed()
    assert str(flow_run.id) == run.flow_run_id


@pytest.mark.timeout(120)
def test_a_prefect_api_url_where_nothing_answers_is_one_located_error(tmp_path: object) -> None:
    import socket

    with socket.socket() as s:  # a port where nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "TETSUZUKI_PREFECT_API_WAIT": "1", "TETSUZUKI_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    out = subprocess.run([sys.executable, "-m", "bpr.cli", "run", "simulate", "-p",
                          "child-allowance-claim", "--replications", "1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=110, check=False)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"error: no Prefect API answers at PREFECT_API_URL=http://127.0.0.1:{port}/api" in out.stderr
