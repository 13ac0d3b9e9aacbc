"""Initial schema: procedure versions, runs, simulation and analysis results.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "procedure_versions",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("procedure_id", sa.String(200), nullable=False, index=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("canonical_json", sa.Text, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False, index=True),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("seed", sa.Integer, nullable=True),
        sa.Column("code_version", sa.String(100), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime, nullable=True),
        sa.Column("flow_run_id", sa.String(64), nullable=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=True),
        sa.Column("tasks_expected", sa.Integer, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_table(
        "simulation_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("version_hash", sa.String(64),
                  sa.ForeignKey("procedure_versions.content_hash"), nullable=False),
        sa.Column("procedure_id", sa.String(200), nullable=False, index=True),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("scenario_key", sa.String(200), nullable=False),
        sa.Column("batch", sa.Integer, nullable=False),
        sa.Column("replications", sa.JSON, nullable=False),
        sa.Column("results", sa.JSON, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run_id", "version_hash", "scenario_key", "batch", name="uq_sim_task"),
    )
    op.create_table(
        "analysis_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("procedure_id", sa.String(200), nullable=True, index=True),
        sa.Column("version_hashes", sa.JSON, nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("run_id", "kind", "subject", name="uq_analysis_item"),
    )


def downgrade() -> None:
    op.drop_table("analysis_results")
    op.drop_table("simulation_results")
    op.drop_table("runs")
    op.drop_table("procedure_versions")
