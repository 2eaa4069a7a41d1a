"""Receiving pictures, shared by every chat type: download and check each, collect albums."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from engine.errors import ImageError

from .. import texts
from ..services import services
from ..telegram.albums import AlbumCollector
from ..telegram.files import picture_in
from ..telegram.senders import sender

log = logging.getLogger(__name__)
Accept = Callable[[list[Message], Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


async def accept_in_order(accept: Accept, messages: list[Message], update: Update, context) -> None:
    message = messages[0]
    async with services(context).person_locks.hold(message.chat_id, sender(update).id):
        await accept(messages, update, context)


def album_handler(application: Application, accept: Accept) -> AlbumCollector:
    """Collects an album's messages, then hands them to ``accept`` as one update."""

    async def complete(messages: list[Message]) -> None:
        if not application.running:  # stopping: the album stays in the inbox and is handled at the next start
            log.info("album of %d left for the next start", len(messages))
            return
        update = Update(0, message=messages[0])
        context = ContextTypes.DEFAULT_TYPE.from_update(update, application)
        try:
            await accept_in_order(accept, messages, update, context)
        except Exception:
            log.exception("album handling failed")
            await safe_reply(messages[0], texts.SOMETHING_WRONG())
        # handled, or answered with why not (a cancelled task, e.g. at shutdown, leaves it in the inbox)
        await services(context).inbox.done(messages[0].chat_id, [m.message_id for m in messages])

    return AlbumCollector(complete)


async def fetch(messages: list[Message], context: ContextTypes.DEFAULT_TYPE) -> list[str] | None:
    """Each message's picture, downloaded and checked. In an album a bad item is left out with a word
    that names it, and the good ones are kept; None when nothing usable is left (the sender is told)."""
    svc = services(context)
    paths: list[Path] = []
    problems: list[tuple[int, str]] = []
    for index, message in enumerate(messages, 1):
        picture = picture_in(message)
        if picture is None:
            problems.append((index, texts.NOT_A_PICTURE()))
            continue
        try:
            paths.append(await svc.cache.fetch(context.bot, picture))
        except ImageError as exc:
            problems.append((index, texts.picture_problem(exc.code, exc.params)))
    if len(messages) == 1 and problems:
        await messages[0].reply_text(problems[0][1])
        return None
    for index, why in problems:
        await messages[index - 1].reply_text(texts.album_item_left_out(index, len(messages), why))
    return [str(p) for p in paths] or None


def for_me(text: str | None, bot) -> bool:
    """A command in a caption (``/stylize`` or ``/stylize@name``) addressed to this bot, not another."""
    command = (text or "").split(maxsplit=1)[0] if (text or "").strip() else ""
    _, at, name = command.partition("@")
    return not at or name.lower() == (bot.username or "").lower()


async def skip_anonymous(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first: an update with no sender or no chat (a channel post, a malformed payload) is
    logged once and skipped, instead of failing in every handler."""
    if update.effective_user is None or update.effective_chat is None:
        log.info("skipped update %s: no sender or chat", update.update_id)
        raise ApplicationHandlerStop


async def safe_reply(message: Message, text: str) -> None:
    try:
        await message.reply_text(text)
    except TelegramError as exc:
        log.warning("could not reply: %s", exc)
