"""Which language each update is answered in, and /language: a person's own choice, kept across restarts."""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from .. import i18n, texts
from ..domain.languages import Languages
from ..menus import ADMIN_COMMANDS, COMMANDS, OWNER_COMMANDS, menu
from ..services import services
from ..storage import User, queries
from ..telegram.callbacks import Action, data
from ..telegram.senders import sender
from .permits import presser_owns

log = logging.getLogger(__name__)
AUTO = "auto"


def of_update(update: Update, languages: Languages) -> str:
    """The language to answer this update in (bot.domain.languages); learns the sender's app language."""
    user, chat = update.effective_user, update.effective_chat
    if user is not None:
        languages.remember(user.id, user.language_code)
    if chat is None:
        return languages.person(user.id if user else None)
    return languages.for_person_in(chat.id, user.id if user else None)


def keyboard() -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(name, callback_data=data(Action.LANGUAGE, code)) for code, name in i18n.LANGUAGES.items()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(texts.LANGUAGE_AUTO(), callback_data=data(Action.LANGUAGE, AUTO))])
    return InlineKeyboardMarkup(rows)


async def language_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(texts.LANGUAGE_PICK(), reply_markup=keyboard())


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A language button: stored for the person who pressed it (wherever they pressed it)."""
    query, svc = update.callback_query, services(context)
    choice = query.data.partition(":")[2]
    if choice != AUTO and choice not in i18n.LANGUAGES:
        await query.answer(texts.STALE_BUTTON())
        return
    if not await presser_owns(update, context):  # a group member's keyboard answers only to them
        await query.answer(texts.NOT_YOUR_BUTTONS(), show_alert=True)
        return
    person = sender(update)
    chosen = None if choice == AUTO else choice
    async with svc.db.session() as db_session, db_session.begin():
        await queries.upsert_user(db_session, person.id, person.name, person.username, person.language)
        (await db_session.get(User, person.id)).language = chosen
    svc.languages.choose(person.id, chosen)
    i18n.use(svc.languages.person(person.id))  # the answer is in the new language
    await query.answer()
    try:
        await query.edit_message_text(texts.language_set(i18n.LANGUAGES[i18n.current()]))
    except TelegramError as exc:
        log.debug("language message unchanged: %s", exc)
    if update.effective_chat.type == "private":
        await _private_menu(context, update.effective_chat.id, chosen, update.effective_chat.id in svc.config.owners)


async def _private_menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int, chosen: str | None, owner: bool) -> None:
    """This person's command menu in their chosen language (Telegram's per-language menus follow the
    app's language, not our /language); with "automatic", back to those. Owners keep all commands."""
    scope = BotCommandScopeChat(chat_id)
    try:
        if owner:
            await context.bot.set_my_commands(menu(COMMANDS, ADMIN_COMMANDS, OWNER_COMMANDS), scope=scope)
        elif chosen is None:
            await context.bot.delete_my_commands(scope=scope)
        else:
            await context.bot.set_my_commands(menu(COMMANDS), scope=scope)
    except TelegramError as exc:
        log.warning("no private command menu for %s: %s", chat_id, exc)
