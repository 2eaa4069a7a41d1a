"""The job service: one door for every job. A mode turns what someone asked for into an
:class:`~bot.modes.base.Order`; :func:`place` places any order the same way — the chat's policy,
the refusals (the group switched off, the queue and the day's quota, a clip's seconds), the job's
row, its queued card — and answers a refusal where the request came from. Also what every button
that names a job needs: whose job it is, and where its result lies."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from telegram import Message, ReplyParameters, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from engine import modes as engine_modes
from engine.modes.base import CLIP_SECONDS, NOTHING
from worker.protocol import JobSpec, Media, SpecError, suffix_for

from .. import texts
from ..domain import drafts, quotas, subjects
from ..domain.policy import Policy
from ..modes.base import Order
from ..services import Services, services
from ..storage import Draft, Job, JobStatus, unavailable, when_reachable
from ..telegram import keyboards
from ..telegram.senders import sender

log = logging.getLogger(__name__)

#: How long a placed job's card waits for the database to save it (a restart, a failover).
CARD_PATIENCE = 120.0

#: Builds an order inside the placing transaction from the person's draft and the chat's policy
#: (it may change the draft); a str is why not, said to the person; None: nothing to place (it
#: answered itself).
Making = Callable[[object, Draft, Policy], Awaitable["Order | str | None"]]


class _Refused(Exception):
    """Leaves the placing transaction without saving anything (a draft the order changed included)."""


class _Placed(Exception):
    """This update's job was placed before (the update handled again: replayed after a restart)."""


async def place(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    make: Making,
    *,
    request: Message | None = None,
    exclusive: bool = False,
) -> Job | None:
    """Place what ``make`` orders: refusals first, then the job's row and its queued card. A refusal
    is an alert on the pressed button, or a reply to ``request``. ``exclusive``: one person's
    presses are taken one at a time (🏷 pressed ten times makes one sticker). The job, or None."""
    svc = services(context)
    chat_id, user_id = update.effective_chat.id, sender(update).id
    one_at_a_time = svc.person_locks.hold(chat_id, user_id) if exclusive else contextlib.nullcontext()
    key = update_key(update)
    try:
        async with one_at_a_time, svc.db.session() as db_session, db_session.begin():
            if key is not None and await _placed(db_session, key):
                raise _Placed
            draft = await drafts.load(db_session, update)
            policy = await policy_for(svc, update.effective_chat.id, draft)
            order = await make(db_session, draft, policy)
            if isinstance(order, str):
                raise _Refused(order)
            if order is None:
                return None
            refused = await refusal(db_session, update, policy, order)
            if refused:
                raise _Refused(refused)
            job, spec = await add_job(db_session, svc, update, order)
    except _Refused as refused:
        await _say(update, str(refused), request)
        return None
    except (_Placed, IntegrityError) as exc:
        # two handlings of one update (a press replayed by a new replica while the one that died
        # had placed it; two replicas replaying at once): its one job goes on, nothing is said
        if isinstance(exc, IntegrityError) and not (key is not None and await _placed_now(svc, key)):
            raise
        log.info("update %s: its job was placed before", key)
        await _answer(update)
        return None
    await _answer(update)
    await announce(context, job, spec)
    return job


def update_key(update: Update) -> int | None:
    """What keys a job to the update that asked for it (an album's handling has no update id)."""
    return update.update_id if update.update_id > 0 else None


async def _placed(db_session, key: int) -> bool:
    return (await db_session.execute(select(Job.id).where(Job.update_id == key))).first() is not None


async def _placed_now(svc: Services, key: int) -> bool:
    async with svc.db.session() as db_session:
        return await _placed(db_session, key)


async def _answer(update: Update) -> None:
    """Stop the pressed button's spinner; a press too old to answer (replayed) needs none."""
    if update.callback_query is not None:
        with contextlib.suppress(BadRequest):
            await update.callback_query.answer()


async def _say(update: Update, text: str, request: Message | None) -> None:
    if request is not None:
        await request.reply_text(text)
    elif update.callback_query is not None:
        try:
            await update.callback_query.answer(text, show_alert=True)
        except BadRequest:  # too old to answer (a press replayed after a restart): said in the chat
            if update.effective_message is not None:
                await update.effective_message.reply_text(text)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def policy_for(svc: Services, chat_id: int, draft: Draft) -> Policy:
    """The chat's settings (admins' /set, this host's defaults) with this person's ⚙ picks,
    resolved for this host: what a picture started now is painted with."""
    values = {name: r.value for name, r in (await svc.chat_settings(chat_id)).items()}
    return Policy.resolve(values, draft.options, svc.host()).for_styles(len(draft.style_paths))


async def refusal(db_session, update: Update, policy: Policy, order: Order) -> str | None:
    """Why this person may not have ``order`` painted here now, or None: the group switched off,
    the queue limit and — as its mode counts — the day's paintings or the day's clip seconds."""
    if update.effective_chat.type != "private" and not policy.group_enabled:
        return texts.GROUP_DISABLED()
    counts = engine_modes.get(order.mode).counts
    waiting, today = await quotas.counts(db_session, sender(update).id)
    refused = quotas.refusal(waiting, 0 if counts == NOTHING else today, policy.limits)
    if refused or counts != CLIP_SECONDS:
        return refused
    used = await quotas.video_seconds_today(db_session, sender(update).id)
    return quotas.video_refusal(used, quotas.seconds_of(order.mode, order.settings), policy.limits)


async def add_job(db_session, svc: Services, update: Update, order: Order) -> tuple[Job, JobSpec]:
    """Save a job of any mode (its spec, with this job's output and preview places): a file of the
    order's media kind (a PNG, an MP4, a sticker's WebP or WebM)."""
    job = Job(
        chat_id=update.effective_chat.id,
        user_id=sender(update).id,
        spec={},
        request_message_id=order.request_id,
        update_id=update_key(update),
    )
    db_session.add(job)
    await db_session.flush()
    path = svc.cache.result_path(job.id, suffix_for(order.output))
    output = {"path": str(path), "media": str(order.output)}
    spec = JobSpec(order.mode, order.inputs, output, order.settings, str(svc.cache.previews))
    spec = subjects.given(spec)  # the photo's subject, where an earlier job found it
    job.spec = spec.to_dict()
    return job, spec


async def announce(context: ContextTypes.DEFAULT_TYPE, job: Job, spec: JobSpec) -> None:
    """Show a saved job's queued card (its first picture, place and wait) in reply to the request,
    and queue it. Without a card (Telegram refused it) the job is still painted and delivered."""
    svc = services(context)
    first = next((found[0] for found in spec.inputs.values() if found), None)
    clip = first is not None and first.media != Media.PICTURE
    thumbnail = await svc.cache.thumbnail(Path(first.path), clip)
    position, eta = svc.dispatcher.queue.quote(spec, job.user_id)
    # the place just quoted is taken at once (no await between): others pressing ▶ while the card
    # goes out queue behind it, so the number on the card only ever goes down
    svc.dispatcher.submit(job, held=True)
    request_id = job.request_message_id
    reply = ReplyParameters(request_id, allow_sending_without_reply=True) if request_id else None
    released_later = False
    try:
        try:
            progress = await context.bot.send_photo(
                job.chat_id,
                thumbnail,
                caption=texts.queued(position, eta),
                reply_markup=keyboards.working(job.id),
                reply_parameters=reply,
            )
        except TelegramError as exc:
            log.warning("no progress message for job %s: %s", job.id, exc)
        else:
            sizes = [max(p.width, p.height) for p in progress.photo or ()]
            svc.dispatcher.notifier.shown[(job.chat_id, progress.message_id)] = max(sizes, default=0)
            job.progress_message_id = progress.message_id
            try:
                saved = await _keep_card(svc, job.id, progress.message_id)
                if saved is not None and saved.status in (JobStatus.CANCELLED, JobStatus.FAILED):
                    # ended before its card was known (✖ tapped as the card arrived): say so on it
                    await svc.dispatcher.notifier.ended(saved)
            except Exception as exc:
                if not unavailable(exc):
                    raise
                # The job is placed and its card is out: the database gone for a moment is waited
                # out here (the job starts once its card is known, so the card follows it), never
                # answered "try again" — that would be a second job and a second painting.
                released_later = True
                svc.dispatcher.background.run(_keep_card_when_reachable(svc, job, progress.message_id))
    finally:
        # whatever happened to the card (refused, a shutdown, the database busy), the job is
        # not left holding its place without ever starting
        if not released_later:
            svc.dispatcher.release(job)


async def _keep_card(svc: Services, job_id: int, message_id: int) -> Job | None:
    async with svc.db.session() as db_session, db_session.begin():
        saved = await db_session.get(Job, job_id)
        if saved is not None:
            saved.progress_message_id = message_id
        return saved


async def _keep_card_when_reachable(svc: Services, job: Job, message_id: int) -> None:
    try:
        if not await when_reachable(lambda: _keep_card(svc, job.id, message_id), CARD_PATIENCE):
            log.warning("job %s: its card could not be saved; it is painted without it", job.id)
    finally:
        svc.dispatcher.release(job)


async def active_job(db_session, chat_id: int, user_id: int) -> Job | None:
    """This person's newest job in this chat that waits or paints, if any."""
    waiting = Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
    found = select(Job).where(Job.chat_id == chat_id, Job.user_id == user_id, waiting).order_by(Job.id.desc())
    return (await db_session.execute(found)).scalars().first()


async def own_job(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> Job | None:
    """The job a button names, if it is the presser's own and of this chat; None otherwise.

    Callback data comes from the client and can be forged (job ids count up from 1), so every
    button that names a job goes through here: nobody acts on, or receives, another person's
    picture, and a picture painted in one chat never appears in another."""
    async with services(context).db.session() as db_session:
        job = await db_session.get(Job, job_id)
    if job is None or job.user_id != sender(update).id or job.chat_id != update.effective_chat.id:
        return None
    return job


async def made_from(db_session, painting: Job, role: str, result: str, kind) -> Job | None:
    """The job already made (or being made) from ``painting``'s ``result``, its input in ``role``,
    of the ``kind`` a column condition selects (🏷 a sticker, 🖨 a print: one of each per painting)."""
    made = select(Job).where(
        Job.user_id == painting.user_id,
        Job.chat_id == painting.chat_id,
        Job.id > painting.id,
        Job.status.not_in([JobStatus.CANCELLED, JobStatus.FAILED]),
        kind,
    )
    for job in (await db_session.execute(made.order_by(Job.id.desc()))).scalars():
        if [found.get("path") for found in (job.spec.get("inputs") or {}).get(role, [])] == [result]:
            return job
    return None


def result_of(job: Job) -> Path | None:
    """A job's result file, if it is still there: where its row says, or — in the moment after the
    result went out and before the row says so, when a quick press can come — where its spec had it made."""
    if job.result_path:
        path = Path(job.result_path)
    else:
        try:
            path = Path(JobSpec.from_dict(job.spec).output.path)
        except SpecError:
            return None
    return path if path.is_file() else None
