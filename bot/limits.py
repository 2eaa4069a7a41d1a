"""Telegram's limits and the bot's tunables, named once (see the Bot API docs and GUIDE.md)."""

from __future__ import annotations

MAX_DOWNLOAD = 20 * 1024 * 1024  #: bots download files up to 20 MB (getFile refuses larger)
MAX_PHOTO_UPLOAD = 10 * 1024 * 1024  #: a photo upload; larger results go as a document (≤ 50 MB)
CALLBACK_DATA_BYTES = 64  #: inline button callback data
ALBUM_MAX = 10  #: pictures in one album (sendMediaGroup)
CHAT_ACTION_SECONDS = 4.5  #: "sending photo…" lasts ≤ 5 s; repeated this often

PROGRESS_INTERVAL = 3.0  #: least seconds between two edits of one progress card (private chats)
GROUP_INTERVAL = 10.0  #: seconds between progress edits in one group (20 messages a minute, shared)
ALBUM_DEBOUNCE = 1.0  #: seconds of quiet that end an album
ALBUM_MAX_WAIT = 4.0  #: seconds an album is collected at most
ADMIN_CACHE_SECONDS = 60.0  #: how long a getChatMember admin check is trusted
JOB_TIME_LIMIT = 1800.0  #: seconds a picture may paint before it is stopped
INSTANT_TIME_LIMIT = 60.0  #: seconds an instant picture may take (≈1 s; more means the engine is stuck)
PREVIEWS_PER_JOB = 3  #: intermediate pictures a progress card shows
FILE_CACHE_BYTES = 2 * 1024**3
FILE_CACHE_AGE = 7 * 86400
DELIVERY_CLAIM_SECONDS = 10.0  #: a result claimed but not sent within this long is sent by whoever paints next
QUEUE_SHOWN = 10  #: jobs /queue lists
POSITIONS_ANNOUNCED = 10  #: queued cards told their new place when the queue moves

#: The updates the bot asks Telegram for (long polling and the webhook alike): messages, button
#: presses, and ``@bot`` typed in any chat (inline mode, switched on with @BotFather's /setinline).
ALLOWED_UPDATES = ["message", "callback_query", "inline_query"]
