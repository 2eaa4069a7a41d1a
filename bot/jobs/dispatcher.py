"""The dispatcher: takes job ids from the lanes' fair queues, runs them through the lanes' engine
supervisors, and keeps each job's row true — composed of parts, each with its own state:
:mod:`.lanes` (the lanes as a table: the modes each takes, its engine, queue and estimates; what is
known of each job in them; the read-only :class:`~.lanes.QueueView` handlers see), :mod:`.records`
(the job rows' state changes), :mod:`.sketcher` (a painting's instant sketch on its card right after
▶), :mod:`.delivery` (the result's caption, buttons and one send; pruning files) and
:mod:`.replicas` (workers mode: the leader adopts other replicas' jobs, followers mirror the queue).

Job rows are the truth; the queues are rebuilt from them on start: queued and interrupted jobs are
painted again and answered exactly once."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from pathlib import Path

from telegram import Bot

from engine.errors import SettingsError
from engine.presets import on_gpu
from worker.client import EngineClient
from worker.protocol import JobSpec, Progress, SpecError
from worker.roster import STALE_AFTER
from worker.waiting import woken

from .. import i18n, modes, texts
from ..domain import quality
from ..domain.languages import Languages
from ..domain.policy import Host
from ..limits import GROUP_INTERVAL, JOB_TIME_LIMIT, POSITIONS_ANNOUNCED, PROGRESS_INTERVAL
from ..modes import instant as instant_mode
from ..storage import Database, Job, JobStatus, unavailable
from ..telegram.files import FileCache
from ..telegram.progress import ProgressMessage
from .background import Background
from .delivery import Delivery
from .eta import Countdown, kind, kind_of, units
from .fair_queue import FairQueue
from .lanes import JobBook, Lane, QueueView, make_lanes
from .leadership import Leadership
from .notifier import Notifier
from .outages import again_when_reachable, outlasting, retell_endings, told_once_reachable
from .records import JobRecords
from .replicas import ReplicaSync
from .sketcher import Sketcher

log = logging.getLogger(__name__)


class Dispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        cache: FileCache,
        engine: EngineClient,
        *,
        instant: EngineClient | None = None,
        video: EngineClient | None = None,
        presets: dict | None = None,
        progress_interval: float = PROGRESS_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
        time_limit: float = JOB_TIME_LIMIT,
        languages: Languages | None = None,
        leadership: Leadership | None = None,
        stale_after: float = STALE_AFTER,
    ):
        self.bot, self.db, self.cache = bot, db, cache
        #: with workers, several replicas: only the leader paints and notifies (None: this one, always)
        self.leadership = leadership
        self.languages = languages or Languages()  #: each job's messages are in its person's language
        self.presets = presets or dict(quality.DEFAULT_PRESETS)
        self.notifier = Notifier(bot, progress_interval, group_interval)
        self.records = JobRecords(db)
        self.delivery = Delivery(db, self.records, self.notifier, self.languages, cache, uuid.uuid4().hex[:12])
        self.book = JobBook()
        self.lanes = make_lanes(engine, instant, video, time_limit)
        self.paint = self.lanes.paint  #: where most people wait; with workers, its engine is theirs
        self.queue = QueueView(self.lanes, self.book, self._slots)
        self.background = Background()
        self.sketcher = Sketcher(
            self.records, cache, self.notifier, self.languages, self.lanes, self.book, self.queue, self.background
        )
        self.replicas = ReplicaSync(self.records, self.lanes, self.book, leadership, self.adopt, stale_after)
        self.replicas.refreshers.append(lambda: self.languages.load(self.db))

    # ------------------------------------------------------------------ what the rest of the bot reads
    @property
    def engine_alive(self) -> bool:
        """Whether this process can do its part: its engine runs; with workers (elsewhere, and perhaps
        none yet), whether this replica reaches the database that carries their jobs."""
        return self.replicas.in_step if self.leadership is not None else self.paint.supervisor.alive

    @property
    def worker_slots(self) -> int | None:
        """Workers mode: the jobs the live workers paint at once (None with the local engine)."""
        if self.leadership is None:
            return None
        return self.paint.capacity() if self.leading else self.replicas.roster.slots_for(self.paint.family)

    @property
    def instant_available(self) -> bool:
        """Whether instant pictures can be painted (by the instant lane, or by the painting engine)."""
        return any(instant_mode.MODE.name in lane.offered for lane in self.lanes if lane.ready or lane.required)

    @property
    def video_available(self) -> bool:
        """Whether clips can be painted here (by the clips' lane; with workers, by any that offers them)."""
        return self.lanes.clips is not None and self.lanes.clips.ready

    @property
    def device(self) -> str:
        """The painting engine's device (or the workers'), once started."""
        return self.lanes.device

    @property
    def refreshers(self):
        """Workers mode: what other replicas change and this one re-reads every 5 s."""
        return self.replicas.refreshers

    @property
    def leading(self) -> bool:
        return self.leadership is None or self.leadership.leading

    def seconds_for(self, mode: str, settings) -> float:
        """How long a job of ``mode`` with these settings takes on this host, queue aside."""
        return self.route(mode).eta.seconds(settings.work, kind_of(mode, settings))

    def route(self, mode: str) -> Lane:
        return self.lanes.route(mode)

    def _slots(self) -> int:
        return max(1, self.worker_slots if self.worker_slots is not None else self.paint.capacity())

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        if self.leadership is None:
            await asyncio.gather(*(self._start_lane(lane) for lane in self.lanes))
            await self._begin()
            return
        # every replica: the one that takes over paints instant pictures at once, and takes clips
        for lane in self.lanes:
            if not lane.required:
                await self._start_lane(lane)
        # Workers mode: every replica mirrors the queue from the database (answers, positions, ETAs);
        # the one that wins the lease paints and notifies.
        await self.replicas.start()
        self.leadership.start(self._lead, self._follow)

    async def _start_lane(self, lane: Lane) -> None:
        if lane.shared:  # started with the painting lane; its jobs wait for a worker that offers them
            lane.offered, lane.ready = tuple(lane.modes or ()), True
            return
        try:
            capabilities = await lane.supervisor.start()
        except Exception as exc:
            if lane.required:
                raise
            # no instant networks here: the bot paints as before, and says nothing
            log.warning("the %s lane is off: %s", lane.name, exc)
            return
        lane.offered = tuple(capabilities.modes)
        lane.ready = lane.modes is None or bool(lane.modes & set(capabilities.modes))
        if lane.required:
            self.lanes.use_device(capabilities.device, capabilities.seconds_per_unit)
        else:
            lane.eta.use_device(capabilities.device)

    async def _lead(self) -> None:
        """Start painting: the engine, the queue rebuilt from the database, the lanes' loops."""
        await self._start_lane(self.paint)
        await self._begin()

    async def _begin(self) -> None:
        for lane in self.lanes:
            lane.queue = FairQueue()
        await self.restore()
        for lane in self.lanes:
            if lane.ready:
                lane.task = asyncio.create_task(self._loop(lane), name=f"dispatcher-{lane.name}")

    async def _follow(self) -> None:
        """Stop painting (the lease is lost): jobs stay as they are in the database for the next leader."""
        await self._stop_lanes()
        self.sketcher.clear()
        with contextlib.suppress(Exception):
            await self.paint.supervisor.stop()

    async def stop(self) -> None:
        """Stop taking jobs; running ones stay 'running' for the next start to redo (or follow)."""
        await self.replicas.stop()
        if self.leadership is not None:
            await self.leadership.stop()
        await self._stop_lanes()
        await self.background.settle()  # a last card edit or position update: let it finish, briefly
        for lane in self.lanes:
            if not lane.shared:
                await lane.supervisor.stop()

    async def _stop_lanes(self) -> None:
        for lane in self.lanes:
            tasks = [t for t in (lane.task, *lane.active) if t is not None]
            for task in tasks:
                task.cancel()
            for task in tasks:
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                except Exception:  # (stopping or stepping down goes on whatever a task died of)
                    log.exception("%s ended with an error", task.get_name())
            lane.task = None

    async def restore(self) -> None:
        jobs, interrupted = await self.records.restore()
        followed = self.paint.supervisor.self_healing  # workers paint on: their jobs are followed, first
        for job in jobs:
            await self._reroute(job)
            self._enqueue(job, front=followed and job in interrupted)
        for job in [] if followed else interrupted:
            with i18n.using(self.languages.for_job(job)):
                await self.notifier.restarted(job)
        if jobs:
            log.info("restored %d queued job(s), %d interrupted", len(jobs), len(interrupted))
        self.background.run(retell_endings(self.records, self.notifier, self.languages))

    async def _reroute(self, job: Job) -> None:
        """A job queued for an engine this host no longer has (instant networks gone since) becomes
        what this host paints instead, once, in its row: nothing plans it again when it runs."""
        self.book.note(job.id, job.spec)  # (the spec read once, as it is queued)
        if await self.records.reroute(job, self.lanes.offered(), Host(self.device, False, self.presets)):
            self.book.forget(job.id)  # noted again, as the painting it now is

    # ------------------------------------------------------------------ queue
    def submit(self, job: Job, *, held: bool = False) -> None:
        """Queue a saved job. A painting job with a progress card also gets an instant sketch on it.
        ``held``: its place is taken now (the one just quoted to the person) but it starts only after
        :meth:`release`, once its card is out."""
        self.delivery.unreachable.discard(job.chat_id)  # they wrote to us, so they can be reached again
        again = job.id in self.queued_here()  # the leader adopted it while its own press was answered
        lane, index = self._enqueue(job, held=held)
        if again or not self.leading:  # (in a follower's mirror only: the leader adopts it from the database)
            return
        extra = {"job_id": job.id, "user_id": job.user_id}
        log.info("job %s queued for user %s at %d (%s)", job.id, job.user_id, index + 1, lane.name, extra=extra)
        if lane.announces and index < len(lane.queue) - 1:  # it went ahead of someone's later job
            self.background.run(self._announce_positions(lane, start=index + 1))

    def release(self, job: Job) -> None:
        """A held job's card is out (``job.progress_message_id``, or none): it may start, with a sketch."""
        for lane in self.lanes:
            if job.id in lane.queue:
                lane.queue.release(job.id)
                lane.wakeup.set()
                self._sketch_later(job, lane)

    def _sketch_later(self, job: Job, lane: Lane) -> None:
        instant = self.lanes.instant
        sketches = self.leading and instant is not None and instant.ready and job.progress_message_id
        tracked = self.book.get(job.id)
        if lane.sketched and sketches and tracked is not None and modes.get(tracked.mode).sketched:
            # only a mode that has one (a painting) gets a sketch; also after a restart
            self.sketcher.want(job.id)

    def _enqueue(self, job: Job, front: bool = False, held: bool = False) -> tuple[Lane, int]:
        lane = self.route(self.book.note(job.id, job.spec).mode)
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

    def forget(self, job_id: int) -> None:
        """A job left its lane for good: drop what was kept about it."""
        self.book.forget(job_id)
        self.sketcher.forget(job_id)

    def queued_here(self) -> set[int]:
        """The jobs this replica's lanes hold, waiting or painting."""
        return self.lanes.jobs()

    async def adopt(self) -> None:
        """Workers mode, the leader: queue what other replicas queued; cancel what their people cancelled."""
        if self.paint.task is None:  # still taking over
            return
        for job in await self.records.queued_except(self.queued_here()):
            if job.id not in self.queued_here():  # (this replica may have queued it meanwhile)
                self.submit(job)
        for job_id in await self.records.take_cancel_requests():
            await self.cancel(job_id)

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; False if it was neither."""
        if not self.leading:  # the leader does it (and says so) within a second
            return await self.records.request_cancel(job_id)
        for lane in self.lanes:
            index = lane.queue.remove(job_id)
            if index is not None:
                self.forget(job_id)
                job = await self.records.finish(job_id, JobStatus.CANCELLED)
                if lane.announces:
                    await self._announce_positions(lane, start=index)
                if job is not None:
                    with i18n.using(self.languages.for_job(job)):
                        await self.notifier.cancelled(job)
                return True
            if job_id in lane.queue.running_jobs:
                await lane.supervisor.cancel(str(job_id))
                return True
        return False

    async def _announce_positions(self, lane: Lane, start: int = 0, limit: int = POSITIONS_ANNOUNCED) -> None:
        """The queue moved: tell the next few waiting jobs their new place (a few edits, not one per job)."""
        for job_id in lane.queue.waiting[start:limit]:
            job = await self.records.get(job_id)
            if job is not None and job_id in lane.queue:
                with i18n.using(self.languages.for_job(job)):
                    eta, sketch = self.queue.eta(job_id), self.sketcher.shows_sketch(job_id)
                    await self.notifier.queued(job, self.queue.position(job_id), eta, sketch)

    # ------------------------------------------------------------------ work
    async def _loop(self, lane: Lane) -> None:
        """Start the lane's next job whenever it has a free slot (one, or the workers' slots)."""
        while True:
            while not self._has_work(lane):
                lane.wakeup.clear()
                await woken(lane.wakeup, 1.0)  # workers come and go: look again now and then
            if lane.sketches and self.sketcher.waiting:  # a first picture is the most awaited thing
                await outlasting(self.sketcher.sketch(self.sketcher.waiting.popleft()), "a sketch")
                continue
            job_id = lane.queue.pop()
            task = asyncio.create_task(self._run_one(job_id, lane), name=f"job-{job_id}")
            lane.active.add(task)

            def done(finished: asyncio.Task, lane: Lane = lane) -> None:
                lane.active.discard(finished)
                lane.wakeup.set()

            task.add_done_callback(done)
            if lane.announces:
                await outlasting(self._announce_positions(lane), "the queue's new places")

    def _has_work(self, lane: Lane) -> bool:
        if len(lane.active) >= lane.capacity():
            return False
        return lane.queue.startable() or (lane.sketches and bool(self.sketcher.waiting))

    async def _run_one(self, job_id: int, lane: Lane) -> None:
        try:
            await self._run(job_id, lane)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if unavailable(exc):  # not the job's fault: it is painted once the database is back
                log.warning("job %s: the database is unavailable (%s); tried again", job_id, type(exc).__name__)
                owner = lane.queue.owner(job_id)  # (read now: the queue forgets it as this run ends)
                self.background.run(again_when_reachable(self.records, self.delivery, job_id, lane, owner))
                return
            log.exception("job %s failed inside the bot", job_id)
            failing = functools.partial(self._fail, job_id, texts.SOMETHING_WRONG(), "internal")
            await told_once_reachable(failing, self.background, job_id)
        finally:
            lane.queue.finish(job_id)
            if job_id not in lane.queue:  # not put back after an engine crash
                self.forget(job_id)
            elif (tracked := self.book.get(job_id)) is not None:
                tracked.progress, tracked.countdown = 0.0, None

    async def _run(self, job_id: int, lane: Lane) -> None:
        job = await self.records.start(job_id, self.delivery.unreachable)
        if job is None:
            return
        tracked = self.book.note(job_id, job.spec)
        i18n.use(self.languages.for_job(job))  # this job's card, result or failure: in its person's language
        try:
            spec = JobSpec.from_dict(job.spec)
        except SpecError as exc:
            log.error("job %s has an unreadable spec: %s", job_id, exc)
            await self._fail(job_id, texts.SOMETHING_WRONG(), "bad_spec")
            return
        mode = modes.get(spec.mode)
        quiet = mode.quiet  # done in about a second: its card says nothing until the picture replaces it
        try:
            tracked.work, tracked.kind = units(spec), kind(spec)
        except SettingsError as exc:
            log.error("job %s has unusable settings: %s", job_id, exc)
            await self._fail(job_id, texts.SOMETHING_WRONG(), "bad_spec")
            return
        work, job_kind, countdown = tracked.work, tracked.kind, Countdown()
        tracked.countdown, estimate = countdown, countdown.update(lane.eta.seconds(work, job_kind))
        sketch = self.sketcher.shows_sketch(job_id)
        card = None if quiet else await self.notifier.painting_started(job, estimate, sketch)
        preview, edit = None, None  # (the newest preview not shown yet; the card edit under way)

        async def on_progress(event: Progress) -> None:
            # Never waits on Telegram: an edit runs beside the painting, and while one is under way
            # (or the card's pace says not yet) newer progress replaces it.
            nonlocal preview, edit
            i18n.use(self.languages.for_job(job))  # a /language picked while it paints applies from now on
            tracked.progress = event.fraction
            left = countdown.update(lane.eta.left(work, job_kind, event.fraction, event.eta))
            preview = Path(event.preview) if event.preview else preview
            if card is not None and card.due() and (edit is None or edit.done()):
                if preview is not None:
                    self.sketcher.painting_shown(job_id)  # from now on the painting's own pictures fill the card
                sketch = self.sketcher.shows_sketch(job_id)
                caption = mode.progress(event, left, sketch)
                edit, preview = asyncio.create_task(card.show(caption, preview)), None

        action = asyncio.create_task(self.notifier.keep_uploading(job.chat_id, spec.output.media))
        try:
            outcome = await lane.supervisor.run(str(job_id), spec, on_progress)
        finally:
            action.cancel()
            if edit is not None and not edit.done():
                edit.cancel()  # the result (or the final word) supersedes it
        i18n.use(self.languages.for_job(job))  # the person may have picked another language meanwhile
        if outcome.kind == "done":
            lane.eta.learn(work, outcome.done.elapsed, job_kind)
            card = card or self.notifier.card(job, working=False, paced=False)
            await self.delivery.send(job, spec, outcome.done, card, gpu=on_gpu(self.device))
        elif outcome.kind == "cancelled":
            await self.records.finish(job_id, JobStatus.CANCELLED)
            await self.notifier.cancelled(job, card)
        elif outcome.kind == "time_limit":
            await self._fail(job_id, texts.failed("time_limit", lane.supervisor.time_limit), "time_limit", card)
        elif outcome.kind == "crashed" and lane.supervisor.may_retry(job.attempts):
            await self.records.requeue(job_id)
            lane.queue.push_front(job_id, job.user_id)
        else:
            code = outcome.failed.code if outcome.failed is not None else "failed"
            if outcome.failed is not None:
                log.info("job %s failed: %s (%s)", job_id, outcome.failed.message, code)
            await self._fail(job_id, texts.failed(code), code, card)

    async def _fail(self, job_id: int, message: str, code: str, card: ProgressMessage | None = None) -> None:
        job = await self.records.finish(job_id, JobStatus.FAILED, error=message, error_code=code)
        if job is not None:
            await self.notifier.failed(job, message, card)
