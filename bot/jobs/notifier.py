"""Everything a person sees of a job after ▶: the queued card's updates, progress edits with
previews, the result, and failure, cancel and restart notes — paced within Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
from pathlib import Path

from telegram import Bot, ReplyParameters
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError, TimedOut

from worker.protocol import Artifact, Media

from .. import modes, texts
from ..limits import CHAT_ACTION_SECONDS, GROUP_INTERVAL, MAX_PHOTO_UPLOAD, PROGRESS_INTERVAL
from ..storage import Job, JobStatus
from ..telegram import keyboards, stickers
from ..telegram.progress import EditBudget, ProgressMessage, ShownSides

log = logging.getLogger(__name__)


class Undeliverable(Exception):
    """Telegram refuses to deliver to this chat (the person blocked the bot, or it was removed)."""


# Every sender takes the result's ``owner`` (whose it is: a sticker goes into their set).


async def send_picture(bot: Bot, chat_id: int, path: Path, *, owner: int, **message) -> str:
    """A photo; over the photo upload limit, the file itself (a document). Its file id."""
    as_file = path.stat().st_size > MAX_PHOTO_UPLOAD
    with path.open("rb") as handle:
        if as_file:
            return (await bot.send_document(chat_id, handle, **message)).document.file_id
        return (await bot.send_photo(chat_id, handle, **message)).photo[-1].file_id


async def send_document(bot: Bot, chat_id: int, path: Path, *, owner: int, **message) -> str:
    """The file as it is (a print): named for what it is, its file id."""
    with path.open("rb") as handle:
        sent = await bot.send_document(chat_id, handle, filename=f"print{path.suffix}", **message)
    return sent.document.file_id


async def send_video(bot: Bot, chat_id: int, path: Path, *, owner: int, **message) -> str:
    with path.open("rb") as handle:
        return (await bot.send_video(chat_id, handle, supports_streaming=True, **message)).video.file_id


async def send_animation(bot: Bot, chat_id: int, path: Path, *, owner: int, **message) -> str:
    with path.open("rb") as handle:
        return (await bot.send_animation(chat_id, handle, **message)).animation.file_id


async def send_video_note(
    bot: Bot, chat_id: int, path: Path, *, owner: int, caption: str, parse_mode: str, **message
) -> str:
    """A round video note takes no caption: the caption follows as a reply to it."""
    with path.open("rb") as handle:
        sent = await bot.send_video_note(chat_id, handle, **message)
    reply = ReplyParameters(sent.message_id, allow_sending_without_reply=True)
    await bot.send_message(chat_id, caption, parse_mode=parse_mode, reply_parameters=reply)
    return sent.video_note.file_id


async def send_sticker(
    bot: Bot,
    chat_id: int,
    path: Path,
    *,
    owner: int,
    caption: str,
    parse_mode: str,
    reply_parameters=None,
    reply_markup=None,
    video: bool = False,
) -> str:
    """A sticker (a WebP, or with ``video`` a WebM video sticker), first put in its owner's own set;
    then, in reply to it, where it went (a sticker takes no caption)."""
    file_id, kept = await stickers.keep(bot, owner, path, video)
    if file_id is not None:
        sent = await bot.send_sticker(chat_id, file_id, reply_parameters=reply_parameters)
    else:  # not uploaded for its owner (no private chat with the bot): the file itself
        with path.open("rb") as handle:
            sent = await bot.send_sticker(chat_id, handle, emoji="🎨", reply_parameters=reply_parameters)
    reply = ReplyParameters(sent.message_id, allow_sending_without_reply=True)
    text = "\n".join(part for part in (caption, html.escape(kept)) if part)
    markup = reply_markup if reply_markup is not None and reply_markup.inline_keyboard else None
    await bot.send_message(chat_id, text, parse_mode=parse_mode, reply_parameters=reply, reply_markup=markup)
    return sent.sticker.file_id


#: How each media kind of a result is sent (worker.protocol.Media); a kind is one row here.
SENDERS = {
    Media.PICTURE: send_picture,
    Media.DOCUMENT: send_document,
    Media.VIDEO: send_video,
    Media.ANIMATION: send_animation,
    Media.VIDEO_NOTE: send_video_note,
    Media.STICKER: send_sticker,
    Media.VIDEO_STICKER: functools.partial(send_sticker, video=True),
}

#: What a chat sees while a result of each kind is made.
UPLOADING = {
    Media.DOCUMENT: ChatAction.UPLOAD_DOCUMENT,
    Media.VIDEO: ChatAction.UPLOAD_VIDEO,
    Media.ANIMATION: ChatAction.UPLOAD_VIDEO,
    Media.VIDEO_NOTE: ChatAction.UPLOAD_VIDEO_NOTE,
}


class Notifier:
    def __init__(self, bot: Bot, progress_interval: float = PROGRESS_INTERVAL, group_interval: float = GROUP_INTERVAL):
        self.bot, self.progress_interval = bot, progress_interval
        self.budget = EditBudget(group_interval)  #: one pace for all edits in a group
        #: (chat, card) → long side of the largest picture shown there: none shown later is smaller
        self.shown = ShownSides()

    def card(self, job: Job, *, working: bool = True, paced: bool = True) -> ProgressMessage | None:
        """The job's progress message (its queued card), or None if it has none."""
        if not job.progress_message_id:
            return None
        return ProgressMessage(
            self.bot,
            job.chat_id,
            job.progress_message_id,
            self.progress_interval if working else 0,
            keyboards.working(job.id) if working else None,
            self.budget if paced else None,
            self.shown,
        )

    async def queued(self, job: Job, position: int, eta: float, sketch: bool = False) -> None:
        card = self.card(job)
        if card is not None:
            # A skipped update is fine (the next one says more); in a group the budget is shared.
            await card.show(texts.queued(position, eta, sketch), force=job.chat_id > 0, best_effort=True)

    async def restarted(self, job: Job) -> None:
        card = self.card(job, paced=False)
        if card is not None:
            await card.show(texts.RESTARTED(), force=True)

    async def painting_started(self, job: Job, estimate: float | None, sketch: bool = False) -> ProgressMessage | None:
        card = self.card(job)
        if card is not None:
            # In a group the first edit may wait for its turn: the painting starts regardless.
            working = modes.get((job.spec or {}).get("mode")).working()
            await card.show(texts.painting(0, estimate, sketch, working), force=job.chat_id > 0, best_effort=True)
        return card

    async def ended(self, job: Job) -> None:
        """Say on its card how an ended job ended: cancelled, or failed with its error."""
        if job.status == JobStatus.CANCELLED:
            await self.cancelled(job)
        else:
            await self.failed(job, job.error or texts.SOMETHING_WRONG())

    async def cancelled(self, job: Job, card: ProgressMessage | None = None) -> None:
        card = card or self.card(job, working=False, paced=False)
        if card is not None:
            card.markup = None
            await card.show(texts.CANCELLED(), force=True)

    async def failed(self, job: Job, message: str, card: ProgressMessage | None = None) -> None:
        card = card or self.card(job, working=False, paced=False)
        if card is not None:
            card.markup = None
            await card.show(message, force=True)

    async def deliver(
        self, job: Job, result: Artifact, caption: str, name: str | None, markup, mode: str | None = None
    ) -> str | None:
        """Send the result in reply to the request, the way its media kind is sent, with the buttons
        ``markup``; its Telegram file id (None if unknown)."""
        if job.chat_id < 0:  # a group: say whose picture it is, with a mention that notifies them
            caption = modes.get(mode).group_result(job.user_id, name) + "\n" + caption
        reply = (
            ReplyParameters(job.request_message_id, allow_sending_without_reply=True)
            if job.request_message_id
            else None
        )
        send = SENDERS.get(result.media)
        if send is None:  # a mode that makes what this bot cannot send: a bug, failed as "internal"
            raise RuntimeError(f"no way to send a {result.media} result")
        try:
            return await send(
                self.bot,
                job.chat_id,
                Path(result.path),
                owner=job.user_id,
                caption=caption,
                parse_mode="HTML",
                reply_parameters=reply,
                reply_markup=markup,
            )
        except Forbidden as exc:
            raise Undeliverable(str(exc)) from None
        except TimedOut:
            # The upload went out but no answer came back: Telegram has most likely posted it, and
            # sending it again could post it twice. The picture stays on disk for 📄 and 🔁.
            log.warning("job %s: no answer to the result upload; taking it as delivered", job.id)
            return None

    async def keep_uploading(self, chat_id: int, media: Media = Media.PICTURE) -> None:
        """Telegram shows "sending photo…" (a video, a video note…) for ≤ 5 s per call: repeat it while a job paints."""
        action = UPLOADING.get(media, ChatAction.UPLOAD_PHOTO)
        while True:
            with contextlib.suppress(TelegramError):
                await self.bot.send_chat_action(chat_id, action)
            await asyncio.sleep(CHAT_ACTION_SECONDS)
