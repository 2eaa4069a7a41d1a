"""Drafts hold their inputs by role, each file with its media kind and each style with its weight.

``content_path``, ``style_paths`` and ``gamma`` become one ``inputs`` JSON column:
``{"content": [{"path", "media"}], "styles": [{"path", "media", "weight"}, …]}`` — the shape of a
job's inputs (worker.protocol), so a draft whose photo is a video, or that has a mask, needs no
new columns. The first style's weight is the old ``gamma``; one style weighs 1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_old = sa.table(
    "drafts",
    sa.column("id", sa.Integer()),
    sa.column("content_path", sa.Text()),
    sa.column("style_paths", sa.JSON()),
    sa.column("gamma", sa.Float()),
    sa.column("inputs", sa.JSON()),
)


def inputs_of(content: str | None, styles: list | None, gamma: float | None) -> dict:
    styles = list(styles or [])
    gamma = 0.5 if gamma is None else float(gamma)
    weights = [gamma, 1.0 - gamma] if len(styles) == 2 else [1.0] * len(styles)
    return {
        "content": [{"path": content, "media": "picture"}] if content else [],
        "styles": [{"path": p, "media": "picture", "weight": w} for p, w in zip(styles, weights)],
    }


def upgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("inputs", sa.JSON()))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_old.c.id, _old.c.content_path, _old.c.style_paths, _old.c.gamma)):
        value = inputs_of(row.content_path, row.style_paths, row.gamma)
        connection.execute(_old.update().where(_old.c.id == row.id).values(inputs=value))
    with op.batch_alter_table("drafts") as batch:
        batch.alter_column("inputs", existing_type=sa.JSON(), nullable=False)
        for column in ("content_path", "style_paths", "gamma"):
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("content_path", sa.Text()))
        batch.add_column(sa.Column("style_paths", sa.JSON()))
        batch.add_column(sa.Column("gamma", sa.Float()))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_old.c.id, _old.c.inputs)):
        inputs = row.inputs or {}
        content = [i["path"] for i in inputs.get("content", [])]
        styles = inputs.get("styles", [])
        gamma = styles[0].get("weight", 0.5) if len(styles) == 2 else 0.5
        values = {
            "content_path": content[0] if content else None,
            "style_paths": [s["path"] for s in styles],
            "gamma": gamma,
        }
        connection.execute(_old.update().where(_old.c.id == row.id).values(**values))
    with op.batch_alter_table("drafts") as batch:
        batch.alter_column("style_paths", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("gamma", existing_type=sa.Float(), nullable=False)
        batch.drop_column("inputs")
