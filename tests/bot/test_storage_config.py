"""Storage on a real SQLite file: Alembic owns the schema, WAL mode, models round-trip."""

from __future__ import annotations

import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, select

from bot.config import Config, ConfigError
from bot.storage import Base, Chat, Database, Job, JobStatus, User
from bot.storage.db import alembic_config, head
from worker.protocol import JobSpec

HEAD = head()


@pytest.fixture()
async def db(tmp_path):
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'bot.sqlite3'}")
    await database.migrate()
    yield database
    await database.close()


async def test_migrations_create_the_schema_in_wal_mode(db, tmp_path):
    path = tmp_path / "data" / "bot.sqlite3"
    with sqlite3.connect(path) as raw:
        tables = {row[0] for row in raw.execute("select name from sqlite_master where type='table'")}
        version = raw.execute("select version_num from alembic_version").fetchone()[0]
        mode = raw.execute("pragma journal_mode").fetchone()[0]
    assert {"users", "chats", "drafts", "jobs", "settings", "alembic_version"} <= tables
    assert version == HEAD and mode == "wal"
    await db.migrate()  # a second start changes nothing


def test_models_match_the_migrations(tmp_path):
    """The ORM models and the Alembic schema agree (no pending autogenerate diff)."""
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'y.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    command.downgrade(alembic_config(url), "base")
    with sqlite3.connect(tmp_path / "y.sqlite3") as raw:
        assert raw.execute("select count(*) from sqlite_master where name='jobs'").fetchone()[0] == 0
    command.upgrade(alembic_config(url), "head")


async def test_a_job_round_trips(db):
    async with db.session() as session, session.begin():
        session.add_all([User(id=7, first_name="Ann"), Chat(id=7, type="private")])
        await session.flush()  # no ORM relationships: parents first, as the bot does
        session.add(
            Job(
                chat_id=7,
                user_id=7,
                spec=JobSpec(
                    "style", {"content": "c.jpg", "styles": ["a.jpg", "b.jpg"]}, "o.png", {"size": 256}
                ).to_dict(),
            )
        )
    async with db.session() as session:
        job = (await session.execute(select(Job))).scalar_one()
    assert job.status == JobStatus.QUEUED and JobStatus(job.status).active
    assert JobSpec.from_dict(job.spec).settings == {"size": 256} and job.style_paths == ["a.jpg", "b.jpg"]
    assert job.created_at is not None and job.attempts == 0


def test_config_from_environment(tmp_path):
    config = Config.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123456:TEST-token_for-the-double",
            "DATA_DIR": str(tmp_path),
            "BOT_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "BOT_OWNERS": "1, 2",
        }
    )
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path / 'paintbot.sqlite3'}"
    assert config.api_file_url == "http://127.0.0.1:8081/file/bot" and config.owners == (1, 2)
    assert config.presets["best"] == (None, None)  # the engine's preset for its device
    tiny = Config.from_env({"TELEGRAM_BOT_TOKEN": "123456:TEST-token_for-the-double", "BOT_PRESETS": "fast=64x80"})
    assert tiny.presets["fast"] == (64, 80) and tiny.presets["balanced"] == (None, None)
    with pytest.raises(ConfigError, match="BOT_PRESETS"):
        Config.from_env({"TELEGRAM_BOT_TOKEN": "123456:TEST-token_for-the-double", "BOT_PRESETS": "huge=9x9"})
    assert config.print_size is None  # the device's (bot.modes.style.PRINT_SIZES)
    token = "123456:TEST-token_for-the-double"
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": token, "BOT_PRINT_SIZE": "3000"}).print_size == 3000
    for bad in ("huge", "64", "9000", "-1"):
        with pytest.raises(ConfigError, match="BOT_PRINT_SIZE"):
            Config.from_env({"TELEGRAM_BOT_TOKEN": token, "BOT_PRINT_SIZE": bad})
    with pytest.raises(ConfigError, match="not set"):
        Config.from_env({})
    with pytest.raises(ConfigError, match="does not look like"):
        Config.from_env({"TELEGRAM_BOT_TOKEN": "hello"})
    with pytest.raises(ConfigError, match="BOT_OWNERS"):
        Config.from_env({"TELEGRAM_BOT_TOKEN": "123456:TEST-token_for-the-double", "BOT_OWNERS": "me"})
