"""Chaos at scale: the whole bot under faults while people use it, and what each of them got.

A throwaway PostgreSQL behind a TCP proxy that can drop every connection, two webhook replicas
behind a balancer, three ``python -m worker`` processes (simulated painting: what is measured is
our orchestration) and the Bot API double (scene.py). People send photos, albums, clips and styles
and tap ▶, 🔁, 🏷 and ✖, alone or in a group's burst (people.py), while on a schedule: a worker is
killed (-9) and replaced as an orchestrator would, the leading replica and a following one are
killed and replaced, PostgreSQL restarts (fast and immediate), the proxy drops the database
connections, Telegram posts updates again and answers 429 and 502 for a while. Every press is then
counted from the chats: answered once, twice or never, and late or not (report.py).

Used by ``benchmarks/chaos.py`` (ten minutes, a hundred people: the figures) and by the suite's
minute of it (tests/stories/test_chaos.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from pathlib import Path

from .people import PATIENCE, group, person
from .report import Report, Round, count_answers
from .scene import Proxy, Scene

__all__ = ["Proxy", "Report", "play"]

FIRST_ID = 20_000
GROUP_SIZE = 3
#: How long the scene waits, once the people stopped, for every job to end before counting.
SETTLE_LIMIT = 120.0


async def play(double, client, folder: Path, people: int, seconds: float, seed: int = 0) -> Report:
    """The scene for ``seconds`` with ``people`` (a third of them in groups of three, bursting
    together), faults on a schedule scaled to its length."""
    clip = folder / "clip.mp4"
    folder.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread(_make_clip, clip)
    scene = await Scene(double, folder, seed=seed).start()
    double.rate_limits = True  # Telegram's: 30 messages a second, 20 a minute in a group (429 past them)
    wall_started = time.time() - (time.monotonic() - scene.started)
    rounds: list[Round] = []
    memory: dict[str, list[tuple[float, int]]] = {}
    disk: list[tuple[float, tuple[int, int]]] = []
    until = time.monotonic() + seconds
    grouped = people // (3 * GROUP_SIZE) * GROUP_SIZE
    ids = [FIRST_ID + i for i in range(people)]
    crowd = [
        asyncio.create_task(person(client, uid, until, rounds, random.Random(seed * 1000 + uid), clip.read_bytes()))
        for uid in ids[grouped:]
    ]
    chats = {uid: uid for uid in ids[grouped:]}
    for g in range(grouped // GROUP_SIZE):
        chat_id, members = -100_900 - g, ids[g * GROUP_SIZE : (g + 1) * GROUP_SIZE]
        crowd.append(asyncio.create_task(group(client, chat_id, members, until, rounds, random.Random(seed + chat_id))))
        chats[chat_id] = chat_id

    def at(share: float) -> float:
        return scene.started + share * seconds

    trouble = min(1.0, seconds / 300)  # (a minute gets a third of the 429s: a 429 stalls every send 1 s)

    schedule = [
        (at(0.15), lambda: scene.telegram_trouble(trouble)),
        (at(0.3), lambda: scene.kill_replica(leading=True)),
        (at(0.45), lambda: scene.restart_database("fast")),
        (at(0.55), lambda: scene.kill_replica(leading=False)),
        (at(0.65), lambda: scene.cut_network(3.0)),
        (at(0.75), lambda: scene.restart_database("immediate")),
        (at(0.85), lambda: scene.telegram_trouble(trouble)),
    ]
    kill_every = min(30.0, seconds / 2)
    schedule += [(scene.started + k * kill_every, scene.kill_worker) for k in range(1, int(seconds // kill_every) + 1)]
    schedule.sort(key=lambda item: item[0])

    async def faults() -> None:
        for when, fault in schedule:
            await asyncio.sleep(max(0.0, when - time.monotonic()))
            if time.monotonic() < until:
                await fault()

    async def watch() -> None:
        while True:
            rss, size = scene.measure()
            now = time.monotonic() - scene.started
            for name, value in rss.items():
                memory.setdefault(name, []).append((now, value))
            disk.append((now, size))
            await asyncio.sleep(10.0)

    watcher = asyncio.create_task(watch())
    await faults()
    await asyncio.gather(*crowd)
    stopped = time.monotonic()
    await scene.settled(SETTLE_LIMIT)  # a job still queued (a person moved on) is answered late, or never
    settled = time.monotonic() - stopped
    await asyncio.sleep(5.0)  # an answer still on its way, or one sent twice, shows up now
    watcher.cancel()
    scene.measure()
    logs = {chat: await client.sent(chat) for chat in chats}
    count_answers(logs, rounds, PATIENCE)
    elapsed = time.monotonic() - scene.started
    stops = await scene.stop()
    errors = scene.errors()
    report = Report(elapsed, rounds, scene.faults, memory, disk, errors, stops, scene.outages, wall_started, settled)
    report.cpu = scene.cpu_seconds()
    report.group_minutes = [_busiest_minute(log) for chat, log in logs.items() if chat < 0]
    return report


def _busiest_minute(log: list[dict]) -> tuple[int, dict[str, int]]:
    """The most messages and edits the bot made in one group within any 60 s (Telegram allows
    about 20 a minute in a group), and what they were."""
    made = sorted((e for e in log if e.get("kind") in ("message", "edit")), key=lambda e: e["time"])
    most, first, window = 0, 0, (0, 0)
    for last, entry in enumerate(made):
        while entry["time"] - made[first]["time"] > 60:
            first += 1
        if last - first + 1 > most:
            most, window = last - first + 1, (first, last + 1)
    return most, dict(Counter(_what(e) for e in made[window[0] : window[1]]).most_common())


def _what(entry: dict) -> str:
    """A message or edit in a few words: its method and the first word of what it says."""
    message = entry.get("after") or entry.get("message") or {}
    words = (message.get("text") or message.get("caption") or "").split()
    return f"{entry.get('method', entry['kind'])} {words[0] if words else ''}".strip()


def _make_clip(path: Path) -> None:
    from ..clips import make_clip

    make_clip(path, frames=12, fps=12, size=(96, 64))
