"""The chaos scene's processes, its database and the network between them, with their faults."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import subprocess
import time
from pathlib import Path

from sqlalchemy import text

from bot.storage import Database

from ..bot_harness import free_port
from ..postgres import Cluster, new_database
from ..workers import Balancer, leader, replica_env, start_replica, start_worker, stop

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
        self.outages: list[tuple[float, float]] = []  #: the database down (from, to), wall clock
        self._names = 0
        self.rng = random.Random(seed)
        self.cpu: dict[int, tuple[str, float]] = {}  #: pid → (which kind of process, CPU seconds last seen)

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

    async def kill_replica(self, leading: bool) -> None:
        """kill -9 of the replica that leads (or of one that follows), replaced 5 s later."""
        pid = await leader(self.db, timeout=30)
        port = next((p for p, r in self.replicas.items() if (r.pid == pid) == leading), None)
        if port is None:
            return
        await asyncio.to_thread(stop, self.replicas[port], True)
        self.note(f"{'leading' if leading else 'following'} replica killed -9")
        await asyncio.sleep(5.0)
        self.start_replica(port)
        self.note("replica replaced")

    async def restart_database(self, mode: str) -> None:
        began = time.time()
        await asyncio.to_thread(self.cluster.restart, mode)
        self.outages.append((began, time.time()))
        self.note(f"PostgreSQL restarted ({mode}, {time.time() - began:.1f} s)")

    async def cut_network(self, seconds: float) -> None:
        self.proxy.cut(seconds)
        now = time.time()
        self.outages.append((now, now + seconds))
        self.note(f"database connections dropped, refused for {seconds:.0f} s")

    async def telegram_trouble(self, scale: float = 1.0) -> None:
        """Telegram answers 429 (retry after 1 s) and 502 a while and posts recent updates again;
        ``scale`` 1 is ten minutes' worth (30 and 10 answers, 20 updates)."""
        too_many, bad, again = (max(1, round(n * scale)) for n in (30, 10, 20))
        self.double.faults.append({"method": "*", "times": too_many, "error_code": 429, "retry_after": 1})
        self.double.faults.append({"method": "*", "times": bad, "error_code": 502, "description": "Bad Gateway"})
        reposted = await self.double.repost(again)
        self.note(f"Telegram: 429 ×{too_many}, 502 ×{bad}, {reposted} updates posted again")

    async def settled(self, limit: float) -> None:
        """Until no job is queued or running (or ``limit`` seconds)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):  # (a query meeting the last fault's tail: look again)
                async with self.db.engine.connect() as connection:
                    busy = await connection.execute(
                        text("select count(*) from jobs where status in ('queued', 'running')")
                    )
                    if not busy.scalar_one():
                        return
            await asyncio.sleep(1.0)

    # ---------------------------------------------------------------- watching
    def measure(self) -> tuple[dict[str, int], tuple[int, int]]:
        """RSS of each process now, and the bytes on disk of the picture store and of the database
        (and, in ``cpu``, the CPU time each process has used so far)."""
        rss = {}
        for port, replica in self.replicas.items():
            rss[f"replica :{port}"] = _rss(replica.pid)
        rss["workers (sum)"] = sum(_rss(w.pid) for w in self.workers if w.poll() is None)
        postgres = _postgres(self.cluster.folder / "data")
        rss["postgres (sum)"] = sum(_rss(pid) for pid in postgres)
        named = [("replicas", r.pid) for r in self.replicas.values()] + [("workers", w.pid) for w in self.workers]
        for kind, pid in named + [("postgres", pid) for pid in postgres] + [("the scene", os.getpid())]:
            if (seconds := _cpu(pid)) is not None:
                self.cpu[pid] = (kind, seconds)
        return rss, (_du(self.store), _du(self.cluster.folder))

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used by each kind of process (the killed ones up to their last measure); "the
        scene" is this process: the Bot API double, the people, the balancer and the proxy."""
        totals: dict[str, float] = {}
        for kind, seconds in self.cpu.values():
            totals[kind] = totals.get(kind, 0.0) + seconds
        return totals

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


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu(pid: int) -> float | None:
    """User and system CPU seconds of a process (and its threads) so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
