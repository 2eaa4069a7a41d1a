"""Jobs store a versioned job spec; sessions become drafts; unused job columns go.

The first release stored ``dataclasses.asdict(StyleSettings)`` verbatim in ``jobs.params`` beside
``content_path`` and ``style_paths``. Each such row becomes a *version-0* spec holding exactly
those values; ``worker.protocol.JobSpec.from_dict`` upgrades version 0 when the job is read, so
a job queued before the upgrade is still painted after it. ``progress`` and ``restarted`` were
written and never read.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from pathlib import PurePath

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_jobs = sa.table(
    "jobs",
    sa.column("id", sa.Integer()),
    sa.column("params", sa.JSON()),
    sa.column("content_path", sa.Text()),
    sa.column("style_paths", sa.JSON()),
    sa.column("spec", sa.JSON()),
)


def _version0(job_id: int, params: dict, content: str, styles: list) -> dict:
    # The file cache keeps inputs, results and previews side by side: <files>/{inputs,results,previews}.
    files = PurePath(content).parent.parent
    return {
        "version": 0,
        "params": dict(params or {}),
        "content": content,
        "styles": list(styles or []),
        "output": str(files / "results" / f"job_{job_id}.png"),
        "preview_dir": str(files / "previews"),
    }


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("spec", sa.JSON()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_jobs.c.id, _jobs.c.params, _jobs.c.content_path, _jobs.c.style_paths))
    for job_id, params, content, styles in rows.fetchall():
        spec = _version0(job_id, params, content, styles)
        connection.execute(_jobs.update().where(_jobs.c.id == job_id).values(spec=spec))
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("spec", existing_type=sa.JSON(), nullable=False)
        for column in ("params", "content_path", "style_paths", "progress", "restarted"):
            batch.drop_column(column)
    op.rename_table("sessions", "drafts")
    with op.batch_alter_table("drafts", recreate="always") as batch:
        batch.drop_constraint("uq_sessions_chat_user", type_="unique")
        batch.create_unique_constraint("uq_drafts_chat_user", ["chat_id", "user_id"])


def downgrade() -> None:
    with op.batch_alter_table("drafts", recreate="always") as batch:
        batch.drop_constraint("uq_drafts_chat_user", type_="unique")
        batch.create_unique_constraint("uq_sessions_chat_user", ["chat_id", "user_id"])
    op.rename_table("drafts", "sessions")
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("params", sa.JSON()))
        batch.add_column(sa.Column("content_path", sa.Text()))
        batch.add_column(sa.Column("style_paths", sa.JSON()))
        batch.add_column(sa.Column("progress", sa.Float(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("restarted", sa.Boolean(), nullable=False, server_default=sa.false()))
    connection = op.get_bind()
    for job_id, spec in connection.execute(sa.select(_jobs.c.id, _jobs.c.spec)).fetchall():
        spec = spec or {}
        if spec.get("version") == 0:
            params, content, styles = spec.get("params"), spec.get("content"), spec.get("styles")
        else:  # the old release fills settings it is not given with their defaults
            inputs = spec.get("inputs") or {}
            params, content, styles = spec.get("settings"), inputs.get("content"), inputs.get("styles")
        values = {"params": params or {}, "content_path": content or "", "style_paths": styles or []}
        connection.execute(_jobs.update().where(_jobs.c.id == job_id).values(**values))
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("spec")
