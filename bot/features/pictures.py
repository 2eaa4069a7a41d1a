"""Receiving pictures and clips, shared by every chat type: download and check each, collect albums."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes

from engine.errors import ImageError

from .. import texts
from ..domain import drafts
from ..services import services
from ..storage import unavailable, when_reachable
from ..telegram.albums import AlbumCollector
from ..telegram.files import clip_in, picture_in
from ..telegram.senders import sender
from ..texts import clips as clip_texts

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
            messages = await _whole_album(services(context), messages, application.bot)
            await accept_in_order(accept, messages, update, context)
        except Exception as exc:
            if unavailable(exc):  # (not a bug: the person is asked to try again, as for any update)
                log.warning("an album not handled: the database is unavailable (%s)", type(exc).__name__)
            else:
                log.exception("album handling failed")
            await safe_reply(messages[0], texts.SOMETHING_WRONG())
        # handled, or answered with why not (a cancelled task, e.g. at shutdown, leaves it in the
        # inbox); said once the database is back, or the album would be answered again at a restart
        inbox, ids = services(context).inbox, [m.message_id for m in messages]
        await when_reachable(lambda: inbox.done(messages[0].chat_id, ids))

    return AlbumCollector(complete)


async def _whole_album(svc, messages: list[Message], bot) -> list[Message]:
    """The album with its pictures other replicas received (kept in the inbox): whoever takes it
    first takes all of it (bot.telegram.inbox.PictureInbox.take), the others find it taken."""
    if svc.inbox is None or not svc.inbox.sure:
        return messages
    first = messages[0]
    found = await svc.inbox.album_siblings(first.chat_id, first.media_group_id, [m.message_id for m in messages])
    more = [Message.de_json(payload, bot) for payload in found]
    return sorted([*messages, *more], key=lambda m: m.message_id)


async def taken(svc, db_session, messages: list[Message]) -> bool:
    """Whether these picture messages are taken into the draft now: crossed off the inbox in the
    transaction that takes them, so one handled already — replayed, or an album another replica
    took whole — is not again (a photo taken twice became its own second style). See
    bot.telegram.inbox."""
    if svc.inbox is None or await svc.inbox.take(db_session, messages[0].chat_id, [m.message_id for m in messages]):
        return True
    first = messages[0]
    log.info("message %s in chat %s: taken already (replayed, or by another replica)", first.message_id, first.chat_id)
    return False


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


async def fetch_clip(
    message: Message, context: ContextTypes.DEFAULT_TYPE, answer: Message | None = None
) -> dict | None:
    """The message's clip, downloaded and read, as a draft keeps it; None when it cannot be used
    (``answer``, by default the message itself, is told why in one line: too big, not a video…)."""
    svc = services(context)
    clip, answer = clip_in(message), answer or message
    if not svc.dispatcher.video_available:
        await answer.reply_text(clip_texts.NO_VIDEOS_HERE())
        return None
    try:
        path, info = await svc.cache.fetch_clip(context.bot, clip)
    except ImageError as exc:
        await answer.reply_text(clip_texts.clip_problem(exc.code, exc.params))
        return None
    return drafts.clip_entry(str(path), clip.media, info.seconds, info.fps, info.has_audio)


#: Pictures sent as files that may move: one that does is painted as a clip (an animation).
ANIMATABLE = ("image/gif", "image/webp")


async def animated_clip(message: Message, context: ContextTypes.DEFAULT_TYPE) -> dict | None:
    """A GIF or WebP sent as a file that moves, as a draft keeps a clip (its frames are read when it
    is painted, as far as the painting goes; a transparent one over white); None for a still one, or
    where clips are not painted (it is then taken as a picture, its first frame)."""
    svc = services(context)
    document = message.document
    if document is None or document.mime_type not in ANIMATABLE or not svc.dispatcher.video_available:
        return None
    if asked_as_style(message) or message.media_group_id:  # a style, or one of an album's pictures
        return None
    try:
        path, info = await svc.cache.fetch_moving(context.bot, picture_in(message))
    except ImageError as exc:  # a damaged or lying one: the picture path says what is wrong with it
        log.info("an animated picture was not taken as a clip: %s", exc)
        return None
    return None if info is None else drafts.clip_entry(str(path), "animation", info.seconds, info.fps, False)


def asked_as_style(message: Message) -> bool:
    """Whether the message's caption asks for the style role (``style``, as a picture's may)."""
    return (message.caption or "").strip().lower() == drafts.AS_STYLE


def for_me(text: str | None, bot) -> bool:
    """A command in a caption (``/stylize`` or ``/stylize@name``) addressed to this bot, not another."""
    command = (text or "").split(maxsplit=1)[0] if (text or "").strip() else ""
    _, at, name = command.partition("@")
    return not at or name.lower() == (bot.username or "").lower()


async def skip_anonymous(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs first: an update with no sender, or no chat (a channel post, a malformed payload; an
    inline query has none and goes on) is logged once and skipped, instead of failing in every handler."""
    if update.effective_user is None or (update.effective_chat is None and update.inline_query is None):
        log.info("skipped update %s: no sender or chat", update.update_id)
        raise ApplicationHandlerStop


async def safe_reply(message: Message, text: str) -> None:
    try:
        await message.reply_text(text)
    except TelegramError as exc:
        log.warning("could not reply: %s", exc)
