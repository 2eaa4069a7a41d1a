"""The RemoteEngine (ENGINE=workers' client) with a real PostgreSQL and a simulated worker process:
a job painted while no replica was following it is picked up, not painted again."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from bot.storage import Database
from engine.settings import StyleSettings
from worker.protocol import EventKind, JobSpec
from worker.remote import RemoteEngine
from worker.store import DirectoryStore

from ..conftest import picture, stripes
from ..workers import start_worker, stop

pytestmark = pytest.mark.slow


async def test_a_result_painted_between_two_leaders_is_delivered_from_the_table(tmp_path, postgres_url):
    db = Database(postgres_url)
    await db.migrate()
    store = tmp_path / "store"
    (store / "out").mkdir(parents=True)
    picture(96, 64).save(store / "c.jpg")
    stripes(64, 64).save(store / "s.jpg")
    spec = JobSpec.style(str(store / "c.jpg"), [str(store / "s.jpg")], str(store / "out" / "1.png"),
                         StyleSettings(size=64, steps=4))  # fmt: skip
    worker = start_worker(postgres_url, store, tmp_path / "w.log", "w", simulate=1.0)
    first = RemoteEngine(postgres_url, DirectoryStore(store), stale_after=3.0, poll=0.2)
    try:
        await first.start()
        while first.slots() < 1:
            await asyncio.sleep(0.1)
        await first.submit("1", spec)
        assert (await first.next_event("1", 10)).kind == EventKind.STARTED
        await first.stop()  # the leader is gone while the worker paints on

        async def status() -> str:
            async with db.engine.connect() as connection:
                rows = await connection.execute(text("select status from procrastinate_jobs"))
                return [str(s) for (s,) in rows]

        while await status() != ["succeeded"]:
            await asyncio.sleep(0.1)
        second = RemoteEngine(postgres_url, DirectoryStore(store), stale_after=3.0, poll=0.2)
        await second.start()
        try:
            await second.submit("1", spec)  # the new leader re-submits what it found unfinished
            kinds = []
            while not kinds or kinds[-1] not in (EventKind.DONE, EventKind.FAILED):
                kinds.append((await second.next_event("1", 10)).kind)
            assert kinds[-1] == EventKind.DONE and (store / "out" / "1.png").exists()
            assert await status() == ["succeeded"]  # not deferred again
        finally:
            await second.stop()
    finally:
        await first.stop()
        stop(worker)
        await db.close()


@pytest.mark.parametrize("recorded", ["succeeded", "cancelled", "failed"])
async def test_a_job_whose_end_never_came_is_answered_as_procrastinate_recorded_it(
    tmp_path, postgres_url, monkeypatch, recorded
):
    """A worker's report of a job's end lost to an outage longer than it waits: the job neither
    waits nor paints and its end is not in the table. Seen so twice running, it ends as
    procrastinate recorded it (cancelled, failed), or is painted again (its result's report lost)."""
    monkeypatch.setattr("worker.remote.LOST_EVERY", 0.3)
    db = Database(postgres_url)
    await db.migrate()
    (tmp_path / "c.jpg").write_bytes(b"")
    spec = JobSpec.style(str(tmp_path / "c.jpg"), [str(tmp_path / "c.jpg")], str(tmp_path / "1.png"),
                         StyleSettings(size=64, steps=4))  # fmt: skip
    remote = RemoteEngine(postgres_url, DirectoryStore(tmp_path), stale_after=3.0, poll=0.05)

    async def statuses() -> list[str]:
        async with db.engine.connect() as connection:
            rows = await connection.execute(text("select status from procrastinate_jobs order by id"))
            return [str(s) for (s,) in rows]

    try:
        await remote.start()
        await remote.submit("1", spec)  # no worker: it waits
        async with db.engine.begin() as connection:  # a worker took it, and its end's report was lost
            await connection.execute(text("update procrastinate_jobs set status = 'doing'"))
            await connection.execute(text("update procrastinate_jobs set status = :s"), {"s": recorded})
        if recorded == "succeeded":
            for _ in range(100):
                if await statuses() == ["succeeded", "todo"]:
                    break
                await asyncio.sleep(0.1)
            assert await statuses() == ["succeeded", "todo"]  # handed over again: painted again
        else:
            event = await remote.next_event("1", 10)
            assert event.kind == (EventKind.CANCELLED if recorded == "cancelled" else EventKind.FAILED)
            assert await statuses() == [recorded]  # not painted again
    finally:
        await remote.stop()
        await db.close()
