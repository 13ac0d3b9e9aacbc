"""National runs: ``runs.kind`` may be ``national`` (``tetsuzuki run national``).

A national run stores its per-band task results in ``simulation_results`` (scenario key
``<band>/<scenario>``) and its national totals in ``analysis_results`` (kind
``national-totals``); no table changes, only the CHECK constraint on ``runs.kind``.
On SQLite the table is rebuilt in batch mode; the stored values do not change.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("ck_runs_kind", type_="check")
        batch.create_check_constraint("ck_runs_kind", "kind IN ('simulate', 'analyze', 'national')")


def downgrade() -> None:
    national = "SELECT id FROM runs WHERE kind = 'national'"
    op.execute(f"DELETE FROM simulation_results WHERE run_id IN ({national})")
    op.execute(f"DELETE FROM analysis_results WHERE run_id IN ({national})")
    op.execute("DELETE FROM runs WHERE kind = 'national'")
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint("ck_runs_kind", type_="check")
        batch.create_check_constraint("ck_runs_kind", "kind IN ('simulate', 'analyze')")
