"""Child processes die with the main process.

A ``tetsuzuki run`` command starts worker processes (the process pool, a local Dask
cluster) and, in Prefect's local mode, a temporary API server. If the main process is
killed (``kill -9``, the OOM killer), these would live on, holding memory (~720 MB seen).
:func:`lifeline` starts a small watchdog process in its own session that snapshots the
main process's descendants every second and, when the main process is gone, terminates
the last snapshot (SIGTERM, then SIGKILL after a grace period). Processes are identified
by (pid, start time), so a reused process id is never killed.

Run as ``python -m flows.lifeline PID START_TIME`` (started by :func:`lifeline`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil

__all__ = ["GRACE_SECONDS", "POLL_SECONDS", "lifeline", "watch"]

POLL_SECONDS = 1.0
GRACE_SECONDS = 5.0


def _same(pid: int, started: float) -> psutil.Process | None:
    """The process ``pid`` if it is still the one started at ``started``."""
    try:
        process = psutil.Process(pid)
        return process if abs(process.create_time() - started) < 0.01 else None
    except psutil.Error:
        return None


def watch(pid: int, started: float, poll: float = POLL_SECONDS,
          grace: float = GRACE_SECONDS) -> list[int]:
    """Wait for process ``pid`` to end, then end its last known descendants.

    Returns:
        The process ids that were still alive and were terminated.
    """
    known: dict[int, float] = {}
    while (main := _same(pid, started)) is not None:
        try:
            known = {c.pid: c.create_time() for c in main.children(recursive=True)
                     if c.pid != os.getpid()}
        except psutil.Error:
            pass
        time.sleep(poll)
    alive = [p for p in (_same(c, t) for c, t in known.items()) if p is not None]
    for process in alive:
        try:
            process.terminate()
        except psutil.Error:
            pass
    _, left = psutil.wait_procs(alive, timeout=grace)
    for process in left:
        try:
            process.kill()
        except psutil.Error:
            pass
    return [p.pid for p in alive]


@contextmanager
def lifeline() -> Iterator[None]:
    """Make every process this one starts in the block end when it ends, however it ends."""
    me = psutil.Process()
    guard = subprocess.Popen([sys.executable, "-m", "flows.lifeline", str(me.pid),
                              repr(me.create_time())],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True,
                             env={**os.environ})
    try:
        yield
    finally:
        guard.terminate()
        try:
            guard.wait(timeout=5)
        except subprocess.TimeoutExpired:
            guard.kill()


if __name__ == "__main__":  # pragma: no cover - exercised by the lifeline test in a subprocess
    watch(int(sys.argv[1]), float(sys.argv[2]))
