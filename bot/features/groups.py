"""Group chats: a member starts with /stylize on a photo; styles come as replies to the bot's prompt.

With privacy mode on (Telegram's default) a bot in a group sees only commands, replies to its own
messages and mentions, so the whole flow runs on those: a photo captioned ``/stylize`` (or
``/stylize`` in reply to a photo), then one or two style pictures sent in reply to the bot.
Sessions are keyed by (chat, member), so two members working at once never mix, and each
member's buttons answer only to them.
"""

from __future__ import annotations

import html
import logging

from sqlalchemy import select
from telegram import ForceReply, Message, Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from engine import ImageError

from . import handlers, keyboards, texts
from .albums import AlbumCollector
from .files import picture_in
from .handlers import _assign_roles, fetch_pictures, load_session, services
from .storage import Job, Preset, User

log = logging.getLogger(__name__)
GROUPS = filters.ChatType.GROUPS
PICTURES = filters.PHOTO | filters.Document.IMAGE
STYLIZE_CAPTION = filters.CaptionRegex(r"^/stylize(@\w+)?(\s|$)")


def mention(user_id: int, name: str) -> str:
    """An HTML mention: notifies the member without needing a @username."""
    return f'<a href="tg://user?id={user_id}">{html.escape(name or "you")}</a>'


async def stylize_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/stylize`` as text: it must answer a photo, which becomes the member's content."""
    message = update.effective_message
    target = message.reply_to_message
    if target is None or picture_in(target) is None:
        await message.reply_text(texts.GROUP_HOW)
        return
    await start_session(update, context, target, message, list(context.args or []))


async def stylize_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo captioned ``/stylize``: that photo is the content."""
    message = update.effective_message
    await start_session(update, context, message, message, (message.caption or "").split()[1:])


async def start_session(
    update: Update, context: ContextTypes.DEFAULT_TYPE, photo: Message, request: Message, args: list[str]
) -> None:
    """The member's photo becomes the content; ``/stylize <name>`` also takes a gallery painting as the style."""
    svc = services(context)
    preset = None
    if args:
        async with svc.db.session() as db_session:
            wanted = select(Preset).where(Preset.name == args[0].lower())
            preset = (await db_session.execute(wanted)).scalar_one_or_none()
        if preset is None:
            await request.reply_text(f"I have no painting called {args[0]!r}. /presets shows the gallery.")
    try:
        path = await svc.cache.fetch(context.bot, picture_in(photo))
    except ImageError as exc:
        await request.reply_text(exc.message.replace("The picture", "That picture"))
        return
    user = update.effective_user
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        session.content_path, session.style_paths, session.gamma = str(path), [], 0.5
        session.options = {**session.options, "content_message_id": request.message_id}
        if preset is not None:
            session.style_paths = [preset.path]
    if preset is not None:
        await request.reply_text(
            f"📷 Photo and 🖼 {preset.name} ready, {mention(user.id, user.first_name)}. Tap ▶ Stylize, "
            "or reply to this with a second style to mix two.",
            parse_mode="HTML",
            reply_markup=keyboards.ready(1, 0.5),
        )
        return
    await request.reply_text(
        texts.GROUP_PROMPT.format(name=mention(user.id, user.first_name)),
        parse_mode="HTML",
        reply_markup=ForceReply(selective=True, input_field_placeholder="A painting, a texture…"),
    )


async def on_reply_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture sent in reply to one of the bot's messages: a style for the sender's session."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return  # not for us (only reachable with privacy mode off)
    svc = services(context)
    if message.media_group_id and svc.group_albums is not None:
        svc.group_albums.add(message)
        return
    await accept_styles([message], update, context)


def album_handler(application: Application) -> AlbumCollector:
    return handlers.album_handler(application, accept_styles)


async def accept_styles(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    paths = await fetch_pictures(messages, context)
    if paths is None:
        return
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        if not session.content_path:
            reply, ready = texts.GROUP_HOW, False
        elif len(paths) > 1:
            session.style_paths = [str(p) for p in paths[:2]]
            reply, ready = f"🖼 {len(session.style_paths)} styles saved. Pick the mix, then ▶ Stylize.", True
        else:
            reply, ready = _assign_roles(session, messages, paths, "style"), True
        n_styles, gamma = len(session.style_paths), session.gamma
    # The keyboard answers the member's own message, which is how its buttons know their owner.
    await messages[0].reply_text(reply, reply_markup=keyboards.ready(n_styles, gamma) if ready and n_styles else None)


async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The queue, in painting order; names only for jobs from this chat."""
    svc, chat_id = services(context), update.effective_chat.id
    dispatcher = svc.dispatcher
    ids = ([dispatcher.running] if dispatcher.running else []) + dispatcher.waiting[:10]
    if not ids:
        await update.effective_message.reply_text(texts.QUEUE_EMPTY)
        return
    async with svc.db.session() as db_session:
        jobs = {j.id: j for j in (await db_session.execute(select(Job).where(Job.id.in_(ids)))).scalars()}
        names = {
            u.id: u.first_name
            for u in (await db_session.execute(select(User).where(User.id.in_([j.user_id for j in jobs.values()]))))
            .scalars()
            .all()
        }
    lines = ["🎨 The queue:"]
    for job_id in ids:
        job = jobs.get(job_id)
        if job is None:
            continue
        who = html.escape(names.get(job.user_id) or "someone") if job.chat_id == chat_id else "someone in another chat"
        if job_id == dispatcher.running:
            percent = int(100 * dispatcher.running_progress.get(job_id, 0.0))
            lines.append(f"▶ painting now: {who} ({percent}%)")
        else:
            lines.append(f"{dispatcher.position(job_id)}. {who} — in about {texts.duration(dispatcher.eta(job_id))}")
    more = len(dispatcher.waiting) - 10
    if more > 0:
        lines.append(f"… and {more} more")
    await update.effective_message.reply_text("\n".join(lines), parse_mode="HTML")


def register(application: Application) -> None:
    fresh = ~filters.UpdateType.EDITED
    application.add_handler(CommandHandler("stylize", stylize_command, filters=GROUPS & fresh))
    application.add_handler(CommandHandler("queue", queue_command, filters=fresh))
    application.add_handler(MessageHandler(GROUPS & fresh & PICTURES & STYLIZE_CAPTION, stylize_caption))
    application.add_handler(MessageHandler(GROUPS & fresh & PICTURES & filters.REPLY, on_reply_picture))
