"""The store's tables (SQLAlchemy 2 ORM) and the column types they share.

Column types are chosen so that one schema serves SQLite and PostgreSQL alike:

* :data:`JSONDocument` is ``JSONB`` on PostgreSQL (indexable, compact) and JSON elsewhere;
* :class:`UTCDateTime` is ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL and always returns
  timezone-aware UTC datetimes, whatever the database (SQLite keeps no zone: values are
  stored as UTC and read back as UTC);
* seeds and process ids are 64-bit (``BIGINT``): a seed of 3,000,000,000 is valid;
* ``runs.status`` and ``runs.kind`` carry CHECK constraints.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "RUN_KINDS",
    "STORED_STATUSES",
    "AnalysisResult",
    "Base",
    "JSONDocument",
    "ProcedureVersionRow",
    "Run",
    "RunStatus",
    "SimulationResult",
    "UTCDateTime",
    "utc_now",
]


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class RunStatus:
    """Run states. ``interrupted`` is derived, not stored: a ``running`` run whose lease
    expired (no heartbeat within the lease time) or whose process is known to be gone."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


STORED_STATUSES = (RunStatus.RUNNING, RunStatus.COMPLETED, RunStatus.FAILED)
RUN_KINDS = ("simulate", "analyze", "national")

JSONDocument = JSON().with_variant(JSONB(), "postgresql")
"""JSON column: ``JSONB`` on PostgreSQL, JSON elsewhere."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and read back timezone-aware (UTC).

    Naive datetimes are refused when written: every timestamp of the store is explicit
    about its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("the store keeps timezone-aware timestamps; got a naive datetime")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSONDocument,
                                                     list[Any]: JSONDocument,
                                                     datetime: UTCDateTime}


class ProcedureVersionRow(Base):
    """An immutable procedure version, keyed by its content hash."""

    __tablename__ = "procedure_versions"

    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    procedure_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(Text)
    canonical_json: Mapped[str] = mapped_column(Text)
    stored_at: Mapped[datetime] = mapped_column(default=utc_now)


class Run(Base):
    """One run of a flow (a simulation sweep or a catalog analysis).

    ``parameters`` holds everything needed to resume the run exactly (procedures, online
    shares, replications, years, seed, scenario file and hash, the task plan).
    ``lease_token`` identifies the process that holds the run; it renews
    ``heartbeat_at`` while it works.
    """

    __tablename__ = "runs"
    __table_args__ = (
        CheckConstraint(f"status IN {STORED_STATUSES!r}", name="ck_runs_status"),
        CheckConstraint(f"kind IN {RUN_KINDS!r}", name="ck_runs_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default=RunStatus.RUNNING)
    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    seed: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    code_version: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column(nullable=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    host: Mapped[str] = mapped_column(String(255), default="")
    pid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tasks_expected: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(64), nullable=True)


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
    replications: Mapped[list[Any]] = mapped_column()
    results: Mapped[dict[str, Any]] = mapped_column()
    stored_at: Mapped[datetime] = mapped_column(default=utc_now)


class AnalysisResult(Base):
    """An analysis result (metrics, findings, change set, ranking) of a run."""

    __tablename__ = "analysis_results"
    __table_args__ = (UniqueConstraint("run_id", "kind", "subject", name="uq_analysis_item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    procedure_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    version_hashes: Mapped[list[Any]] = mapped_column(default=list)
    payload: Mapped[dict[str, Any]] = mapped_column()
    stored_at: Mapped[datetime] = mapped_column(default=utc_now)
