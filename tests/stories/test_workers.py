"""ENGINE=workers end to end: bot replicas in webhook mode behind a balancer, ``python -m worker``
processes and a real PostgreSQL — killed and restarted while people wait. Workers simulate the
painting (a fixed time per job) so these measure our orchestration; a real-engine worker paints once."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import aiohttp
import pytest
from sqlalchemy import select, text

from bot.storage import Database, Job, JobStatus

from ..bot_harness import free_port, photo_with, prepare, text_message
from ..load import simulate
from ..workers import Balancer, leader, replica_env, start_replica, start_worker, stop, until

pytestmark = pytest.mark.slow
OWNER = "7990"


async def kill_mid_job(db: Database, worker) -> None:
    """kill -9 ``worker`` while it holds a job: frozen (SIGSTOP), it keeps the job it has; a job still
    'doing' well past the simulated painting time is that one. If it held none, let it go on and retry."""
    held = text(
        "select count(*) from procrastinate_jobs j where status = 'doing' and (select max(at) from"
        " procrastinate_events e where e.job_id = j.id and e.type = 'started') < now() - interval '1.5 seconds'"
    )
    for _ in range(20):
        os.kill(worker.pid, signal.SIGSTOP)
        await asyncio.sleep(2.0)
        async with db.engine.connect() as connection:
            if (await connection.execute(held)).scalar_one():
                stop(worker, kill=True)
                return
        os.kill(worker.pid, signal.SIGCONT)
        await asyncio.sleep(0.3)
    raise AssertionError("the worker never held a job")


async def jobs_in(db: Database) -> list[Job]:
    async with db.session() as session:
        return list((await session.execute(select(Job).order_by(Job.id))).scalars())


async def test_two_replicas_and_two_workers_serve_thirty_people_through_kills(double, client, tmp_path, postgres_url):
    store, logs = tmp_path / "store", tmp_path / "logs"
    store.mkdir()
    logs.mkdir()
    ports, health = [free_port(), free_port()], [free_port(), free_port()]
    balancer = await Balancer(ports).start()
    db = Database(postgres_url)
    await db.migrate()
    replicas = [
        start_replica(
            replica_env(
                double,
                tmp_path / f"r{i}",
                postgres_url,
                store,
                balancer,
                port,
                HEALTH_PORT=str(health[i]),
                BOT_OWNERS=OWNER,
            ),
            logs / f"r{i}.log",
        )
        for i, port in enumerate(ports)
    ]
    workers = [start_worker(postgres_url, store, logs / f"w{i}.log", f"w{i}", simulate=0.5) for i in range(2)]
    try:
        first = await leader(db)
        people = asyncio.create_task(simulate(client, 30, first_id=7000, timeout=240))

        # kill -9 a worker while it paints: its job is handed to the other and delivered once
        async def painting():
            return any(j.status == JobStatus.RUNNING for j in await jobs_in(db))

        await until(painting, 60)
        await kill_mid_job(db, workers[0])
        # kill -9 the leading replica mid-way: the other one keeps answering and takes the lease over
        await asyncio.sleep(2.0)
        killed = next(r for r in replicas if r.pid == first)
        killed_at = time.time()
        stop(killed, kill=True)
        assert await leader(db, timeout=30, other_than=first)  # the other replica took over
        report = await people
        # Each gets exactly one picture, but for a result that was being sent as its replica was
        # killed -9: sent, yet not yet marked sent, it goes out again from the other replica
        # (Telegram cannot be asked whether a send arrived). Only that one may come twice.
        for user_id, count in report.results.items():
            if count != 1:
                sent = [e["time"] for e in await client.sent(user_id) if photo_with(e, "Done in")]
                assert count == 2 and killed_at - 2.0 < sent[0] <= killed_at + 0.5, (user_id, sent, killed_at)
        assert sum(count > 1 for count in report.results.values()) <= 1, report.results
        assert set(report.results) == {7000 + i for i in range(30)} and all(report.results.values())
        jobs = await jobs_in(db)
        assert len(jobs) == 30 and {j.status for j in jobs} == {JobStatus.DONE}
        # the killed worker's job went to the other one: somebody's job was painted twice, sent once
        async with db.engine.connect() as connection:
            retried = (
                await connection.execute(text("select count(*) from procrastinate_jobs where attempts > 0"))
            ).scalar_one()
            deliveries = (await connection.execute(text("select count(*) from deliveries"))).scalar_one()
        assert retried >= 1 and deliveries == 30
        assert all(balancer.forwarded.values())  # both replicas took updates
        survivor = health[replicas.index(next(r for r in replicas if r.pid != first))]
        async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{survivor}/healthz") as answer:
            assert answer.status == 200
            assert (await answer.json()) | {"queue": 0} == {
                "status": "ok", "engine_alive": True, "queue": 0, "running": 0, "worker_slots": 1, "leading": True
            }  # fmt: skip

        # a replica that joins follows: a job ▶'d there is painted by the leader, and its ✖ goes through the
        # database — here while the job waits (the last worker stopped), then a new worker paints the next
        port = free_port()
        replicas.append(
            start_replica(
                replica_env(double, tmp_path / "r2", postgres_url, store, balancer, port, BOT_OWNERS=OWNER),
                logs / "r2.log",
            )
        )
        balancer.ports.append(port)
        balancer.only = port
        await asyncio.to_thread(stop, workers[1])
        eve, fay = client.user(7998, "Eve"), client.user(7999, "Fay")
        await prepare(eve)  # (answered once r2 is up: the double retries the webhook meanwhile)
        mark = await eve.mark()
        await eve.press("▶ Stylize")
        await eve.wait_for(lambda e: photo_with(e, "Queued"), since=mark, timeout=30)
        await eve.press("✖ Cancel")
        await eve.wait_for(lambda e: photo_with(e, "Cancelled"), since=mark, timeout=10)
        workers.append(start_worker(postgres_url, store, logs / "w2.log", "w2", simulate=1.0))
        await prepare(fay)
        await fay.press("▶ Stylize")
        await fay.wait_for(lambda e: photo_with(e, "Done in"), timeout=60)
        assert balancer.forwarded[port] >= 6  # all of it went through the new replica

        async def settled():  # (a job is marked done just after its picture is sent)
            statuses = {j.user_id: j.status for j in await jobs_in(db) if j.user_id in (7998, 7999)}
            return statuses == {7998: JobStatus.CANCELLED, 7999: JobStatus.DONE}

        await until(settled, 10)

        # an owner's /ban on the leader reaches the follower: Fay is refused there within seconds
        survivor_port = next(p for p, r in zip(ports, replicas) if r.pid != first)
        balancer.only = survivor_port
        olga = client.user(int(OWNER), "Olga")
        mark = await olga.mark()
        await olga.send_text("/ban 7999")
        await olga.wait_for(lambda e: text_message(e, "Banned user 7999"), since=mark, timeout=10)
        balancer.only = port
        await asyncio.sleep(5.5)  # a follower re-reads bans every 5 s
        mark = await fay.mark()
        await fay.send_text("/start")
        await fay.wait_for(lambda e: text_message(e, "can't use this bot"), since=mark, timeout=10)
    finally:  # (beside the double: a replica's last getUpdates as it stops is answered at once)
        for process in (*replicas, *workers):
            await asyncio.to_thread(stop, process)
        await balancer.stop()
        await db.close()


@pytest.fixture()
def own_postgres():
    """A cluster of this test's own, to restart under the bot."""
    from ..postgres import Cluster, binaries

    if binaries() is None:
        pytest.skip("needs PostgreSQL's server binaries (Debian: apt install postgresql)")
    cluster = Cluster()
    server = cluster.start()
    yield cluster, server
    cluster.stop()


async def procrastinate_status(db: Database, job_id: int) -> str:
    async with db.engine.connect() as connection:
        found = await connection.execute(
            text("select status from procrastinate_jobs where lock = :lock order by id desc limit 1"),
            {"lock": f"paintbot-job-{job_id}"},
        )
        return str(found.scalar_one_or_none())


async def test_a_real_worker_paints_stops_a_cancelled_job_and_rides_out_a_database_restart(
    double, client, tmp_path, own_postgres
):
    from ..postgres import new_database

    cluster, server = own_postgres
    url = await new_database(server)
    store, logs = tmp_path / "store", tmp_path / "logs"
    store.mkdir()
    logs.mkdir()
    db = Database(url)
    await db.migrate()
    # long polling this time (workers do not need webhooks); one replica, one real-engine worker
    env = replica_env(double, tmp_path / "r", url, store, None, None, BOT_PRESETS="fast=64x60,balanced=64x60")
    replica = start_replica(env, logs / "r.log")
    worker = start_worker(url, store, logs / "w.log", "real", simulate=None, WORKER_SHUTDOWN_GRACE="0.2")
    try:
        await leader(db)
        ann = client.user(7101, "Ann")
        await prepare(ann)
        await ann.press("▶ Stylize")
        await ann.wait_for(lambda e: photo_with(e, "Done in"), timeout=120)  # painted by VGG19 on the worker

        # ✖ while it paints on the worker: it stops within seconds, and procrastinate says "aborted"
        bob = client.user(7102, "Bob")
        await prepare(bob)
        mark = await bob.mark()
        await bob.press("▶ Stylize")
        await bob.wait_for(lambda e: photo_with(e, "Painting"), since=mark, timeout=60)
        (job,) = [j for j in await jobs_in(db) if j.user_id == 7102]
        await until(lambda: _doing(db, job.id), 30, every=0.05)  # on the worker, not only in the queue
        pressed = time.monotonic()
        await bob.press("✖ Cancel")
        await bob.wait_for(lambda e: photo_with(e, "Cancelled"), since=mark, timeout=10)
        assert await until(lambda: _aborted(db, job.id), 10)
        stopped = time.monotonic() - pressed
        assert stopped < 8, stopped

        # PostgreSQL crashes and comes back while Cy's job paints: it is delivered once, and Dan's after it
        cy = client.user(7103, "Cy")
        await prepare(cy)
        mark = await cy.mark()
        await cy.press("▶ Stylize")
        await cy.wait_for(lambda e: photo_with(e, "Painting"), since=mark, timeout=60)
        await asyncio.to_thread(cluster.restart)
        await cy.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=120)
        dan = client.user(7104, "Dan")
        await prepare(dan)
        await dan.press("▶ Stylize")
        await dan.wait_for(lambda e: photo_with(e, "Done in"), timeout=120)
        await asyncio.sleep(1.0)
        assert sum(photo_with(e, "Done in") for e in await cy.sent()) == 1

        # the worker is stopped (SIGTERM) mid-job: the job goes back to the queue, and a new worker paints it
        eve = client.user(7105, "Eve")
        await prepare(eve)
        mark = await eve.mark()
        await eve.press("▶ Stylize")
        await eve.wait_for(lambda e: photo_with(e, "Painting"), since=mark, timeout=60)
        eves = max(j.id for j in await jobs_in(db))
        await until(lambda: _doing(db, eves), 30, every=0.05)
        await asyncio.to_thread(stop, worker)
        worker = start_worker(url, store, logs / "w2.log", "real-2", simulate=None)
        await eve.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=120)
        assert await procrastinate_attempts(db, eves) >= 1  # painted again, by the new worker
        await asyncio.sleep(1.0)
        assert sum(photo_with(e, "Done in") for e in await eve.sent()) == 1

        async def settled():  # (a job is marked done just after its picture is sent)
            statuses = {j.user_id: j.status for j in await jobs_in(db)}
            return statuses == {7101: "done", 7102: "cancelled", 7103: "done", 7104: "done", 7105: "done"}

        await until(settled, 10)
    finally:
        for process in (replica, worker):
            await asyncio.to_thread(stop, process)
        await db.close()


async def procrastinate_attempts(db: Database, job_id: int) -> int:
    async with db.engine.connect() as connection:
        found = await connection.execute(
            text("select attempts from procrastinate_jobs where lock = :lock and status = 'succeeded'"),
            {"lock": f"paintbot-job-{job_id}"},
        )
        return found.scalar_one()


async def _doing(db: Database, job_id: int) -> bool:
    return await procrastinate_status(db, job_id) == "doing"


async def _aborted(db: Database, job_id: int) -> bool:
    return await procrastinate_status(db, job_id) == "aborted"
