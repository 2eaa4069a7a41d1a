"""The dispatcher: takes job ids from the fair queues one at a time, runs them through the
supervisors, and keeps each job's row in the database true.

Two lanes, each an engine with its own fair queue: the painting lane (Gatys, seconds to minutes
per job) and the instant lane (a process with only the feed-forward networks, about a second per
picture). The instant lane paints instant-quality jobs and, for every painting job, a *sketch*: the
instant picture that the progress card shows right after ▶, while the job waits or paints. So a
long painting never holds up an instant answer.

Job rows are the truth; the in-memory queues are rebuilt from them on start, so queued jobs and a
job interrupted by a restart are painted again and answered exactly once. Sketches are not jobs:
they are lost on a restart, and the painting replaces them anyway. The rest of the bot sees the
painting queue only through :class:`QueueView` (read-only).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from telegram import Bot
from telegram.error import ChatMigrated

from engine.errors import SettingsError
from worker.client import EngineClient
from worker.protocol import Done, JobSpec, Progress, SpecError

from .. import i18n, texts
from ..domain import experiments, quality
from ..domain.languages import Languages
from ..limits import (
    DELIVERY_CLAIM_SECONDS,
    GROUP_INTERVAL,
    INSTANT_TIME_LIMIT,
    JOB_TIME_LIMIT,
    POSITIONS_ANNOUNCED,
    PROGRESS_INTERVAL,
    WORKER_STALE_AFTER,
)
from ..storage import Database, Draft, Job, JobStatus, Preset, User, as_utc, queries
from ..storage.models import Delivery, EngineWorker, utcnow
from ..telegram import keyboards
from ..telegram.files import FileCache
from ..telegram.progress import ProgressMessage
from .eta import INSTANT_OVERHEAD, Countdown, EtaModel, kind, kind_of, units
from .fair_queue import FairQueue
from .leadership import Leadership
from .notifier import Notifier, Undeliverable
from .supervisor import Supervisor

log = logging.getLogger(__name__)


class QueueView:
    """What handlers may know of the queue: order, places, time estimates. Read-only."""

    def __init__(
        self,
        queue: FairQueue,
        estimate: Callable[[int], float],
        progress: dict[int, float],
        quote_instant: Callable[[JobSpec, int], tuple[int, float] | None],
        eta: EtaModel,
        slots: Callable[[], int] = lambda: 1,
    ):
        self._queue, self.estimate, self._progress = queue, estimate, progress
        self._quote_instant, self._eta, self._slots = quote_instant, eta, slots

    @property
    def running(self) -> int | None:
        return self._queue.running

    @property
    def running_jobs(self) -> tuple[int, ...]:
        """Every job being painted (one with the local engine; up to the workers' slots with workers)."""
        return self._queue.running_jobs

    @property
    def waiting(self) -> tuple[int, ...]:
        return self._queue.waiting

    def running_fraction(self, job_id: int | None = None) -> float:
        job_id = self._queue.running if job_id is None else job_id
        return self._progress.get(job_id, 0.0) if job_id is not None else 0.0

    def position(self, job_id: int) -> int:
        return self._queue.position(job_id)

    def eta(self, job_id: int) -> float:
        """Seconds until ``job_id``'s picture, roughly: the work ahead (shared by the slots), then its own."""
        waiting = self._queue.waiting
        ahead = waiting[: waiting.index(job_id)] if job_id in waiting else ()
        return self._spread(sum(self.estimate(j) for j in ahead) + self._running_rest()) + self.estimate(job_id)

    def quote(self, spec: JobSpec, user_id: int) -> tuple[int, float]:
        """Place and seconds-to-result a job like ``spec`` would get if ``user_id`` queued it now."""
        instant = self._quote_instant(spec, user_id)
        if instant is not None:
            return instant
        slot = self._queue.slot_for(user_id)
        ahead = sum(self.estimate(j) for j in self._queue.waiting[:slot]) + self._running_rest()
        return slot + 1, self._spread(ahead) + self._eta.seconds(units(spec), kind(spec))

    def _spread(self, seconds: float) -> float:
        return seconds / max(1, self._slots())

    def _running_rest(self) -> float:
        return sum(self.estimate(j) * (1 - self._progress.get(j, 0.0)) for j in self._queue.running_jobs)


@dataclass
class Lane:
    """One engine and the jobs waiting for it."""

    name: str
    supervisor: Supervisor
    queue: FairQueue = field(default_factory=FairQueue)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    active: set[asyncio.Task] = field(default_factory=set)  #: its jobs being painted

    def capacity(self) -> int:
        """Jobs it paints at once: one for a local engine; the live workers' slots for workers."""
        return getattr(self.supervisor.engine, "slots", 1)


class Dispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        cache: FileCache,
        engine: EngineClient,
        *,
        instant: EngineClient | None = None,
        presets: dict | None = None,
        progress_interval: float = PROGRESS_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
        time_limit: float = JOB_TIME_LIMIT,
        languages: Languages | None = None,
        leadership: Leadership | None = None,
    ):
        self.bot, self.db, self.cache = bot, db, cache
        #: with workers, several replicas: only the leader paints and notifies (None: this one, always)
        self.leadership = leadership
        self.instance = uuid.uuid4().hex[:12]  #: names this process in delivery records
        self.languages = languages or Languages()  #: each job's messages are in its person's language
        self.presets = presets or dict(quality.DEFAULT_PRESETS)
        self.paint = Lane("paint", Supervisor(engine, time_limit))
        self.instant = Lane("instant", Supervisor(instant, INSTANT_TIME_LIMIT)) if instant is not None else None
        self.notifier = Notifier(bot, progress_interval, group_interval)
        self.eta = EtaModel()
        self.instant_eta = EtaModel(overhead=INSTANT_OVERHEAD)
        self.device = "unknown"  #: the painting engine's device, once started
        self.paint_modes: tuple[str, ...] = ()
        self.instant_ready = False  #: the instant lane's engine runs (its networks loaded)
        self._work: dict[int, float] = {}  #: job id → work units, for waiting and running jobs
        self._mode: dict[int, str] = {}  #: job id → its mode, for waiting and running jobs
        self._kind: dict[int, tuple[str, int]] = {}  #: job id → what its rate is learnt under (mode, size)
        self._left: dict[int, Countdown] = {}  #: running job id → what its card says is left
        self._progress: dict[int, float] = {}  #: running job id → fraction done
        self._sketches: deque[int] = deque()  #: painting jobs waiting for their instant first picture
        self._picture: dict[int, str] = {}  #: job id → what its card shows: "sketch" or "painting"
        self.queue = QueueView(
            self.paint.queue, self._estimate, self._progress, self._quote_instant, self.eta, self._slots
        )
        self._follower_slots = 0  #: the workers' slots, as a following replica reads them
        self._in_step = False  #: workers mode: the last look at the database worked
        #: workers mode: what other replicas change and this one re-reads every 5 s (languages, bans)
        self.refreshers: list[Callable[[], Awaitable[None]]] = [lambda: self.languages.load(self.db)]
        self._mirror_task: asyncio.Task | None = None
        self._unreachable: set[int] = set()  #: chats Telegram refused a result to, until they write again
        self._background: set[asyncio.Task] = set()

    @property
    def engine_alive(self) -> bool:
        """Whether this process can do its part: its engine runs; with workers (elsewhere, and perhaps
        none yet), whether this replica reaches the database that carries their jobs."""
        if self.leadership is not None:
            return self._in_step
        return self.paint.supervisor.alive

    @property
    def worker_slots(self) -> int | None:
        """Workers mode: the jobs the live workers paint at once (None with the local engine)."""
        if self.leadership is None:
            return None
        return self.paint.capacity() if self.leading else self._follower_slots

    @property
    def instant_available(self) -> bool:
        """Whether instant pictures can be painted (by the instant lane, or by the painting engine)."""
        return self.instant_ready or "instant" in self.paint_modes

    # ------------------------------------------------------------------ lifecycle
    @property
    def leading(self) -> bool:
        return self.leadership is None or self.leadership.leading

    def _slots(self) -> int:
        return max(1, self.paint.capacity() if self.leading else self._follower_slots)

    async def start(self) -> None:
        if self.leadership is None:
            starting = [self._start_paint()] + ([self._start_instant()] if self.instant is not None else [])
            await asyncio.gather(*starting)
            await self._begin()
            return
        if self.instant is not None:  # every replica: the one that takes over paints instant pictures at once
            await self._start_instant()
        # Workers mode: every replica mirrors the queue from the database (answers, positions, ETAs);
        # the one that wins the lease paints and notifies.
        await self._mirror()
        self._in_step = True
        self._mirror_task = asyncio.create_task(self._keep_in_step(), name="dispatcher-mirror")
        self.leadership.start(self._lead, self._follow)

    async def _lead(self) -> None:
        """Start painting: the engine, the queue rebuilt from the database, the lanes' loops."""
        await self._start_paint()
        await self._begin()

    async def _start_paint(self) -> None:
        capabilities = await self.paint.supervisor.start()
        self.device, self.paint_modes = capabilities.device, tuple(capabilities.modes)
        self.eta.use_device(capabilities.device)

    async def _begin(self) -> None:
        self.paint.queue = FairQueue()
        self.queue._queue = self.paint.queue
        if self.instant is not None:
            self.instant.queue = FairQueue()
        await self.restore()
        self.paint.task = asyncio.create_task(self._loop(self.paint), name="dispatcher")
        if self.instant_ready:
            self.instant.task = asyncio.create_task(self._loop(self.instant), name="dispatcher-instant")

    async def _follow(self) -> None:
        """Stop painting (the lease is lost): jobs stay as they are in the database for the next leader."""
        await self._stop_lanes()
        with contextlib.suppress(Exception):
            await self.paint.supervisor.stop()

    async def _start_instant(self) -> None:
        try:
            capabilities = await self.instant.supervisor.start()
        except Exception as exc:  # no instant networks here: the bot paints as before, and says nothing
            log.warning("instant pictures are off: %s", exc)
            return
        self.instant_ready = "instant" in capabilities.modes
        self.instant_eta.use_device(capabilities.device)

    async def stop(self) -> None:
        """Stop taking jobs; running ones stay 'running' in the database and are redone (or, with
        workers, followed) on start."""
        if self._mirror_task is not None:
            self._mirror_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._mirror_task
        if self.leadership is not None:
            await self.leadership.stop()
        await self._stop_lanes()
        if self._background:  # a last card edit or position update: let it finish, briefly
            _, late = await asyncio.wait(set(self._background), timeout=2.0)
            for task in late:
                task.cancel()
        await self.paint.supervisor.stop()
        if self.instant is not None:
            await self.instant.supervisor.stop()

    async def _stop_lanes(self) -> None:
        for lane in filter(None, (self.paint, self.instant)):
            tasks = [t for t in (lane.task, *lane.active) if t is not None]
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            lane.task = None

    async def restore(self) -> None:
        async with self.db.session() as session, session.begin():
            jobs = (
                (
                    await session.execute(
                        select(Job)
                        .where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                        .order_by(Job.created_at, Job.id)
                    )
                )
                .scalars()
                .all()
            )
            interrupted = [job for job in jobs if job.status == JobStatus.RUNNING]
            for job in interrupted:
                job.status = JobStatus.QUEUED
        followed = self.paint.supervisor.self_healing  # workers paint on: their jobs are followed, first
        for job in sorted(jobs, key=lambda j: j.status != JobStatus.RUNNING) if followed else jobs:
            self._enqueue(job, front=followed and job in interrupted)
        for job in [] if followed else interrupted:
            with i18n.using(self._language(job)):
                await self.notifier.restarted(job)
        if jobs:
            log.info("restored %d queued job(s), %d interrupted", len(jobs), len(interrupted))

    # ------------------------------------------------------------------ queue
    def submit(self, job: Job, *, held: bool = False) -> None:
        """Queue a saved job. A painting job with a progress card also gets an instant sketch on it.
        ``held``: its place is taken now (the one just quoted to the person) but it starts only after
        :meth:`release`, once its card is out."""
        self._unreachable.discard(job.chat_id)  # they wrote to us, so they can be reached again
        lane, index = self._enqueue(job, held=held)
        if not self.leading:  # in this replica's mirror only: the leader adopts it from the database
            return
        extra = {"job_id": job.id, "user_id": job.user_id}
        log.info("job %s queued for user %s at %d (%s)", job.id, job.user_id, index + 1, lane.name, extra=extra)
        if lane is self.paint and index < len(self.paint.queue) - 1:  # it went ahead of someone's later job
            self._in_background(self._announce_positions(start=index + 1))

    def release(self, job: Job) -> None:
        """A held job's card is out (``job.progress_message_id``, or none): it may start, with a sketch."""
        for lane in filter(None, (self.paint, self.instant)):
            if job.id in lane.queue:
                lane.queue.release(job.id)
                lane.wakeup.set()
                self._sketch_later(job, lane)

    def _sketch_later(self, job: Job, lane: Lane) -> None:
        sketches = self.leading and self.instant_ready and job.progress_message_id
        if lane is self.paint and sketches and self._mode.get(job.id) == "style" and job.id not in self._sketches:
            # only a painting has a sketch (not a texture, dream or x-ray); also after a restart
            self._sketches.append(job.id)
            self.instant.wakeup.set()

    def _enqueue(self, job: Job, front: bool = False, held: bool = False) -> tuple[Lane, int]:
        try:
            spec = JobSpec.from_dict(job.spec)
            self._work[job.id], self._mode[job.id] = units(spec), spec.mode
        except (SpecError, SettingsError):
            self._work[job.id], self._mode[job.id] = 0.0, "style"  # it fails with a message when its turn comes
        lane = self.instant if self._mode[job.id] == quality.INSTANT and self.instant_ready else self.paint
        if front:
            lane.queue.push_front(job.id, job.user_id)
            index = 0
        else:
            index = lane.queue.push(job.id, job.user_id)
        if held:
            lane.queue.hold(job.id)
            return lane, index
        lane.wakeup.set()
        self._sketch_later(job, lane)
        return lane, index

    def seconds_for(self, mode: str, settings) -> float:
        """How long a job of ``mode`` with these settings takes on this host, queue aside."""
        return self._eta_for(mode).seconds(settings.work, kind_of(mode, settings))

    def _eta_for(self, mode: str | None) -> EtaModel:
        return self.instant_eta if mode == quality.INSTANT else self.eta

    def _estimate(self, job_id: int) -> float:
        return self._eta_for(self._mode.get(job_id)).seconds(self._work.get(job_id, 0.0), self._kind.get(job_id))

    def _forget(self, job_id: int) -> None:
        """A job left its lane for good: drop what was kept about it."""
        for kept in (self._work, self._mode, self._kind, self._picture, self._left):
            kept.pop(job_id, None)

    def _quote_instant(self, spec: JobSpec, user_id: int) -> tuple[int, float] | None:
        if spec.mode != quality.INSTANT or not self.instant_ready:
            return None
        queue = self.instant.queue
        slot = queue.slot_for(user_id)
        ahead = sum(self._estimate(j) for j in queue.waiting[:slot])
        return slot + 1, ahead + self.instant_eta.seconds(units(spec), kind(spec))

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; False if it was neither."""
        if not self.leading:  # the leader does it (and says so) within a second
            async with self.db.session() as session, session.begin():
                job = await session.get(Job, job_id)
                if job is None or not JobStatus(job.status).active:
                    return False
                job.cancel_requested_at = utcnow()
            return True
        for lane in filter(None, (self.paint, self.instant)):
            index = lane.queue.remove(job_id)
            if index is not None:
                self._forget(job_id)
                job = await self._finish(job_id, JobStatus.CANCELLED)
                if lane is self.paint:
                    await self._announce_positions(start=index)
                if job is not None:
                    with i18n.using(self._language(job)):
                        await self.notifier.cancelled(job)
                return True
            if job_id in lane.queue.running_jobs:
                await lane.supervisor.cancel(str(job_id))
                return True
        return False

    # ------------------------------------------------------------------ replicas (workers mode)
    async def _keep_in_step(self, every: float = 0.5) -> None:
        """Each replica, twice a second: the leader adopts jobs other replicas queued and carries out
        their cancel requests; a follower mirrors the leader's queue from the database."""
        beats = 0
        while True:
            await asyncio.sleep(every)
            beats += 1
            try:
                if beats % 10 == 0:  # another replica may have recorded a /language choice or a /ban
                    for refresh in self.refreshers:
                        await refresh()
                if self.leading:
                    await self._adopt()
                else:
                    await self._mirror()
                self._in_step = True
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database is restarting: next time
                self._in_step = False
                log.warning("keeping in step with the other replicas: %s", exc)

    async def _adopt(self) -> None:
        if self.paint.task is None:  # still taking over
            return
        known = self._queued_here()
        async with self.db.session() as session:
            active = Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
            new = (
                (
                    await session.execute(
                        select(Job).where(Job.status == JobStatus.QUEUED, Job.id.not_in(known)).order_by(Job.id)
                    )
                )
                .scalars()
                .all()
            )
            cancels = (
                (await session.execute(select(Job.id).where(active, Job.cancel_requested_at.is_not(None))))
                .scalars()
                .all()
            )
        for job in new:
            if job.id not in self._queued_here():  # (this replica may have queued it meanwhile)
                self.submit(job)
        for job_id in cancels:
            async with self.db.session() as session, session.begin():
                job = await session.get(Job, job_id)
                job.cancel_requested_at = None
            await self.cancel(job_id)

    def _queued_here(self) -> set[int]:
        """The jobs this replica's lanes hold, waiting or painting."""
        lanes = filter(None, (self.paint, self.instant))
        return {j for lane in lanes for j in (*lane.queue.waiting, *lane.queue.running_jobs)}

    async def _mirror(self) -> None:
        """A follower's view of the queue, rebuilt from the jobs in the database the way the leader
        queued them (running first, then the waiting ones in order of arrival), and the workers' slots."""
        async with self.db.session() as session:
            jobs = (
                (
                    await session.execute(
                        select(Job).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])).order_by(Job.id)
                    )
                )
                .scalars()
                .all()
            )
            seen = utcnow() - timedelta(
                seconds=getattr(self.paint.supervisor.engine, "stale_after", WORKER_STALE_AFTER)
            )
            workers = (await session.execute(select(EngineWorker).where(EngineWorker.seen_at > seen))).scalars().all()
        queue = FairQueue()
        for job in sorted(jobs, key=lambda j: j.status != JobStatus.RUNNING):
            if job.id not in self._mode:  # read each job's spec once, not twice a second
                try:
                    spec = JobSpec.from_dict(job.spec)
                    self._work[job.id], self._mode[job.id], self._kind[job.id] = units(spec), spec.mode, kind(spec)
                except (SpecError, SettingsError):
                    continue
            if self._mode[job.id] == quality.INSTANT and self.instant_ready:
                continue
            queue.push(job.id, job.user_id)
            if job.status == JobStatus.RUNNING:
                queue.pop()
        stale = set(self._work) - {j.id for j in jobs}
        for job_id in stale:
            self._forget(job_id)
        self.paint.queue = queue
        self.queue._queue = queue
        self._follower_slots = sum(w.slots for w in workers)
        if workers:
            devices = {w.device for w in workers}
            device = devices.pop() if len(devices) == 1 else "mixed"
            if device != self.device:
                self.device = device
                self.eta.use_device(device)
            self.paint_modes = tuple(dict.fromkeys(m for w in workers for m in w.modes.split()))

    async def _announce_positions(self, start: int = 0, limit: int = POSITIONS_ANNOUNCED) -> None:
        """The queue moved: tell the next few waiting jobs their new place (a few edits, not one per job)."""
        ids = self.paint.queue.waiting[start:limit]
        if not ids:
            return
        async with self.db.session() as session:
            jobs = (await session.execute(select(Job).where(Job.id.in_(ids)))).scalars().all()
        for job in sorted(jobs, key=lambda j: self.paint.queue.position(j.id)):
            if job.id in self.paint.queue:
                sketch = self._picture.get(job.id) == "sketch"
                with i18n.using(self._language(job)):
                    await self.notifier.queued(job, self.queue.position(job.id), self.queue.eta(job.id), sketch)

    def _in_background(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ work
    async def _loop(self, lane: Lane) -> None:
        """Start the lane's next job whenever it has a free slot (one, or the workers' slots)."""
        queue = lane.queue
        while True:
            while not self._has_work(lane):
                lane.wakeup.clear()
                # workers come and go: look again now and then. (asyncio.timeout, not wait_for: on
                # Python 3.11 wait_for can turn a cancel that meets its timeout into a TimeoutError,
                # and this loop would then never stop.)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(1.0):
                        await lane.wakeup.wait()
            if lane is self.instant and self._sketches:  # a first picture is the most awaited thing
                await self._sketch(self._sketches.popleft())
                continue
            job_id = queue.pop()
            if lane is self.paint:
                await self._announce_positions()
            task = asyncio.create_task(self._run_one(job_id, lane), name=f"job-{job_id}")
            lane.active.add(task)

            def done(finished: asyncio.Task, lane: Lane = lane) -> None:
                lane.active.discard(finished)
                lane.wakeup.set()

            task.add_done_callback(done)

    def _has_work(self, lane: Lane) -> bool:
        if len(lane.active) >= lane.capacity():
            return False
        return lane.queue.startable() or (lane is self.instant and bool(self._sketches))

    async def _run_one(self, job_id: int, lane: Lane) -> None:
        queue = lane.queue
        try:
            await self._run(job_id, lane)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("job %s failed inside the bot", job_id)
            await self._fail(job_id, texts.SOMETHING_WRONG, "internal")
        finally:
            queue.finish(job_id)
            self._progress.pop(job_id, None)
            if job_id not in queue:  # not put back after an engine crash
                self._forget(job_id)

    async def _sketch(self, job_id: int) -> None:
        """Paint a waiting or running job's instant picture and show it on its card, unless the
        painting has already put a picture of its own there. Any failure only costs the sketch."""
        async with self.db.session() as session:
            job = await session.get(Job, job_id)
        if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING) or job_id in self._picture:
            return
        i18n.use(self._language(job))
        try:
            spec = quality.sketch(JobSpec.from_dict(job.spec), str(self.cache.previews / f"{job_id}.instant.jpg"))
        except (SpecError, SettingsError):
            return
        if spec is None:
            return

        async def ignore(_: Progress) -> None:
            return None

        try:
            outcome = await self.instant.supervisor.run(f"sketch-{job_id}", spec, ignore)
        except Exception as exc:  # the instant engine would not even start: the painting goes on
            log.warning("no sketch for job %s: %s", job_id, exc)
            return
        if outcome.kind != "done":
            log.info("no sketch for job %s: %s", job_id, outcome.failed.message if outcome.failed else outcome.kind)
            return
        if job_id in self._picture or not (job_id in self.paint.queue or job_id in self.paint.queue.running_jobs):
            return  # the painting showed its own picture first, or it is over
        card = self.notifier.card(job)
        if card is None:
            return
        self._picture[job_id] = "sketch"
        if job_id in self.paint.queue.running_jobs:
            left = self._left[job_id].now() if job_id in self._left else None
            caption = texts.painting(int(100 * self._progress.get(job_id, 0.0)), left, sketch=True)
        else:
            caption = texts.queued(self.queue.position(job_id), self.queue.eta(job_id), sketch=True)
        # In a group the edit may wait for its turn: the next person's sketch should not.
        self._in_background(card.show(caption, Path(outcome.done.output), force=True, best_effort=True))

    async def _run(self, job_id: int, lane: Lane) -> None:
        async with self.db.session() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None or job.status != JobStatus.QUEUED:
                return
            if job.chat_id in self._unreachable:  # no one could receive it: do not paint it
                job.status, job.finished_at, job.error_code = JobStatus.FAILED, utcnow(), "undeliverable"
                log.info("job %s skipped: chat %s cannot be reached", job_id, job.chat_id)
                return
            job.status, job.started_at, job.attempts = JobStatus.RUNNING, utcnow(), job.attempts + 1
        self._progress[job_id] = 0.0
        i18n.use(self._language(job))  # this job's card, result or failure: in its person's language
        log.info("job %s started", job_id, extra={"job_id": job_id, "user_id": job.user_id, "status": "running"})
        try:
            spec = JobSpec.from_dict(job.spec)
        except SpecError as exc:
            log.error("job %s has an unreadable spec: %s", job_id, exc)
            await self._fail(job_id, texts.SOMETHING_WRONG, "bad_spec")
            return
        if spec.mode == quality.INSTANT and lane is self.paint and "instant" not in self.paint_modes:
            spec = quality.fallback(spec, self.presets, self.device)  # no instant networks anywhere: paint it fast
        instant = spec.mode == quality.INSTANT
        # An instant job is done in about a second: its card says nothing until the picture replaces it.
        sketch = self._picture.get(job_id) == "sketch"
        try:
            work, job_kind = units(spec), kind(spec)
        except SettingsError as exc:
            log.error("job %s has unusable settings: %s", job_id, exc)
            await self._fail(job_id, texts.SOMETHING_WRONG, "bad_spec")
            return
        countdown = self._left[job_id] = Countdown()
        estimate = countdown.update(self._eta_for(spec.mode).seconds(work, job_kind))
        card = None if instant else await self.notifier.painting_started(job, estimate, sketch)
        preview: Path | None = None
        edit: asyncio.Task | None = None

        async def on_progress(event: Progress) -> None:
            # Never waits on Telegram: an edit runs beside the painting, and while one is under way
            # (or the card's pace says not yet) newer progress replaces it.
            nonlocal preview, edit
            i18n.use(self._language(job))  # a /language picked while it paints applies from now on
            self._progress[job_id] = event.fraction
            left = countdown.update(self._eta_for(spec.mode).left(work, job_kind, event.fraction, event.eta))
            preview = Path(event.preview) if event.preview else preview
            if card is not None and card.due() and (edit is None or edit.done()):
                if preview is not None:
                    self._picture[job_id] = "painting"  # from now on the painting's own pictures fill the card
                sketch = self._picture.get(job_id) == "sketch"
                caption = texts.painting(int(100 * event.fraction), left, sketch=sketch, mode=spec.mode)
                edit, preview = asyncio.create_task(card.show(caption, preview)), None

        action = asyncio.create_task(self.notifier.keep_uploading(job.chat_id))
        try:
            outcome = await lane.supervisor.run(str(job_id), spec, on_progress)
        finally:
            action.cancel()
            if edit is not None and not edit.done():
                edit.cancel()  # the result (or the final word) supersedes it
        i18n.use(self._language(job))  # the person may have picked another language meanwhile
        if outcome.kind == "done":
            self._eta_for(spec.mode).learn(work, outcome.done.elapsed, job_kind)
            await self._deliver(job, spec, outcome.done, card or self.notifier.card(job, working=False, paced=False))
        elif outcome.kind == "cancelled":
            await self._finish(job_id, JobStatus.CANCELLED)
            await self.notifier.cancelled(job, card)
        elif outcome.kind == "time_limit":
            await self._fail(job_id, texts.failed("time_limit", self.paint.supervisor.time_limit), "time_limit", card)
        elif outcome.kind == "crashed" and lane.supervisor.may_retry(job.attempts):
            async with self.db.session() as session, session.begin():
                (await session.get(Job, job_id)).status = JobStatus.QUEUED
            lane.queue.push_front(job_id, job.user_id)
        else:
            code = outcome.failed.code if outcome.failed is not None else "failed"
            if outcome.failed is not None:
                log.info("job %s failed: %s (%s)", job_id, outcome.failed.message, code)
            await self._fail(job_id, texts.failed(code), code, card)

    def _language(self, job: Job) -> str:
        return self.languages.for_person_in(job.chat_id, job.user_id)

    async def _fail(self, job_id: int, message: str, code: str, card: ProgressMessage | None = None) -> None:
        job = await self._finish(job_id, JobStatus.FAILED, error=message, error_code=code)
        if job is not None:
            await self.notifier.failed(job, message, card)

    async def _finish(self, job_id: int, status: JobStatus, **fields) -> Job | None:
        async with self.db.session() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None:
                return None
            job.status, job.finished_at = status, utcnow()
            for key, value in fields.items():
                setattr(job, key, value)
        seconds = (as_utc(job.finished_at) - as_utc(job.started_at)).total_seconds() if job.started_at else None
        extra = {"job_id": job_id, "user_id": job.user_id, "status": str(status), "seconds": seconds}
        if job.error_code:
            extra["error_code"] = job.error_code
        log.info("job %s %s", job_id, status, extra=extra)
        return job

    async def _deliver(self, job: Job, spec: JobSpec, done: Done, card: ProgressMessage | None) -> None:
        """Send the result of ``spec`` (what was painted: after a fallback, not the stored spec)."""
        settings, smaller = spec.mode_settings(), bool(done.warnings)
        if spec.mode in experiments.CHOICES:
            depth, intensity = experiments.depth_of(spec.settings), experiments.intensity_of(spec.settings)
            caption = texts.experiment_caption(spec.mode, settings, done.elapsed, smaller, depth, intensity)
            markup = keyboards.experiment(job.id, spec.mode, spec.settings)
        else:
            caption = texts.result_caption(settings, job.n_styles, done.elapsed, smaller, tuple(done.size))
            markup = keyboards.result(job.id, job.n_styles == 2, instant=spec.mode == quality.INSTANT)
        caption = html.escape(caption)
        name = None
        if job.chat_id < 0:
            async with self.db.session() as session:
                user = await session.get(User, job.user_id)
            name = user.first_name if user else None
        path = Path(done.output)
        if not await self._claim_delivery(job.id):
            log.info("job %s: its result was already sent; not again", job.id)
            return
        try:
            try:
                file_id = await self.notifier.deliver(job, path, caption, name, markup, spec.mode)
            except ChatMigrated as exc:  # the group became a supergroup and we had not heard: follow it
                old_chat = job.chat_id
                async with self.db.session() as session, session.begin():
                    await queries.move_chat(session, old_chat, exc.new_chat_id)
                    job = await session.get(Job, job.id)
                self.languages.move_chat(old_chat, exc.new_chat_id)
                log.info("job %s: chat moved to %s; delivering there", job.id, exc.new_chat_id)
                card = None  # it stayed in the old chat
                file_id = await self.notifier.deliver(job, path, caption, name, markup, spec.mode)
        except Undeliverable as exc:
            log.info("job %s undeliverable: %s", job.id, exc, extra={"job_id": job.id, "user_id": job.user_id})
            self._unreachable.add(job.chat_id)
            await self._finish(
                job.id, JobStatus.FAILED, error=str(exc), error_code="undeliverable", result_path=str(path)
            )
            return
        await self._finish(job.id, JobStatus.DONE, result_path=str(path), result_file_id=file_id)
        if card is not None:
            await card.delete()
        await self.prune_files()

    async def _claim_delivery(self, job_id: int) -> bool:
        """Claim the one send of a job's result (a unique row per job). A claim by another process
        that has not finished the job within DELIVERY_CLAIM_SECONDS is taken to have died before
        sending, and taken over — the only case where a second copy could go out."""
        while True:
            try:
                async with self.db.session() as session, session.begin():
                    claim = await session.get(Delivery, job_id)
                    if claim is None:
                        session.add(Delivery(job_id=job_id, claimed_by=self.instance))
                        return True
                    job = await session.get(Job, job_id)
                    if claim.claimed_by == self.instance or job is None or job.status == JobStatus.DONE:
                        return False
                    age = (utcnow() - as_utc(claim.claimed_at)).total_seconds()
                    if age >= DELIVERY_CLAIM_SECONDS:
                        claim.claimed_by, claim.claimed_at = self.instance, utcnow()
                        return True
            except IntegrityError:  # claimed a moment ago by someone else: look again
                continue
            await asyncio.sleep(DELIVERY_CLAIM_SECONDS - age)

    async def prune_files(self) -> int:
        """Trim the file cache, keeping every picture a draft, an unfinished job or the gallery needs."""
        async with self.db.session() as session:
            keep: set[str] = set()
            for content, styles in await session.execute(select(Draft.content_path, Draft.style_paths)):
                keep.update([content, *styles] if content else styles)
            active = select(Job.spec).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
            for (spec,) in await session.execute(active):
                with contextlib.suppress(SpecError):
                    keep.update(JobSpec.from_dict(spec).pictures)
            keep.update((await session.execute(select(Preset.path))).scalars())
        return await asyncio.to_thread(self.cache.prune, {Path(p) for p in keep if p})
