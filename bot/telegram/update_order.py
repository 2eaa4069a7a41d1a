"""Updates handled concurrently, each chat's and each person's in the order they came.

PTB handles one update at a time by default, so one slow answer held up everyone: an answer to a
busy group waits for that group's 20-messages-a-minute budget, and after 30 ``/help`` in one group
another person's private ``/help`` took 28 s. Here updates run at once, except that an update waits
for the earlier ones of its chat and of its sender (a person's photo and then their ▶ keep their
order, in a private chat and across chats).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

#: Updates in flight at once (PTB's own bound for concurrent updates).
MAX_CONCURRENT = 256


class KeyedLocks:
    """One fair lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[tuple, asyncio.Lock] = {}
        self._users: dict[tuple, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, keys: list[tuple]):
        async with contextlib.AsyncExitStack() as stack:
            for key in sorted(set(keys)):  # one global order: two updates never wait on each other
                lock = self._locks.setdefault(key, asyncio.Lock())
                self._users[key] = self._users.get(key, 0) + 1
                stack.callback(self._release, key)
                await stack.enter_async_context(lock)  # asyncio.Lock is fair: first come, first served
            yield

    def _release(self, key: tuple) -> None:
        self._users[key] -= 1
        if not self._users[key]:
            del self._users[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


def order_keys(update: object) -> list[tuple]:
    """What an update must wait its turn behind: its chat and its sender."""
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    return keys


class PerChatOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT):
        super().__init__(max_concurrent_updates)
        self.locks = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        async with self.locks.hold(order_keys(update)):
            await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
