"""/settings, /set, /unset for chat admins and owners; /stats, /ban, /unban for owners."""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from telegram import Update
from telegram.ext import ApplicationHandlerStop, ContextTypes

from .. import texts
from ..domain.chat_settings import GLOBAL, KEYS, change, effective, show, usage
from ..domain.quotas import day_start
from ..services import services
from ..storage import Job, JobStatus, User, as_utc

log = logging.getLogger(__name__)


async def settings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    wants_global = bool(context.args) and context.args[0].lower() == GLOBAL
    values = await effective(svc.db, None if wants_global else message.chat_id)
    title = "Global defaults" if wants_global else "Settings in this chat"
    lines = [f"⚙ {title} (where each comes from):"]
    lines += [f"• {name} = {show(KEYS[name], r.value)} ({r.source})" for name, r in values.items()]
    if await svc.permissions.may_change(message):
        lines.append("Change one: /set <key> <value> · back to the default: /unset <key>")
        if svc.permissions.is_owner(message.from_user):
            lines.append("Owners: /set global <key> <value> changes the default for every chat.")
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
        await message.reply_text(texts.OWNERS_ONLY)
        return
    if scope != GLOBAL and not await svc.permissions.may_change(message):
        await message.reply_text(
            texts.ADMINS_ONLY if message.chat.type != "private" else texts.PRIVATE_SETTINGS_OWNERS_ONLY
        )
        return
    command = "/unset" if unset else "/set"
    expected = 1 if unset else 2
    if len(args) != expected or args[0].lower() not in KEYS:
        shape = "<key>" if unset else "<key> <value>"
        problem = f"I don't know the key {args[0]!r}. " if args and args[0].lower() not in KEYS else ""
        await message.reply_text(f"{problem}Use {command} {shape}. {usage()}")
        return
    key = KEYS[args[0].lower()]
    try:
        value = None if unset else key.parse(args[1])
    except ValueError as exc:
        await message.reply_text(str(exc))
        return
    user_id = message.from_user.id if message.from_user else message.chat_id
    old, changed = await change(svc.db, scope, key, value, user_id)
    where = "everywhere (global)" if scope == GLOBAL else "in this chat"
    if not changed:
        await message.reply_text(f"Nothing to change: {key.name} is already {'unset' if unset else show(key, value)}.")
        return
    log.info("setting %s.%s: %r -> %r by %s", scope, key.name, old, value, user_id)
    now = (await effective(svc.db, None if scope == GLOBAL else message.chat_id))[key.name]
    before = "unset" if old is None else show(key, old)
    note = ""
    if key.limit and scope != GLOBAL and value is not None and now.source != "chat":
        note = " (the global limit is lower, so it applies)"
    await message.reply_text(
        f"✅ {key.name} {where}: {before} → {'unset' if unset else show(key, value)}. "
        f"In effect now: {show(key, now.value)}{note}."
    )


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(texts.OWNERS_ONLY)
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
    average = f"{sum(seconds) / len(seconds):.1f} s" if seconds else "—"
    lines = [
        f"📊 Today (UTC, since {since:%H:%M}): {sum(counts.values())} jobs from {people} people",
        " · ".join(f"{status}: {counts.get(status, 0)}" for status in JobStatus),
        f"Average painting time: {average} · failures: {counts.get(JobStatus.FAILED, 0)}",
        f"Queue now: {len(svc.dispatcher.queue.waiting)} waiting, {1 if svc.dispatcher.queue.running else 0} painting",
        f"Banned users: {banned}",
    ]
    await message.reply_text("\n".join(lines))


async def ban_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _ban(update, context, banned=True)


async def unban_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _ban(update, context, banned=False)


async def _ban(update: Update, context: ContextTypes.DEFAULT_TYPE, *, banned: bool) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(texts.OWNERS_ONLY)
        return
    command = "/ban" if banned else "/unban"
    target = None
    if context.args and len(context.args) == 1 and context.args[0].lstrip("-").isdigit():
        target = int(context.args[0])
    elif not context.args and message.reply_to_message and message.reply_to_message.from_user:
        target = message.reply_to_message.from_user.id
    if target is None:
        await message.reply_text(f"Use {command} <user id>, or reply {command} to one of their messages.")
        return
    if banned and target in svc.permissions.owners:
        await message.reply_text(texts.OWNERS_NOT_BANNED)
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
    extra = f"; {cancelled} of their jobs cancelled" if cancelled else ""
    await message.reply_text(f"{'🚫 Banned' if banned else '✅ Unbanned'} user {target}{extra}.")


async def refuse_banned(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler: a banned user's updates stop here, with one polite line."""
    user = update.effective_user
    if user is None or user.id not in services(context).banned:
        return
    if update.callback_query is not None:
        await update.callback_query.answer(texts.BANNED, show_alert=True)
    elif update.effective_message is not None and update.effective_chat.type == "private":
        await update.effective_message.reply_text(texts.BANNED)
    raise ApplicationHandlerStop
