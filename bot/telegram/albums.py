"""Collecting an album (its photos arrive as separate updates sharing a media_group_id), and taking
each person's pictures in the order they were sent."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from telegram import Message

from ..limits import ALBUM_DEBOUNCE, ALBUM_MAX_WAIT

AlbumHandler = Callable[[list[Message]], Awaitable[None]]


class AlbumCollector:
    """Waits ``debounce`` seconds after each item (reset per item), but never more than ``cap`` in all."""

    def __init__(self, on_complete: AlbumHandler, debounce: float = ALBUM_DEBOUNCE, cap: float = ALBUM_MAX_WAIT):
        self.on_complete, self.debounce, self.cap = on_complete, debounce, cap
        self._items: dict[str, list[Message]] = {}
        self._first: dict[str, float] = {}
        self._timers: dict[str, asyncio.Task] = {}

    def add(self, message: Message) -> None:
        key = f"{message.chat_id}:{message.media_group_id}"
        self._items.setdefault(key, []).append(message)
        first = self._first.setdefault(key, time.monotonic())
        if key in self._timers:
            self._timers[key].cancel()
        wait = max(0.0, min(self.debounce, self.cap - (time.monotonic() - first)))
        self._timers[key] = asyncio.create_task(self._fire(key, wait))

    def collecting(self, message: Message) -> bool:
        """Whether ``message`` waits in an album not yet handed on."""
        return message in self._items.get(f"{message.chat_id}:{message.media_group_id}", [])

    async def _fire(self, key: str, wait: float) -> None:
        await asyncio.sleep(wait)
        messages = sorted(self._items.pop(key, []), key=lambda m: m.message_id)
        self._first.pop(key, None)
        self._timers.pop(key, None)
        if messages:
            await self.on_complete(messages)


class PersonLocks:
    """One lock per (chat, person): their pictures are taken one message or album at a time, in the
    order they were sent (two albums picked at once arrive as two, and the second must not overtake
    the first while the first is still downloading)."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, int], asyncio.Lock] = {}
        self._users: dict[tuple[int, int], int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, chat_id: int, user_id: int):
        key = (chat_id, user_id)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:  # asyncio.Lock is fair: first come, first served
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]
