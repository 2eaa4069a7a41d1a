"""Private chats: commands, and pictures (single or album) and clips that fill the person's draft."""

from __future__ import annotations

import contextlib
import logging

from sqlalchemy import select
from telegram import Message, Update
from telegram.error import BadRequest, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from .. import modes, texts
from ..domain import drafts
from ..services import services
from ..storage import Preset, unavailable
from ..telegram import keyboards
from ..telegram.senders import sender
from ..texts import clips as clip_texts
from . import one_picture, pictures
from .draft_buttons import draft_choices
from .orders import active_job

log = logging.getLogger(__name__)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    private = update.effective_chat.type == "private"
    if not private:
        await update.effective_message.reply_text(texts.GROUP_HOW())
        return
    sharing = texts.HELP_SHARING().format(bot=context.bot.username)
    await update.effective_message.reply_text(texts.HELP() + "\n\n" + sharing)


async def new_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    async with services(context).db.session() as db_session, db_session.begin():
        drafts.start_over(await drafts.load(db_session, update))
    await update.effective_message.reply_text(texts.STARTED_OVER())


async def cancel_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    async with svc.db.session() as db_session:
        job = await active_job(db_session, update.effective_chat.id, sender(update).id)
    if job is None or not await svc.dispatcher.cancel(job.id):
        await update.effective_message.reply_text(texts.NOTHING_TO_CANCEL())
        return
    await update.effective_message.reply_text(texts.CANCELLED())


async def status_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    queue = svc.dispatcher.queue
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        job = await active_job(db_session, update.effective_chat.id, sender(update).id)
        lines = [drafts.summary(draft)]
    if job is not None:
        if job.id in queue.running_jobs:
            working = modes.get((job.spec or {}).get("mode")).working()
            lines.append(texts.painting(int(100 * queue.running_fraction(job.id)), None, working=working))
        else:
            lines.append(texts.queued(queue.position(job.id), queue.eta(job.id)))
    await update.effective_message.reply_text("\n".join(lines))


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(texts.UNKNOWN_COMMAND())


async def not_a_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    await message.reply_text(texts.NOT_A_PICTURE() if message.document else texts.SEND_A_PHOTO())


async def on_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    svc = services(context)
    if message.media_group_id and svc.albums is not None:
        svc.albums.add(message)
        return
    await pictures.accept_in_order(accept, [message], update, context)


async def on_clip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A video, a GIF, a video note (or a video file): the draft's content, painted by ▶ as a clip."""
    await pictures.accept_in_order(accept_clip, [update.effective_message], update, context)


async def accept_clip(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    message = messages[0]
    if pictures.asked_as_style(message):  # a style is a picture: one line, and the draft as it was
        await message.reply_text(clip_texts.NOT_A_STYLE())
        return
    if message.media_group_id:  # beside pictures in an album: which is which cannot be told
        await message.reply_text(clip_texts.CLIP_ALONE())
        return
    async with svc.db.session() as db_session, db_session.begin():
        drafts.stop_waiting(await drafts.load(db_session, update))  # (a clip is not the picture /dream asked for)
    entry = await pictures.fetch_clip(messages[0], context)
    if entry is not None:
        await take_clip(messages[0], update, context, entry)


async def take_clip(message: Message, update: Update, context: ContextTypes.DEFAULT_TYPE, entry: dict) -> None:
    """The clip into the draft; the reply offers styles, or ▶ when it has them."""
    svc = services(context)
    async with svc.db.session() as db_session, db_session.begin():
        if not await pictures.taken(svc, db_session, [message]):
            return
        draft = await drafts.load(db_session, update)
        reply = drafts.add_clip(draft, entry, message.message_id)
        n_styles, gamma = len(draft.style_paths), draft.gamma
        markup = keyboards.ready(n_styles, gamma) if n_styles else None
        if markup is not None:
            reply += "\n" + await draft_choices(svc, update.effective_chat.id, draft)
    if not n_styles:  # the clip is in: offer the gallery's paintings as styles
        async with svc.db.session() as db_session:
            markup = keyboards.gallery((await db_session.execute(select(Preset).order_by(Preset.name))).scalars().all())
    await message.reply_text(reply, reply_markup=markup)


async def accept(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One picture or an album: into the draft by its rules; the reply offers what comes next."""
    svc = services(context)
    if await one_picture.take_pending(messages, update, context):
        return
    if len(messages) == 1 and (moving := await pictures.animated_clip(messages[0], context)) is not None:
        await take_clip(messages[0], update, context, moving)  # a GIF or WebP file that moves: a clip
        return
    paths = await pictures.fetch(messages, context)
    if paths is None:
        return
    async with svc.db.session() as db_session, db_session.begin():
        if not await pictures.taken(svc, db_session, messages):
            return
        draft = await drafts.load(db_session, update)
        reply = drafts.add_pictures(draft, paths, messages[0].message_id, messages[0].caption or "")
        n_styles, gamma, has_photo = len(draft.style_paths), draft.gamma, bool(draft.content_path)
        roles, as_style = len(messages) > 1, "earlier_content" in draft.options
        markup = keyboards.ready(n_styles, gamma, roles=roles, as_style=as_style) if has_photo and n_styles else None
        if markup is not None:  # what ▶ will paint with, from the same draft
            reply += "\n" + await draft_choices(svc, update.effective_chat.id, draft)
    if has_photo and not n_styles:  # the photo is in: offer the gallery's paintings as styles
        async with svc.db.session() as db_session:
            markup = keyboards.gallery((await db_session.execute(select(Preset).order_by(Preset.name))).scalars().all())
    await messages[0].reply_text(reply, reply_markup=markup)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the bug; tell the person something went wrong — never a traceback. (The database gone
    for a moment is not a bug: one line, and the person is asked to try again all the same.)"""
    if _too_old(context.error):
        # a press replayed after a restart (bot.telegram.inbox) did its work; only its button's
        # answer came too late for Telegram, and nothing is wrong to say
        log.info("a press answered too late for its button: %s", context.error)
        return
    if isinstance(context.error, RetryAfter):
        # Telegram's flood limit outlasted the retries, or the bot is stopping and no longer waits
        # for a busy group's turn: not a bug, and a reply would meet the same limit
        log.warning("an answer not sent: %s", context.error)
        return
    if unavailable(context.error):
        log.warning("an update not handled: the database is unavailable (%s)", type(context.error).__name__)
    else:
        log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_message is not None:
        await pictures.safe_reply(update.effective_message, texts.SOMETHING_WRONG())
    elif isinstance(update, Update) and update.callback_query is not None:
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer(texts.SOMETHING_WRONG())


def _too_old(error: object) -> bool:
    return isinstance(error, BadRequest) and "query is too old" in str(error).lower()
