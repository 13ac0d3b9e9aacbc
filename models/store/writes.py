"""Idempotent writes: INSERT … ON CONFLICT through SQLAlchemy's dialect constructs.

Check-then-insert races when two processes store the same row at the same moment (one of
them fails on the unique key). These statements let the database decide atomically.
SQLite (3.24+) and PostgreSQL both support ``ON CONFLICT``; no other database is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

__all__ = ["insert_ignore", "rowcount", "upsert"]


def rowcount(result: Result[Any]) -> int:
    """Rows matched by an INSERT/UPDATE/DELETE statement's result."""
    return int(cast(CursorResult[Any], result).rowcount)


def _insert(session: Session, table: Table, values: dict[str, Any]) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).values(**values)
    if dialect == "sqlite":
        return sqlite.insert(table).values(**values)
    raise NotImplementedError(f"the store supports SQLite and PostgreSQL, not {dialect}")


def insert_ignore(session: Session, table: Table, values: dict[str, Any],
                  keys: Sequence[str]) -> bool:
    """Insert a row unless one with the same ``keys`` exists. Returns True when inserted."""
    statement: Insert = _insert(session, table, values).on_conflict_do_nothing(
        index_elements=list(keys))
    return rowcount(session.execute(statement)) > 0


def upsert(session: Session, table: Table, values: dict[str, Any], keys: Sequence[str],
           replace: Sequence[str]) -> None:
    """Insert a row, or replace the ``replace`` columns of the row with the same ``keys``."""
    statement = _insert(session, table, values)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: statement.excluded[c] for c in replace})
    session.execute(statement)
