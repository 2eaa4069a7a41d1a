"""Alembic environment: SQLite migrates through its plain driver; PostgreSQL through the bot's own
asyncpg (Alembic's async recipe), so a PostgreSQL host needs no second driver."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.models import Base, ours

target_metadata = Base.metadata


def _sync_url(url: str) -> str:
    # The bot runs on aiosqlite/asyncpg; migrations need the plain driver of the same database.
    parsed = make_url(url)
    driver = {"sqlite+aiosqlite": "sqlite"}.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False) if driver else url


def run_offline() -> None:
    context.configure(
        url=_sync_url(context.config.get_main_option("sqlalchemy.url")),
        target_metadata=target_metadata,
        include_name=ours,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _migrate(connection) -> None:
    # batch mode: SQLite can only ALTER tables by copying them (on PostgreSQL it alters in place)
    context.configure(connection=connection, target_metadata=target_metadata, include_name=ours, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


#: Replicas starting together migrate one at a time: the others wait, then find nothing to do.
MIGRATION_LOCK = 0x6D696772617465


async def _migrate_async(url: str) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        await connection.commit()
        try:
            await connection.run_sync(_migrate)
        finally:
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
    await engine.dispose()


def run_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    if make_url(url).drivername == "postgresql+asyncpg":
        asyncio.run(_migrate_async(url))  # the bot runs migrations in a worker thread: a loop of its own
        return
    engine = create_engine(_sync_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _migrate(connection)
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
