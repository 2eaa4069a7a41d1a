"""The preset gallery: owners add paintings by name; everyone browses them and picks one as a style.

Stored in the database (the Telegram file id to show a painting again, and a cached copy to paint
with), so presets survive restarts and need no code change.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from telegram import InputMediaPhoto, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from engine import ImageError

from . import keyboards, texts
from .files import picture_in
from .handlers import load_session, presser_owns, services
from .storage import Database, Preset

log = logging.getLogger(__name__)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ADD_CAPTION = filters.CaptionRegex(r"^/addpreset(@\w+)?(\s|$)")
PICTURES = filters.PHOTO | filters.Document.IMAGE
MAX_SHOWN = 10  #: an album holds at most 10 pictures


async def all_presets(db: Database) -> list[Preset]:
    async with db.session() as session:
        return list((await session.execute(select(Preset).order_by(Preset.name))).scalars())


async def find(db: Database, name: str) -> Preset | None:
    async with db.session() as session:
        return (await session.execute(select(Preset).where(Preset.name == name.lower()))).scalar_one_or_none()


async def add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    source = message if picture_in(message) else message.reply_to_message
    args = (message.caption or message.text or "").split()[1:]
    await add_preset(update, context, source, args)


async def add_preset(update: Update, context: ContextTypes.DEFAULT_TYPE, source: Message | None, args: list) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(texts.OWNERS_ONLY)
        return
    if source is None or picture_in(source) is None or len(args) != 1 or not NAME.match(args[0].lower()):
        await message.reply_text(texts.ADDPRESET_HOW)
        return
    name = args[0].lower()
    if await find(svc.db, name) is not None:
        await message.reply_text(f"There is already a painting called {name!r}. /delpreset {name} first.")
        return
    picture = picture_in(source)
    try:
        path = await svc.cache.fetch(context.bot, picture)
    except ImageError as exc:
        await message.reply_text(exc.message.replace("The picture", "That picture"))
        return
    async with svc.db.session() as session, session.begin():
        session.add(Preset(name=name, file_id=picture.file_id, path=str(path), added_by=message.from_user.id))
    log.info("preset %r added by %s", name, message.from_user.id)
    await message.reply_text(f"🖼 Added {name!r} to the gallery. Everyone can pick it now: /presets")


async def del_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(texts.OWNERS_ONLY)
        return
    if len(context.args or []) != 1:
        await message.reply_text("Use /delpreset <name>. /presets lists the names.")
        return
    name = context.args[0].lower()
    async with svc.db.session() as session, session.begin():
        preset = (await session.execute(select(Preset).where(Preset.name == name))).scalar_one_or_none()
        if preset is not None:
            await session.delete(preset)
    if preset is None:
        await message.reply_text(f"There is no painting called {name!r} in the gallery.")
        return
    log.info("preset %r deleted by %s", name, message.from_user.id)
    await message.reply_text(f"🗑 Removed {name!r} from the gallery.")


async def presets_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    presets = await all_presets(svc.db)
    if not presets:
        await message.reply_text(texts.GALLERY_EMPTY)
        return
    shown = presets[:MAX_SHOWN]
    media = [InputMediaPhoto(p.file_id, caption=p.name) for p in shown]
    try:
        if len(media) == 1:
            await message.reply_photo(shown[0].file_id, caption=shown[0].name)
        else:
            await message.reply_media_group(media)
    except TelegramError as exc:  # a file id Telegram no longer knows: the buttons still work
        log.warning("could not show the gallery thumbnails: %s", exc)
    more = f" ({len(presets) - MAX_SHOWN} more: /stylize <name> picks any)" if len(presets) > MAX_SHOWN else ""
    await message.reply_text(texts.GALLERY_PICK + more, reply_markup=keyboards.gallery(presets))


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A gallery button: the painting becomes a style of the presser's session."""
    query, svc = update.callback_query, services(context)
    if not presser_owns(update):
        await query.answer(texts.NOT_YOUR_BUTTONS, show_alert=True)
        return
    async with svc.db.session() as session:
        preset = await session.get(Preset, int(query.data.split(":", 1)[1]))
    if preset is None:
        await query.answer("That painting has been removed from the gallery.", show_alert=True)
        return
    async with svc.db.session() as db_session, db_session.begin():
        session = await load_session(db_session, update)
        if len(session.style_paths) >= 2:
            reply = texts.TOO_MANY_STYLES
        else:
            session.style_paths = [*session.style_paths, preset.path]
            reply = f"🖼 {preset.name} is your {'second ' if len(session.style_paths) == 2 else ''}style."
        ready, n_styles, gamma = bool(session.content_path), len(session.style_paths), session.gamma
    await query.answer()
    if not ready:
        private = update.effective_chat.type == "private"
        reply += " Now send the photo to repaint." if private else " " + texts.GROUP_HOW
    markup = keyboards.ready(n_styles, gamma) if ready and n_styles else None
    # Reply to the member's own message (the /presets command), which keeps the buttons theirs.
    target = query.message.reply_to_message or query.message
    await target.reply_text(reply, reply_markup=markup)


def register(application: Application) -> None:
    fresh = ~filters.UpdateType.EDITED
    application.add_handler(MessageHandler(fresh & PICTURES & ADD_CAPTION, add_command))
    application.add_handler(CommandHandler("addpreset", add_command, filters=fresh))
    application.add_handler(CommandHandler("delpreset", del_command, filters=fresh))
    application.add_handler(CommandHandler("presets", presets_command, filters=fresh))
    application.add_handler(CallbackQueryHandler(on_pick, pattern=r"^preset:\d+$"))
