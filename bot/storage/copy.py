"""Move the bot's data from one database to another — SQLite to PostgreSQL when outgrowing one machine:

    python -m bot.storage.copy SOURCE_URL TARGET_URL

Stop the bot first. Both databases are brought to the newest schema (the bot's own migrations);
the target must hold no people or jobs yet (what its migrations seeded, the starter gallery, is
replaced by the source's). Every table of ours is copied in batches, parents before children, in one
transaction on the target, and PostgreSQL's id sequences are moved past the copied ids. Engine events
and worker registrations are not copied: they belong to running processes.
Pictures stay where they are: keep DATA_DIR (or point PICTURE_STORE at its files/ folder).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sqlalchemy import Integer, func, insert, select, text

from .db import Database
from .models import Base, EngineEvent, EngineWorker, Job, User

SKIPPED = {EngineEvent.__tablename__, EngineWorker.__tablename__}
BATCH = 1000


class CopyError(Exception):
    """The target is not empty, or a URL is wrong: said in one line."""


async def copy(source_url: str, target_url: str) -> dict[str, int]:
    """Copy every row; the number copied per table."""
    source, target = Database(source_url), Database(target_url)
    try:
        await source.migrate()
        await target.migrate()
        tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED]
        copied: dict[str, int] = {}
        async with target.engine.begin() as into:
            for model in (User, Job):
                if (await into.execute(select(func.count()).select_from(model))).scalar_one():
                    raise CopyError(f"the target already has {model.__tablename__}: copy into a new, empty database")
            for table in reversed(tables):  # what the target's migrations seeded (the starter gallery)
                await into.execute(table.delete())
            async with source.engine.connect() as out:
                for table in tables:
                    rows = (await out.execute(select(table))).mappings().all()
                    for start in range(0, len(rows), BATCH):
                        await into.execute(insert(table), [dict(r) for r in rows[start : start + BATCH]])
                    copied[table.name] = len(rows)
            if into.dialect.name == "postgresql":
                for table in tables:
                    (key, *more) = table.primary_key.columns
                    if more or key.autoincrement is False or key.foreign_keys or not isinstance(key.type, Integer):
                        continue  # a natural key (a Telegram id): no sequence behind it
                    await into.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key.name}'),"
                            f" coalesce((SELECT max({key.name}) FROM {table.name}), 0) + 1, false)"
                        )
                    )
        return copied
    finally:
        await source.close()
        await target.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.storage.copy", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="e.g. sqlite+aiosqlite:///data/paintbot.sqlite3")
    parser.add_argument("target", help="e.g. postgresql+asyncpg://paintbot:secret@db/paintbot")
    args = parser.parse_args(argv)
    try:
        copied = asyncio.run(copy(args.source, args.target))
    except CopyError as exc:
        print(f"nothing copied: {exc}", file=sys.stderr)
        return 1
    for name, count in copied.items():
        print(f"{name:>16}: {count}")
    print("done: start the bot with DATABASE_URL set to the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
