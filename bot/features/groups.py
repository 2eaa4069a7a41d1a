"""Group chats: a member starts with /stylize on a photo or a clip; styles come as replies to the bot's prompt.

With privacy mode on (Telegram's default) a bot in a group sees only commands, replies to its own
messages and mentions, so the whole flow runs on those: a photo captioned ``/stylize`` (or
``/stylize`` in reply to a photo), then one or two style pictures sent in reply to the bot.
Drafts are keyed by (chat, member), so two members working at once never mix, and each
member's buttons answer only to them.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from telegram import ForceReply, Message, Update
from telegram.ext import ContextTypes, filters

from engine.errors import ImageError

from .. import texts
from ..domain import drafts
from ..services import services
from ..storage import Preset, queries
from ..telegram import keyboards
from ..telegram.files import clip_in, picture_in
from ..telegram.senders import sender
from ..texts import clips as clip_texts
from . import one_picture, pictures
from .draft_buttons import draft_choices
from .permits import painting_allowed

log = logging.getLogger(__name__)
STYLIZE_CAPTION = filters.CaptionRegex(r"^/stylize(@\w+)?(\s|$)")


async def stylize_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/stylize`` as text: it must answer a photo or a clip, which becomes the member's content."""
    message = update.effective_message
    target = message.reply_to_message
    if target is None or (picture_in(target) is None and clip_in(target) is None):
        await message.reply_text(texts.GROUP_HOW())
        return
    await start_draft(update, context, target, message, list(context.args or []))


async def stylize_caption(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or a clip captioned ``/stylize``: that is the content."""
    message = update.effective_message
    if not pictures.for_me(message.caption, context.bot):
        return  # /stylize@another_bot (seen with privacy mode off)
    await start_draft(update, context, message, message, (message.caption or "").split()[1:])


async def start_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE, photo: Message, request: Message, args: list[str]
) -> None:
    """The member's photo becomes the content; ``/stylize <name>`` also takes a gallery painting as the style."""
    svc = services(context)
    if not await painting_allowed(svc, request):
        return
    preset = None
    if args:
        async with svc.db.session() as db_session:
            wanted = select(Preset).where(Preset.name == args[0].lower())
            preset = (await db_session.execute(wanted)).scalar_one_or_none()
        if preset is None:
            await request.reply_text(texts.no_such_painting(args[0]))
    if clip_in(photo) is not None:
        content = await pictures.fetch_clip(photo, context, answer=request)
        if content is None:
            return
    else:
        try:
            content = str(await svc.cache.fetch(context.bot, picture_in(photo)))
        except ImageError as exc:
            await request.reply_text(texts.picture_problem(exc.code, exc.params))
            return
    user = sender(update)
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        drafts.start_over(draft)
        drafts.set_content(draft, content, request.message_id)
        if preset is not None:
            drafts.add_style(draft, preset.file_path)
    if preset is not None:
        await request.reply_text(
            texts.group_preset_ready(preset.name, user.id, user.name),
            parse_mode="HTML",
            reply_markup=keyboards.ready(1, 0.5),
        )
        return
    await request.reply_text(
        texts.group_prompt(user.id, user.name),
        parse_mode="HTML",
        reply_markup=ForceReply(selective=True, input_field_placeholder=texts.STYLE_PLACEHOLDER()),
    )


async def on_reply_picture(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A picture sent in reply to one of the bot's messages: a style for the sender's draft."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return  # not for us (only reachable with privacy mode off)
    svc = services(context)
    if message.media_group_id and svc.group_albums is not None:
        svc.group_albums.add(message)
        return
    await pictures.accept_in_order(accept_styles, [message], update, context)


async def on_reply_clip(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A clip sent in reply to the bot's style prompt: a style is a picture."""
    message = update.effective_message
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id:
        await message.reply_text(clip_texts.NOT_A_STYLE())


async def accept_styles(messages: list[Message], update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    if not await painting_allowed(svc, messages[0]):
        return
    if await one_picture.take_pending(messages, update, context):
        return
    paths = await pictures.fetch(messages, context)
    if paths is None:
        return
    async with svc.db.session() as db_session, db_session.begin():
        if not await pictures.taken(svc, db_session, messages):
            return
        draft = await drafts.load(db_session, update)
        if not draft.content_path:
            reply, ready = texts.GROUP_HOW(), False
        else:  # in reply to the prompt every picture is a style
            reply, ready = drafts.add_pictures(draft, paths, messages[0].message_id, drafts.AS_STYLE), True
        n_styles, gamma = len(draft.style_paths), draft.gamma
        if ready and n_styles:
            reply += "\n" + await draft_choices(svc, update.effective_chat.id, draft)
    # The keyboard answers the member's own message, which is how its buttons know their owner.
    await messages[0].reply_text(reply, reply_markup=keyboards.ready(n_styles, gamma) if ready and n_styles else None)


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The group became a supergroup (a new chat id): its drafts, jobs and settings move with it.
    Telegram sends this twice (to the old chat and to the new one); the second finds nothing to move."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat_id
    await move_chat(services(context), old, new)


async def move_chat(svc, old: int, new: int) -> None:
    async with svc.db.session() as db_session, db_session.begin():
        moved = await queries.move_chat(db_session, old, new)
    svc.languages.move_chat(old, new)
    if moved:
        log.info("chat %s became supergroup %s; drafts, jobs and settings moved", old, new)
