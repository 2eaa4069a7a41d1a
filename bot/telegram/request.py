"""HTTP to the Bot API with retries for what Telegram surely did not do.

A 5xx answer or a refused connection means the request was not carried out, so it is sent
again with exponential backoff. A timeout is *not* retried: the message may already be in the
chat, and a picture sent twice is worse than a warning in the log. 429s are the rate
limiter's (AIORateLimiter waits ``retry_after`` and retries).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging

from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


class RetryingRequest(HTTPXRequest):
    ATTEMPTS = 4
    BASE_DELAY = 0.5  #: seconds before the second attempt; doubled for each further one

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        #: For the getUpdates connection: sees the fetched updates before PTB does (and confirms them
        #: to Telegram with its next call); returns those to hand on. See bot.telegram.inbox.
        self.on_updates = None

    async def do_request(self, url: str, method: str, request_data=None, **timeouts) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        for attempt in range(1, self.ATTEMPTS + 1):
            last = attempt == self.ATTEMPTS
            try:
                code, payload = await super().do_request(url, method, request_data, **timeouts)
            except TimedOut:
                raise
            except NetworkError as exc:
                if last or "ConnectError" not in str(exc):
                    raise
                reason = "connection refused"
            else:
                if code == 200 and endpoint == "getUpdates":
                    payload = await self._take_updates(payload)
                if code < 500 or last:
                    return code, payload
                reason = f"HTTP {code}"
            delay = self.BASE_DELAY * 2 ** (attempt - 1)
            log.warning("%s failed (%s); retry %d in %.1f s", endpoint, reason, attempt, delay)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _take_updates(self, payload: bytes) -> bytes:
        """A getUpdates answer, read once: unreadable updates emptied, picture messages kept by
        ``on_updates``; re-encoded only when something changed."""
        try:
            answer = json.loads(payload)
            updates = answer["result"]
        except (ValueError, KeyError, TypeError):
            return payload
        changed = readable_updates(updates)
        if self.on_updates is not None:
            try:
                kept = await self.on_updates(updates)
            except Exception:  # the inbox is a safety net; never let it stop the bot from reading updates
                log.exception("could not keep the fetched updates")
            else:
                changed = changed or len(kept) != len(updates)
                answer["result"] = kept
        return json.dumps(answer).encode() if changed else payload


def readable_updates(updates: list[dict]) -> bool:
    """Updates this PTB cannot parse become empty ones, in place (logged once, skipped by the bot);
    True if any did.

    PTB parses a getUpdates answer as one list: a single update it cannot read (a newer Bot API
    field, a malformed payload) failed the whole batch, which was then fetched again at once, for
    ever — tens of thousands of log lines a second, nobody served."""
    changed = False
    for index, update in enumerate(updates):
        try:
            Update.de_json(copy.deepcopy(update), None)
        except Exception as exc:  # any parsing failure: this update cannot be handled
            log.warning("skipping update %s that cannot be read: %s", update.get("update_id"), exc)
            updates[index] = {"update_id": update.get("update_id")}
            changed = True
    return changed


#: ``rate_limit_args`` for a request that is worth sending only now (a progress edit): on a 429 it
#: fails at once instead of being retried.
BEST_EFFORT = -1


class RateLimiter(AIORateLimiter):
    """PTB's limiter (30 messages a second, 20 a minute per group, 429s waited out and retried),
    except for best-effort requests: PTB holds *every* request while it waits out one 429, so a
    rate-limited progress edit would stall all chats (a 429 with retry_after 20 once delayed
    another user's /help by 19 s). Those fail at once and the caller drops or coalesces them."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        if rate_limit_args != BEST_EFFORT:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        group = chat_id if isinstance(chat_id, int) and chat_id < 0 else False
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=False,
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
