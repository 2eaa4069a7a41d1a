"""/settings, /set, /unset for chat admins and owners; /stats, /ban, /unban for owners."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from .. import i18n, texts
from ..domain import drafts
from ..domain.chat_settings import GLOBAL, KEYS, change, show, usage
from ..domain.quotas import day_start
from ..services import services
from ..storage import Job, JobStatus, User, as_utc
from ..texts import admin as admin_texts

log = logging.getLogger(__name__)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    i18n.use(svc.languages.shared(message.chat_id, message.from_user.id if message.from_user else None))
    wants_global = bool(context.args) and context.args[0].lower() == GLOBAL
    values = await svc.chat_settings(None if wants_global else message.chat_id)
    yours = {}
    if message.chat.type == "private" and not wants_global:  # and what this person picked in ⚙
        async with svc.db.session() as db_session, db_session.begin():
            picked = (await drafts.load(db_session, update)).options
        yours = {k: picked[k] for k in drafts.CHOICES if picked.get(k) is not None and k in values}
    lines = [admin_texts.settings_title(admin_texts.SETTINGS_GLOBAL() if wants_global else admin_texts.SETTINGS_HERE())]
    for name, r in values.items():
        value, source = (yours[name], "yours") if name in yours else (r.value, r.source)
        lines.append(admin_texts.settings_line(name, show(KEYS[name], value), source))
    if yours:
        lines.append(texts.YOUR_CHOICES_LAST())
    if await svc.permissions.may_change(message):
        lines.append(admin_texts.SETTINGS_HOW())
        if svc.permissions.is_owner(message.from_user):
            lines.append(admin_texts.SETTINGS_OWNERS())
    await message.reply_text("\n".join(lines))


def _target(args: list[str], chat_id: int) -> tuple[str, list[str]]:
    if args and args[0].lower() == GLOBAL:
        return GLOBAL, args[1:]
    return str(chat_id), args


async def set_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, unset=False)


async def unset_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _change(update, context, unset=True)


async def _change(update: Update, context: ContextTypes.DEFAULT_TYPE, *, unset: bool) -> None:
    svc, message = services(context), update.effective_message
    scope, args = _target(list(context.args or []), message.chat_id)
    if scope == GLOBAL and not svc.permissions.is_owner(message.from_user):
        await message.reply_text(admin_texts.OWNERS_ONLY())
        return
    if scope != GLOBAL and not await svc.permissions.may_change(message):
        await message.reply_text(
            admin_texts.ADMINS_ONLY() if message.chat.type != "private" else admin_texts.PRIVATE_SETTINGS_OWNERS_ONLY()
        )
        return
    command = "/unset" if unset else "/set"
    expected = 1 if unset else 2
    if len(args) != expected or args[0].lower() not in KEYS:
        unknown = args[0] if args and args[0].lower() not in KEYS else None
        await message.reply_text(admin_texts.set_usage(command, unset, unknown, usage()))
        return
    key = KEYS[args[0].lower()]
    try:
        value = None if unset else key.parse(args[1])
    except ValueError as exc:
        await message.reply_text(str(exc))
        return
    user_id = message.from_user.id if message.from_user else message.chat_id
    old, changed = await change(svc.db, scope, key, value, user_id)
    if not changed:
        await message.reply_text(
            admin_texts.nothing_to_change(key.name, admin_texts.UNSET() if unset else show(key, value))
        )
        return
    log.info("setting %s.%s: %r -> %r by %s", scope, key.name, old, value, user_id)
    if key.name == "language":  # answered from now on in the group's new language
        svc.languages.set_chat(scope, value)
        i18n.use(svc.languages.for_person_in(message.chat_id, user_id))
    where = admin_texts.EVERYWHERE() if scope == GLOBAL else admin_texts.IN_THIS_CHAT()  # every word in one language
    now = (await svc.chat_settings(None if scope == GLOBAL else message.chat_id))[key.name]
    before = admin_texts.UNSET() if old is None else show(key, old)
    note = ""
    if key.limit and scope != GLOBAL and value is not None and now.source != "chat":
        note = admin_texts.GLOBAL_LIMIT_APPLIES()
    after = admin_texts.UNSET() if unset else show(key, value)
    await message.reply_text(admin_texts.setting_changed(key.name, where, before, after, show(key, now.value), note))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(admin_texts.OWNERS_ONLY())
        return
    since = day_start()
    async with svc.db.session() as session:
        rows = (
            await session.execute(select(Job.status, func.count()).where(Job.created_at >= since).group_by(Job.status))
        ).all()
        finished = (
            await session.execute(
                select(Job.started_at, Job.finished_at).where(
                    Job.status == JobStatus.DONE, Job.finished_at >= since, Job.started_at.is_not(None)
                )
            )
        ).all()
        people = (
            await session.execute(select(func.count(func.distinct(Job.user_id))).where(Job.created_at >= since))
        ).scalar_one()
        banned = (await session.execute(select(func.count()).where(User.banned.is_(True)))).scalar_one()
    counts = dict(rows)
    seconds = [(as_utc(end) - as_utc(start)).total_seconds() for start, end in finished]
    queue = svc.dispatcher.queue
    await message.reply_text(
        admin_texts.stats(
            since,
            sum(counts.values()),
            people,
            admin_texts.status_counts({str(status): counts.get(status, 0) for status in JobStatus}),
            sum(seconds) / len(seconds) if seconds else None,
            counts.get(JobStatus.FAILED, 0),
            len(queue.waiting),
            len(queue.running_jobs),
            banned,
        )
    )


async def ban_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _ban(update, context, banned=True)


async def unban_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _ban(update, context, banned=False)


async def _ban(update: Update, context: ContextTypes.DEFAULT_TYPE, *, banned: bool) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(admin_texts.OWNERS_ONLY())
        return
    command = "/ban" if banned else "/unban"
    target = None
    if context.args and len(context.args) == 1:
        target = user_id(context.args[0])
    elif not context.args and message.reply_to_message and message.reply_to_message.from_user:
        target = message.reply_to_message.from_user.id
    if target is None:
        await message.reply_text(admin_texts.ban_usage(command))
        return
    if banned and target in svc.permissions.owners:
        await message.reply_text(admin_texts.OWNERS_NOT_BANNED())
        return
    async with svc.db.session() as session, session.begin():
        user = await session.get(User, target)
        if user is None:
            user = User(id=target, first_name="")
            session.add(user)
        user.banned = banned
    (svc.banned.add if banned else svc.banned.discard)(target)
    cancelled = 0
    if banned:
        async with svc.db.session() as session:
            active = (
                await session.execute(
                    select(Job.id).where(Job.user_id == target, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                )
            ).scalars()
            for job_id in list(active):
                cancelled += await svc.dispatcher.cancel(job_id)
    log.info("user %s %s by %s", target, "banned" if banned else "unbanned", message.from_user.id)
    await message.reply_text(admin_texts.banned_done(banned, target, cancelled))


#: Telegram user ids are positive and fit in 52 bits.
MAX_USER_ID = 2**52


def user_id(text: str) -> int | None:
    """A Telegram user id from a command argument: ASCII digits only, in range; else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > 16:
        return None
    value = int(text)
    return value if 0 < value < MAX_USER_ID else None


async def refuse_banned(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler: a banned user's updates stop here, with one polite line."""
    user = update.effective_user
    if user is None or user.id not in services(context).banned:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BANNED(), show_alert=True)
    elif update.inline_query is not None:
        await update.inline_query.answer([], cache_time=0, is_personal=True)
    elif update.effective_message is not None and update.effective_chat.type == "private":
        await update.effective_message.reply_text(texts.BANNED())
    raise ApplicationHandlerStop
