"""The async database handle: SQLite in WAL mode, schema upgraded by Alembic on start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"  #: inside the package: a wheel migrates too
#: How long a starting replica waits for a database server it cannot reach yet.
STARTUP_PATIENCE = 60.0

log = logging.getLogger(__name__)


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head() -> str:
    """The newest migration's revision id."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (blocking; run it in a thread from async code)."""
    command.upgrade(alembic_config(url), revision)


class Database:
    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A server restart leaves dead connections in the pool: PostgreSQL's are checked before use.
        self.sqlite = sqlite = parsed.get_backend_name() == "sqlite"
        # SQLite: no cap on connections. Updates are handled concurrently and a transaction may read
        # through a second session (a chat's settings) while it holds the one write lock; with the
        # pool's 15 all taken by sessions waiting for that lock, both waited out their 30 s.
        pool = {"max_overflow": -1} if sqlite and parsed.database else {"pool_pre_ping": not sqlite}
        self.engine = create_async_engine(url, **pool)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.session: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    async def migrate(self, patience: float = STARTUP_PATIENCE) -> None:
        """Bring the schema up to date. A database server that cannot be reached yet (a replica
        started as PostgreSQL restarts or fails over) is waited for up to ``patience`` seconds
        rather than the replica exiting; a SQLite file is never waited for."""

        async def upgraded() -> None:
            await asyncio.to_thread(upgrade, self.url)
            async with self.engine.connect():
                pass  # the first connection switches a new SQLite file to WAL (a persistent mode)

        await patiently(upgraded, 0 if self.sqlite else patience)

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers (status, progress) proceed while a job row is written; busy_timeout
    # waits out a concurrent writer instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    # busy_timeout first: switching to WAL needs a lock too, and connections opened together (many
    # updates handled at once) would otherwise fail at once with "database is locked"
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":  # persistent: set once per file, which needs a lock
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


#: Exception classes (of SQLAlchemy, asyncpg, psycopg) that mean the connection, not the statement, failed.
#: (asyncpg's InternalClientError "cannot switch to state …; another operation is in progress": a
#: connection lost under a statement leaves its protocol mid-operation for the commit or rollback
#: that follows — seen in the chaos benchmark at each PostgreSQL restart.)
_OUTAGES = (
    "OperationalError",
    "InterfaceError",
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "InternalClientError",
)


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached or dropped the connection (a restart,
    a failover, the network) rather than that a statement was wrong: worth waiting out, not a bug."""
    if isinstance(exc, OSError):  # (ConnectionError and TimeoutError are OSErrors)
        return True
    if any(cls.__name__ in _OUTAGES for cls in type(exc).__mro__):
        return True
    if str(getattr(exc, "sqlstate", "") or "").startswith(("08", "57P")):  # connection lost; shutting down
        return True
    cause = getattr(exc, "orig", None) or exc.__cause__  # SQLAlchemy's and procrastinate's wrappers
    return cause is not None and cause is not exc and unavailable(cause)


async def patiently(work: Callable[[], Awaitable], patience: float = STARTUP_PATIENCE):
    """``work()``'s result, tried again while the database cannot be reached, for up to
    ``patience`` seconds (a process starting as PostgreSQL restarts); then its error."""
    loop = asyncio.get_running_loop()
    deadline, delay = loop.time() + patience, 1.0
    while True:
        try:
            return await work()
        except Exception as exc:
            if not unavailable(exc) or loop.time() + delay > deadline:
                raise
            log.warning("the database cannot be reached yet (%s); trying again in %.0f s", exc, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, 5.0)


async def when_reachable(work: Callable[[], Awaitable], patience: float = 120) -> bool:
    """Do ``work()`` :func:`patiently`; whether it was done within ``patience`` seconds (any
    error but the database's absence is raised)."""
    try:
        await patiently(work, patience)
    except Exception as exc:
        if not unavailable(exc):
            raise
        return False
    return True
