"""A worker told to stop stops, whatever its database does: several ``python -m worker`` processes
sent SIGTERM in the same second their PostgreSQL stops end within their grace period — and so
does a bot replica."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.storage import Database

from ..bot_harness import bot_env, start_bot_process
from ..workers import start_worker

pytestmark = pytest.mark.slow
#: WORKER_SHUTDOWN_GRACE, as the workers below are started with
GRACE = 3.0


async def test_workers_and_a_replica_told_to_stop_as_their_database_stops_stop_within_their_grace(double, tmp_path):
    from ..postgres import Cluster, binaries, new_database

    workers, replica = [], None
    if binaries() is None:
        pytest.skip("needs PostgreSQL's server binaries (Debian: apt install postgresql)")
    cluster = Cluster()  # its own: this test stops it
    try:
        url = await new_database(cluster.start())
        db = Database(url)
        await db.migrate()  # (what the bot's first start does)
        await db.close()
        store = tmp_path / "store"
        store.mkdir()
        workers = [
            start_worker(url, store, tmp_path / f"w{i}.log", f"w{i}", WORKER_SHUTDOWN_GRACE=str(GRACE))
            for i in range(4)
        ]
        env = bot_env(double, tmp_path / "bot", DATABASE_URL=url, ENGINE="workers", PICTURE_STORE=str(store))
        replica = start_bot_process(env)
        deadline = time.monotonic() + 60
        while not all("ready" in (tmp_path / f"w{i}.log").read_text() for i in range(4)):
            assert time.monotonic() < deadline, "the workers never became ready"
            assert all(w.poll() is None for w in workers), "a worker ended before it was stopped"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)  # (the replica up too, connected)
        assert replica.poll() is None

        await asyncio.to_thread(cluster.stop_server)  # the database goes away…
        for process in (*workers, replica):  # …as each is told to stop, in the same second
            process.terminate()
        started = time.monotonic()
        while any(p.poll() is None for p in (*workers, replica)) and time.monotonic() - started < 30:
            await asyncio.sleep(0.1)
        took = time.monotonic() - started
        still = [p.pid for p in (*workers, replica) if p.poll() is None]
        assert not still, f"still running {took:.0f} s after SIGTERM: {still}"
        assert took < GRACE + 10, f"the last one took {took:.1f} s to stop"
    finally:
        for process in [*workers, replica]:
            if process is not None and process.poll() is None:
                process.kill()
        cluster.stop()
