"""/texture, /dream and /xray: the seeds' other experiments, in private chats and groups alike.

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

from .. import texts
from ..domain import drafts
from ..domain.experiments import chosen_already, command_mode, plan, variant
from ..services import services
from ..storage import Draft
from ..telegram.files import picture_in
from ..telegram.senders import sender
from ..texts import experiments as experiment_texts
from . import pictures
from .ordering import add_job, announce, job_options, own_job, refusal
from .permits import painting_allowed

CAPTION = filters.CaptionRegex(r"^/(texture|dream|xray)(@\w+)?(\s|$)")
#: The picture's role in each mode's job (engine.modes inputs).
ROLES = {"texture": "source", "dream": "content", "reconstruct": "content"}


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/texture``, ``/dream`` or ``/xray`` as text: on the picture it answers, or ask for one."""
    message = update.effective_message
    mode = command_mode(message.text)
    target = message.reply_to_message
    if target is not None and picture_in(target) is not None:
        await start(update, context, mode, target, message)
        return
    svc, group = services(context), update.effective_chat.type != "private"
    if group and not await painting_allowed(svc, message):
        return
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        drafts.wait_for_picture(draft, mode, time.time())
    who = sender(update)
    markup = ForceReply(selective=True) if group else None
    await message.reply_text(
        experiment_texts.mode_prompt(mode, group, who.id, who.name), parse_mode="HTML", reply_markup=markup
    )


async def caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture captioned ``/texture`` (``/dream``, ``/xray``): that picture, now."""
    message = update.effective_message
    if not pictures.for_me(message.caption, context.bot):
        return  # addressed to another bot (seen with privacy mode off)
    await start(update, context, command_mode(message.caption), message, message)


async def take_pending(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """After ``/texture`` (…) alone, the sender's next picture is the one it asked for: start it and
    say True; False when no command is waiting for a picture. An album: its first picture, and a word
    that the others were not taken."""
    async with services(context).db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        mode = drafts.waiting_mode(draft, time.time())
        drafts.stop_waiting(draft)
    if mode not in ROLES:
        return False
    if len(messages) > 1:
        await messages[0].reply_text(experiment_texts.one_picture_at_a_time(mode, len(messages)))
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
    update: Update, context: ContextTypes.DEFAULT_TYPE, mode: str, picture: Message, request: Message
) -> None:
    """Download and check the picture, then queue the job with the chat's quality and limits."""
    svc = services(context)
    if update.effective_chat.type != "private" and not await painting_allowed(svc, request):
        return
    paths = await pictures.fetch([picture], context)
    if paths is None:
        return  # the sender was told what is wrong with it
    async with svc.db.session() as db_session, db_session.begin():
        options = await job_options(svc, update.effective_chat.id, await drafts.load(db_session, update))
        refused = await refusal(db_session, update, options)
        if not refused:
            settings = plan(mode, options["quality"], size_cap(svc, options))
            job, spec = await add_job(
                db_session, svc, update, mode, {ROLES[mode]: paths[0]}, settings, request.message_id
            )
    if refused:
        await request.reply_text(refused)
        return
    await announce(context, job, spec)


def size_cap(svc, options: dict) -> int:
    """The chat's size limit, and the operator's size for this quality (a slow host's presets shrink
    every mode's pictures alike)."""
    presets = svc.config.presets
    quality = options["quality"] if options["quality"] in presets else "fast"
    operators = presets[quality][0] if quality in presets else None  # None: the engine's own presets
    return min(options["limits"]["max_size"], operators or 10**6)


async def on_redo(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int, choice: str) -> None:
    """♻ another texture, 🔲 tileable, a dream's depth or intensity: the same picture, one thing changed."""
    query, svc = update.callback_query, services(context)
    earlier = await own_job(update, context, job_id)
    spec = JobSpec.from_dict(earlier.spec) if earlier is not None else None
    settings = variant(spec.mode, spec.settings, choice) if spec is not None else None
    if settings is None:
        await query.answer(texts.STALE_BUTTON())
        return
    if settings == spec.settings or chosen_already(spec.mode, spec.settings, choice):
        await query.answer(experiment_texts.ALREADY_CHOSEN())  # the same dream again would cost a picture for nothing
        return
    if not all(Path(p).exists() for p in spec.pictures):
        await query.answer(texts.PICTURE_GONE(), show_alert=True)
        return
    async with svc.db.session() as db_session, db_session.begin():
        options = await job_options(svc, update.effective_chat.id, await drafts.load(db_session, update))
        refused = await refusal(db_session, update, options)
        if not refused:
            job, spec = await add_job(
                db_session, svc, update, spec.mode, dict(spec.inputs), settings, earlier.request_message_id
            )
    if refused:
        await query.answer(refused, show_alert=True)
        return
    await query.answer()
    await announce(context, job, spec)
