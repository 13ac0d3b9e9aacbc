"""The results store: SQLAlchemy 2 ORM tables and a small API over them.

SQLite in a project-local ``.tetsuzuki/`` folder by default; any SQLAlchemy URL (e.g.
PostgreSQL) from the environment variable ``TETSUZUKI_DATABASE_URL``. The schema is owned
by Alembic migrations (``models/migrations``), applied by ``tetsuzuki db upgrade`` and
automatically the first time a store is opened.

Guarantees:

* procedure versions are immutable rows keyed by the SHA-256 of their canonical form;
  storing the same version twice is a no-op, and a different text under an existing hash
  is refused;
* a run records its full parameters, seed, code version, status, start and end, the
  Prefect flow-run id and the process that holds it; results are written one task at a
  time, each in its own transaction, so a run that dies keeps only whole task results and
  is shown as ``interrupted`` (its lease expired, see :mod:`models.store.runs`) — never
  ``completed``;
* every write is idempotent and safe against concurrent writers (``INSERT … ON
  CONFLICT``), and migrations run under a lock (:mod:`models.store.migrate`);
* results of a run that is not ``completed`` are never reported as complete
  (:meth:`Store.completed_results` filters on status).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bpr.errors import StorageError
from models.store.runs import RunLedger, RunView
from models.store.tables import (
    AnalysisResult,
    Base,
    ProcedureVersionRow,
    Run,
    RunStatus,
    SimulationResult,
    utc_now,
)
from models.store.writes import insert_ignore, upsert

__all__ = [
    "CONNECT_TIMEOUT_ENV",
    "DATABASE_URL_ENV",
    "AnalysisResult",
    "Base",
    "ProcedureVersionRow",
    "Run",
    "RunStatus",
    "RunView",
    "SimulationResult",
    "Store",
    "StoreError",
    "default_url",
    "sqlite_file",
    "store_exists",
]

DATABASE_URL_ENV = "TETSUZUKI_DATABASE_URL"

StoreError = StorageError
"""The store could not be opened, read or written (the project-wide StorageError)."""


def default_url(project_dir: str | Path | None = None) -> str:
    """The store URL: ``$TETSUZUKI_DATABASE_URL`` or SQLite in ``<project>/.tetsuzuki/``."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    folder = Path(project_dir or Path.cwd()) / ".tetsuzuki"
    return f"sqlite:///{folder / 'tetsuzuki.db'}"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (``sqlite:///path``), or ``None`` for another
    database or an in-memory one."""
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///").split("?", 1)[0]
    return None if not path or path.startswith(":memory:") else Path(path)


def store_exists(url: str | None = None) -> bool:
    """False only for a SQLite store whose file does not exist yet (other databases are
    assumed to exist: opening them tells)."""
    file = sqlite_file(url or default_url())
    return file is None or file.exists()


def _migration_error() -> tuple[type[Exception], ...]:
    from alembic.util.exc import CommandError

    return SQLAlchemyError, CommandError


def _reason(exc: Exception) -> str:
    """The driver's own message (``file is not a database``) without SQLAlchemy's SQL
    text and background link."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


CONNECT_TIMEOUT_ENV = "TETSUZUKI_DB_CONNECT_TIMEOUT"
DEFAULT_CONNECT_TIMEOUT = 10


def _connect_args(url: str) -> dict[str, Any]:
    """Driver arguments: a connection timeout for PostgreSQL unless the URL sets one."""
    if not url.startswith("postgresql") or "connect_timeout" in url:
        return {}
    raw = os.environ.get(CONNECT_TIMEOUT_ENV, "").strip()
    try:
        seconds = int(raw) if raw else DEFAULT_CONNECT_TIMEOUT
    except ValueError:
        raise StoreError(f"{CONNECT_TIMEOUT_ENV}={raw!r}: expected a whole number of seconds"
                         ) from None
    return {"connect_timeout": max(1, seconds)}


class Store(RunLedger):
    """Access to the results store.

    Args:
        url: SQLAlchemy URL; default :func:`default_url`.
        upgrade: apply pending Alembic migrations when opening (default True).
        create: create a SQLite store (and its folder) that does not exist yet (default
            True). Commands that only read pass False: a missing store is then a
            :class:`StoreError` ``no store at PATH yet`` and nothing is created.

    PostgreSQL connections time out after ``$TETSUZUKI_DB_CONNECT_TIMEOUT`` seconds
    (default 10) unless the URL sets ``connect_timeout`` itself: a host that accepts and
    never answers is an error, not a hang.

    Raises:
        StoreError: the database cannot be opened or migrated, or does not exist and
            ``create`` is False.
    """

    def __init__(self, url: str | None = None, *, upgrade: bool = True,
                 create: bool = True) -> None:
        self.url = url or default_url()
        self._leases = {}
        file = sqlite_file(self.url)
        if file is not None and file.is_dir():
            raise StoreError(f"cannot open the store at {self.url}: {file} is a folder, not a "
                             "SQLite database file")
        if file is not None and not file.exists():
            if not create:
                raise StoreError(f"no store at {file} yet")
            try:
                file.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the store's folder {file.parent}: "
                                 f"{exc.strerror or exc}") from None
        try:
            self.engine: Engine = create_engine(self.url, future=True,
                                                connect_args=_connect_args(self.url))
            if upgrade:
                from models.store.migrate import upgrade_to_head

                upgrade_to_head(self.engine)
        except _migration_error() as exc:
            raise StoreError(f"cannot open the store at {self._safe_url()}: {_reason(exc)}"
                             ) from exc
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def where(self) -> str:
        """The store's URL with any password hidden, for messages."""
        return self._safe_url()

    def migrate(self) -> tuple[str | None, bool]:
        """Apply pending Alembic migrations.

        Returns:
            ``(revision before, whether anything was applied)``.

        Raises:
            StoreError: the database cannot be opened or migrated (not a database, a
                folder, unreachable, ...), with the same wording as opening it.
        """
        from models.store.migrate import current_revision, upgrade_to_head

        try:
            before = current_revision(self.engine)
            return before, upgrade_to_head(self.engine)
        except _migration_error() as exc:
            raise StoreError(f"cannot open the store at {self._safe_url()}: {_reason(exc)}"
                             ) from exc

    def _safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True) if hasattr(self, "engine") \
            else self.url.split("@")[-1]

    def close(self) -> None:
        """Release connections."""
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        with self._sessions() as session, session.begin():
            yield session

    def _session(self) -> Session:
        return self._sessions()

    # -- procedure versions ---------------------------------------------------------------

    def put_version(self, content_hash: str, procedure_id: str, version: str, name: str,
                    canonical_json: str, session: Session | None = None) -> None:
        """Store a procedure version once (immutable). Safe against concurrent writers:
        the insert is ``ON CONFLICT DO NOTHING``, then the stored text is compared.

        Raises:
            StoreError: a different canonical text is already stored under this hash.
        """
        def put(s: Session) -> None:
            insert_ignore(s, ProcedureVersionRow.__table__,  # type: ignore[arg-type]
                          {"content_hash": content_hash, "procedure_id": procedure_id,
                           "version": version, "name": name, "canonical_json": canonical_json,
                           "stored_at": utc_now()}, keys=["content_hash"])
            stored = s.scalar(select(ProcedureVersionRow.canonical_json)
                              .where(ProcedureVersionRow.content_hash == content_hash))
            if stored != canonical_json:
                raise StoreError(f"procedure version {content_hash} is stored with different "
                                 "content; stored versions are immutable")

        if session is not None:
            put(session)
        else:
            with self.transaction() as s:
                put(s)

    def get_version(self, content_hash: str) -> dict[str, Any] | None:
        """The stored canonical model (parsed JSON) for ``content_hash``, or None."""
        with self._sessions() as s:
            row = s.get(ProcedureVersionRow, content_hash)
            return json.loads(row.canonical_json) if row else None

    # -- results -------------------------------------------------------------------------

    def done_tasks(self, run_id: int) -> set[tuple[str, str, int]]:
        """(version hash, scenario key, batch) of the simulation tasks already stored."""
        with self._sessions() as s:
            rows = s.execute(select(SimulationResult.version_hash, SimulationResult.scenario_key,
                                    SimulationResult.batch)
                             .where(SimulationResult.run_id == run_id)).all()
            return {(r[0], r[1], r[2]) for r in rows}

    def put_simulation_result(self, run_id: int, *, version_hash: str, procedure_id: str,
                              version: str, name: str, canonical_json: str, scenario_key: str,
                              batch: int, replications: Sequence[int],
                              results: dict[str, Any]) -> None:
        """Store one task's results, and its procedure version, in one transaction.

        Storing the same task twice (a retry after the commit succeeded, or two processes
        at once) keeps the first: ``INSERT … ON CONFLICT DO NOTHING``.
        """
        with self.transaction() as s:
            self.put_version(version_hash, procedure_id, version, name, canonical_json, session=s)
            insert_ignore(s, SimulationResult.__table__,  # type: ignore[arg-type]
                          {"run_id": run_id, "version_hash": version_hash,
                           "procedure_id": procedure_id, "version": version,
                           "scenario_key": scenario_key, "batch": batch,
                           "replications": list(replications), "results": results,
                           "stored_at": utc_now()},
                          keys=["run_id", "version_hash", "scenario_key", "batch"])

    def put_simulation_results(self, run_id: int, rows: Sequence[dict[str, Any]]) -> None:
        """Store several tasks' results (each a dict of :meth:`put_simulation_result`'s
        keyword arguments) in one transaction: all or none. A national task holds many
        small items; one commit each would cost more than simulating them."""
        with self.transaction() as s:
            for row in rows:
                self.put_version(row["version_hash"], row["procedure_id"], row["version"],
                                 row["name"], row["canonical_json"], session=s)
                insert_ignore(s, SimulationResult.__table__,  # type: ignore[arg-type]
                              {"run_id": run_id, "version_hash": row["version_hash"],
                               "procedure_id": row["procedure_id"], "version": row["version"],
                               "scenario_key": row["scenario_key"], "batch": row["batch"],
                               "replications": list(row["replications"]),
                               "results": row["results"], "stored_at": utc_now()},
                              keys=["run_id", "version_hash", "scenario_key", "batch"])

    def simulation_results(self, run_id: int) -> list[SimulationResult]:
        """All stored task results of a run (whatever its status)."""
        with self._sessions() as s:
            return list(s.scalars(select(SimulationResult).where(SimulationResult.run_id == run_id)
                                  .order_by(SimulationResult.id)).all())

    def completed_results(self, procedure_id: str | None = None, *, all_runs: bool = False
                          ) -> list[SimulationResult]:
        """Task results of *completed* runs only.

        By default only the newest completed run holding results of the procedure (or,
        without a procedure, the newest completed simulation run) is read: readers do not
        slow down as runs accumulate. ``all_runs=True`` reads every completed run, the
        newest first.
        """
        with self._sessions() as s:
            query = (select(SimulationResult).join(Run, Run.id == SimulationResult.run_id)
                     .where(Run.status == RunStatus.COMPLETED))
            if procedure_id:
                query = query.where(SimulationResult.procedure_id == procedure_id)
            if not all_runs:
                newest = (select(func.max(SimulationResult.run_id))
                          .join(Run, Run.id == SimulationResult.run_id)
                          .where(Run.status == RunStatus.COMPLETED))
                if procedure_id:
                    newest = newest.where(SimulationResult.procedure_id == procedure_id)
                query = query.where(SimulationResult.run_id == newest.scalar_subquery())
            return list(s.scalars(query.order_by(Run.id.desc(), SimulationResult.id)).all())

    def put_analysis_result(self, run_id: int, kind: str, subject: str, payload: dict[str, Any], *,
                            procedure_id: str | None = None,
                            version_hashes: Sequence[str] = ()) -> None:
        """Store one analysis result (replacing the same kind/subject of the same run:
        ``INSERT … ON CONFLICT DO UPDATE``)."""
        with self.transaction() as s:
            upsert(s, AnalysisResult.__table__,  # type: ignore[arg-type]
                   {"run_id": run_id, "kind": kind, "subject": subject,
                    "procedure_id": procedure_id, "version_hashes": list(version_hashes),
                    "payload": payload, "stored_at": utc_now()},
                   keys=["run_id", "kind", "subject"], replace=["payload", "version_hashes"])

    def analysis_results(self, run_id: int | None = None, kind: str | None = None
                         ) -> list[AnalysisResult]:
        """Analysis results of one run, or of the latest completed analysis run."""
        with self._sessions() as s:
            if run_id is None:
                latest = s.scalars(select(Run.id).where(Run.kind == "analyze",
                                                        Run.status == RunStatus.COMPLETED)
                                   .order_by(Run.id.desc())).first()
                if latest is None:
                    return []
                run_id = latest
            query = select(AnalysisResult).where(AnalysisResult.run_id == run_id)
            if kind:
                query = query.where(AnalysisResult.kind == kind)
            return list(s.scalars(query.order_by(AnalysisResult.id)).all())
