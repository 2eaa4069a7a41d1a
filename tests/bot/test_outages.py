"""A database outage (a restart, a failover, the network) told apart from a bug, and waited out:
the whole of it runs in benchmarks/chaos.py; here the two small rules it rests on."""

from __future__ import annotations

import asyncpg
import psycopg
import pytest
from procrastinate.exceptions import ConnectorException
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.storage import unavailable
from worker import remote


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
    monkeypatch.setattr(remote.asyncio, "sleep", _no_wait)
    calls = []

    async def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise wrapped(psycopg.OperationalError("server closed the connection unexpectedly"))
        return "deferred"

    assert await remote.patiently("job 1", flaky) == "deferred" and len(calls) == 3

    async def wrong():
        calls.append(1)
        if len(calls) > 3:  # (tried again and again: the sleeps above do not pass time)
            raise AssertionError("a wrong statement was tried again")
        raise wrapped(psycopg.errors.UndefinedTable("relation does not exist"))

    calls.clear()
    with pytest.raises(ConnectorException):
        await remote.patiently("job 2", wrong)
    assert len(calls) == 1  # a wrong statement is not tried again


async def _no_wait(seconds: float) -> None:
    return None
