"""Prefect's local mode for the CLI: one temporary API server shared with worker processes.

When no ``PREFECT_API_URL`` is configured, Prefect starts a temporary server for a flow
run. Worker processes of a process pool or a Dask cluster would each start another one
(about 15 s and 235 MB each), so the CLI starts one server up front, exports its URL to
the environment (inherited by local workers) and puts it in Prefect's settings context
(serialised with every task, so Dask workers on other machines report to it too).
With ``PREFECT_API_URL`` set (a real ``prefect server start``), nothing
is started.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["prefect_api"]


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

    if os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value():
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
