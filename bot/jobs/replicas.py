"""Workers mode, several bot replicas: the leader adopts the jobs other replicas queued and carries
out their cancel requests; every follower mirrors the leader's queue from the database (for places,
ETAs and /queue) and reads the live workers from the same roster the engine client reads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select

from worker.client import Capabilities
from worker.roster import STALE_AFTER, Roster

from ..storage import JobStatus
from ..storage.models import EngineWorker, utcnow
from .fair_queue import FairQueue
from .records import JobRecords

log = logging.getLogger(__name__)


class ReplicaSync:
    """A part of the dispatcher (which builds it and hands itself in, as ``dispatcher``)."""

    def __init__(self, dispatcher, records: JobRecords, stale_after: float = STALE_AFTER):
        self.dispatcher, self.records, self.stale_after = dispatcher, records, stale_after
        self.in_step = False  #: the last look at the database worked
        self.roster = Roster(Capabilities("workers"))  #: the live workers, as this follower last read them
        #: what other replicas change and this one re-reads every 5 s (languages, bans)
        self.refreshers: list[Callable[[], Awaitable[None]]] = []
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        await self.mirror()
        self.in_step = True
        self._task = asyncio.create_task(self._keep_in_step(), name="dispatcher-mirror")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _keep_in_step(self, every: float = 0.5) -> None:
        beats = 0
        while True:
            await asyncio.sleep(every)
            beats += 1
            try:
                if beats % 10 == 0:  # another replica may have recorded a /language choice or a /ban
                    for refresh in self.refreshers:
                        await refresh()
                if self.dispatcher.leading:
                    await self.adopt()
                else:
                    await self.mirror()
                self.in_step = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is restarting: next time
                self.in_step = False
                log.warning("keeping in step with the other replicas: %s", exc)

    async def adopt(self) -> None:
        """The leader: queue what other replicas queued; cancel what their people cancelled."""
        dispatcher = self.dispatcher
        if dispatcher.paint.task is None:  # still taking over
            return
        for job in await self.records.queued_except(dispatcher.queued_here()):
            if job.id not in dispatcher.queued_here():  # (this replica may have queued it meanwhile)
                dispatcher.submit(job)
        for job_id in await self.records.take_cancel_requests():
            await dispatcher.cancel(job_id)

    async def mirror(self) -> None:
        """A follower's view of the painting queue, rebuilt from the jobs in the database the way the
        leader queued them (running first, then the waiting ones in order of arrival), and the workers."""
        dispatcher, book = self.dispatcher, self.dispatcher.book
        jobs = await self.records.active()
        async with self.records.db.session() as session:
            seen = utcnow() - timedelta(seconds=self.stale_after)
            columns = (EngineWorker.slots, EngineWorker.device, EngineWorker.modes, EngineWorker.load_seconds)
            workers = (await session.execute(select(*columns).where(EngineWorker.seen_at > seen))).mappings().all()
        queue = FairQueue()
        for job in sorted(jobs, key=lambda j: j.status != JobStatus.RUNNING):
            tracked = book.note(job.id, job.spec)  # each job's spec is read once, not twice a second
            if dispatcher.route(tracked.mode) is not dispatcher.paint:
                continue
            queue.push(job.id, job.user_id)
            if job.status == JobStatus.RUNNING:
                queue.pop()
        for job_id in book.ids() - {j.id for j in jobs}:
            dispatcher.forget(job_id)
        dispatcher.paint.queue = queue
        self.roster = Roster.of(workers)
        if workers:
            dispatcher.use_device(self.roster.capabilities.device, self.roster.capabilities.seconds_per_unit)
            dispatcher.paint.offered = self.roster.capabilities.modes
