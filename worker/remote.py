"""The second EngineClient: workers on any number of hosts, reached through procrastinate on PostgreSQL.

``submit`` defers a procrastinate job (locked by our job id, so two copies never paint at once) and
hands its pictures over by store key; workers report events into ``engine_events`` and NOTIFY; a
listener here routes them to each job's own queue. A monitor keeps what procrastinate leaves to its
users: every second it learns the live workers (worker.roster: their slots per mode family, which
the dispatcher fills and no more, so the fair order stays the bot's to decide) and hands the jobs
of a worker whose heartbeat stopped back to the queue — another worker paints them; after
``MAX_ATTEMPTS`` such deaths the job fails with ``engine_crashed``. It also finds a followed job
whose end never came (its worker's report lost to an outage longer than the worker waits): ended as
procrastinate recorded it — cancelled, failed — or else painted again.

Only the replica that paints (bot.jobs.leadership) starts one. A restarted replica re-submits its
unfinished jobs; a job still queued or painting is followed, not deferred again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict

from engine.modes import family_of

from . import queue as jobqueue
from .client import Capabilities
from .outages import patiently
from .protocol import FINAL, Cancelled, Event, Failed, JobSpec
from .roster import STALE_AFTER, Roster
from .store import PictureStore, event_to_paths, spec_to_keys
from .waiting import within, woken

log = logging.getLogger(__name__)
#: Times a job may lose its worker before it fails with a message.
MAX_ATTEMPTS = 3
#: Seconds between looks for followed jobs whose end never came; one must be seen so twice running.
LOST_EVERY = 30.0


class RemoteEngine:
    """An :class:`~worker.client.EngineClient` whose engines are ``python -m worker`` processes."""

    self_healing = True  #: nothing to restart from here: a dead worker's job goes back to the queue

    def __init__(self, database_url: str, store: PictureStore, *, stale_after: float = STALE_AFTER, poll: float = 1.0):
        self.database_url, self.store = database_url, store
        self.stale_after, self.poll = stale_after, poll
        self.capabilities: Capabilities | None = None
        self.roster = Roster(Capabilities("workers"))  #: the live workers, re-read every ``poll`` seconds
        self._app = None
        self._queues: dict[str, asyncio.Queue[Event]] = {}  #: the jobs followed, each with its events
        self._finals: dict[str, list[int]] = defaultdict(list)  #: a job's last event rows, kept until handed out
        self._seen: set[int] = set()  #: event rows handed to a job's queue and not deleted yet
        self._handed: dict[str, JobSpec] = {}  #: the followed jobs handed over, by id (painted again if lost)
        self._suspects: set[str] = set()  #: followed jobs neither waiting nor painting, with no end, at the last look
        self._in_touch = 0.0
        self._doubt_until = 0.0  #: loop time before which a silent worker is not taken for dead (see _requeue_stalled)
        self._tasks: list[asyncio.Task] = []
        self._wake = asyncio.Event()

    @property
    def alive(self) -> bool:
        return self._app is not None and sum(self.roster.slots.values()) > 0

    def slots(self, family: str = "picture") -> int:
        return self.roster.slots_for(family)

    async def start(self) -> Capabilities:
        """Connect and learn the workers (none yet is fine: jobs wait for one)."""
        await self.stop()
        # A fresh start (after a lost lease) re-reads what is still in the table: a job's last event is
        # kept there until handed out, so nothing the dispatcher needs is lost with this memory.
        for kept in (self._queues, self._finals, self._seen, self._handed, self._suspects):
            kept.clear()
        self._app = jobqueue.app(self.database_url, min_size=1, max_size=4)
        await self._app.open_async()
        await self._refresh_workers()
        self._in_touch = asyncio.get_running_loop().time()  #: the monitor's last good look at the database
        self._doubt_until = self._in_touch + self.stale_after
        self._tasks = [
            asyncio.create_task(self._listen(), name="engine-events-listen"),
            asyncio.create_task(self._pump(), name="engine-events"),
            asyncio.create_task(self._monitor(), name="engine-workers"),
        ]
        return self.capabilities

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        if self._app is not None:
            with contextlib.suppress(Exception):
                await self._app.close_async()
            self._app = None

    # ------------------------------------------------------------------ jobs
    async def submit(self, job_id: str, spec: JobSpec) -> None:
        self._queues.setdefault(job_id, asyncio.Queue())
        await patiently(f"job {job_id}: handing it over", lambda: self._submit(job_id, spec))
        self._handed[job_id] = spec

    async def _submit(self, job_id: str, spec: JobSpec) -> None:
        """Idempotent: a job already waiting or painting (handed over before the connection broke)
        is followed, not deferred twice."""
        existing = await self._active(job_id)
        if existing is not None:  # queued or painting since before this replica took over: follow it
            log.info("job %s: following its queued or running copy %s", job_id, existing.id)
            return
        ended = await self._app.connector.execute_query_one_async(jobqueue.HAS_FINAL, job_id=job_id)
        if ended["n"]:  # painted while no replica led: its result is waiting in the table
            log.info("job %s: painted meanwhile; its result is picked up", job_id)
            self._wake.set()
            return
        travelling = spec_to_keys(spec, self.store)
        await self._app.configure_task(
            name=jobqueue.TASK, queue=jobqueue.queue_for(family_of(spec.mode)), lock=jobqueue.lock(job_id)
        ).defer_async(job_id=job_id, spec=travelling.to_dict())

    async def cancel(self, job_id: str) -> None:
        await patiently(f"job {job_id}: cancelling it", lambda: self._cancel(job_id))

    async def _cancel(self, job_id: str) -> None:
        job = await self._active(job_id)
        if job is None:
            return
        manager = self._app.job_manager
        if await manager.cancel_job_by_id_async(job.id):  # still waiting: no worker will say so, we do
            if job_id in self._queues:
                self._queues[job_id].put_nowait(Cancelled(job_id))
            return
        await manager.cancel_job_by_id_async(job.id, abort=True)  # painting: it stops at its next step

    async def next_event(self, job_id: str, timeout: float | None = None) -> Event:
        event = await within(timeout, self._queues[job_id].get())
        if event.kind in FINAL:
            self._queues.pop(job_id, None)
            self._handed.pop(job_id, None)
            self._seen.difference_update(self._finals.pop(job_id, ()))
            with contextlib.suppress(Exception):  # kept otherwise until pruned: harmless
                await self._app.connector.execute_query_async(jobqueue.DELETE_EVENTS, job_id=job_id)
        return event

    async def _active(self, job_id: str):
        """Its procrastinate job that waits or paints, if any (one query: this runs before every defer)."""
        found = await self._app.job_manager.list_jobs_async(lock=jobqueue.lock(job_id))
        return next((job for job in found if getattr(job.status, "value", job.status) in ("doing", "todo")), None)

    # ------------------------------------------------------------------ events
    async def _listen(self) -> None:
        async def wake(*, channel: str, payload: str) -> None:
            self._wake.set()

        while True:
            try:
                await self._app.connector.listen_notify(wake, [jobqueue.EVENTS_CHANNEL])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarted: the pump polls meanwhile
                log.warning("event listener: %s; listening again in 1 s", exc)
                await asyncio.sleep(1.0)

    async def _pump(self) -> None:
        """Move the followed jobs' new events to their queues. What was read is deleted, except a
        job's last event: it stays until handed out, so a replica taking over still finds it."""
        while True:
            await woken(self._wake, self.poll)
            self._wake.clear()
            if not self._queues:
                continue
            try:
                rows = await self._app.connector.execute_query_all_async(
                    jobqueue.SELECT_EVENTS, jobs=sorted(self._queues)
                )
            except Exception as exc:
                log.warning("reading engine events: %s", exc)
                continue
            read = []
            for row in rows:
                if row["id"] in self._seen:
                    continue
                self._seen.add(row["id"])
                try:
                    event = event_to_paths(jobqueue.load(row["body"]), self.store)
                except Exception:
                    log.exception("an unreadable engine event: %r", row["body"][:200])
                    continue
                if event.kind in FINAL:
                    self._finals[row["job_id"]].append(row["id"])
                else:
                    read.append(row["id"])
                if row["job_id"] in self._queues:
                    self._queues[row["job_id"]].put_nowait(event)
            if read:
                try:
                    await self._app.connector.execute_query_async(jobqueue.DELETE_READ, ids=read)
                except Exception as exc:  # still seen, so not handed out twice; deleted with the job
                    log.warning("deleting read engine events: %s", exc)
                else:
                    self._seen.difference_update(read)

    # ------------------------------------------------------------------ workers
    async def _monitor(self) -> None:
        pruned = looked = 0.0
        while True:
            await asyncio.sleep(self.poll)
            try:
                await self._refresh_workers()
                now = asyncio.get_running_loop().time()
                if now - self._in_touch > self.poll + 1.0:  # the database was away (queries waited)
                    self._doubt_until = max(self._doubt_until, now + self.stale_after)
                self._in_touch = now
                await self._requeue_stalled()
                looked += self.poll
                if looked >= LOST_EVERY:
                    looked = 0.0
                    await self._answer_lost_ends()
                pruned += self.poll
                if pruned >= 3600:
                    pruned = 0.0
                    await self._app.connector.execute_query_async(jobqueue.PRUNE_EVENTS)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("watching the workers: %s", exc)
                self._doubt_until = asyncio.get_running_loop().time() + self.stale_after

    async def _refresh_workers(self) -> None:
        rows = await self._app.connector.execute_query_all_async(jobqueue.LIVE_WORKERS, stale=self.stale_after)
        self.roster = Roster.of(rows)
        self.capabilities = self.roster.capabilities

    async def _requeue_stalled(self) -> None:
        """Hands the jobs of workers silent for ``stale_after`` seconds to others. Not in the first
        ``stale_after`` seconds of this leader, after it lost the database or after PostgreSQL
        started: a worker painting on may have failed to beat only because the database was away
        (every job in progress after a long failover would be painted twice)."""
        manager = self._app.job_manager
        if asyncio.get_running_loop().time() < self._doubt_until:
            return
        stalled = await manager.get_stalled_jobs(task_name=jobqueue.TASK, seconds_since_heartbeat=self.stale_after)
        if stalled:
            (row,) = await self._app.connector.execute_query_all_async(jobqueue.DATABASE_UP)
            if row["seconds"] < self.stale_after:
                return
        for job in stalled:
            ours = str(job.task_kwargs.get("job_id"))
            if job.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("job %s lost its worker %d times; giving up", ours, job.attempts + 1)
                await manager.finish_job_by_id_async(job.id, status=_failed(), delete_job=False)
                # through the table like a worker's own failure: a replica that leads later finds it too
                failed = Failed(ours, "engine_crashed", "The painting engine stopped unexpectedly.")
                await self._app.connector.execute_query_async(
                    jobqueue.INSERT_EVENT, job_id=ours, body=jobqueue.dump(failed)
                )
                continue
            log.warning("job %s: its worker stopped answering; handing it to another", ours)
            await manager.retry_job(job)

    async def _answer_lost_ends(self) -> None:
        """A followed job that neither waits nor paints and whose end is not in the table, at two
        looks running: its end is told as procrastinate recorded it, or it is painted again."""
        followed = sorted(j for j in self._queues if j in self._handed)
        rows = await self._app.connector.execute_query_all_async(jobqueue.LOST_ENDS, jobs=followed) if followed else []
        lost = {row["job_id"]: row["status"] for row in rows}
        for job_id, status in lost.items():
            if job_id not in self._suspects or job_id not in self._queues:
                continue
            log.warning("job %s: its end never came (procrastinate: %s)", job_id, status or "no job")
            if status in ("cancelled", "aborted"):
                self._queues[job_id].put_nowait(Cancelled(job_id))
            elif status == "failed":
                self._queues[job_id].put_nowait(Failed(job_id, "engine_crashed", "The painting engine stopped."))
            else:  # painted (its result's report lost with its end) or never handed over: painted again
                await self._submit(job_id, self._handed[job_id])
        self._suspects = set(lost)


def _failed():
    from procrastinate.jobs import Status

    return Status.FAILED
