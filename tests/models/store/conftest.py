"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``$TETSUZUKI_TEST_POSTGRES_URL`` (``scripts/test.sh`` starts Debian's
PostgreSQL and sets it). Without it the PostgreSQL cases skip with a reason — unless
``$TETSUZUKI_REQUIRE_POSTGRES`` is set (as in CI), where they fail.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from models.store.database import Store


def _postgres_url() -> str:
    url = os.environ.get("TETSUZUKI_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("TETSUZUKI_REQUIRE_POSTGRES"):
            pytest.fail("TETSUZUKI_REQUIRE_POSTGRES is set but TETSUZUKI_TEST_POSTGRES_URL is not")
        pytest.skip("no PostgreSQL: set TETSUZUKI_TEST_POSTGRES_URL (scripts/test.sh does)")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a fresh SQLite file, or a fresh PostgreSQL schema-less
    database created for the test and dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    base = _postgres_url()
    name = f"tz_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as c:
            # only our own sessions: an autovacuum worker (a superuser's) may be there too
            c.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           f"WHERE datname = '{name}' AND usename = current_user "
                           "AND pid <> pg_backend_pid()"))
            for attempt in range(10):  # an autovacuum worker may hold it for a moment
                try:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    break
                except DBAPIError:
                    if attempt == 9:
                        raise
                    time.sleep(0.5)
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = Store(store_url)
    yield s
    s.close()
