"""The dispatcher: takes job ids from the fair queue one at a time, runs them through the
supervisor, and keeps each job's row in the database true.

Job rows are the truth; the in-memory queue is rebuilt from them on start, so queued jobs and a
job interrupted by a restart are painted again and answered exactly once. The rest of the bot
sees the queue only through :class:`QueueView` (read-only).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from pathlib import Path

from sqlalchemy import select
from telegram import Bot
from telegram.error import ChatMigrated

from engine.errors import SettingsError
from worker.client import EngineClient
from worker.protocol import Done, JobSpec, Progress, SpecError

from .. import texts
from ..limits import GROUP_INTERVAL, JOB_TIME_LIMIT, POSITIONS_ANNOUNCED, PROGRESS_INTERVAL
from ..storage import Database, Draft, Job, JobStatus, Preset, User, as_utc, queries
from ..storage.models import utcnow
from ..telegram.files import FileCache
from ..telegram.progress import ProgressMessage
from .eta import EtaModel, units
from .fair_queue import FairQueue
from .notifier import Notifier, Undeliverable
from .supervisor import Supervisor

log = logging.getLogger(__name__)


class QueueView:
    """What handlers may know of the queue: order, places, time estimates. Read-only."""

    def __init__(self, queue: FairQueue, eta: EtaModel, work: dict[int, float], progress: dict[int, float]):
        self._queue, self._eta, self._work, self._progress = queue, eta, work, progress

    @property
    def running(self) -> int | None:
        return self._queue.running

    @property
    def waiting(self) -> tuple[int, ...]:
        return self._queue.waiting

    def running_fraction(self) -> float:
        return self._progress.get(self._queue.running, 0.0) if self._queue.running is not None else 0.0

    def position(self, job_id: int) -> int:
        return self._queue.position(job_id)

    def eta(self, job_id: int) -> float:
        """Seconds until ``job_id``'s picture, roughly: the jobs ahead, its own, the running one's rest."""
        waiting = self._queue.waiting
        ahead = waiting[: waiting.index(job_id) + 1] if job_id in waiting else (job_id,)
        return sum(self.estimate(j) for j in ahead) + self._running_rest()

    def quote(self, spec: JobSpec, user_id: int) -> tuple[int, float]:
        """Place and seconds-to-result a job like ``spec`` would get if ``user_id`` queued it now."""
        slot = self._queue.slot_for(user_id)
        ahead = sum(self.estimate(j) for j in self._queue.waiting[:slot]) + self._running_rest()
        return slot + 1, ahead + self._eta.seconds(units(spec))

    def estimate(self, job_id: int) -> float:
        return self._eta.seconds(self._work.get(job_id, 0.0))

    def _running_rest(self) -> float:
        running = self._queue.running
        if running is None:
            return 0.0
        return self.estimate(running) * (1 - self._progress.get(running, 0.0))


class Dispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        cache: FileCache,
        engine: EngineClient,
        *,
        progress_interval: float = PROGRESS_INTERVAL,
        group_interval: float = GROUP_INTERVAL,
        time_limit: float = JOB_TIME_LIMIT,
    ):
        self.bot, self.db, self.cache = bot, db, cache
        self.supervisor = Supervisor(engine, time_limit)
        self.notifier = Notifier(bot, progress_interval, group_interval)
        self.eta = EtaModel()
        self._queue = FairQueue()
        self._work: dict[int, float] = {}  #: job id → work units, for waiting and running jobs
        self._progress: dict[int, float] = {}  #: running job id → fraction done
        self.queue = QueueView(self._queue, self.eta, self._work, self._progress)
        self._unreachable: set[int] = set()  #: chats Telegram refused a result to, until they write again
        self._background: set[asyncio.Task] = set()
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None

    @property
    def engine_alive(self) -> bool:
        return self.supervisor.alive

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        capabilities = await self.supervisor.start()
        self.eta.use_device(capabilities.device)
        await self.restore()
        self._task = asyncio.create_task(self._loop(), name="dispatcher")

    async def stop(self) -> None:
        """Stop taking jobs; the running one stays 'running' in the database and is redone on start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.supervisor.stop()

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
        for job in jobs:
            self._enqueue(job)
        for job in interrupted:
            await self.notifier.restarted(job)
        if jobs:
            log.info("restored %d queued job(s), %d interrupted", len(jobs), len(interrupted))
            self._wakeup.set()

    # ------------------------------------------------------------------ queue
    def submit(self, job: Job) -> tuple[int, float]:
        """Queue a saved job; its position (1 = next) and the seconds until its result, roughly."""
        self._unreachable.discard(job.chat_id)  # they wrote to us, so they can be reached again
        index = self._enqueue(job)
        extra = {"job_id": job.id, "user_id": job.user_id}
        log.info("job %s queued for user %s at %d", job.id, job.user_id, index + 1, extra=extra)
        self._wakeup.set()
        if index < len(self._queue) - 1:  # it went ahead of someone's second or later job: tell them
            self._in_background(self._announce_positions(start=index + 1))
        return self.queue.position(job.id), self.queue.eta(job.id)

    def _enqueue(self, job: Job) -> int:
        try:
            self._work[job.id] = units(JobSpec.from_dict(job.spec))
        except (SpecError, SettingsError):
            self._work[job.id] = 0.0  # it fails with a message when its turn comes
        return self._queue.push(job.id, job.user_id)

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; False if it was neither."""
        index = self._queue.remove(job_id)
        if index is not None:
            self._work.pop(job_id, None)
            job = await self._finish(job_id, JobStatus.CANCELLED)
            await self._announce_positions(start=index)
            if job is not None:
                await self.notifier.cancelled(job)
            return True
        if job_id == self._queue.running:
            await self.supervisor.cancel(str(job_id))
            return True
        return False

    async def _announce_positions(self, start: int = 0, limit: int = POSITIONS_ANNOUNCED) -> None:
        """The queue moved: tell the next few waiting jobs their new place (a few edits, not one per job)."""
        ids = self._queue.waiting[start:limit]
        if not ids:
            return
        async with self.db.session() as session:
            jobs = (await session.execute(select(Job).where(Job.id.in_(ids)))).scalars().all()
        for job in sorted(jobs, key=lambda j: self._queue.position(j.id)):
            if job.id in self._queue:
                await self.notifier.queued(job, self.queue.position(job.id), self.queue.eta(job.id))

    def _in_background(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # ------------------------------------------------------------------ work
    async def _loop(self) -> None:
        while True:
            while not len(self._queue):
                self._wakeup.clear()
                await self._wakeup.wait()
            job_id = self._queue.pop()
            await self._announce_positions()
            try:
                await self._run(job_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed inside the bot", job_id)
                await self._fail(job_id, texts.SOMETHING_WRONG, "internal")
            finally:
                self._queue.finish(job_id)
                self._progress.pop(job_id, None)
                if job_id not in self._queue:  # not put back after an engine crash
                    self._work.pop(job_id, None)

    async def _run(self, job_id: int) -> None:
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
        log.info("job %s started", job_id, extra={"job_id": job_id, "user_id": job.user_id, "status": "running"})
        try:
            spec = JobSpec.from_dict(job.spec)
        except SpecError as exc:
            log.error("job %s has an unreadable spec: %s", job_id, exc)
            await self._fail(job_id, texts.SOMETHING_WRONG, "bad_spec")
            return
        card = await self.notifier.painting_started(job, self.queue.estimate(job_id))
        preview: Path | None = None
        edit: asyncio.Task | None = None

        async def on_progress(event: Progress) -> None:
            # Never waits on Telegram: an edit runs beside the painting, and while one is under way
            # (or the card's pace says not yet) newer progress replaces it.
            nonlocal preview, edit
            self._progress[job_id] = event.fraction
            preview = Path(event.preview) if event.preview else preview
            if card is not None and card.due() and (edit is None or edit.done()):
                caption = texts.painting(int(100 * event.fraction), event.eta)
                edit, preview = asyncio.create_task(card.show(caption, preview)), None

        action = asyncio.create_task(self.notifier.keep_uploading(job.chat_id))
        try:
            outcome = await self.supervisor.run(str(job_id), spec, on_progress)
        finally:
            action.cancel()
            if edit is not None and not edit.done():
                edit.cancel()  # the result (or the final word) supersedes it
        if outcome.kind == "done":
            self.eta.learn(self._work.get(job_id, 0.0), outcome.done.elapsed)
            await self._deliver(job, outcome.done, card)
        elif outcome.kind == "cancelled":
            await self._finish(job_id, JobStatus.CANCELLED)
            await self.notifier.cancelled(job, card)
        elif outcome.kind == "time_limit":
            await self._fail(job_id, self._too_long(), "time_limit", card)
        elif outcome.kind == "crashed" and self.supervisor.may_retry(job.attempts):
            async with self.db.session() as session, session.begin():
                (await session.get(Job, job_id)).status = JobStatus.QUEUED
            self._queue.push_front(job_id, job.user_id)
        else:
            failed = outcome.failed
            reason = failed.message if failed is not None else texts.SOMETHING_WRONG
            await self._fail(job_id, texts.FAILED.format(reason=reason), failed.code if failed else "failed", card)

    def _too_long(self) -> str:
        limit = texts.duration(self.supervisor.time_limit)
        return texts.FAILED.format(reason=texts.TOO_LONG.format(limit=limit))

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

    async def _deliver(self, job: Job, done: Done, card: ProgressMessage | None) -> None:
        settings = JobSpec.from_dict(job.spec).mode_settings()
        caption = html.escape(texts.result_caption(settings, job.n_styles, done.elapsed, bool(done.warnings)))
        name = None
        if job.chat_id < 0:
            async with self.db.session() as session:
                user = await session.get(User, job.user_id)
            name = user.first_name if user else None
        path = Path(done.output)
        try:
            try:
                file_id = await self.notifier.deliver(job, path, caption, name)
            except ChatMigrated as exc:  # the group became a supergroup and we had not heard: follow it
                async with self.db.session() as session, session.begin():
                    await queries.move_chat(session, job.chat_id, exc.new_chat_id)
                    job = await session.get(Job, job.id)
                log.info("job %s: chat moved to %s; delivering there", job.id, exc.new_chat_id)
                card = None  # it stayed in the old chat
                file_id = await self.notifier.deliver(job, path, caption, name)
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
