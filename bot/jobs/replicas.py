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

from ..storage import JobStatus, unavailable
from ..storage.models import EngineWorker, utcnow
from .fair_queue import FairQueue
from .lanes import JobBook, Lanes
from .leadership import Leadership
from .records import JobRecords

log = logging.getLogger(__name__)


class ReplicaSync:
    """Keeps this replica in step with the others twice a second: as the leader, by ``adopt`` (the
    dispatcher queues what other replicas queued and cancels what their people cancelled); as a
    follower, by mirroring the painting queue into ``lanes`` and the jobs' specs into ``book``."""

    def __init__(
        self,
        records: JobRecords,
        lanes: Lanes,
        book: JobBook,
        leadership: Leadership | None,
        adopt: Callable[[], Awaitable[None]],
        stale_after: float = STALE_AFTER,
    ):
        self.records, self.lanes, self.book, self.leadership = records, lanes, book, leadership
        self.adopt, self.stale_after = adopt, stale_after
        self.in_step = False  #: the last look at the database worked
        self.roster = Roster(Capabilities("workers"))  #: the live workers, as this follower last read them
        #: what other replicas change and this one re-reads every 5 s (languages, bans)
        self.refreshers: list[Callable[[], Awaitable[None]]] = []
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        try:
            await self.mirror()
            self.in_step = True
        except Exception as exc:  # started as the database restarts: the loop below catches up
            if not unavailable(exc):
                raise
            log.warning("the queue is mirrored once the database answers (%s)", type(exc).__name__)
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
                if self.leadership is not None and self.leadership.leading:
                    await self.adopt()
                else:
                    await self.mirror()
                self.in_step = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is restarting: next time
                self.in_step = False
                log.warning("keeping in step with the other replicas: %s", exc)

    async def mirror(self) -> None:
        """A follower's view of the painting queue, rebuilt from the jobs in the database the way the
        leader queued them (running first, then the waiting ones in order of arrival), and the workers."""
        paint, book = self.lanes.paint, self.book
        jobs = await self.records.active()
        async with self.records.db.session() as session:
            seen = utcnow() - timedelta(seconds=self.stale_after)
            columns = (EngineWorker.slots, EngineWorker.device, EngineWorker.modes, EngineWorker.load_seconds)
            workers = (await session.execute(select(*columns).where(EngineWorker.seen_at > seen))).mappings().all()
        queue = FairQueue()
        for job in sorted(jobs, key=lambda j: j.status != JobStatus.RUNNING):
            tracked = book.note(job.id, job.spec)  # each job's spec is read once, not twice a second
            if self.lanes.route(tracked.mode) is not paint:
                continue
            queue.push(job.id, job.user_id)
            if job.status == JobStatus.RUNNING:
                queue.pop()
        for job_id in book.ids() - {j.id for j in jobs}:
            book.forget(job_id)
        paint.queue = queue
        self.roster = Roster.of(workers)
        if workers:
            self.lanes.use_device(self.roster.capabilities.device, self.roster.capabilities.seconds_per_unit)
            paint.offered = self.roster.capabilities.modes
