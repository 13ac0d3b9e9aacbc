"""Alembic migrations of the results store, run programmatically and under a lock.

``tetsuzuki db upgrade`` and :class:`models.store.database.Store` (on first use) call
:func:`upgrade_to_head`. The migration scripts live in ``models/store/migrations/versions``.

Two processes opening a fresh store at the same moment must not both create the tables.
The upgrade therefore runs under a migration lock and re-reads the revision once it holds
it: on PostgreSQL a session-level advisory lock (``pg_advisory_lock``) held by a dedicated
connection; on SQLite an exclusive ``flock`` on a lock file beside the database (SQLite is
a single-host database, so a host-local lock covers every writer). Other databases run
without a lock.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

__all__ = ["MIGRATIONS", "alembic_config", "current_revision", "head_revision",
           "migration_lock", "upgrade_to_head"]

MIGRATIONS = Path(__file__).with_name("migrations")
ADVISORY_LOCK_KEY = 0x7465_7473_757A  # "tetsuz": one key for every tetsuzuki store
"""PostgreSQL advisory lock key held while migrating."""


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the store's migration lock for the block (see the module's docstring)."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": ADVISORY_LOCK_KEY})
                connection.commit()
        return
    database = engine.url.database if dialect == "sqlite" else None
    if not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    descriptor = os.open(f"{database}.migrate.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def upgrade_to_head(engine: Engine) -> bool:
    """Apply pending migrations under the migration lock. Returns True when this call
    applied something (False when the store was current, or another process brought it
    up to date while this one waited for the lock)."""
    head = head_revision()
    if current_revision(engine) == head:
        return False
    with migration_lock(engine):
        if current_revision(engine) == head:
            return False
        command.upgrade(alembic_config(engine), "head")
    return True
