"""A finished job's result, sent exactly once: its caption and buttons, the claim on the one send
(a row per job, shared by every replica), a group that became a supergroup meanwhile, a chat that
cannot be reached; then the files no one needs any more are pruned."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from telegram import InlineKeyboardMarkup
from telegram.error import ChatMigrated, RetryAfter

from worker.protocol import Done, JobSpec, SpecError

from .. import modes
from ..domain import subjects
from ..domain.languages import Languages
from ..limits import DELIVERY_CLAIM_SECONDS
from ..storage import Database, Draft, Job, JobStatus, Preset, User, as_utc, queries, unavailable, when_reachable
from ..storage.models import Delivery as Claim
from ..storage.models import utcnow
from ..telegram.files import FileCache
from ..telegram.progress import ProgressMessage
from ..telegram.request import retry_seconds
from .notifier import Notifier, Undeliverable
from .records import ACTIVE, JobRecords

log = logging.getLogger(__name__)
#: Times a result is sent before a run of 429s fails it (each after the wait Telegram named).
DELIVERY_PATIENCE = 4
#: Seconds a sent result's "done" waits for a database outage to end.
SENT_PATIENCE = 120.0


def compose(job: Job, spec: JobSpec, done: Done, gpu: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    """A result's caption (HTML) and buttons: its mode's (``gpu``: this host paints on a GPU)."""
    mode = modes.get(spec.mode)
    return html.escape(mode.caption(spec, done, job.n_styles)), mode.keyboard(job.id, spec, job.n_styles, gpu=gpu)


class Delivery:
    def __init__(
        self,
        db: Database,
        records: JobRecords,
        notifier: Notifier,
        languages: Languages,
        cache: FileCache,
        instance: str,
    ):
        self.db, self.records, self.notifier, self.languages, self.cache = db, records, notifier, languages, cache
        self.instance = instance  #: names this process in the claims
        self.unreachable: set[int] = set()  #: chats Telegram refused a result to, until they write again
        self.sent: set[int] = set()  #: jobs whose result this process sent, until their row says done
        self._marking: set[asyncio.Future] = set()  #: those rows being written (held: not collected)

    async def send(self, job: Job, spec: JobSpec, done: Done, card: ProgressMessage | None, gpu: bool = False) -> None:
        """Send the result of ``spec`` and finish the job; its progress card goes (``gpu``: the
        host paints on a GPU, where its buttons may offer more)."""
        caption, markup = compose(job, spec, done, gpu)
        name = None
        if job.chat_id < 0:
            async with self.db.session() as session:
                user = await session.get(User, job.user_id)
            name = user.first_name if user else None
        path = Path(done.output)
        result = done.result
        if not await self.claim(job.id):
            log.info("job %s: its result was already sent; not again", job.id)
            return
        try:  # the photo's subject, for its next jobs (a buttons' redo may come at once)
            await asyncio.to_thread(subjects.keep, spec, done)
        except OSError:
            log.exception("keeping the subject mask of job %s", job.id)
        # Claimed: the send and the row saying so are carried out whatever happens to the caller (a
        # replica that stops leading as it sends has its lanes cancelled; cut short there, its own
        # claim was taken again by its next term and the picture sent twice). Until then the job is
        # in ``sent``: this process does not claim it again.
        self.sent.add(job.id)
        sending = asyncio.ensure_future(self._send_claimed(job, spec.mode, result, caption, name, markup, path, card))
        self._marking.add(sending)
        sending.add_done_callback(self._sending_ended)
        await asyncio.shield(sending)

    def _sending_ended(self, sending: asyncio.Future) -> None:
        self._marking.discard(sending)
        if not sending.cancelled() and sending.exception() is not None:
            log.warning("a result's send ended in %r", sending.exception())  # (its caller, if any, has it too)

    async def _send_claimed(self, job: Job, mode: str, result, caption, name, markup, path: Path, card) -> None:
        try:
            try:
                file_id = await self._deliver(job, result, caption, name, markup, mode)
            except ChatMigrated as exc:  # the group became a supergroup and we had not heard: follow it
                old_chat = job.chat_id
                async with self.db.session() as session, session.begin():
                    await queries.move_chat(session, old_chat, exc.new_chat_id)
                    job = await session.get(Job, job.id)
                self.languages.move_chat(old_chat, exc.new_chat_id)
                log.info("job %s: chat moved to %s; delivering there", job.id, exc.new_chat_id)
                card = None  # it stayed in the old chat
                file_id = await self._deliver(job, result, caption, name, markup, mode)
        except Undeliverable as exc:
            self.sent.discard(job.id)
            log.info("job %s undeliverable: %s", job.id, exc, extra={"job_id": job.id, "user_id": job.user_id})
            self.unreachable.add(job.chat_id)
            await self.records.finish(
                job.id, JobStatus.FAILED, error=str(exc), error_code="undeliverable", result_path=str(path)
            )
            return
        except BaseException:
            self.sent.discard(job.id)  # not sent: whoever paints it next may claim it again
            raise
        sent = functools.partial(
            self.records.finish, job.id, JobStatus.DONE, result_path=str(path), result_file_id=file_id
        )
        # The result is out: the row saying so waits out a database outage (given up, whoever leads
        # next would find the job unfinished, its claim old, and paint and send it again).
        await self._mark_sent(job.id, sent)
        if card is not None:
            await card.delete()
        try:  # housekeeping: whatever goes wrong here, the person has their picture and the job is done
            await self.prune_files()
        except Exception as exc:
            if not unavailable(exc):
                log.exception("pruning the file cache after job %s", job.id)

    async def _mark_sent(self, job_id: int, sent) -> None:
        if await when_reachable(sent, SENT_PATIENCE):
            self.sent.discard(job_id)
        else:
            log.warning("job %s: sent, but the database did not come back to say so", job_id)

    async def _deliver(self, job: Job, result, caption: str, name, markup, mode: str) -> str | None:
        """The result, sent. A 429 that outlasted the rate limiter's own retries is waited out a few
        times more: a finished painting is worth the wait, and failing it would lose it."""
        for attempt in range(1, DELIVERY_PATIENCE + 1):
            try:
                return await self.notifier.deliver(job, result, caption, name, markup, mode)
            except RetryAfter as exc:
                if attempt == DELIVERY_PATIENCE:
                    raise
                wait = retry_seconds(exc.retry_after)
                log.warning("job %s: Telegram asks for %.0f s more before its result; waiting", job.id, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def claimed(self, job_id: int) -> bool:
        """Whether some process claimed the send of this job's result (it may have gone out)."""
        async with self.db.session() as session:
            return await session.get(Claim, job_id) is not None

    async def claim(self, job_id: int) -> bool:
        """Claim the one send of a job's result (a unique row per job). A claim by another process
        that has not finished the job within DELIVERY_CLAIM_SECONDS is taken to have died before
        sending, and taken over — the only case where a second copy could go out."""
        while True:
            try:
                async with self.db.session() as session, session.begin():
                    claim = await session.get(Claim, job_id)
                    if claim is None:
                        session.add(Claim(job_id=job_id, claimed_by=self.instance))
                        return True
                    job = await session.get(Job, job_id)
                    if job_id in self.sent or job is None or job.status == JobStatus.DONE:
                        return False
                    if claim.claimed_by == self.instance:  # its send here was cut short (leading lost, an outage)
                        claim.claimed_at = utcnow()
                        return True
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
            for (inputs,) in await session.execute(select(Draft.inputs)):
                keep.update(f["path"] for files in (inputs or {}).values() for f in files)
            for (spec,) in await session.execute(select(Job.spec).where(Job.status.in_(ACTIVE))):
                with contextlib.suppress(SpecError):
                    keep.update(JobSpec.from_dict(spec).pictures)
            keep.update((await session.execute(select(Preset.path))).scalars())
        keep.update(str(mask) for mask in subjects.kept(keep))  # a photo's mask lasts as long as it
        return await asyncio.to_thread(self.cache.prune, {Path(p) for p in keep if p})
