"""Work beside the jobs that nobody waits for (a card's edit, a queue's new places): started and
forgotten, but let finish briefly when the bot stops."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task] = set()

    def run(self, coroutine: Coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)  # (a task nobody holds may be collected before it ends)
        task.add_done_callback(self._tasks.discard)

    async def settle(self, timeout: float = 2.0) -> None:
        """Let what runs finish within ``timeout`` seconds; cancel the rest."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in late:
                task.cancel()
