"""The modes a command starts on one picture (/texture, /dream, /xray: bot.modes), in private
chats and groups alike.

A picture captioned with the command, or the command in reply to a picture, starts a job at once;
the command alone asks for the picture (in a group, as a reply to the bot's prompt, which privacy
mode lets the bot see). Jobs go through the same quotas, queue, progress card, cancel and restart
safety as style transfer; the buttons under a result make another one with one thing changed.
"""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import select
from telegram import ForceReply, Message, Update
from telegram.ext import ContextTypes, filters

from worker.protocol import JobSpec

from .. import modes, texts
from ..domain import drafts
from ..modes.base import BotMode, Order
from ..services import services
from ..storage import Draft
from ..telegram.files import picture_in
from ..telegram.senders import sender
from . import pictures
from .orders import own_job, place
from .permits import painting_allowed

#: The commands that start a mode on one picture, from the registry.
COMMANDS = [mode.command for mode in modes.commanded()]
CAPTION = filters.CaptionRegex(rf"^/({'|'.join(COMMANDS)})(@\w+)?(\s|$)")


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/texture``, ``/dream`` or ``/xray`` as text: on the picture it answers, or ask for one."""
    message = update.effective_message
    mode = modes.by_command(message.text)
    target = message.reply_to_message
    if target is not None and picture_in(target) is not None:
        await start(update, context, mode, target, message)
        return
    svc, group = services(context), update.effective_chat.type != "private"
    if group and not await painting_allowed(svc, message):
        return
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        drafts.wait_for_picture(draft, mode.name, time.time())
    who = sender(update)
    markup = ForceReply(selective=True) if group else None
    await message.reply_text(mode.prompt(group, who.id, who.name), parse_mode="HTML", reply_markup=markup)


async def caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture captioned ``/texture`` (``/dream``, ``/xray``): that picture, now."""
    message = update.effective_message
    if not pictures.for_me(message.caption, context.bot):
        return  # addressed to another bot (seen with privacy mode off)
    await start(update, context, modes.by_command(message.caption), message, message)


async def take_pending(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """After ``/texture`` (…) alone, the sender's next picture is the one it asked for: start it and
    say True; False when no command is waiting for a picture. An album: its first picture, and a word
    that the others were not taken."""
    async with services(context).db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        waiting = drafts.waiting_mode(draft, time.time())
        drafts.stop_waiting(draft)
    mode = modes.MODES.get(waiting) if waiting else None
    if mode is None or not mode.command:
        return False
    if len(messages) > 1:
        await messages[0].reply_text(texts.one_picture_at_a_time(mode.command, len(messages)))
    await start(update, context, mode, messages[0], messages[0])
    return True


async def end_waiting(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before the handlers: a command, a captioned command or a button press asks for something
    else, so a ``/texture`` (…) sent alone no longer waits for the next picture (which then goes to
    the draft as usual). The waiting command itself sets it again after this."""
    message = update.message
    text = (message.text or message.caption or "") if message is not None else ""
    if not (text.startswith("/") or update.callback_query is not None):
        return
    chat, person = update.effective_chat, update.effective_user
    if chat is None or person is None:
        return
    async with services(context).db.session() as db_session, db_session.begin():
        found = select(Draft).where(Draft.chat_id == chat.id, Draft.user_id == sender(update).id)
        draft = (await db_session.execute(found)).scalar_one_or_none()
        if draft is not None:
            drafts.stop_waiting(draft)


async def start(
    update: Update, context: ContextTypes.DEFAULT_TYPE, mode: BotMode, picture: Message, request: Message
) -> None:
    """Download and check the picture, then queue the job with the chat's policy (quality, limits)."""
    svc = services(context)
    if update.effective_chat.type != "private" and not await painting_allowed(svc, request):
        return
    paths = await pictures.fetch([picture], context)
    if paths is None:
        return  # the sender was told what is wrong with it
    inputs = {mode.roles[0]: paths[0]}  # its one picture, in the role the engine's mode names first

    async def make(db_session, draft, policy):
        return mode.order(policy, inputs, request.message_id)

    await place(update, context, make, request=request)


async def on_redo(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int, choice: str) -> None:
    """♻ another texture, 🔲 tileable, a dream's depth or intensity, 🧍 a picture by region: the same
    pictures, one thing changed."""
    query = update.callback_query
    earlier = await own_job(update, context, job_id)
    spec = JobSpec.from_dict(earlier.spec) if earlier is not None else None
    mode = modes.get(spec.mode) if spec is not None else None
    other = modes.MODES.get(mode.redo_as(choice) or "") if mode is not None else None  # 🎞 a dream's zoom
    n_styles = len(spec.paths("styles")) if spec is not None else 0
    settings = mode.variant(spec.settings, choice, n_styles) if mode is not None and other is None else None
    if other is None and settings is None:
        await query.answer(texts.STALE_BUTTON())
        return
    if other is None and (settings == spec.settings or mode.chosen_already(spec.settings, choice)):
        await query.answer(texts.ALREADY_CHOSEN())  # the same dream again would cost a picture for nothing
        return
    if not all(Path(p).exists() for p in spec.pictures):
        await query.answer(texts.PICTURE_GONE(), show_alert=True)
        return
    request_id = earlier.request_message_id

    async def make(db_session, draft, policy):
        if other is not None:  # its own settings, from the chat's quality and the earlier job's
            return other.order_again(spec, policy, request_id)
        return Order(mode.name, dict(spec.inputs), settings, request_id, mode.media)

    await place(update, context, make)
