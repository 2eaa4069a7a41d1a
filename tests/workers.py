"""Workers mode for tests: bot replicas and workers as real processes on a real PostgreSQL, and a small
round-robin balancer in front of the replicas' webhooks (what nginx or a cloud load balancer does)."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import text

from bot.storage import Database

from .bot.test_webhook import SECRET
from .bot_harness import ROOT, bot_env, free_port


class Balancer:
    """Forwards each POST to the next replica that answers (a dead one is skipped)."""

    def __init__(self, ports: list[int]):
        self.ports, self.port = list(ports), free_port()
        self.forwarded: dict[int, int] = dict.fromkeys(ports, 0)
        self.only: int | None = None  #: send everything to this replica (a test's choice)
        self._turn = itertools.count()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    async def start(self) -> Balancer:
        app = web.Application()
        app.router.add_post("/telegram", self._forward)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()
        await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        body, headers = await request.read(), {k: v for k, v in request.headers.items() if k.lower() != "host"}
        for _ in range(len(self.ports)):
            port = self.only or self.ports[next(self._turn) % len(self.ports)]
            try:
                async with self._session.post(f"http://127.0.0.1:{port}/telegram", data=body, headers=headers) as r:
                    self.forwarded[port] = self.forwarded.get(port, 0) + 1
                    return web.Response(status=r.status, body=await r.read())
            except aiohttp.ClientError:
                continue
        return web.Response(status=502)


def replica_env(
    double, folder: Path, database_url: str, store: Path, balancer: Balancer | None, port: int | None, **extra
) -> dict:
    """A replica's environment: webhook mode behind ``balancer`` on ``port``, or long polling (None)."""
    webhook = {"WEBHOOK_URL": balancer.url, "WEBHOOK_SECRET": SECRET, "WEBHOOK_PORT": str(port)} if balancer else {}
    settings = {"BOT_PRESETS": "fast=64x4,balanced=64x6,best=64x8", **extra}
    return bot_env(
        double,
        folder,
        DATABASE_URL=database_url,
        ENGINE="workers",
        PICTURE_STORE=str(store),
        WORKER_STALE_AFTER="3",
        **webhook,
        **settings,
    )


def start_replica(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def start_worker(
    database_url: str, store: Path, log: Path, name: str, simulate: float | None = 1.0, **extra
) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))},
        "DATABASE_URL": database_url,
        "PICTURE_STORE": str(store),
        "WORKER_NAME": name,
        "WORKER_HEARTBEAT": "0.5",
        "ENGINE_DEVICE": "cpu",
        **extra,
    }
    command = [sys.executable, "-m", "worker"] + (["--simulate", str(simulate)] if simulate is not None else [])
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen, kill: bool = False) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


async def until(condition, timeout: float, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await condition()
        if value:
            return value
        await asyncio.sleep(every)
    raise AssertionError(f"not within {timeout} s")


async def leader(db: Database, timeout: float = 60, other_than: int | None = None) -> int:
    """The process id of the replica that holds the lease (bot.jobs.leadership names its connection),
    once it is not ``other_than``."""

    async def holder():
        async with db.engine.connect() as connection:
            name = await connection.execute(
                text(
                    "select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid"
                    " where l.locktype = 'advisory' and l.granted and a.application_name like 'paintbot-replica-%'"
                )
            )
            found = name.scalar_one_or_none()
            pid = int(found.rsplit("-", 1)[1]) if found else None
            return pid if pid != other_than else None

    return await until(holder, timeout)
