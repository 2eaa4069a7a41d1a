"""Waiting with a time limit, the one way this code base does it.

``asyncio.timeout``, never ``asyncio.wait_for``: on Python 3.11 ``wait_for`` can turn a cancel that
meets its timeout into a TimeoutError, so a loop that retries on timeouts (the supervisor, the
lanes, the long poll) would never stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def within(seconds: float | None, awaitable: Awaitable[T]) -> T:
    """``awaitable``'s result, or TimeoutError after ``seconds`` (None: no limit)."""
    async with asyncio.timeout(seconds):
        return await awaitable


async def woken(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait until ``event`` is set, at most ``seconds``; whether it was."""
    with contextlib.suppress(TimeoutError):
        await within(seconds, event.wait())
        return True
    return False
