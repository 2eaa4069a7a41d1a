"""Chaos at scale: the whole bot under faults while people use it, and what each of them got.

A throwaway PostgreSQL behind a TCP proxy that can drop every connection, two webhook replicas
behind a balancer, three ``python -m worker`` processes (simulated painting: what is measured is
our orchestration) and the Bot API double. People send a photo and a style and tap ▶ (some then
✖, some ask /help first), over and over, while on a schedule: a worker is killed (-9) and replaced
as an orchestrator would, the leading replica is killed and replaced, PostgreSQL restarts (fast and
immediate), the proxy drops the database connections, Telegram posts updates again and answers 429
and 502 for a while. Every ▶ is then counted: answered once, twice or never.

Used by ``benchmarks/chaos.py`` (ten minutes, a hundred people: the figures; ``--seconds 60``: a
minute of it).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import statistics
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage import Database
from devtools.telegram_double.client import ControlError, gist

from .bot_harness import free_port, photo_with, text_message
from .conftest import picture, stripes
from .postgres import Cluster, new_database
from .workers import Balancer, leader, replica_env, start_replica, start_worker, stop

#: What answers a ▶: the painting, or the card saying it was cancelled or could not be painted.
ANSWERS = ("Done in", "Cancelled", "could not paint", "something went wrong")
FAILURES = ANSWERS[2:]
ERROR_LINE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")


class Proxy:
    """A TCP proxy in front of PostgreSQL that can cut every connection and refuse new ones a while
    (a network hiccup between the bot and its database)."""

    def __init__(self, target_port: int):
        self.target, self.port = target_port, free_port()
        self.closed_until = 0.0
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()

    async def start(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        self.cut(0)
        self._server.close()

    def url(self, server_url: str) -> str:
        return server_url.replace(f":{self.target}/", f":{self.port}/")

    def cut(self, seconds: float) -> None:
        """Drop every open connection now and refuse new ones for ``seconds``."""
        self.closed_until = time.monotonic() + seconds
        for a, b in list(self._links):
            a.transport.abort()
            b.transport.abort()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if time.monotonic() < self.closed_until:
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, up_writer)
        self._links.add(link)
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            self._links.discard(link)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.transport.abort()


@dataclass
class Round:
    """One ▶ of one person."""

    user: int
    mark: int  #: the chat log's length as the round began
    pressed: float  #: time.monotonic() at ▶
    queued: float | None = None  #: seconds from ▶ to the queued card
    painted: float | None = None  #: seconds from ▶ to the painting
    cancelled: bool = False
    answers: int = 0  #: answers counted in this round's stretch of the chat, at the end
    again: bool = False  #: answered "something went wrong, try again" (the database was away)
    failed: bool = False  #: answered that it could not be painted (counted as answered, and told apart)
    seen: list[str] = field(default_factory=list)  #: a round never answered: what its chat shows


@dataclass
class Report:
    seconds: float
    rounds: list[Round]
    faults: list[tuple[float, str]]  #: (seconds from the start, what happened)
    memory: dict[str, list[tuple[float, int]]]  #: process → (seconds, RSS bytes)
    disk: list[tuple[float, tuple[int, int]]]  #: (seconds, (bytes of the picture store, of the database))
    errors: list[str]  #: ERROR lines and tracebacks in the processes' logs
    stops: dict[str, float]  #: process → seconds it took to stop when told to (SIGTERM)
    outages: list[tuple[float, float]] = field(default_factory=list)  #: database down (from, to), monotonic
    started: float = 0.0  #: time.monotonic() as the scene began

    @property
    def counted(self) -> Counter:
        """Rounds by answers: 0 never, 1 once (a "try again" counts: the person was told), 2 twice or more."""
        return Counter(min(r.answers + (r.again and not r.answers), 2) for r in self.rounds)

    def quantiles(self, values: list[float]) -> tuple[float, float]:
        if not values:
            return float("nan"), float("nan")
        if len(values) == 1:
            return values[0], values[0]
        return statistics.median(values), statistics.quantiles(values, n=20)[-1]

    def queued(self, outside_outages: bool = True) -> list[float]:
        def calm(r: Round) -> bool:
            return not any(start - 1 <= r.pressed <= end + 1 for start, end in self.outages)

        return [r.queued for r in self.rounds if r.queued is not None and (calm(r) or not outside_outages)]

    def lines(self) -> list[str]:
        counted = self.counted
        q50, q95 = self.quantiles(self.queued())
        a50, a95 = self.quantiles(self.queued(outside_outages=False))
        p50, p95 = self.quantiles([r.painted for r in self.rounds if r.painted is not None])
        out = [
            f"{len(self.rounds)} ▶ in {self.seconds:.0f} s by {len({r.user for r in self.rounds})} people; "
            f"{sum(r.cancelled for r in self.rounds)} then ✖",
            f"answered once {counted[1]} (of them {sum(r.again and not r.answers for r in self.rounds)} "
            f"'something went wrong, try again' to ▶, {sum(r.failed for r in self.rounds)} a failed job), "
            f"twice or more {counted[2]}, never {counted[0]}",
            f"▶ → queued: p50 {q50:.2f} s, p95 {q95:.2f} s outside the database's outages "
            f"(p50 {a50:.2f} s, p95 {a95:.2f} s with them)",
            f"▶ → painting: p50 {p50:.1f} s, p95 {p95:.1f} s",
            "faults: " + "; ".join(f"{at:.0f} s {what}" for at, what in self.faults),
        ]
        for name, samples in sorted(self.memory.items()):
            if samples:
                first = next((rss for at, rss in samples if at >= 60), samples[0][1])
                out.append(
                    f"memory {name}: {first / 2**20:.0f} MB after the first minute → {samples[-1][1] / 2**20:.0f} MB"
                )
        if self.disk:
            first = next((size for at, size in self.disk if at >= 60), self.disk[0][1])
            for k, what in enumerate(("picture store (a cache pruned at 2 GB or 7 days)", "database")):
                out.append(
                    f"disk, {what}: {first[k] / 2**20:.1f} MB after the first minute → "
                    f"{self.disk[-1][1][k] / 2**20:.1f} MB"
                )
        out.append("stopped on SIGTERM in: " + ", ".join(f"{n} {s:.1f} s" for n, s in sorted(self.stops.items())))
        for r in [r for r in self.rounds if r.seen][:4]:
            out.append(f"never answered: person {r.user}, ▶ at {r.pressed - self.started:.0f} s; the chat:")
            out += [f"    {line}" for line in r.seen]
        out.append(f"ERROR lines in the logs: {len(self.errors)}")
        out += [f"  {line}" for line in dict.fromkeys(self.errors)][:12]
        return out


class Scene:
    """The processes, the database and the network between them, with their faults."""

    def __init__(self, double, folder: Path, workers: int = 3, simulate: float = 0.5, seed: int = 0):
        self.double, self.folder = double, folder
        self.store, self.logs = folder / "store", folder / "logs"
        self.store.mkdir(parents=True)
        self.logs.mkdir()
        self.worker_count, self.simulate = workers, simulate
        self.replicas: dict[int, subprocess.Popen] = {}  #: webhook port → process
        self.workers: list[subprocess.Popen] = []
        self.started = time.monotonic()
        self.faults: list[tuple[float, str]] = []
        self.outages: list[tuple[float, float]] = []
        self._names = 0
        self.rng = random.Random(seed)

    async def start(self) -> Scene:
        self.cluster = Cluster()
        server = await asyncio.to_thread(self.cluster.start)
        direct = await new_database(server)
        self.db = Database(direct)
        await self.db.migrate()
        self.proxy = await Proxy(self.cluster.port).start()
        self.url = self.proxy.url(direct)
        ports = [free_port(), free_port()]
        self.balancer = await Balancer(ports).start()
        for port in ports:
            self.start_replica(port)
        for _ in range(self.worker_count):
            self.start_worker()
        await leader(self.db, timeout=120)
        self.started = time.monotonic()
        return self

    def start_replica(self, port: int) -> None:
        self._names += 1
        env = replica_env(self.double, self.folder / f"r{self._names}", self.url, self.store, self.balancer, port)
        self.replicas[port] = start_replica(env, self.logs / f"replica-{self._names}.log")

    def start_worker(self) -> None:
        self._names += 1
        name = f"w{self._names}"
        self.workers.append(start_worker(self.url, self.store, self.logs / f"{name}.log", name, self.simulate))

    def note(self, what: str) -> None:
        self.faults.append((time.monotonic() - self.started, what))

    # ---------------------------------------------------------------- faults
    async def kill_worker(self) -> None:
        alive = [w for w in self.workers if w.poll() is None]
        if alive:
            await asyncio.to_thread(stop, self.rng.choice(alive), True)
        self.start_worker()
        self.note("worker killed -9, replaced")

    async def kill_leader(self) -> None:
        pid = await leader(self.db, timeout=30)
        port = next((p for p, r in self.replicas.items() if r.pid == pid), None)
        if port is None:
            return
        await asyncio.to_thread(stop, self.replicas[port], True)
        self.note("leading replica killed -9")
        await asyncio.sleep(5.0)
        self.start_replica(port)
        self.note("replica replaced")

    async def restart_database(self, mode: str) -> None:
        began = time.monotonic()
        await asyncio.to_thread(self.cluster.restart, mode)
        self.outages.append((began, time.monotonic()))
        self.note(f"PostgreSQL restarted ({mode}, {time.monotonic() - began:.1f} s)")

    def cut_network(self, seconds: float) -> None:
        self.proxy.cut(seconds)
        now = time.monotonic()
        self.outages.append((now, now + seconds))
        self.note(f"database connections dropped, refused for {seconds:.0f} s")

    async def telegram_trouble(self) -> None:
        self.double.faults.append({"method": "*", "times": 30, "error_code": 429, "retry_after": 1})
        self.double.faults.append({"method": "*", "times": 10, "error_code": 502, "description": "Bad Gateway"})
        reposted = await self.double.repost(20)
        self.note(f"Telegram: 429 ×30, 502 ×10, {reposted} updates posted again")

    # ---------------------------------------------------------------- watching
    def measure(self) -> tuple[dict[str, int], tuple[int, int]]:
        """RSS of each process now, and the bytes on disk of the picture store and of the database."""
        rss = {}
        for port, replica in self.replicas.items():
            rss[f"replica :{port}"] = _rss(replica.pid)
        rss["workers (sum)"] = sum(_rss(w.pid) for w in self.workers if w.poll() is None)
        rss["postgres (sum)"] = sum(_rss(pid) for pid in _postgres(self.cluster.folder / "data"))
        return rss, (_du(self.store), _du(self.cluster.folder))

    async def stop(self) -> dict[str, float]:
        """SIGTERM to each process; how long each took to stop."""
        took = {}

        def timed(name: str, process: subprocess.Popen) -> None:
            began = time.monotonic()
            stop(process)
            took[name] = time.monotonic() - began

        named = [(f"replica :{p}", r) for p, r in self.replicas.items() if r.poll() is None]
        named += [(f"worker {i}", w) for i, w in enumerate(self.workers) if w.poll() is None]
        await asyncio.gather(*(asyncio.to_thread(timed, n, p) for n, p in named))
        await self.balancer.stop()
        await self.proxy.stop()
        await self.db.close()
        await asyncio.to_thread(self.cluster.stop)
        return took

    def errors(self) -> list[str]:
        found = []
        for log in sorted(self.logs.glob("*.log")):
            for line in log.read_text(errors="replace").splitlines():
                if ERROR_LINE.search(line):
                    found.append(f"{log.stem}: {line.strip()[:160]}")
        return found


async def person(client, user_id: int, until: float, rounds: list[Round], rng: random.Random) -> None:
    """Photo, style, ▶ — sometimes /help first, sometimes ✖ once queued — until ``until``. A wait
    that runs out moves on to the next round (what counts is what the chat holds at the end)."""
    user = client.user(user_id, f"P{user_id}")
    while time.monotonic() < until:
        mark = await user.mark()
        try:
            if rng.random() < 0.1:
                await user.send_text("/help")
                await user.wait_for(lambda e: text_message(e, "/"), since=mark, timeout=60)
            await ready(user, rng.randrange(4))
            mark, pressed = await user.mark(), time.monotonic()
            await user.press("▶ Stylize")
        except (TimeoutError, ControlError):
            continue
        round_ = Round(user_id, mark, pressed)
        rounds.append(round_)
        try:
            said = await user.wait_for(
                lambda e: photo_with(e, "Queued") or _answered(e) or _try_again(e), since=mark, timeout=90
            )
            if _try_again(said):
                continue
            round_.queued = time.monotonic() - pressed
            if rng.random() < 0.15:
                round_.cancelled = True
                with contextlib.suppress(ControlError):  # (painted already: its ✖ is gone)
                    await user.press("✖ Cancel")
            await user.wait_for(_answered, since=mark, timeout=120)
            if not round_.cancelled:
                round_.painted = time.monotonic() - pressed
        except TimeoutError:
            continue


async def ready(user, seed: int) -> None:
    """A photo (and a style where the bot has none kept from the last painting): ▶ is ready."""
    mark = await user.mark()
    await user.send_photo(picture(160, 120, seed=seed))
    said = await user.wait_for(
        lambda e: text_message(e, "Got your photo") or text_message(e, "New photo"), since=mark, timeout=60
    )
    if "Got your photo" in said["message"]["text"]:
        mark = await user.mark()
        await user.send_photo(stripes(96, 96, period=6 + seed))
        await user.wait_for(lambda e: text_message(e, "Style saved"), since=mark, timeout=60)


def _try_again(entry: dict) -> bool:
    """The ▶'s answer saying it could not be taken now (a reply, or a toast): the person taps again."""
    if entry["kind"] == "callback_answer":
        return "try again" in (entry.get("text") or "")
    return text_message(entry, "Please try again")


def _answered(entry: dict) -> bool:
    return any(photo_with(entry, words) or text_message(entry, words) for words in ANSWERS)


async def count_answers(client, rounds: list[Round]) -> None:
    """Each round's answers: those in its stretch of its person's chat (to the next round's start)."""
    by_user: dict[int, list[Round]] = {}
    for r in rounds:
        by_user.setdefault(r.user, []).append(r)
    for user_id, own in by_user.items():
        log = await client.sent(user_id)
        own.sort(key=lambda r: r.mark)
        for r, after in zip(own, [*own[1:], None]):
            stretch = log[r.mark : after.mark if after else len(log)]
            r.answers = sum(1 for e in stretch if _answered(e))
            r.again = any(_try_again(e) for e in stretch)
            r.failed = any(photo_with(e, w) or text_message(e, w) for e in stretch for w in FAILURES)
            if not r.answers and not r.again:
                r.seen = [gist(e) for e in log[max(0, r.mark - 2) : r.mark + 4]]


async def play(double, client, folder: Path, people: int, seconds: float, seed: int = 0) -> Report:
    """The scene for ``seconds`` with ``people``, faults on a schedule scaled to its length."""
    scene = await Scene(double, folder, seed=seed).start()
    rounds: list[Round] = []
    memory: dict[str, list[tuple[float, int]]] = {}
    disk: list[tuple[float, tuple[int, int]]] = []
    until = time.monotonic() + seconds
    first_id = 20_000
    crowd = [
        asyncio.create_task(person(client, first_id + i, until, rounds, random.Random(seed * 1000 + i)))
        for i in range(people)
    ]

    def at(share: float) -> float:
        return scene.started + share * seconds

    schedule = [
        (at(0.15), lambda: scene.telegram_trouble()),
        (at(0.3), lambda: scene.kill_leader()),
        (at(0.45), lambda: scene.restart_database("fast")),
        (at(0.6), lambda: _sync(scene.cut_network, 3.0)),
        (at(0.75), lambda: scene.restart_database("immediate")),
        (at(0.85), lambda: scene.telegram_trouble()),
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
        while time.monotonic() < until + 30:
            rss, size = scene.measure()
            now = time.monotonic() - scene.started
            for name, value in rss.items():
                memory.setdefault(name, []).append((now, value))
            disk.append((now, size))
            await asyncio.sleep(10.0)

    watcher = asyncio.create_task(watch())
    await faults()
    await asyncio.gather(*crowd)
    await asyncio.sleep(5.0)  # an answer still on its way, or one sent twice, shows up now
    watcher.cancel()
    await count_answers(client, rounds)
    elapsed = time.monotonic() - scene.started
    stops = await scene.stop()
    return Report(elapsed, rounds, scene.faults, memory, disk, scene.errors(), stops, scene.outages, scene.started)


async def _sync(function, *args) -> None:
    function(*args)


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _postgres(data: Path) -> list[int]:
    """The server's processes: the postmaster (its pid file) and its children."""
    try:
        main = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return []
    found = [main]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == main:
                    found.append(int(entry.name))
    return found


def _du(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        with contextlib.suppress(OSError):
            if path.is_file():
                total += path.stat().st_size
    return total
