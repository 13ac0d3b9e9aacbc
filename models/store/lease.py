"""Liveness of runs by lease: a running run renews a heartbeat in the store.

A run is held by the process that started or resumed it, identified by a random
``lease_token``. While it works, a daemon thread (:class:`Heartbeat`) writes the current
time to ``runs.heartbeat_at`` every ``interval`` seconds. Any reader, on any host, sees a
``running`` run whose heartbeat is older than the lease time as ``interrupted``: no
process-id check across hosts, no confusion from a reused process id.

The lease time is ``$TETSUZUKI_LEASE_SECONDS`` (default 120 s); the heartbeat is written
every quarter of it, so three heartbeats in a row can be lost (a busy database, a paused
process) before a live run is declared interrupted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from datetime import timedelta

__all__ = ["DEFAULT_LEASE_SECONDS", "LEASE_ENV", "Heartbeat", "lease_time"]

LEASE_ENV = "TETSUZUKI_LEASE_SECONDS"
DEFAULT_LEASE_SECONDS = 120.0


def lease_time() -> timedelta:
    """The lease time: ``$TETSUZUKI_LEASE_SECONDS`` (a positive number) or 120 s.

    Raises:
        ValueError: the variable is set to something that is not a positive number.
    """
    raw = os.environ.get(LEASE_ENV)
    if raw is None or not raw.strip():
        return timedelta(seconds=DEFAULT_LEASE_SECONDS)
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{LEASE_ENV}={raw!r}: expected a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise ValueError(f"{LEASE_ENV}={raw!r}: expected a positive number of seconds")
    return timedelta(seconds=seconds)


class Heartbeat:
    """Calls ``beat`` every ``interval`` seconds on a daemon thread until stopped.

    ``beat`` returns False when the lease is lost (another process took the run over);
    the heartbeat then stops and :attr:`lost` is set. Errors of ``beat`` (a database that
    does not answer for a moment) are counted, not raised: a later beat may succeed, and
    if none does the lease expires, which is the truth.
    """

    def __init__(self, beat: Callable[[], bool], interval: float) -> None:
        self._beat = beat
        self._interval = interval
        self._stop = threading.Event()
        self.lost = False
        self.failures = 0
        self._thread = threading.Thread(target=self._loop, name="tetsuzuki-heartbeat",
                                        daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                if not self._beat():
                    self.lost = True
                    return
            except Exception:  # a failed beat is retried; expiry tells the truth
                self.failures += 1
