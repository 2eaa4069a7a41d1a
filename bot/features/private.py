"""Private-chat conversation: commands, pictures (single or album), and the inline buttons."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from engine import ImageError, open_image
from engine.worker import settings_to_dict

from . import keyboards, texts
from .admin import Permissions, day_start, effective, next_reset
from .albums import AlbumCollector
from .config import Config
from .files import FileCache, picture_in
from .jobs import Dispatcher
from .presets import MIXES, SIZES, STRENGTHS, plan
from .storage import Chat, Database, Job, JobStatus, Preset, Session, User

log = logging.getLogger(__name__)
PRIVATE = filters.ChatType.PRIVATE


@dataclass
class Services:
    config: Config
    db: Database
    cache: FileCache
    dispatcher: Dispatcher
    albums: AlbumCollector | None = None
    group_albums: AlbumCollector | None = None
    permissions: Permissions = field(default_factory=lambda: Permissions(()))
    banned: set[int] = field(default_factory=set)  #: user ids, kept in step with the users table


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


# ---------------------------------------------------------------------- sessions
async def load_session(db_session, update: Update) -> Session:
    """The (chat, user) session, creating user, chat and session rows on first contact."""
    user, chat = update.effective_user, update.effective_chat
    await db_session.merge(
        User(id=user.id, first_name=user.first_name or "", username=user.username, language_code=user.language_code)
    )
    await db_session.merge(Chat(id=chat.id, type=chat.type, title=chat.title))
    await db_session.flush()
    found = (
        await db_session.execute(select(Session).where(Session.chat_id == chat.id, Session.user_id == user.id))
    ).scalar_one_or_none()
    if found is None:
        # No options yet: until the user picks in ⚙ Settings, the chat's defaults apply (see job_options).
        found = Session(chat_id=chat.id, user_id=user.id, style_paths=[], options={})
        db_session.add(found)
        await db_session.flush()
    return found


async def active_job(db_session, chat_id: int, user_id: int) -> Job | None:
    return (
        (
            await db_session.execute(
                select(Job)
                .where(
                    Job.chat_id == chat_id,
                    Job.user_id == user_id,
                    Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
                )
                .order_by(Job.id.desc())
            )
        )
        .scalars()
        .first()
    )


async def job_options(svc: Services, chat_id: int, session: Session) -> dict:
    """The chat's defaults (admins' /set), overlaid with what this user picked in ⚙ Settings."""
    values = {name: r.value for name, r in (await effective(svc.db, chat_id)).items()}
    options = {
        "quality": values["quality"],
        "strength": values["strength"],
        "keep_colors": values["keep_colors"],
        "size": values["size"] or None,
        "steps": values["steps"] or None,
    }
    options.update({k: v for k, v in session.options.items() if k in options and v is not None})
    options["limits"] = {k: values[k] for k in ("max_size", "jobs_per_user_per_day", "queue_per_user")}
    options["group_enabled"] = values["group_enabled"]
    return options


def summary(session: Session) -> str:
    styles = len(session.style_paths)
    if not session.content_path:
        return texts.STARTED_OVER if not styles else texts.NEED_CONTENT
    if not styles:
        return texts.CONTENT_SAVED
    mix = f", mix {texts.mix_label(session.gamma)}" if styles == 2 else ""
    return f"📷 Photo and {styles} style{'s' if styles > 1 else ''} ready{mix}. Tap ▶ Stylize."


# ---------------------------------------------------------------------- commands
async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    private = update.effective_chat.type == "private"
    await update.effective_message.reply_text(texts.HELP if private else texts.GROUP_HOW)


async def new_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async with services(context).db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        session.content_path, session.style_paths, session.gamma = None, [], 0.5
    await update.effective_message.reply_text(texts.STARTED_OVER)


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    async with svc.db.session() as db_session:
        job = await active_job(db_session, update.effective_chat.id, update.effective_user.id)
    if job is None or not await svc.dispatcher.cancel(job.id):
        await update.effective_message.reply_text(texts.NOTHING_TO_CANCEL)
        return
    await update.effective_message.reply_text(texts.CANCELLED)


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        job = await active_job(db_session, update.effective_chat.id, update.effective_user.id)
        lines = [summary(session)]
    if job is not None:
        if job.id == svc.dispatcher.running:
            percent = int(100 * svc.dispatcher.running_progress.get(job.id, 0.0))
            lines.append(texts.painting(percent, None))
        else:
            lines.append(texts.queued(svc.dispatcher.position(job.id), svc.dispatcher.eta(job.id)))
    await update.effective_message.reply_text("\n".join(lines))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(texts.UNKNOWN_COMMAND)


async def not_a_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    await message.reply_text(texts.NOT_A_PICTURE if message.document else texts.SEND_A_PHOTO)


# ---------------------------------------------------------------------- pictures
async def on_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    svc = services(context)
    if message.media_group_id and svc.albums is not None:
        svc.albums.add(message)
        return
    await accept_pictures([message], update, context)


def album_handler(application: Application, accept=None) -> AlbumCollector:
    """Collects an album's messages, then hands them to ``accept`` (default: the private-chat flow)."""
    accept = accept or accept_pictures

    async def complete(messages: list[Message]) -> None:
        update = Update(0, message=messages[0])
        context = ContextTypes.DEFAULT_TYPE.from_update(update, application)
        try:
            await accept(messages, update, context)
        except Exception:
            log.exception("album handling failed")
            await _safe_reply(messages[0], texts.SOMETHING_WRONG)

    return AlbumCollector(complete)


async def fetch_pictures(messages: list[Message], context: ContextTypes.DEFAULT_TYPE) -> list[Path] | None:
    """Each message's picture, downloaded and checked; None after telling the sender what was wrong."""
    svc = services(context)
    paths: list[Path] = []
    for message in messages:
        picture = picture_in(message)
        if picture is None:
            await messages[0].reply_text(texts.NOT_A_PICTURE)
            return None
        try:
            paths.append(await svc.cache.fetch(context.bot, picture))
        except ImageError as exc:
            await message.reply_text(exc.message.replace("The picture", "That picture"))
            return None
    return paths


async def accept_pictures(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    paths = await fetch_pictures(messages, context)
    if paths is None:
        return
    caption = (messages[0].caption or "").strip().lower()
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        reply = _assign_roles(session, messages, paths, caption)
        n_styles, gamma, ready = len(session.style_paths), session.gamma, bool(session.content_path)
    markup = keyboards.ready(n_styles, gamma) if ready and n_styles else None
    if len(messages) > 1 and markup is not None:
        markup = _with_roles_button(markup)
    if ready and not n_styles:  # the photo is in: offer the gallery's paintings as styles
        async with svc.db.session() as db_session:
            markup = keyboards.gallery((await db_session.execute(select(Preset).order_by(Preset.name))).scalars().all())
    await messages[0].reply_text(reply, reply_markup=markup)


def _assign_roles(session: Session, messages: list[Message], paths: list[Path], caption: str) -> str:
    options = dict(session.options)
    if len(paths) > 1:  # an album: photo + styles, or only styles when the photo is already there
        if session.content_path and caption != "content":
            session.style_paths = [str(p) for p in paths[:2]]
            session.options = options
            return f"🖼 {len(session.style_paths)} styles saved." + _mix_hint(session)
        session.content_path = str(paths[0])
        options["content_message_id"] = messages[0].message_id
        session.style_paths = [str(p) for p in paths[1:3]]
        session.options = options
        return (
            f"📷 Photo: picture 1 · 🖼 style{'s' if len(paths) > 2 else ''}: "
            f"{', '.join(f'picture {i}' for i in range(2, len(session.style_paths) + 2))}." + _mix_hint(session)
        )
    path = str(paths[0])
    wants_content = caption == "content" or (caption != "style" and not session.content_path)
    if wants_content:
        replaced = bool(session.content_path)
        session.content_path = path
        options["content_message_id"] = messages[0].message_id
        session.options = options
        if session.style_paths:
            return texts.CONTENT_REPLACED if replaced else summary(session)
        return texts.CONTENT_SAVED
    if len(session.style_paths) >= 2:
        return texts.TOO_MANY_STYLES
    session.style_paths = [*session.style_paths, path]
    if not session.content_path:
        return "🖼 Style saved. Now send the photo to repaint."
    return texts.SECOND_STYLE_SAVED if len(session.style_paths) == 2 else texts.STYLE_SAVED


def _mix_hint(session: Session) -> str:
    return " Pick the mix, then ▶ Stylize." if len(session.style_paths) == 2 else " Tap ▶ Stylize."


def _with_roles_button(markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    rows = [list(row) for row in markup.inline_keyboard]
    rows.append([InlineKeyboardButton("🔄 Swap photo and first style", callback_data="roles")])
    return InlineKeyboardMarkup(rows)


# ---------------------------------------------------------------------- buttons
async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    svc = services(context)
    data = query.data or ""
    if not presser_owns(update):
        await query.answer(texts.NOT_YOUR_BUTTONS, show_alert=True)
        return
    if data == "go":
        await start_job(update, context)
        return
    if data.startswith("cancel:"):
        job_id = int(data.split(":", 1)[1])
        async with svc.db.session() as db_session:
            job = await db_session.get(Job, job_id)
        mine = job is not None and job.user_id == update.effective_user.id
        await query.answer(texts.CANCELLED if mine and await svc.dispatcher.cancel(job_id) else texts.NOTHING_TO_CANCEL)
        return
    if data.startswith("png:"):
        await send_png(update, context, int(data.split(":", 1)[1]))
        return
    if data.startswith("swapjob:"):
        await rerun_swapped(update, context, int(data.split(":", 1)[1]))
        return
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        options = dict(session.options)
        if data.startswith("mix:") and float(data[4:]) in MIXES and len(session.style_paths) == 2:
            session.gamma = float(data[4:])
        elif data == "swap" and len(session.style_paths) == 2:
            session.style_paths = list(reversed(session.style_paths))
        elif data == "roles" and session.content_path and session.style_paths:
            session.content_path, session.style_paths = (
                session.style_paths[0],
                [session.content_path, *session.style_paths[1:]],
            )
        elif data.startswith("q:") and data[2:] in svc.config.presets:
            options["quality"] = data[2:]
        elif data.startswith("s:") and data[2:] in STRENGTHS:
            options["strength"] = data[2:]
        elif data == "kc":
            options["keep_colors"] = not (await job_options(svc, update.effective_chat.id, session))["keep_colors"]
        elif data.startswith("px:") and data[3:].isdigit() and int(data[3:]) in SIZES:
            # the same size again switches back to the quality preset's own size
            options["size"] = None if options.get("size") == int(data[3:]) else int(data[3:])
        elif data not in ("settings", "back", "again"):
            await query.answer(texts.STALE_BUTTON)
            return
        session.options = options
        n_styles, gamma, ready = len(session.style_paths), session.gamma, bool(session.content_path)
        shown = await job_options(svc, update.effective_chat.id, session)
    if not (ready and n_styles):
        await query.answer(texts.NEED_CONTENT if not ready else texts.NEED_STYLE, show_alert=True)
        return
    on_settings = data in ("settings", "again") or data == "kc" or data.startswith(("q:", "s:", "px:"))
    markup = keyboards.settings(shown, svc.config.presets) if on_settings else keyboards.ready(n_styles, gamma)
    await query.answer()
    if data == "again":
        await query.message.reply_text("⚙ Change the settings, then ▶ Stylize.", reply_markup=markup)
        return
    try:
        await query.edit_message_reply_markup(markup)
    except TelegramError as exc:  # e.g. "message is not modified" when the same button is pressed twice
        log.debug("keyboard unchanged: %s", exc)


def presser_owns(update: Update) -> bool:
    """In groups every keyboard answers a member's own message; only that member may press it."""
    if update.effective_chat is None or update.effective_chat.type == "private":
        return True
    message = update.callback_query.message
    replied = getattr(message, "reply_to_message", None)
    owner = replied.from_user.id if replied is not None and replied.from_user is not None else None
    return owner is None or owner == update.effective_user.id


async def start_job(update: Update, context: ContextTypes.DEFAULT_TYPE, swap_from: Job | None = None) -> None:
    query, svc = update.callback_query, services(context)
    chat_id, user_id = update.effective_chat.id, update.effective_user.id
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        options = await job_options(svc, chat_id, session)
        refusal = await quota_refusal(db_session, update, options)
        if refusal:
            await query.answer(refusal, show_alert=True)
            return
        if swap_from is not None:
            content, styles, params = swap_from.content_path, list(reversed(swap_from.style_paths)), swap_from.params
            request_id = swap_from.request_message_id
        else:
            if not session.content_path or not session.style_paths:
                await query.answer(
                    texts.NEED_CONTENT if not session.content_path else texts.NEED_STYLE, show_alert=True
                )
                return
            content, styles = session.content_path, list(session.style_paths)
            job_plan = plan(options, session.gamma, svc.config.presets, svc.dispatcher.seconds_per_step_256)
            params = settings_to_dict(job_plan.settings)
            request_id = session.options.get("content_message_id")
        job = Job(
            chat_id=chat_id,
            user_id=user_id,
            params=params,
            content_path=content,
            style_paths=styles,
            request_message_id=request_id,
        )
        db_session.add(job)
    await query.answer()
    thumbnail = await asyncio.to_thread(_thumbnail, Path(content))
    position, eta = svc.dispatcher.quote(params, user_id)
    reply = ReplyParameters(request_id, allow_sending_without_reply=True) if request_id else None
    try:
        progress = await context.bot.send_photo(
            chat_id,
            thumbnail,
            caption=texts.queued(position, eta),
            reply_markup=keyboards.working(job.id),
            reply_parameters=reply,
        )
    except TelegramError as exc:  # the job is saved: it is painted and delivered without a progress message
        log.warning("no progress message for job %s: %s", job.id, exc)
    else:
        async with svc.db.session() as db_session, db_session.begin():
            (await db_session.get(Job, job.id)).progress_message_id = progress.message_id
    svc.dispatcher.submit(job.id, params, user_id)


async def quota_refusal(db_session, update: Update, options: dict) -> str | None:
    """Why this user may not start a picture now (group switched off, queue or daily limit), or None."""
    user_id = update.effective_user.id
    if update.effective_chat.type != "private" and not options["group_enabled"]:
        return texts.GROUP_DISABLED
    limits = options["limits"]
    waiting = (
        await db_session.execute(
            select(func.count()).where(Job.user_id == user_id, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        )
    ).scalar_one()
    if waiting >= limits["queue_per_user"]:
        n = limits["queue_per_user"]
        return texts.ALREADY_RUNNING if n == 1 else texts.QUEUE_LIMIT.format(n=n)
    today = (
        await db_session.execute(
            select(func.count()).where(
                Job.user_id == user_id,
                Job.created_at >= day_start(),
                Job.status != JobStatus.CANCELLED,
            )
        )
    ).scalar_one()
    if today >= limits["jobs_per_user_per_day"]:
        left = (next_reset() - datetime.now(UTC)).total_seconds()
        return texts.DAILY_LIMIT.format(n=limits["jobs_per_user_per_day"], left=texts.duration(left))
    return None


async def rerun_swapped(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    async with services(context).db.session() as db_session:
        job = await db_session.get(Job, job_id)
    if job is None or job.user_id != update.effective_user.id or len(job.style_paths) != 2:
        await update.callback_query.answer(texts.STALE_BUTTON)
        return
    await start_job(update, context, swap_from=job)


async def send_png(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query = update.callback_query
    async with services(context).db.session() as db_session:
        job = await db_session.get(Job, job_id)
    if job is None or not job.result_path or not Path(job.result_path).exists():
        await query.answer("That picture is no longer stored. Tap 🔁 Again to paint it anew.", show_alert=True)
        return
    await query.answer()
    with open(job.result_path, "rb") as handle:
        await query.message.reply_document(handle, filename=f"painting_{job_id}.png")


def _thumbnail(path: Path) -> bytes:
    image = open_image(path, role="picture")
    image.thumbnail((512, 512))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def _safe_reply(message: Message, text: str) -> None:
    try:
        await message.reply_text(text)
    except TelegramError as exc:
        log.warning("could not reply: %s", exc)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the bug; tell the person something went wrong — never a traceback."""
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        await _safe_reply(update.effective_message, texts.SOMETHING_WRONG)
    elif isinstance(update, Update) and update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(texts.SOMETHING_WRONG)


def register(application: Application) -> None:
    fresh = ~filters.UpdateType.EDITED
    private = PRIVATE & fresh
    application.add_handler(CommandHandler(["start", "help"], help_command, filters=fresh))
    # /stylize is the group flow; in a private chat it is answered with how it works here
    application.add_handler(CommandHandler("stylize", help_command, filters=private))
    application.add_handler(CommandHandler("new", new_command, filters=fresh))
    application.add_handler(CommandHandler("cancel", cancel_command, filters=fresh))
    application.add_handler(CommandHandler("status", status_command, filters=fresh))
    application.add_handler(MessageHandler(private & (filters.PHOTO | filters.Document.IMAGE), on_picture))
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    application.add_handler(
        MessageHandler(
            private
            & (
                filters.Document.ALL
                | filters.Sticker.ALL
                | filters.VIDEO
                | filters.VOICE
                | filters.ANIMATION
                | filters.TEXT
            ),
            not_a_picture,
        )
    )
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
