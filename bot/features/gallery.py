"""The preset gallery: owners add paintings by name; everyone browses them and picks one as a style.

Stored in the database (the Telegram file id to show a painting again, and a cached copy to paint
with), so presets survive restarts and need no code change.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy import select
from telegram import InputMediaPhoto, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, filters

from engine.errors import ImageError

from .. import texts
from ..domain import drafts
from ..gallery import PREFIX, stories
from ..limits import ALBUM_MAX
from ..services import services
from ..storage import Database, Preset
from ..telegram import keyboards
from ..telegram.callbacks import parse
from ..telegram.files import picture_in
from ..texts import admin as admin_texts
from . import pictures
from .draft_buttons import draft_choices
from .permits import presser_owns

log = logging.getLogger(__name__)
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
ADD_CAPTION = filters.CaptionRegex(r"^/addpreset(@\w+)?(\s|$)")
MAX_SHOWN = ALBUM_MAX  #: the gallery is shown as one album


async def all_presets(db: Database) -> list[Preset]:
    async with db.session() as session:
        return list((await session.execute(select(Preset).order_by(Preset.name))).scalars())


async def find(db: Database, name: str) -> Preset | None:
    async with db.session() as session:
        return (await session.execute(select(Preset).where(Preset.name == name.lower()))).scalar_one_or_none()


async def add_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if not pictures.for_me(message.caption or message.text, context.bot):
        return  # /addpreset@another_bot
    source = message if picture_in(message) else message.reply_to_message
    args = (message.caption or message.text or "").split()[1:]
    await add_preset(update, context, source, args)


async def add_preset(update: Update, context: ContextTypes.DEFAULT_TYPE, source: Message | None, args: list) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(admin_texts.OWNERS_ONLY())
        return
    if source is None or picture_in(source) is None or len(args) != 1 or not NAME.match(args[0].lower()):
        await message.reply_text(admin_texts.ADDPRESET_HOW())
        return
    name = args[0].lower()
    if await find(svc.db, name) is not None:
        await message.reply_text(admin_texts.preset_exists(name))
        return
    picture = picture_in(source)
    try:
        path = await svc.cache.fetch(context.bot, picture)
    except ImageError as exc:
        await message.reply_text(texts.picture_problem(exc.code, exc.params))
        return
    async with svc.db.session() as session, session.begin():
        session.add(Preset(name=name, file_id=picture.file_id, path=str(path), added_by=message.from_user.id))
    log.info("preset %r added by %s", name, message.from_user.id)
    await message.reply_text(admin_texts.preset_added(name))


async def del_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    if not svc.permissions.is_owner(message.from_user):
        await message.reply_text(admin_texts.OWNERS_ONLY())
        return
    if len(context.args or []) != 1:
        await message.reply_text(admin_texts.DELPRESET_HOW())
        return
    name = context.args[0].lower()
    async with svc.db.session() as session, session.begin():
        preset = (await session.execute(select(Preset).where(Preset.name == name))).scalar_one_or_none()
        if preset is not None:
            await session.delete(preset)
    if preset is None:
        await message.reply_text(admin_texts.preset_missing(name))
        return
    log.info("preset %r deleted by %s", name, message.from_user.id)
    await message.reply_text(admin_texts.preset_removed(name))


async def presets_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc, message = services(context), update.effective_message
    presets = await all_presets(svc.db)
    if not presets:
        await message.reply_text(texts.GALLERY_EMPTY())
        return
    shown = presets[:MAX_SHOWN]
    try:
        await _show(svc.db, message, shown)
    except (TelegramError, OSError) as exc:  # a file id Telegram no longer knows: the buttons still work
        log.warning("could not show the gallery thumbnails: %s", exc)
    more = texts.gallery_more(len(presets) - MAX_SHOWN) if len(presets) > MAX_SHOWN else ""
    told = frozenset(p.name for p in presets if p.path.startswith(PREFIX) and stories.story(p.name))
    await message.reply_text(texts.GALLERY_PICK() + more, reply_markup=keyboards.gallery(presets, told))


async def on_story(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """ℹ under /presets: a starter painting's story, in reply (anyone may read it)."""
    query, svc = update.callback_query, services(context)
    callback = parse(query.data)
    async with svc.db.session() as session:
        preset = await session.get(Preset, callback.number) if callback is not None else None
    told = stories.story(preset.name) if preset is not None and preset.path.startswith(PREFIX) else None
    if told is None:
        await query.answer(texts.PAINTING_REMOVED(), show_alert=True)
        return
    await query.answer()
    await query.message.reply_text(f"{preset.label}\n\n{told}")


async def _show(db: Database, message: Message, shown: list[Preset]) -> None:
    """The paintings as one album, captioned with title and painter. A painting never shown before
    (a starter one) is uploaded from its file, and the id Telegram gives it is kept for next time."""
    # bytes are uploaded (a Path would be sent as a file name, outside PTB's local mode); ≤ 250 kB each
    sources = [p.file_id or Path(p.file_path).read_bytes() for p in shown]
    if len(shown) == 1:
        sent = [await message.reply_photo(sources[0], caption=shown[0].label)]
    else:
        media = [InputMediaPhoto(source, caption=p.label) for p, source in zip(shown, sources)]
        sent = list(await message.reply_media_group(media))
    learnt = {p.id: m.photo[-1].file_id for p, m in zip(shown, sent) if not p.file_id and m.photo}
    if learnt:
        async with db.session() as session, session.begin():
            for preset_id, file_id in learnt.items():
                preset = await session.get(Preset, preset_id)
                if preset is not None:
                    preset.file_id = file_id


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A gallery button: the painting becomes a style of the presser's draft."""
    query, svc = update.callback_query, services(context)
    if not await presser_owns(update, context):
        await query.answer(texts.NOT_YOUR_BUTTONS(), show_alert=True)
        return
    async with svc.db.session() as session:
        callback = parse(query.data)
        preset = await session.get(Preset, callback.number) if callback is not None else None
    if preset is None:
        await query.answer(texts.PAINTING_REMOVED(), show_alert=True)
        return
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        if drafts.add_style(draft, preset.file_path):
            reply = texts.picked(preset.title or preset.name, second=len(draft.style_paths) == 2)
        else:
            reply = texts.TOO_MANY_STYLES()
        ready, n_styles, gamma = bool(draft.content_path), len(draft.style_paths), draft.gamma
        if ready and n_styles:
            reply += "\n" + await draft_choices(svc, update.effective_chat.id, draft)
    await query.answer()
    if not ready:
        private = update.effective_chat.type == "private"
        reply += " " + (texts.GROUP_NO_PHOTO() if private else texts.GROUP_HOW())
    markup = keyboards.ready(n_styles, gamma) if ready and n_styles else None
    # Reply to the member's own message (the /presets command), which keeps the buttons theirs.
    target = query.message.reply_to_message or query.message
    await target.reply_text(reply, reply_markup=markup)
