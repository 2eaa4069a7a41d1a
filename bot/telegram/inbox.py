"""Picture (and clip) messages and job presses kept from the moment they are fetched until handled.

PTB confirms updates to Telegram as it fetches them (a webhook answers 200 at once), so a photo whose
download was under way, an album still being collected or a ▶ pressed a moment before the bot was
killed or stopped would be gone. The inbox writes each such update to the database first (in the
getUpdates request itself, or in the webhook's transaction, before PTB sees it); a handled one is
crossed off; on start the rest are handed to the bot again. Adding a picture twice is harmless; a
press places at most one job however often it is handled (a job is keyed by its update), and
presses of other buttons (⚙'s toggles) are not kept at all (bot.telegram.callbacks.KEPT).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select, tuple_, update

from ..storage import Database, Inbox, queries
from ..storage.models import utcnow
from .callbacks import KEPT, parse

log = logging.getLogger(__name__)
#: Replays of one message at most: one that keeps failing is dropped, not retried at every start.
MAX_REPLAYS = 2
#: Messages older than this are not replayed (the person has moved on).
MAX_AGE = timedelta(hours=6)
#: Presses older than this are not replayed: a painting nobody heard of for so long would surprise.
PRESS_MAX_AGE = timedelta(minutes=10)
#: An album's messages are this close in id (Telegram allows ten pictures in one).
ALBUM_SPREAD = 20
#: With several replicas, what a starting one replays is only what has waited this long: a younger
#: update may be in the hands of a live replica right now (handled twice, a photo arrived twice
#: became its own second style in the chaos scene). A dead replica's updates are this old by the
#: time its successor looks a second time.
SETTLE = timedelta(seconds=10)


def _picture_message(update: dict) -> dict | None:
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    document = message.get("document") or {}
    mime = str(document.get("mime_type") or "")
    clip = any(message.get(kind) for kind in ("video", "animation", "video_note")) or mime.startswith("video/")
    is_picture = bool(message.get("photo")) or mime.startswith("image/") or clip
    return message if is_picture and "message_id" in message else None


def kept_press(data: str | None) -> bool:
    """Whether a button press with this callback data is kept until handled."""
    callback = parse(data)
    return callback is not None and callback.action in KEPT


def _row(update: dict) -> dict | None:
    """The inbox row for a fetched update, or None for one not kept. A press has no message id of
    its own (many presses of one button are one message's): it is found by its update id."""
    message = _picture_message(update)
    if message is not None:
        return {"chat_id": message["chat"]["id"], "message_id": message["message_id"]}
    query = update.get("callback_query")
    if not isinstance(query, dict) or not isinstance(query.get("data"), str) or not kept_press(query["data"]):
        return None
    chat = (query.get("message") or {}).get("chat") if isinstance(query.get("message"), dict) else None
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
        return None  # a press on an inline message (no chat): nothing of ours to place from it
    return {"chat_id": chat["id"], "message_id": None}


class PictureInbox:
    def __init__(self, db: Database, sure: bool = False):
        self.db = db
        #: Every update handled here was kept first (a webhook keeps it in the transaction that takes
        #: it; polling's keeping may fail and is only logged): a message that is no longer in the
        #: inbox when taken was taken by another replica.
        self.sure = sure
        self.replayed: set[int] = set()  #: update ids handed to the bot again at this start
        self.replayed_messages: set[tuple[int, int]] = set()  #: (chat id, message id) of those

    async def record(self, updates: list[dict], session=None) -> list[dict]:
        """Keep the picture messages among freshly fetched ``updates`` (in ``session``'s transaction
        where one is given); returns the updates to handle (without those already replayed from the
        inbox, which Telegram may send once more)."""
        fresh = [u for u in updates if u.get("update_id") not in self.replayed]
        rows = []
        for item in fresh:
            row = _row(item)
            if row is not None:
                rows.append({"update_id": item["update_id"], **row, "payload": item})
        if rows and session is not None:
            await queries.keep_in_inbox(session, rows)
        elif rows:
            async with self.db.session() as own, own.begin():
                await queries.keep_in_inbox(own, rows)
        return fresh

    async def done(self, chat_id: int, message_ids: list[int]) -> None:
        """These messages are handled (or answered with why they could not be)."""
        async with self.db.session() as session, session.begin():
            keys = [(chat_id, m) for m in message_ids]
            await session.execute(delete(Inbox).where(tuple_(Inbox.chat_id, Inbox.message_id).in_(keys)))

    async def take(self, db_session, chat_id: int, message_ids: list[int]) -> bool:
        """Cross these picture messages off in the transaction that takes them into a draft. False
        for messages replayed here that someone crossed off meanwhile: handled already (by a
        replica that died before crossing them off, or the one that had them), not again."""
        keys = [(chat_id, m) for m in message_ids]
        gone = await db_session.execute(delete(Inbox).where(tuple_(Inbox.chat_id, Inbox.message_id).in_(keys)))
        return gone.rowcount > 0 or not (self.sure or any(key in self.replayed_messages for key in keys))

    async def album_siblings(self, chat_id: int, album: str, message_ids: list[int]) -> list[dict]:
        """The other messages of an album that replicas keep (a balancer may give an album's pictures
        to different replicas: each would take its own alone, the style first as a photo)."""
        near = Inbox.message_id.between(min(message_ids) - ALBUM_SPREAD, max(message_ids) + ALBUM_SPREAD)
        async with self.db.session() as session:
            rows = (await session.execute(select(Inbox).where(Inbox.chat_id == chat_id, near))).scalars().all()
        return [
            row.payload["message"]
            for row in rows
            if row.message_id not in message_ids and (row.payload.get("message") or {}).get("media_group_id") == album
        ]

    async def pressed(self, update_id: int) -> None:
        """This press is handled (or answered with why not)."""
        async with self.db.session() as session, session.begin():
            await session.execute(delete(Inbox).where(Inbox.update_id == update_id))

    async def pending(self, settle: timedelta = timedelta(0)) -> list[dict]:
        """Updates fetched before the last stop and never handled, oldest first, that have waited
        ``settle`` (and were not handed out before by this process); each is counted."""
        async with self.db.session() as session, session.begin():
            await session.execute(
                delete(Inbox).where(
                    (Inbox.attempts >= MAX_REPLAYS)
                    | (Inbox.received_at < utcnow() - MAX_AGE)
                    | (Inbox.message_id.is_(None) & (Inbox.received_at < utcnow() - PRESS_MAX_AGE))
                )
            )
            waited = Inbox.received_at <= utcnow() - settle
            found = select(Inbox).where(waited, Inbox.update_id.not_in(self.replayed)).order_by(Inbox.update_id)
            rows = (await session.execute(found)).scalars().all()
            if rows:
                ids = [row.update_id for row in rows]
                await session.execute(update(Inbox).where(Inbox.update_id.in_(ids)).values(attempts=Inbox.attempts + 1))
            payloads = [row.payload for row in rows]
            self.replayed_messages.update((row.chat_id, row.message_id) for row in rows if row.message_id is not None)
        self.replayed.update(p["update_id"] for p in payloads)
        if payloads:
            log.info("handling %d picture message(s) and press(es) that arrived before the restart", len(payloads))
        return payloads
