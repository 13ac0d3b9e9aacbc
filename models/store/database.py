"""The results store: SQLAlchemy 2 ORM tables and a small API over them.

SQLite in a project-local ``.tetsuzuki/`` folder by default; any SQLAlchemy URL (e.g.
PostgreSQL) from the environment variable ``TETSUZUKI_DATABASE_URL``. The schema is owned
by Alembic migrations (``models/migrations``), applied by ``tetsuzuki db upgrade`` and
automatically the first time a store is opened.

Guarantees:

* procedure versions are immutable rows keyed by the SHA-256 of their canonical form;
  storing the same version twice is a no-op, and a different text under an existing hash
  is refused;
* a run records its parameters, seed, code version, status, start and end, the Prefect
  flow-run id and the process that runs it; results are written one task at a time, each
  in its own transaction, so a run that dies keeps only whole task results and is shown
  as ``interrupted`` (its process is gone) — never ``completed``;
* results of a run that is not ``completed`` are never reported as complete
  (:meth:`Store.completed_results` filters on status).
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from bpr.errors import StorageError

__all__ = [
    "DATABASE_URL_ENV",
    "AnalysisResult",
    "Base",
    "ProcedureVersionRow",
    "Run",
    "RunStatus",
    "SimulationResult",
    "Store",
    "StoreError",
    "default_url",
    "sqlite_file",
    "store_exists",
]

DATABASE_URL_ENV = "TETSUZUKI_DATABASE_URL"
SUMMARY_KINDS = ("ranking",)
"""Analysis result kinds that summarise a run rather than complete one of its tasks."""


StoreError = StorageError
"""The store could not be opened, read or written (the project-wide StorageError)."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class RunStatus:
    """Run states. ``interrupted`` is derived, not stored: a ``running`` run whose process
    is gone."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class ProcedureVersionRow(Base):
    """An immutable procedure version, keyed by its content hash."""

    __tablename__ = "procedure_versions"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    canonical_json: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(DateTime, default=_now)


class Run(Base):
    """One run of a flow (a simulation sweep or a catalog analysis)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default=RunStatus.RUNNING)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    code_version: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=_now)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tasks_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SimulationResult(Base):
    """Results of one task: (run, procedure version, scenario, batch of replications)."""

    __tablename__ = "simulation_results"
    __table_args__ = (
        UniqueConstraint("run_id", "version_hash", "scenario_key", "batch", name="uq_sim_task"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    version_hash: Mapped[str] = mapped_column(ForeignKey("procedure_versions.content_hash"))
    procedure_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    scenario_key: Mapped[str] = mapped_column(String(200))
    batch: Mapped[int] = mapped_column(Integer)
    replications: Mapped[list[Any]] = mapped_column(JSON)
    results: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(DateTime, default=_now)


class AnalysisResult(Base):
    """An analysis result (metrics, findings, change set, ranking) of a run."""

    __tablename__ = "analysis_results"
    __table_args__ = (UniqueConstraint("run_id", "kind", "subject", name="uq_analysis_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    procedure_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    version_hashes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(DateTime, default=_now)


def default_url(project_dir: str | Path | None = None) -> str:
    """The store URL: ``$TETSUZUKI_DATABASE_URL`` or SQLite in ``<project>/.tetsuzuki/``."""
    url = os.environ.get(DATABASE_URL_ENV)
    if url:
        return url
    folder = Path(project_dir or Path.cwd()) / ".tetsuzuki"
    return f"sqlite:///{folder / 'tetsuzuki.db'}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class RunView:
    """A run as shown to users, with its effective status."""

    id: int
    kind: str
    status: str
    parameters: dict[str, Any]
    seed: int | None
    code_version: str
    started_at: datetime
    ended_at: datetime | None
    flow_run_id: str | None
    tasks_expected: int | None
    tasks_done: int
    error: str | None


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


class Store:
    """Access to the results store.

    Args:
        url: SQLAlchemy URL; default :func:`default_url`.
        upgrade: apply pending Alembic migrations when opening (default True).
        create: create a SQLite store (and its folder) that does not exist yet (default
            True). Commands that only read pass False: a missing store is then a
            :class:`StoreError` ``no store at PATH yet`` and nothing is created.

    Raises:
        StoreError: the database cannot be opened or migrated, or does not exist and
            ``create`` is False.
    """

    def __init__(self, url: str | None = None, *, upgrade: bool = True,
                 create: bool = True) -> None:
        self.url = url or default_url()
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
            self.engine: Engine = create_engine(self.url, future=True)
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

    # -- procedure versions ---------------------------------------------------------------

    def put_version(self, content_hash: str, procedure_id: str, version: str, name: str,
                    canonical_json: str, session: Session | None = None) -> None:
        """Store a procedure version once (immutable).

        Raises:
            StoreError: a different canonical text is already stored under this hash.
        """
        def put(s: Session) -> None:
            existing = s.get(ProcedureVersionRow, content_hash)
            if existing is None:
                s.add(ProcedureVersionRow(content_hash=content_hash, procedure_id=procedure_id,
                                          version=version, name=name,
                                          canonical_json=canonical_json))
            elif existing.canonical_json != canonical_json:
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

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, kind: str, parameters: dict[str, Any], *, seed: int | None,
                  code_version: str, flow_run_id: str | None = None,
                  tasks_expected: int | None = None) -> int:
        """Record a new run in state ``running`` and return its id."""
        with self.transaction() as s:
            run = Run(kind=kind, status=RunStatus.RUNNING, parameters=parameters, seed=seed,
                      code_version=code_version, flow_run_id=flow_run_id,
                      host=socket.gethostname(), pid=os.getpid(),
                      tasks_expected=tasks_expected)
            s.add(run)
            s.flush()
            return run.id

    def adopt_run(self, run_id: int, *, flow_run_id: str | None = None) -> None:
        """Mark an existing (interrupted or failed) run as running again in this process,
        to resume it."""
        with self.transaction() as s:
            run = self._run(s, run_id)
            if run.status == RunStatus.COMPLETED:
                raise StoreError(f"run {run_id} is already completed")
            run.status = RunStatus.RUNNING
            run.host, run.pid = socket.gethostname(), os.getpid()
            run.ended_at, run.error = None, None
            if flow_run_id:
                run.flow_run_id = flow_run_id

    def finish_run(self, run_id: int, status: str, error: str | None = None) -> None:
        """Close a run as ``completed`` or ``failed``."""
        if status not in (RunStatus.COMPLETED, RunStatus.FAILED):
            raise ValueError(f"a run finishes completed or failed, not {status!r}")
        with self.transaction() as s:
            run = self._run(s, run_id)
            run.status, run.ended_at, run.error = status, _now(), error

    @staticmethod
    def _run(s: Session, run_id: int) -> Run:
        run = s.get(Run, run_id)
        if run is None:
            raise StoreError(f"no run with id {run_id}")
        return run

    def _view(self, s: Session, run: Run) -> RunView:
        status = run.status
        if status == RunStatus.RUNNING and run.host == socket.gethostname() and run.pid and \
                not _process_alive(run.pid):
            status = RunStatus.INTERRUPTED
        done = len(s.scalars(select(SimulationResult.id).where(SimulationResult.run_id == run.id)).all())
        done += len(s.scalars(select(AnalysisResult.id).where(
            AnalysisResult.run_id == run.id, AnalysisResult.kind.not_in(SUMMARY_KINDS))).all())
        return RunView(id=run.id, kind=run.kind, status=status, parameters=dict(run.parameters),
                       seed=run.seed, code_version=run.code_version, started_at=run.started_at,
                       ended_at=run.ended_at, flow_run_id=run.flow_run_id,
                       tasks_expected=run.tasks_expected, tasks_done=done, error=run.error)

    def runs(self, limit: int = 50) -> list[RunView]:
        """The most recent runs, newest first, with effective status."""
        with self._sessions() as s:
            rows = s.scalars(select(Run).order_by(Run.id.desc()).limit(limit)).all()
            return [self._view(s, r) for r in rows]

    def run(self, run_id: int) -> RunView:
        """One run.

        Raises:
            StoreError: no such run.
        """
        with self._sessions() as s:
            return self._view(s, self._run(s, run_id))

    def latest_completed_run(self, kind: str) -> int | None:
        """Id of the newest completed run of ``kind`` (``simulate``, ``analyze``), or None."""
        with self._sessions() as s:
            return s.scalars(select(Run.id).where(Run.kind == kind,
                                                  Run.status == RunStatus.COMPLETED)
                             .order_by(Run.id.desc())).first()

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

        Storing the same task twice (a retry after the commit succeeded) keeps the first.
        """
        with self.transaction() as s:
            self.put_version(version_hash, procedure_id, version, name, canonical_json, session=s)
            exists = s.scalars(select(SimulationResult.id).where(
                SimulationResult.run_id == run_id, SimulationResult.version_hash == version_hash,
                SimulationResult.scenario_key == scenario_key,
                SimulationResult.batch == batch)).first()
            if exists is None:
                s.add(SimulationResult(run_id=run_id, version_hash=version_hash,
                                       procedure_id=procedure_id, version=version,
                                       scenario_key=scenario_key, batch=batch,
                                       replications=list(replications), results=results))

    def simulation_results(self, run_id: int) -> list[SimulationResult]:
        """All stored task results of a run (whatever its status)."""
        with self._sessions() as s:
            return list(s.scalars(select(SimulationResult).where(SimulationResult.run_id == run_id)
                                  .order_by(SimulationResult.id)).all())

    def completed_results(self, procedure_id: str | None = None) -> list[SimulationResult]:
        """Task results of *completed* runs only (the latest completed run first)."""
        with self._sessions() as s:
            query = (select(SimulationResult).join(Run, Run.id == SimulationResult.run_id)
                     .where(Run.status == RunStatus.COMPLETED)
                     .order_by(Run.id.desc(), SimulationResult.id))
            if procedure_id:
                query = query.where(SimulationResult.procedure_id == procedure_id)
            return list(s.scalars(query).all())

    def put_analysis_result(self, run_id: int, kind: str, subject: str, payload: dict[str, Any], *,
                            procedure_id: str | None = None,
                            version_hashes: Sequence[str] = ()) -> None:
        """Store one analysis result (replacing the same kind/subject of the same run)."""
        with self.transaction() as s:
            row = s.scalars(select(AnalysisResult).where(
                AnalysisResult.run_id == run_id, AnalysisResult.kind == kind,
                AnalysisResult.subject == subject)).first()
            if row is None:
                s.add(AnalysisResult(run_id=run_id, kind=kind, subject=subject,
                                     procedure_id=procedure_id,
                                     version_hashes=list(version_hashes), payload=payload))
            else:
                row.payload = payload
                row.version_hashes = list(version_hashes)

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
