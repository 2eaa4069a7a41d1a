"""Paintings get a title, a painter and a year; an empty gallery gets the starter paintings.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("presets") as batch:
        batch.add_column(sa.Column("title", sa.String(128), nullable=True))
        batch.add_column(sa.Column("painter", sa.String(128), nullable=True))
        batch.add_column(sa.Column("year", sa.Integer(), nullable=True))
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT COUNT(*) FROM presets")).scalar():
        return  # a gallery someone already filled is left as it is
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
    # The data as it was when written (bot.gallery.STARTER may change later; a migration does not).
    # file_id is empty until a painting is first shown: the bot uploads it then and keeps the id.
    # added_by 0: nobody (the release).
    op.bulk_insert(
        presets,
        [
            {
                "name": name,
                "file_id": "",
                "path": "starter:" + file,
                "added_by": 0,
                "title": title,
                "painter": painter,
                "year": year,
            }
            for name, file, title, painter, year in (
                ("starry", "starry_night.jpg", "The Starry Night", "Vincent van Gogh", 1889),
                ("scream", "the_scream.jpg", "The Scream", "Edvard Munch", 1893),
                ("shipwreck", "shipwreck.jpg", "The Shipwreck", "J. M. W. Turner", 1805),
            )
        ],
    )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM presets WHERE path LIKE 'starter:%'"))
    with op.batch_alter_table("presets") as batch:
        batch.drop_column("year")
        batch.drop_column("painter")
        batch.drop_column("title")
