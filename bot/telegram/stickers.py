"""A person's own sticker set, made by the bot: a new sticker is uploaded for them, added to their
set (created on the first one), and sent. Telegram names a bot's sets ``…_by_<bot username>``; a
full set, a name Telegram will not give out again (a deleted set's), or a person who never opened a
private chat with the bot each end in a clear answer — the sticker itself is sent in every case."""

from __future__ import annotations

import logging
from pathlib import Path

from telegram import Bot, InputSticker
from telegram.error import BadRequest, Forbidden

from ..i18n import N_, Text
from ..i18n import gettext as _

log = logging.getLogger(__name__)

#: Sets tried in turn when one is full or its name cannot be had: ``paintings_<id>``, then ``…_2`` …
SETS_PER_PERSON = 5
ADDED = Text(N_("🏷 Added to your sticker set: {link}"))
CREATED = Text(N_("🏷 Your own sticker set is made, with this as its first sticker: {link}"))
FULL = Text(N_("🏷 Your sticker sets are full. Remove a few stickers in @Stickers, then tap 🏷 again."))
PRIVATE = Text(
    N_("🏷 To keep it in your own sticker set, open a private chat with me (@{bot}), send /start and tap 🏷 again.")
)
NOT_KEPT = Text(N_("🏷 Telegram would not add it to a sticker set just now; the sticker itself is yours."))


def set_name(owner: int, bot_username: str, k: int = 1) -> str:
    """A person's k-th set's name: letters, digits and single underscores, ending ``_by_<bot>``."""
    tail = "" if k == 1 else f"_{k}"
    return f"paintings_{owner}{tail}_by_{bot_username}"


def link(name: str) -> str:
    return f"https://t.me/addstickers/{name}"


def _says(exc: Exception, *words: str) -> bool:
    message = str(exc).lower()
    return any(word.lower() in message for word in words)


async def keep(bot: Bot, owner: int, path: Path, video: bool) -> tuple[str | None, str]:
    """Upload ``path`` for ``owner`` and put it in their set: (its file id, or None when it could not
    be uploaded for them; the line that says where it went)."""
    fmt = "video" if video else "static"
    try:
        with path.open("rb") as handle:
            uploaded = await bot.upload_sticker_file(owner, handle, sticker_format=fmt)
    except (BadRequest, Forbidden) as exc:
        if isinstance(exc, Forbidden) or _says(exc, "PEER_ID_INVALID", "user not found", "bot was blocked"):
            return None, PRIVATE().format(bot=bot.username)
        log.warning("uploading a sticker for %s: %s", owner, exc)
        return None, NOT_KEPT()
    sticker = InputSticker(uploaded.file_id, ["🎨"], format=fmt)
    title = _("Paintings by @{bot}").format(bot=bot.username)[:64]
    full = False
    for k in range(1, SETS_PER_PERSON + 1):
        name = set_name(owner, bot.username, k)
        try:
            await bot.add_sticker_to_set(owner, name, sticker)
            return uploaded.file_id, ADDED().format(link=link(name))
        except BadRequest as exc:
            if _says(exc, "STICKERS_TOO_MUCH", "too much"):
                full = True
                continue  # this one is full: the next set
            if not _says(exc, "STICKERSET_INVALID"):
                log.warning("adding a sticker to %s: %s", name, exc)
                return uploaded.file_id, NOT_KEPT()
        try:  # no such set yet: make it, with this sticker
            await bot.create_new_sticker_set(owner, name, title, [sticker])
            return uploaded.file_id, CREATED().format(link=link(name))
        except BadRequest as exc:
            if not _says(exc, "occupied", "NAME_OCCUPIED"):
                log.warning("creating the sticker set %s: %s", name, exc)
                return uploaded.file_id, NOT_KEPT()
            # a name Telegram keeps (a deleted set's): the next one
    return uploaded.file_id, FULL() if full else NOT_KEPT()
