"""HTTP to the Bot API with retries for what Telegram surely did not do.

A 5xx answer or a refused connection means the request was not carried out, so it is sent
again with exponential backoff. A timeout is *not* retried: the message may already be in the
chat, and a picture sent twice is worse than a warning in the log. 429s are the rate
limiter's (AIORateLimiter waits ``retry_after`` and retries).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import json
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import AIORateLimiter
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


class RetryingRequest(HTTPXRequest):
    #: Tries of a request answered 5xx or refused: 0.5 + 1 + 2 + 4 + 8 s of waiting between them
    #: (with 4, a burst of 502s failed a finished painting's send: benchmarks/chaos.py).
    ATTEMPTS = 6
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


def retry_seconds(value) -> float:
    """A 429's ``retry_after`` in seconds (a timedelta with PTB_TIMEDELTA, else a number)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


#: How often a request Telegram answered 429 is sent again, each after the wait it named.
RATE_LIMIT_RETRIES = 10
#: ``rate_limit_args`` for a request that is worth sending only now (a progress edit): on a 429 it
#: fails at once instead of being retried.
BEST_EFFORT = -1


class SlidingWindow:
    """At most ``max_rate`` requests in any ``period`` seconds, in the order they came: a group's
    budget as Telegram counts it. (aiolimiter's leaky bucket, PTB's, lets 20 through at once and then
    one every 3 s: up to 40 in a minute, answered by a 429 whose wait can be most of a minute for
    everyone in the group.) A 60th of the period is kept in hand for the way to Telegram."""

    def __init__(self, max_rate: float, period: float, stopping: asyncio.Event | None = None):
        self.max_rate, self.period = int(max_rate), period * (1 + 1 / 60)
        self.stopping = stopping or asyncio.Event()
        self._sent: collections.deque[float] = collections.deque()
        self._turn = asyncio.Lock()  # (it wakes its waiters in order)

    def has_capacity(self, amount: float = 1) -> bool:
        self._forget(asyncio.get_running_loop().time())
        return len(self._sent) + amount <= self.max_rate

    def _forget(self, now: float) -> None:
        while self._sent and now - self._sent[0] >= self.period:
            self._sent.popleft()

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._turn:
            while True:
                now = loop.time()
                self._forget(now)
                if len(self._sent) < self.max_rate:
                    self._sent.append(now)
                    return
                await _wait(self._sent[0] + self.period - now, self.stopping)

    async def __aexit__(self, *exc) -> None:
        return None


async def _wait(seconds: float, stopping: asyncio.Event) -> None:
    """Sleeps ``seconds`` for a group's turn; raises RetryAfter once the bot is stopping (a bot told to
    stop would otherwise wait up to a minute for a busy group's answers)."""
    if seconds <= 0:
        return
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return
    raise RetryAfter(timedelta(seconds=max(0.0, deadline - asyncio.get_running_loop().time())))


#: Of a group's 20 messages a minute, those a progress edit leaves for answers and results.
GROUP_RESERVE = 5


class RateLimiter(AIORateLimiter):
    """PTB's limiter (30 messages a second, 20 a minute per group, 429s waited out and retried),
    except that a group's 20 are counted in any minute (SlidingWindow) and a 429 holds up only what
    it is about. PTB holds *every* request while it waits out one 429, so a busy group's flood
    limit, or a rate-limited progress edit, stalled all chats (a 429 with retry_after 20 once delayed
    another user's /help by 19 s). Here a best-effort request fails at once (the caller drops or
    coalesces it), and a 429 for a group pauses that group's requests only; a 429 anywhere else (the
    bot's own limit) still pauses all, as PTB does."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._group_paused: dict[int, float] = {}  #: group chat id → loop time its 429 ends
        self.stopping = asyncio.Event()  #: set as the bot stops: nothing waits for a group's turn then

    def stop_waiting(self) -> None:
        """The bot is stopping: a request waiting for a group's turn fails now (RetryAfter)."""
        self.stopping.set()

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id")
        with contextlib.suppress(ValueError, TypeError):
            chat_id = int(chat_id)
        group = chat_id if isinstance(chat_id, int) and chat_id < 0 else False
        if rate_limit_args != BEST_EFFORT and not group:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        if rate_limit_args != BEST_EFFORT:
            return await self._in_group(group, callback, args, kwargs, rate_limit_args)
        if group:
            self._spare(group)
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=False,
            callback=callback,
            args=args,
            kwargs=kwargs,
        )

    def _get_group_limiter(self, group_id) -> SlidingWindow:
        limiter = self._group_limiters.get(group_id)
        if limiter is None:
            if len(self._group_limiters) > 512:  # forget the groups whose last minute was quiet
                for key, old in list(self._group_limiters.items()):
                    if old.has_capacity(old.max_rate):
                        del self._group_limiters[key]
            limiter = SlidingWindow(self._group_max_rate, self._group_time_period, self.stopping)
            self._group_limiters[group_id] = limiter
        return limiter

    def _spare(self, chat_id: int) -> None:
        """Raises RetryAfter unless the group has a message to spare now, beyond GROUP_RESERVE: a
        best-effort request (a progress edit) does not queue for the group's 20 a minute, where it
        would go out before the answers and results that come after it (three members' ▶ at once
        waited behind edits), nor spend the last of them (the paintings then waited a minute)."""
        loop = asyncio.get_running_loop()
        paused = self._group_paused.get(chat_id, 0.0) - loop.time()
        if paused <= 0 and self._get_group_limiter(chat_id).has_capacity(GROUP_RESERVE + 1):
            return
        period = self._group_time_period / max(self._group_max_rate, 1)
        raise RetryAfter(timedelta(seconds=max(paused, period)))

    async def _in_group(self, chat_id: int, callback, args, kwargs, retries: int | None):
        loop, retries = asyncio.get_running_loop(), retries or self._max_retries
        for attempt in range(retries + 1):
            await _wait(self._group_paused.get(chat_id, 0.0) - loop.time(), self.stopping)
            try:
                return await self._run_request(
                    chat=True, group=chat_id, allow_paid_broadcast=False, callback=callback, args=args, kwargs=kwargs
                )
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                seconds = retry_seconds(exc.retry_after)
                now = loop.time()  # forget pauses that are over (only groups that hit a 429 are kept)
                self._group_paused = {k: v for k, v in self._group_paused.items() if v > now}
                log.info("group %s rate-limited; its requests wait %.0f s", chat_id, seconds)
                self._group_paused[chat_id] = max(self._group_paused.get(chat_id, 0.0), loop.time() + seconds + 0.1)
        raise AssertionError("unreachable")
