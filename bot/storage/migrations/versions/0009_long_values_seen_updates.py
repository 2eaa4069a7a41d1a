"""Room for what Telegram can send, and each update handled once.

``users.language_code`` was 16 characters, but Telegram's IETF tags can be longer
(``zh-hant-tw-x-abcdefgh``): on PostgreSQL such a person's every message failed. File ids have no
documented length, so they become text. ``seen_updates`` records the webhook's update ids, so an
update Telegram posts again (it does when an answer is slow) is handled once, across restarts and
replicas.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.alter_column("language_code", type_=sa.String(64), existing_type=sa.String(16))
    with op.batch_alter_table("presets") as batch:
        batch.alter_column("file_id", type_=sa.Text, existing_type=sa.String(256), existing_nullable=False)
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("result_file_id", type_=sa.Text, existing_type=sa.String(256))
    op.create_table(
        "seen_updates",
        sa.Column("update_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("seen_updates")
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("result_file_id", type_=sa.String(256), existing_type=sa.Text)
    with op.batch_alter_table("presets") as batch:
        batch.alter_column("file_id", type_=sa.String(256), existing_type=sa.Text, existing_nullable=False)
    with op.batch_alter_table("users") as batch:
        batch.alter_column("language_code", type_=sa.String(16), existing_type=sa.String(64))
