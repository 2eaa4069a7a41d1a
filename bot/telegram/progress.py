"""One progress message per job, edited no faster than Telegram allows."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections import OrderedDict
from pathlib import Path

from PIL import Image
from telegram import Bot, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, RetryAfter, TelegramError

from .request import BEST_EFFORT, retry_seconds

log = logging.getLogger(__name__)


class EditBudget:
    """One pace for all edits in a group: Telegram allows a bot about 20 messages a minute per group,
    shared by every job there, so progress edits in one group are spaced ``group_interval`` apart
    whichever job makes them. Private chats (positive ids) are not limited here."""

    def __init__(self, group_interval: float = 10.0):
        self.group_interval = group_interval
        self._next: dict[int, float] = {}

    def due(self, chat_id: int) -> bool:
        return chat_id > 0 or time.monotonic() >= self._next.get(chat_id, 0.0)

    def spend(self, chat_id: int) -> None:
        if chat_id < 0:
            self._next[chat_id] = time.monotonic() + self.group_interval

    def wait(self, chat_id: int) -> float:
        """Seconds until the next edit in this chat is allowed."""
        return 0.0 if chat_id > 0 else max(0.0, self._next.get(chat_id, 0.0) - time.monotonic())


class ShownSides(OrderedDict):
    """(chat, card) → the long side of the largest picture shown on that card; the newest 10,000."""

    LIMIT = 10_000

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.LIMIT:
            self.popitem(last=False)


def at_least(path: Path, side: int) -> tuple[bytes, int]:
    """The picture's bytes, enlarged (as JPEG) to a long side of ``side`` if it is smaller, and its long side.

    Coarse to fine, a painting's early pictures are small (128 px after a 1024-px sketch): shown as
    they are, the card's picture would shrink and grow again. Enlarged, it only ever sharpens."""
    with Image.open(path) as image:
        long = max(image.size)
        if long >= side:  # as large already: sent as the engine wrote it, not encoded again
            return path.read_bytes(), long
        scale = side / long
        size = (round(image.width * scale), round(image.height * scale))
        image = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue(), max(image.size)


class ProgressMessage:
    """Edits the caption (and now and then the picture) of a photo message, throttled.

    ``min_interval`` is the least time between two edits (≈3 s in private chats); a 429's
    ``retry_after`` pushes the next edit further. "Message is not modified" is not an error.
    """

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        message_id: int,
        min_interval: float,
        markup: InlineKeyboardMarkup | None = None,
        budget: EditBudget | None = None,
        shown: dict[tuple[int, int], int] | None = None,
    ):
        self.bot, self.chat_id, self.message_id = bot, chat_id, message_id
        self.min_interval, self.markup, self.budget = min_interval, markup, budget
        #: the long side of the largest picture each card has shown (shared by a job's cards)
        self.shown = shown if shown is not None else ShownSides()
        self._next_allowed = 0.0
        self.edits = 0

    def due(self) -> bool:
        shared = self.budget is None or self.budget.due(self.chat_id)
        return shared and time.monotonic() >= self._next_allowed

    async def show(
        self, caption: str, preview: Path | None = None, *, force: bool = False, best_effort: bool | None = None
    ) -> bool:
        """Edit now if the throttle allows; True if edited. ``force`` (a final word such as "cancelled")
        skips this message's own throttle but in a group still waits its turn in the shared pace."""
        if not force and not self.due():
            return False
        if self.budget is not None:
            if force:
                await asyncio.sleep(self.budget.wait(self.chat_id))
            self.budget.spend(self.chat_id)
        # A progress edit is worth sending only now: on a 429 it is dropped, not waited out (that
        # would hold every other request); a final word (force) is retried.
        limit = BEST_EFFORT if (not force if best_effort is None else best_effort) else None
        try:
            if preview is not None:
                key = (self.chat_id, self.message_id)
                picture, side = await asyncio.to_thread(at_least, preview, self.shown.get(key, 0))
                await self.bot.edit_message_media(
                    InputMediaPhoto(picture, caption=caption),
                    self.chat_id,
                    self.message_id,
                    reply_markup=self.markup,
                    rate_limit_args=limit,
                )
                self.shown[key] = max(side, self.shown.get(key, 0))
            else:
                await self.bot.edit_message_caption(
                    self.chat_id, self.message_id, caption=caption, reply_markup=self.markup, rate_limit_args=limit
                )
            self.edits += 1
        except RetryAfter as exc:
            log.info("progress edit rate-limited in chat %s; next one in %s", self.chat_id, exc.retry_after)
            self._next_allowed = time.monotonic() + retry_seconds(exc.retry_after)
            return False
        except BadRequest as exc:
            if "not modified" not in str(exc).lower():
                log.warning("progress edit failed: %s", exc)
        except TelegramError as exc:  # a lost edit is not worth failing a job for
            log.warning("progress edit failed: %s", exc)
        self._next_allowed = time.monotonic() + self.min_interval
        return True

    async def delete(self) -> None:
        try:
            await self.bot.delete_message(self.chat_id, self.message_id)
        except TelegramError as exc:
            log.info("could not delete progress message: %s", exc)
