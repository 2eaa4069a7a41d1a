"""Many people at once: each sends a photo and a style and taps ▶ Stylize, all concurrently.

Used by ``tests/stories/test_bot_load.py`` (bounded, loopback only) and ``benchmarks/load.py`` (figures).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from dataclasses import dataclass

from .bot_harness import photo_with, text_message
from .conftest import picture, stripes

POSITION = re.compile(r"position (\d+)|you're next")


@dataclass
class LoadReport:
    users: int
    seconds: float  #: from the first press to the last picture
    first_reply: list[float]  #: per user: press → "queued" answer, seconds
    results: dict[int, int]  #: user id → pictures received
    positions: dict[int, list[int]]  #: user id → queue positions shown, in order

    @property
    def throughput(self) -> float:
        return self.users / self.seconds

    @property
    def p95_first_reply(self) -> float:
        return statistics.quantiles(self.first_reply, n=20)[-1] if len(self.first_reply) > 1 else self.first_reply[0]


def _positions(entry: dict) -> list[int]:
    found = []
    for version in (*entry.get("history", []), entry["message"]):
        match = POSITION.search(version.get("caption", ""))
        if match:
            found.append(int(match.group(1)) if match.group(1) else 1)
    return found


async def one_user(user, seed: int) -> tuple[float, int]:
    mark = await user.mark()
    await user.send_photo(picture(96, 64, seed=seed))
    await user.wait_for(lambda e: text_message(e, "Got your photo"), since=mark, timeout=120)
    await user.send_photo(stripes(64, 64, period=4 + seed % 7))
    await user.wait_for(lambda e: text_message(e, "Style saved"), since=mark, timeout=120)
    pressed = time.monotonic()
    await user.press("▶ Stylize")
    await user.wait_for(lambda e: photo_with(e, "Queued"), since=mark, timeout=120)
    return time.monotonic() - pressed, mark


async def simulate(client, users: int, first_id: int = 9000, timeout: float = 600) -> LoadReport:
    people = [client.user(first_id + i, f"User{i}") for i in range(users)]
    started = time.monotonic()
    replies = await asyncio.gather(*(one_user(u, i) for i, u in enumerate(people)))
    results: dict[int, int] = {}
    positions: dict[int, list[int]] = {}
    for user, (_, mark) in zip(people, replies):
        await user.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=timeout)
    finished = time.monotonic()
    await asyncio.sleep(1.0)  # anything sent twice would show up now
    for user, (_, mark) in zip(people, replies):
        log = (await user.sent())[mark:]
        results[user.chat_id] = sum(1 for e in log if photo_with(e, "Done in"))
        queued = next(e for e in log if photo_with(e, "Queued"))
        positions[user.chat_id] = _positions(queued)
    return LoadReport(users, finished - started, [r for r, _ in replies], results, positions)
