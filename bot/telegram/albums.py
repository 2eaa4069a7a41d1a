"""Collecting an album: its photos arrive as separate updates sharing a media_group_id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from telegram import Message

AlbumHandler = Callable[[list[Message]], Awaitable[None]]


class AlbumCollector:
    """Waits ``debounce`` seconds after each item (reset per item), but never more than ``cap`` in all."""

    def __init__(self, on_complete: AlbumHandler, debounce: float = 1.0, cap: float = 4.0):
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

    async def _fire(self, key: str, wait: float) -> None:
        await asyncio.sleep(wait)
        messages = sorted(self._items.pop(key, []), key=lambda m: m.message_id)
        self._first.pop(key, None)
        self._timers.pop(key, None)
        if messages:
            await self.on_complete(messages)
