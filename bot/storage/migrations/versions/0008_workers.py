"""Engine workers on PostgreSQL: procrastinate's own schema, the engine events and workers tables,
one delivery record per job, and a durable cancel request any replica can make.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "deliveries",
        sa.Column("job_id", sa.Integer, sa.ForeignKey("jobs.id"), primary_key=True, autoincrement=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=False),
    )
    op.create_table(
        "engine_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False, index=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "engine_workers",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("slots", sa.Integer, nullable=False),
        sa.Column("device", sa.String(32), nullable=False),
        sa.Column("modes", sa.Text, nullable=False),
        sa.Column("load_seconds", sa.Float, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _procrastinate_schema()


def _procrastinate_schema() -> None:
    # procrastinate's schema is a script of functions and triggers: it goes to the server as one
    # simple query through the raw asyncpg connection (SQLAlchemy would prepare it statement by
    # statement). A later procrastinate release brings its migration scripts: each becomes a revision.
    from procrastinate.schema import SchemaManager
    from sqlalchemy.util import await_only

    raw = op.get_bind().connection.driver_connection
    await_only(raw.execute(SchemaManager.get_schema()))


def downgrade() -> None:
    op.drop_table("engine_workers")
    op.drop_table("engine_events")
    op.drop_table("deliveries")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("cancel_requested_at")
