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
    """Turns by key, in arrival order: whoever asks for keys waits for everyone who asked earlier for
    any of them, and only for them. (One lock per key taken one after the other would not do: an
    update waiting for its chat could be overtaken at its sender's lock by a later one.)"""

    def __init__(self) -> None:
        self._last: dict[tuple, asyncio.Future] = {}

    @contextlib.asynccontextmanager
    async def hold(self, keys: list[tuple]):
        keys = set(keys)
        mine = asyncio.get_running_loop().create_future()
        before = {self._last[key] for key in keys if key in self._last}
        for key in keys:  # taken before the first await: the order is the order of arrival
            self._last[key] = mine
        try:
            if before:
                await asyncio.wait(before)  # never cancels what it waits for
            yield
        finally:
            earlier = [f for f in before if not f.done()]  # only if this one was cancelled while waiting
            if earlier:
                asyncio.ensure_future(asyncio.wait(earlier)).add_done_callback(lambda _: mine.set_result(None))
            else:
                mine.set_result(None)
                for key in keys:
                    if self._last.get(key) is mine:
                        del self._last[key]

    def __len__(self) -> int:
        return len(self._last)


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
