"""PostgreSQL as the bot's database (DATABASE_URL=postgresql+asyncpg://…): the same Alembic migrations
and the same bot, on a real throwaway cluster (tests.postgres) — no mocks."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from bot.domain import quotas
from bot.storage import Base, Chat, Database, Job, JobStatus, User
from bot.storage.db import head
from bot.storage.models import Delivery, Preset, ours

from ..bot_harness import (
    ART_CLUB,
    RunningBot,
    paint_then_choose_language,
    photo_with,
    prepare,
    text_message,
)
from ..conftest import picture

GROUP = -100999
HEAD = head()


async def test_the_migrations_build_the_same_schema_on_postgresql(postgres_url):
    db = Database(postgres_url)
    try:
        await db.migrate()
        await db.migrate()  # a second start changes nothing
        async with db.engine.connect() as connection:
            version = (await connection.execute(text("select version_num from alembic_version"))).scalar_one()
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_name": ours}), Base.metadata
                )
            )
            workers_schema = (
                await connection.execute(text("select count(*) from pg_tables where tablename like 'procrastinate_%'"))
            ).scalar_one()
        assert version == HEAD and diff == []
        assert workers_schema >= 3  # procrastinate's jobs, events and workers tables, for ENGINE=workers
        async with db.session() as session:  # the data migration seeded the starter gallery
            assert len((await session.execute(select(Preset))).scalars().all()) == 4
        async with db.session() as session, session.begin():  # the day's quota reads a job's mode from its JSON
            session.add_all([User(id=77, first_name="Q"), Chat(id=77, type="private")])
            await session.flush()
            for mode in ("style", "sticker", "sticker"):
                session.add(Job(chat_id=77, user_id=77, spec={"mode": mode}, status=JobStatus.DONE))
            running, sending = (Job(chat_id=77, user_id=77, spec={"mode": "style"}, status=JobStatus.RUNNING)
                                for _ in range(2))  # fmt: skip
            session.add_all([running, sending])
            await session.flush()
            session.add(Delivery(job_id=sending.id, claimed_by="test"))  # its result is going out
        async with db.session() as session:
            assert await quotas.counts(session, 77) == (1, 3)  # the one painting; today: 3 paintings
    finally:
        await db.close()


async def test_the_bot_paints_remembers_and_restarts_on_postgresql(double, client, tmp_path, postgres_url):
    running = await RunningBot(double, tmp_path, database_url=postgres_url).start()
    ada = client.user(8801, "Ada", language_code="en")
    try:
        await paint_then_choose_language(ada)
        # a group admin's setting, a quota count and the audit trail go through the same queries
        bob = client.user(8802, "Bob", chat_id=GROUP, chat_type="supergroup", title="PG club")
        await client.set_member(GROUP, 8802, "administrator")
        mark = await bob.mark()
        await bob.send_text("/set quality best")
        await bob.wait_for(lambda e: text_message(e, "✅ quality"), since=mark)
    finally:
        await running.stop()
    running = await RunningBot(double, tmp_path, database_url=postgres_url).start()  # the same database
    try:
        mark = await ada.mark()
        await ada.send_text("/new")
        await ada.wait_for(lambda e: text_message(e, "¡Empezamos de nuevo!"), since=mark)
        async with running.services.db.session() as session:
            (job,) = (await session.execute(select(Job))).scalars().all()
            user = await session.get(User, 8801)
        assert job.status == JobStatus.DONE and job.result_file_id and user.language == "es"
        assert job.created_at.tzinfo is not None  # PostgreSQL keeps the time zone
        values = await running.services.chat_settings(GROUP)
        assert values["quality"].value == "best" and values["quality"].source == "chat"
    finally:
        await running.stop()


# 3. Every column holds what Telegram (or a client ignoring its limits) can send, on PostgreSQL.
async def test_long_names_titles_and_language_tags_work_on_postgresql(double, client, tmp_path, postgres_url):
    running = await RunningBot(double, tmp_path, database_url=postgres_url).start()
    try:
        tag = "en-gb-oxendict-x-abcdefgh"  # 25 characters, a valid IETF tag
        long_name = "Ünïcødé " * 40  # 320 characters, past Telegram's 64
        zed = client.user(9521, long_name, username="z" * 40, language_code=tag)
        await prepare(zed)
        odd = client.user(9522, "Odd", language_code="x-" + "a" * 120)
        await odd.send_photo(picture(120, 90))
        await odd.wait_for(lambda e: text_message(e, "Got your photo"))
        titled = client.user(9523, "Tia", chat_id=ART_CLUB, chat_type="supergroup", title="🎨" * 255)
        await titled.send_photo(picture(120, 90), caption="/stylize")
        await titled.wait_for(lambda e: text_message(e, "Got it, Tia"))
        await zed.press("▶ Stylize")
        await zed.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    finally:
        await running.stop()
