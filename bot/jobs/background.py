"""Work beside the jobs that nobody waits for (a card's edit, a queue's new places): started and
forgotten, but let finish briefly when the bot stops."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine

from ..storage import unavailable

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def run(self, coroutine: Coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)  # (a task nobody holds may be collected before it ends)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(_said)

    async def settle(self, timeout: float = 2.0) -> None:
        """Let what runs finish within ``timeout`` seconds; cancel the rest."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()


def _said(task: asyncio.Task) -> None:
    """A task's failure, logged: a database outage as one line (what it did waits for the next
    time it is needed), anything else as the bug it is — never asyncio's "never retrieved"."""
    if task.cancelled() or task.exception() is None:
        return
    exc = task.exception()
    if unavailable(exc):
        log.warning("%s skipped: the database is unavailable (%s)", task.get_coro().__qualname__, type(exc).__name__)
    else:
        log.error("%s failed", task.get_coro().__qualname__, exc_info=exc)
