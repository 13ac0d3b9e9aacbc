"""The CLI's local-mode Prefect server is the one every task worker reports to."""

from __future__ import annotations

import os

import pytest


@pytest.mark.timeout(180)
def test_local_mode_puts_its_server_in_the_context_sent_to_workers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.context import serialize_context
    from prefect.settings import PREFECT_API_URL

    from flows.server import prefect_api

    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    if PREFECT_API_URL.value():
        pytest.skip("a Prefect API is configured for this session; local mode is not used")
    with prefect_api() as url:
        assert url and os.environ["PREFECT_API_URL"] == url
        sent = serialize_context()["settings_context"]
        # what a Dask worker on another machine receives with each task
        assert sent["settings"]["api"]["url"] == url
    assert "PREFECT_API_URL" not in os.environ
