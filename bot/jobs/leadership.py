"""Which replica paints. With ENGINE=workers several bot processes may run (webhook replicas behind a
load balancer); exactly one of them — the leader — runs the dispatcher: the fair queue, the workers'
jobs, every progress edit and every result, so no two replicas edit one card or exceed a group's
20 edits a minute. The others answer people and write jobs to the database; the leader adopts them.

The lease is a PostgreSQL session advisory lock held on a connection of its own: it ends when the
leader's process or connection dies, and the leader checks the connection every ``check`` seconds,
stepping down at once when it fails (another replica may already hold the lock).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable

from worker.waiting import within

log = logging.getLogger(__name__)
LOCK_KEY = 0x7061696E74  #: "paint": the advisory lock's key


class Leadership:
    def __init__(self, dsn: str, check: float = 1.0):
        self.dsn, self.check = dsn, check
        self.leading = False
        self._task: asyncio.Task | None = None

    def start(self, lead: Callable[[], Awaitable[None]], follow: Callable[[], Awaitable[None]]) -> None:
        """Run in the background: ``lead()`` on winning the lock, ``follow()`` on losing it."""
        self._task = asyncio.create_task(self._run(lead, follow), name="leadership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, lead, follow) -> None:
        import asyncpg

        while True:
            connection = None
            try:
                # named so an operator (and a test) can see in pg_stat_activity which process leads
                name = f"paintbot-replica-{os.getpid()}"
                connection = await asyncpg.connect(self.dsn, timeout=5, server_settings={"application_name": name})
                while not await connection.fetchval("SELECT pg_try_advisory_lock($1)", LOCK_KEY):
                    await asyncio.sleep(self.check)
                log.info("this replica leads: it paints and notifies")
                self.leading = True
                await lead()
                while True:
                    await asyncio.sleep(self.check)
                    await within(max(2.0, self.check * 2), connection.fetchval("SELECT 1"))
            except asyncio.CancelledError:
                await self._step_down(follow)
                if connection is not None:
                    with contextlib.suppress(Exception):
                        await within(2, connection.close())
                raise
            except Exception as exc:  # the database went away: whoever holds the lock now leads
                log.warning("leadership check failed (%s); following", exc)
                await self._step_down(follow)
                if connection is not None:
                    connection.terminate()
                await asyncio.sleep(self.check)

    async def _step_down(self, follow) -> None:
        if self.leading:
            self.leading = False
            log.info("this replica no longer leads")
            await follow()
