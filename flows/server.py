"""Prefect's local mode for the CLI: one temporary API server shared with worker processes.

When no ``PREFECT_API_URL`` is configured, Prefect starts a temporary server for a flow
run. Worker processes of a process pool or a Dask cluster would each start another one
(about 15 s and 235 MB each), so the CLI starts one server up front, exports its URL to
the environment (inherited by local workers) and puts it in Prefect's settings context
(serialised with every task, so Dask workers on other machines report to it too).
With ``PREFECT_API_URL`` set (a real ``prefect server start``), nothing
is started: the run waits until that API answers (``scripts/main.sh`` starts one server for
the whole main job, in the background, while it validates the catalog), and a URL where
nothing answers is a one-line error, not a traceback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bpr.errors import TetsuzukiError

__all__ = ["prefect_api", "wait_for_api"]

API_WAIT_ENV = "TETSUZUKI_PREFECT_API_WAIT"
"""Seconds to wait for a configured Prefect API to answer (default 90: a server that is
still starting, as the main job's, answers within that)."""


def wait_for_api(url: str, timeout: float) -> None:
    """Return once the Prefect API at ``url`` answers its health check.

    Raises:
        TetsuzukiError: nothing answers there within ``timeout`` seconds.
    """
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url.rstrip('/')}/health", timeout=5).status_code == 200:
                return
            why = "it does not answer as a Prefect API"
        except httpx.HTTPError as exc:
            why = str(exc) or type(exc).__name__
        if time.monotonic() >= deadline:
            raise TetsuzukiError(f"no Prefect API answers at PREFECT_API_URL={url} after "
                                 f"{timeout:g} s ({why}); start one (`prefect server start`) or "
                                 "unset PREFECT_API_URL for a temporary server")
        time.sleep(0.25)


@contextmanager
def prefect_api(startup_timeout: int = 90) -> Iterator[str | None]:
    """Ensure a Prefect API for the duration of the block; yields its URL (None when an
    existing configuration is used as it is). Every process started in the block (the
    temporary server, pool workers) ends with this process, however it ends
    (:func:`flows.lifeline.lifeline`)."""
    from flows.lifeline import lifeline

    with lifeline():
        yield from _prefect_api(startup_timeout)


def _prefect_api(startup_timeout: int) -> Iterator[str | None]:
    from prefect.settings import PREFECT_API_URL

    configured = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if configured:
        text = os.environ.get(API_WAIT_ENV, "").strip()
        try:
            wait = float(text) if text else 90.0
        except ValueError:
            raise TetsuzukiError(f"{API_WAIT_ENV}={text!r}: expected a number of seconds") from None
        wait_for_api(configured, wait)
        yield None
        return
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    SubprocessASGIServer._instances[None] = server  # flows reuse it instead of starting another
    server.start(timeout=startup_timeout)
    os.environ["PREFECT_API_URL"] = server.api_url
    from prefect.settings import temporary_settings

    try:
        # The settings context is what Prefect serialises to task workers (process pool
        # and Dask alike): without the URL in it, each Dask worker started a temporary
        # server of its own and its task runs were not on this one.
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield server.api_url
    finally:
        # Flush logs and events while the server is still up; otherwise their workers
        # retry against a stopped server for a minute and more at exit.
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        for worker in (APILogWorker, EventsWorker):
            try:
                worker.drain_all(timeout=10)
            except Exception:
                pass
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()
