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

from ..chaos import Proxy
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


async def test_a_worker_that_could_not_beat_while_the_database_was_away_keeps_its_job(tmp_path, postgres_url):
    """The leader loses the database for 3 s; meanwhile a worker painting on could not beat,
    its heartbeat is old when the database is back. Its job is not handed to another at once (it
    would be painted twice): the worker gets ``stale_after`` seconds to beat again. Still silent
    then, it is taken for dead."""
    db = Database(postgres_url)
    await db.migrate()
    proxy = await Proxy(int(db.engine.url.port)).start()
    (tmp_path / "c.jpg").write_bytes(b"")
    spec = JobSpec.style(str(tmp_path / "c.jpg"), [str(tmp_path / "c.jpg")], str(tmp_path / "1.png"),
                         StyleSettings(size=64, steps=4))  # fmt: skip
    remote = RemoteEngine(proxy.url(postgres_url), DirectoryStore(tmp_path), stale_after=4.0, poll=0.1)

    async def status() -> str:
        async with db.engine.connect() as connection:
            return str((await connection.execute(text("select status from procrastinate_jobs"))).scalar_one())

    try:
        await remote.start()
        await remote.submit("1", spec)  # no worker: it waits
        await asyncio.sleep(4.5)  # (a new leader doubts for stale_after seconds too)
        began = asyncio.get_running_loop().time()
        proxy.cut(3.0)
        async with db.engine.begin() as connection:  # a worker took it and could not beat since
            silent = "insert into procrastinate_workers (last_heartbeat) values (now() - interval '60 s') returning id"
            worker = (await connection.execute(text(silent))).scalar_one()
            took = "update procrastinate_jobs set status = 'doing', worker_id = :w"
            await connection.execute(text(took), {"w": worker})
        while asyncio.get_running_loop().time() < began + 5.5:  # back after 3 s; 2.5 s more: not dead yet
            assert await status() == "doing", asyncio.get_running_loop().time() - began
            await asyncio.sleep(0.1)
        for _ in range(150):
            if await status() == "todo":
                break
            await asyncio.sleep(0.1)
        assert await status() == "todo"  # still silent: handed to another
    finally:
        await remote.stop()
        await proxy.stop()
        await db.close()


async def test_a_starting_worker_leaves_a_silent_workers_row_to_the_leader(tmp_path, postgres_url):
    """A worker (re)connecting after an outage used to delete the rows of workers that had not beaten
    for 3 heartbeats — live ones that only could not beat meanwhile: their jobs looked ownerless and
    were painted again while they painted on. A silent worker's job is the leader's to judge."""
    db = Database(postgres_url)
    await db.migrate()
    (tmp_path / "out").mkdir()
    picture(96, 64).save(tmp_path / "c.jpg")
    spec = JobSpec.style(str(tmp_path / "c.jpg"), [str(tmp_path / "c.jpg")], str(tmp_path / "out" / "1.png"),
                         StyleSettings(size=64, steps=4))  # fmt: skip
    first = start_worker(postgres_url, tmp_path, tmp_path / "w1.log", "w1", simulate=30.0, WORKER_HEARTBEAT="60")
    second = None
    remote = RemoteEngine(postgres_url, DirectoryStore(tmp_path), stale_after=3.0, poll=0.2)

    async def query(sql: str) -> list:
        async with db.engine.begin() as connection:
            result = await connection.execute(text(sql))
            return list(result) if result.returns_rows else []

    try:
        await remote.start()
        while remote.slots() < 1:
            await asyncio.sleep(0.1)
        await remote.submit("1", spec)
        assert (await remote.next_event("1", 20)).kind == EventKind.STARTED
        await remote.stop()  # (no leader: nobody hands the job on)
        ((painter,),) = await query("select worker_id from procrastinate_jobs where status = 'doing'")
        await query(f"update procrastinate_workers set last_heartbeat = now() - interval '60 s' where id = {painter}")
        second = start_worker(postgres_url, tmp_path, tmp_path / "w2.log", "w2", simulate=1.0)
        for _ in range(300):  # until the second has registered (after its pruning)
            if await query(f"select id from procrastinate_workers where id > {painter}"):
                break
            await asyncio.sleep(0.1)
        assert await query(f"select id from procrastinate_workers where id > {painter}")
        assert await query("select worker_id from procrastinate_jobs where status = 'doing'") == [(painter,)]
    finally:
        await remote.stop()
        for worker in (first, second):
            if worker is not None:
                stop(worker, True)
        await db.close()
