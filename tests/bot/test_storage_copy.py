"""Moving from SQLite to PostgreSQL: ``python -m bot.storage.copy`` copies every row of a bot that has
been used, and the bot goes on on the copy (new ids follow the old ones)."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import func, select

from bot.storage import Chat, Database, Job, JobStatus, Setting, User
from bot.storage.copy import CopyError, copy
from bot.storage.models import Delivery, Preset

from ..bot_harness import ROOT, RunningBot, paint_then_choose_language, photo_with, prepare


async def counts(db: Database) -> dict[str, int]:
    async with db.session() as session:
        return {
            model.__tablename__: (await session.execute(select(func.count()).select_from(model))).scalar_one()
            for model in (User, Chat, Job, Setting, Preset, Delivery)
        }


async def test_a_used_sqlite_bot_moves_to_postgresql_and_goes_on_there(double, client, tmp_path, postgres_url):
    sqlite_url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    running = await RunningBot(double, tmp_path, database_url=sqlite_url).start()
    ada = client.user(8901, "Ada")
    try:
        await paint_then_choose_language(ada)
    finally:
        await running.stop()
    before = await counts(Database(sqlite_url))

    copied = await copy(sqlite_url, postgres_url)
    target = Database(postgres_url)
    try:
        assert await counts(target) == before and copied["jobs"] == 1 and copied["users"] == 1
        async with target.session() as session:
            user = await session.get(User, 8901)
            job = (await session.execute(select(Job))).scalar_one()
        assert user.language == "es" and job.status == JobStatus.DONE and job.result_file_id
    finally:
        await target.close()
    # a second copy into the same database is refused, in one line, and changes nothing
    try:
        await copy(sqlite_url, postgres_url)
    except CopyError as exc:
        assert "already has" in str(exc)
    else:
        raise AssertionError("copied twice")
    answer = subprocess.run(
        [sys.executable, "-m", "bot.storage.copy", sqlite_url, postgres_url], cwd=ROOT, capture_output=True, text=True
    )
    assert answer.returncode == 1 and answer.stderr.startswith("nothing copied") and "Traceback" not in answer.stderr

    # the bot runs on the copy, and a new job gets the next id
    running = await RunningBot(double, tmp_path, database_url=postgres_url).start()
    bo = client.user(8902, "Bo")
    try:
        await prepare(bo, seed=1)
        await bo.press("▶ Stylize")
        await bo.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
        ids = [j.id for j in await running.jobs()]
        assert ids == [job.id, job.id + 1]
    finally:
        await running.stop()
