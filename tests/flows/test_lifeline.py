"""`kill -9` of only the main process of a run ends its worker processes and temporary
Prefect server too (they held ~720 MB when left behind)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from flows.lifeline import watch
from models.store.database import Store
from tests.conftest import ROOT

PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
print(child.pid, flush=True)
time.sleep(300)
"""


def _gone(pids: list[int], within: float) -> list[int]:
    """The processes of ``pids`` still alive after waiting up to ``within`` seconds."""
    deadline = time.monotonic() + within
    alive = pids
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p) and
                 psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.2)
    return alive


def test_the_watchdog_ends_the_descendants_of_a_killed_process() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    ended: list[int] = []
    guard = threading.Thread(target=lambda: ended.extend(
        watch(parent.pid, psutil.Process(parent.pid).create_time(), poll=0.1, grace=2)))
    guard.start()
    time.sleep(0.5)  # a snapshot of the descendants exists
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    guard.join(timeout=30)
    assert ended == [child]
    assert _gone([child], within=5) == []


@pytest.mark.timeout(300)
def test_killing_the_main_process_of_a_run_ends_its_server_and_workers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}  # local mode
    env.update(TETSUZUKI_DATABASE_URL=url, PREFECT_SERVER_ANALYTICS_ENABLED="false")
    cmd = [sys.executable, "-m", "bpr.cli", "run", "simulate", "-p", "child-allowance-claim",
           "--online-share", "0.5", "--replications", "30", "--years", "0.5",
           "--target-cases-per-task", "1", "--workers", "2", "--tasks", "60"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    main = psutil.Process(proc.pid)
    deadline = time.monotonic() + 200
    descendants: list[int] = []
    try:
        while time.monotonic() < deadline:
            assert proc.poll() is None, "the run ended before it could be killed"
            runs = Store(url).runs() if (tmp_path / "store.db").exists() else []
            if runs and runs[0].tasks_done >= 2:
                descendants = [c.pid for c in main.children(recursive=True)]
                break
            time.sleep(0.5)
        else:
            pytest.fail("the run stored no task results in time")
        proc.send_signal(signal.SIGKILL)  # only the main process, as the OOM killer would
        proc.wait()
        workers = [p for p in descendants if p != proc.pid]
        assert len(workers) >= 3  # the server, the pool's workers, the watchdog
        assert _gone(workers, within=30) == []
    finally:
        for pid in descendants:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
