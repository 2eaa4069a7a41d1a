"""A database outage (a restart, a failover, the network) told apart from a bug, and waited out:
the whole of it runs in benchmarks/chaos.py; here the two small rules it rests on."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import psycopg
import pytest
from procrastinate.exceptions import ConnectorException
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage import Database, unavailable
from devtools.telegram_double.client import gist
from worker import outages

from ..bot_harness import RunningBot, photo_with, prepare, text_message
from ..chaos import Proxy
from ..workers import until


def wrapped(cause: BaseException) -> ConnectorException:
    try:
        raise ConnectorException() from cause
    except ConnectorException as exc:
        return exc


def test_an_outage_is_told_from_a_wrong_statement():
    outages = [
        ConnectionResetError(104, "Connection reset by peer"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        OperationalError("select 1", {}, ConnectionRefusedError()),
        wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")),
    ]
    bugs = [
        IntegrityError("insert", {}, asyncpg.exceptions.UniqueViolationError("duplicate key")),
        asyncpg.exceptions.UndefinedTableError("relation does not exist"),
        wrapped(ValueError("not a job")),
        KeyError("job"),
    ]
    assert [unavailable(e) for e in outages] == [True] * len(outages)
    assert [unavailable(e) for e in bugs] == [False] * len(bugs)


async def test_handing_a_job_over_waits_out_an_outage_but_not_a_wrong_statement(monkeypatch):
    monkeypatch.setattr(outages.asyncio, "sleep", _no_wait)
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))
        return "deferred"

    assert await outages.patiently("job 1", flaky) == "deferred" and len(calls) == 3

    async def wrong():
        calls.append(1)
        if len(calls) > 3:  # (tried again and again: the sleeps above do not pass time)
            raise AssertionError("a wrong statement was tried again")
        raise wrapped(psycopg.errors.UndefinedTable("relation does not exist"))

    calls.clear()
    with pytest.raises(ConnectorException):
        await outages.patiently("job 2", wrong)
    assert len(calls) == 1  # a wrong statement is not tried again


async def _no_wait(seconds: float) -> None:
    return None


async def test_a_tap_whose_card_meets_an_outage_is_painted_once_and_followed(double, client, tmp_path, postgres_url):
    """The job is saved, its card goes out, and the database drops before the card's id is kept:
    the person is not asked to try again (a second job, a second painting) — the job waits for the
    database, then is painted on its card."""
    proxy = await Proxy(make_url(postgres_url).port).start()
    running = await RunningBot(double, tmp_path, database_url=proxy.url(postgres_url)).start()
    try:
        user = client.user(701, "Ada")
        await prepare(user)
        double.faults.append({"method": "sendPhoto", "times": 1, "delay": 1.5})  # the card, slowly
        mark = await user.mark()
        await user.press("▶ Stylize")
        await until(running.jobs, timeout=10, every=0.02)
        proxy.cut(2.0)  # the job is saved; its card is on its way
        await user.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
        jobs = await running.settled_jobs(timeout=20)
        chat = (await user.sent())[mark:]
        assert not any(text_message(e, "went wrong") for e in chat), [gist(e) for e in chat]
        assert [j.status for j in jobs] == ["done"] and jobs[0].progress_message_id
        cards = [e for e in chat if photo_with(e, "Queued")]
        followed = [e for e in chat if e.get("kind") != "message" and _of(e) == cards[0]["message"]["message_id"]]
        assert len(cards) == 1 and followed, [gist(e) for e in chat]
    finally:
        await running.stop()
        await proxy.stop()


def _of(entry: dict) -> int | None:
    return (entry.get("after") or entry.get("message") or {}).get("message_id") or entry.get("message_id")


async def test_a_replica_starting_while_its_database_is_away_waits_for_it(postgres_url):
    proxy = await Proxy(make_url(postgres_url).port).start()
    try:
        proxy.cut(3.0)  # PostgreSQL restarting, or failing over, as the replica starts
        db = Database(proxy.url(postgres_url))
        with pytest.raises(Exception) as given_up:  # past its patience: the error, and the replica exits
            await db.migrate(patience=1.0)
        assert unavailable(given_up.value)
        await db.migrate()
        async with db.engine.connect() as connection:
            assert (await connection.execute(text("select count(*) from alembic_version"))).scalar_one() == 1
        await db.close()
    finally:
        await proxy.stop()


async def test_a_result_sent_as_the_database_drops_is_marked_done_once_it_is_back(
    double, client, tmp_path, postgres_url
):
    """Sent, then the database drops before the job is marked done: the mark waits for it (given
    up, the job would stay "running" and whoever leads next would paint and send it again)."""
    proxy = await Proxy(make_url(postgres_url).port).start()
    running = await RunningBot(double, tmp_path, database_url=proxy.url(postgres_url)).start()
    try:
        user = client.user(702, "Bo")
        await prepare(user)
        mark = await user.mark()
        await user.press("▶ Stylize")
        await user.wait_for(lambda e: photo_with(e, "Queued"), since=mark)
        sends = double.calls.count("sendPhoto")
        double.faults.append({"method": "sendPhoto", "times": 1, "delay": 1.0})  # the result, slowly
        await until(lambda: _after(double.calls.count("sendPhoto") > sends), timeout=30, every=0.01)
        proxy.cut(3.0)  # the result is on its way; its job is still "running"
        await user.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=30)
        direct = Database(postgres_url)  # (the test's own look, not through the proxy)
        try:
            assert await until(lambda: _statuses(direct, {"done"}), timeout=30)
        finally:
            await direct.close()
        assert sum(photo_with(e, "Done in") for e in await user.sent()) == 1
    finally:
        await running.stop()
        await proxy.stop()


async def _after(value):
    return value


async def _statuses(db: Database, wanted: set[str]) -> bool:
    async with db.engine.connect() as connection:
        found = {row[0] for row in await connection.execute(text("select status from jobs"))}
    return found == wanted


def test_procrastinates_lost_listener_is_a_warning_line_and_a_wrong_statement_still_an_error():
    def record(cause: BaseException) -> logging.LogRecord:
        exc = wrapped(cause)
        return logging.LogRecord(
            "procrastinate.utils", logging.ERROR, __file__, 1, "listener error: %r", (exc,), (type(exc), exc, None)
        )

    lost, wrong = record(psycopg.OperationalError("server closed the connection")), record(KeyError("job"))
    assert outages.QuietOutages().filter(lost) and outages.QuietOutages().filter(wrong)
    assert (lost.levelname, lost.exc_info) == ("WARNING", None) and "unavailable: OperationalError" in lost.getMessage()
    assert wrong.levelname == "ERROR" and wrong.exc_info is not None


def test_asyncios_report_of_a_procrastinate_task_that_met_a_restart_is_a_warning_line():
    exc = wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))
    record = logging.LogRecord(
        "asyncio", logging.ERROR, __file__, 1, "Task exception was never retrieved", None, (type(exc), exc, None)
    )
    assert outages.QuietOutages().filter(record) and (record.levelname, record.exc_info) == ("WARNING", None)


def test_a_job_another_worker_ended_first_is_a_warning_line():
    exc = wrapped(psycopg.errors.RaiseException('Job was not found or not in "doing" or "todo" status (job id: 77)'))
    record = logging.LogRecord(
        "asyncio", logging.ERROR, __file__, 1, "Task exception was never retrieved", None, (type(exc), exc, None)
    )
    assert outages.QuietOutages().filter(record) and (record.levelname, record.exc_info) == ("WARNING", None)
    assert "ended elsewhere" in record.getMessage()


async def test_work_beside_the_jobs_that_meets_an_outage_is_a_warning_and_a_bug_an_error(caplog):
    from bot.jobs.background import Background

    async def positions():
        raise ConnectionResetError(104, "Connection reset by peer")

    async def wrong():
        raise KeyError("job")

    background = Background()
    background.run(positions())
    background.run(wrong())
    await background.settle()
    await asyncio.sleep(0)
    said = {(r.levelname, r.getMessage().split(" ")[-1]) for r in caplog.records if r.name == "bot.jobs.background"}
    assert ("WARNING", "(ConnectionResetError)") in said and ("ERROR", "failed") in said
