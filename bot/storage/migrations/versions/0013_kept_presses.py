"""Job presses kept in the inbox (no message id of their own), and each job keyed by the update
that asked for it: a press replayed after a replica died places no second job.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.alter_column("message_id", existing_type=sa.BigInteger(), nullable=True)
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("update_id", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint("uq_jobs_update", ["update_id"])


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint("uq_jobs_update", type_="unique")
        batch.drop_column("update_id")
    op.execute("DELETE FROM inbox WHERE message_id IS NULL")
    with op.batch_alter_table("inbox") as batch:
        batch.alter_column("message_id", existing_type=sa.BigInteger(), nullable=False)
