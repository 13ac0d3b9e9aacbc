"""Leases, resumable parameters and column types fit for a shared PostgreSQL server.

* ``runs.heartbeat_at`` and ``runs.lease_token``: liveness by lease (any host);
* ``runs.seed`` and ``runs.pid`` become ``BIGINT`` (a seed of 3,000,000,000 is valid);
* JSON columns become ``JSONB`` on PostgreSQL;
* timestamps become ``TIMESTAMP WITH TIME ZONE`` on PostgreSQL (existing values are UTC);
* CHECK constraints on ``runs.status`` and ``runs.kind``.

On SQLite the tables are rebuilt in batch mode (Alembic's "move and copy"); the stored
values do not change.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON_COLUMNS = {"runs": ("parameters",), "simulation_results": ("replications", "results"),
                 "analysis_results": ("version_hashes", "payload")}
_TIME_COLUMNS = {"procedure_versions": ("stored_at",), "runs": ("started_at", "ended_at"),
                 "simulation_results": ("stored_at",), "analysis_results": ("stored_at",)}


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("lease_token", sa.String(64), nullable=True))
        batch.alter_column("seed", type_=sa.BigInteger, existing_nullable=True)
        batch.alter_column("pid", type_=sa.BigInteger, existing_nullable=True)
        batch.create_check_constraint("ck_runs_status",
                                      "status IN ('running', 'completed', 'failed')")
        batch.create_check_constraint("ck_runs_kind", "kind IN ('simulate', 'analyze')")
    if not postgres:
        return
    for table, columns in _JSON_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=JSONB, postgresql_using=f"{column}::jsonb")
    for table, columns in _TIME_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.DateTime(timezone=True),
                            postgresql_using=f"{column} AT TIME ZONE 'UTC'")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        for table, columns in _TIME_COLUMNS.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.DateTime(),
                                postgresql_using=f"{column} AT TIME ZONE 'UTC'")
        for table, columns in _JSON_COLUMNS.items():
            for column in columns:
                op.alter_column(table, column, type_=sa.JSON, postgresql_using=f"{column}::json")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("ck_runs_kind", type_="check")
        batch.drop_constraint("ck_runs_status", type_="check")
        batch.alter_column("pid", type_=sa.Integer, existing_nullable=True)
        batch.alter_column("seed", type_=sa.Integer, existing_nullable=True)
        batch.drop_column("lease_token")
        batch.drop_column("heartbeat_at")
