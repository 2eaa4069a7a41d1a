"""Receiving pictures, shared by every chat type: download and check each, collect albums."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from engine.errors import ImageError

from .. import texts
from ..services import services
from ..telegram.albums import AlbumCollector
from ..telegram.files import picture_in

log = logging.getLogger(__name__)
Accept = Callable[[list[Message], Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def album_handler(application: Application, accept: Accept) -> AlbumCollector:
    """Collects an album's messages, then hands them to ``accept`` as one update."""

    async def complete(messages: list[Message]) -> None:
        update = Update(0, message=messages[0])
        context = ContextTypes.DEFAULT_TYPE.from_update(update, application)
        try:
            await accept(messages, update, context)
        except Exception:
            log.exception("album handling failed")
            await safe_reply(messages[0], texts.SOMETHING_WRONG)

    return AlbumCollector(complete)


async def fetch(messages: list[Message], context: ContextTypes.DEFAULT_TYPE) -> list[str] | None:
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
            await message.reply_text(texts.picture_problem(exc.message))
            return None
    return [str(p) for p in paths]


async def safe_reply(message: Message, text: str) -> None:
    try:
        await message.reply_text(text)
    except TelegramError as exc:
        log.warning("could not reply: %s", exc)
