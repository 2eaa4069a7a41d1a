"""Running the real bot against the Bot API double, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot.app import build_application
from bot.config import Config
from bot.storage import Job
from devtools.telegram_double import TelegramDouble

from .conftest import picture, stripes
from .fake_engine import FakeEngine

ROOT = Path(__file__).resolve().parents[1]
TINY = {"fast": (48, 4), "balanced": (64, 6), "best": (64, 10)}


class RunningBot:
    def __init__(
        self,
        double: TelegramDouble,
        data_dir,
        progress_interval: float = 0.4,
        presets=None,
        owners: tuple = (),
        group_interval: float = 10.0,
        health_port: int | None = None,
        job_time_limit: float = 1800.0,
        engine: FakeEngine | None = None,
        real_engine: bool = False,
        instant: FakeEngine | None = None,
        video=None,
        database_url: str | None = None,
        print_size: int | None = None,
    ):
        """The bot on a :class:`FakeEngine` (or ``engine``); ``real_engine`` paints with the engine process
        (and the instant and clip processes). ``instant``: a fake instant lane (default: none, as on a
        host without the instant networks); ``video``: who paints clips (default: none)."""
        self.config = Config(
            token=double.token,
            data_dir=data_dir,
            database_url=database_url or f"sqlite+aiosqlite:///{data_dir / 'bot.sqlite3'}",
            api_base_url=double.api_url,
            api_file_url=double.file_url,
            engine_device="cpu",
            presets=presets or TINY,
            progress_interval=progress_interval,
            owners=tuple(owners),
            group_interval=group_interval,
            health_port=health_port,
            job_time_limit=job_time_limit,
            print_size=print_size,
        )
        self.double = double
        self.engine = None if real_engine else (engine or FakeEngine())
        self.instant = instant
        self.video = video
        self.app = build_application(self.config, self.engine, instant, video=video)

    async def start(self) -> RunningBot:
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(poll_interval=0.0, timeout=1)
        return self

    async def stop(self) -> None:
        stopping = asyncio.create_task(self.app.updater.stop())
        await asyncio.sleep(0)  # polling is told to stop first, then its waiting long poll is answered
        await self.double.release_pollers()
        await stopping
        await self.app.stop()
        await self.app.post_shutdown(self.app)
        await self.app.shutdown()

    @property
    def services(self):
        return self.app.bot_data["services"]

    async def settled_jobs(self, timeout: float = 10.0, at_least: int = 0) -> list[Job]:
        """The jobs once none is queued or running (a job is marked done just after its picture is sent)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            jobs = await self.jobs()
            if len(jobs) >= at_least and all(job.status not in ("queued", "running") for job in jobs):
                return jobs
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"jobs still busy: {[(j.id, j.status) for j in jobs]}")
            await asyncio.sleep(0.05)

    async def jobs(self) -> list[Job]:
        async with self.services.db.session() as session:
            return list((await session.execute(select(Job).order_by(Job.id))).scalars())


def free_port() -> int:
    """A TCP port nobody listens on now (for a server a test starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def prepare(user, seed: int = 0) -> None:
    """A photo and one style from ``user``, each answered, so ▶ Stylize is ready."""
    mark = await user.mark()
    await user.send_photo(picture(160, 120, seed=seed))
    await user.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    mark = await user.mark()
    await user.send_photo(stripes(96, 96, period=6 + seed))
    await user.wait_for(lambda e: text_message(e, "Style saved"), since=mark)


async def paint_then_choose_language(user, language: str = "Español") -> None:
    """``user`` paints one picture, then picks ``language`` with /language (what a used bot keeps)."""
    await prepare(user)
    await user.press("▶ Stylize")
    await user.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    await user.send_text("/language")
    await user.wait_for(lambda e: text_message(e, "Pick the language"))
    await user.press(language)
    await user.wait_for(lambda e: e["kind"] == "edit" and language in e["after"].get("text", ""))


def first_caption(entry) -> str:
    return (entry["history"] or [entry["message"]])[0]["caption"]


def text_message(entry, contains: str) -> bool:
    return entry["kind"] == "message" and contains in (entry["message"].get("text") or "")


def photo_with(entry, contains: str) -> bool:
    """A photo the bot sent whose caption says ``contains`` now or said it before an edit."""
    if entry["kind"] != "message" or "photo" not in entry["message"]:
        return False
    captions = [version.get("caption", "") for version in (*entry.get("history", []), entry["message"])]
    return any(contains in caption for caption in captions)


def buttons(entry) -> list[str]:
    return [b["text"] for row in entry["message"].get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def bot_env(double, data_dir, **extra: str) -> dict:
    """The environment of ``python -m bot`` against the double (no token or Bot API settings leak in)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    base = {"TELEGRAM_BOT_TOKEN": double.token, "BOT_API_BASE_URL": double.api_url, "DATA_DIR": str(data_dir)}
    return {**clean, **base, "ENGINE_DEVICE": "cpu", **extra}


def start_bot_process(env: dict) -> subprocess.Popen:
    """The bot as its own process, as `make run` starts it (its output discarded)."""
    return subprocess.Popen(
        [sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def end_bot_process(process: subprocess.Popen) -> None:
    """SIGTERM, and wait for it to exit. It blocks: from a test whose double runs on its event loop,
    call it in a thread (``asyncio.to_thread``), or the bot's last getUpdates waits out its timeout."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()


#: The group the permission, order and language tests play in.
ART_CLUB = -100777


def member(client, user_id: int, name: str, **extra):
    """A member of ART_CLUB (a supergroup)."""
    return client.user(user_id, name, chat_id=ART_CLUB, chat_type="supergroup", title="Art club", **extra)


def answer_to(entry, data: str) -> bool:
    return entry["kind"] == "callback_answer" and entry["data"] == data


async def painted(running, user) -> int:
    """``user`` paints one picture; its job id."""
    await prepare(user)
    await user.press("▶ Stylize")
    await user.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    jobs = await running.settled_jobs()
    return jobs[-1].id


async def draft_of(running, user_id: int):
    from sqlalchemy import select

    from bot.storage import Draft

    async with running.services.db.session() as session:
        return (await session.execute(select(Draft).where(Draft.user_id == user_id))).scalar_one()
