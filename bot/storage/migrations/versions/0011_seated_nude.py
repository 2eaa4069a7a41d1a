"""Modigliani's Seated Nude joins the starter gallery — where the gallery still holds a starter
painting or none at all (an owner who cleared the starters away has chosen their own).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    count = connection.execute(sa.text("SELECT COUNT(*) FROM presets")).scalar()
    starters = connection.execute(sa.text("SELECT COUNT(*) FROM presets WHERE path LIKE 'starter:%'")).scalar()
    taken = connection.execute(sa.text("SELECT COUNT(*) FROM presets WHERE name = 'nude'")).scalar()
    if taken or (count and not starters):
        return
    presets = sa.table(
        "presets",
        sa.column("name", sa.String),
        sa.column("file_id", sa.String),
        sa.column("path", sa.Text),
        sa.column("added_by", sa.BigInteger),
        sa.column("title", sa.String),
        sa.column("painter", sa.String),
        sa.column("year", sa.Integer),
    )
    # as in 0006: the data as written, file_id learnt when first shown, added by nobody (the release)
    op.bulk_insert(
        presets,
        [
            {
                "name": "nude",
                "file_id": "",
                "path": "starter:seated_nude.jpg",
                "added_by": 0,
                "title": "Seated Nude",
                "painter": "Amedeo Modigliani",
                "year": 1917,
            }
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM presets WHERE path = 'starter:seated_nude.jpg'"))
