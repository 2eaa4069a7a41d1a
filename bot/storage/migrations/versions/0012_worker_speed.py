"""Each worker says how fast it paints (seconds per work unit, timed as it starts): the bot's first
estimates fit the hosts that paint, not a guess.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("engine_workers") as batch:
        batch.add_column(sa.Column("seconds_per_unit", sa.Float, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("engine_workers") as batch:
        batch.drop_column("seconds_per_unit")
