"""``python -m devtools.demo`` (``make demo``): the Bot API double, the real bot against it, and the web
chat at http://127.0.0.1:8080 (``DEMO_PORT``, ``DEMO_HOST``). Ctrl-C stops all three."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from aiohttp import web

from devtools.telegram_double.server import TelegramDouble
from worker.waiting import woken

from .web import PEOPLE, make_app


def bot_environment(double: TelegramDouble, data_dir: Path) -> dict:
    """The real bot's environment: the double instead of Telegram, Ann as its owner."""
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN" and not k.startswith("BOT_API")}
    return {
        **env,
        "TELEGRAM_BOT_TOKEN": double.token,
        "BOT_API_BASE_URL": double.api_url,
        "BOT_API_FILE_URL": double.file_url,
        "DATA_DIR": str(data_dir),
        "BOT_OWNERS": os.environ.get("BOT_OWNERS", str(PEOPLE[0].id)),
    }


async def serve(args: argparse.Namespace) -> None:
    double = TelegramDouble()
    await double.start()  # a free port on 127.0.0.1: only the bot and this process talk to it
    if not args.keep and args.data_dir.exists():
        # The double keeps chats in memory: a bot that remembered drafts and jobs from the last run
        # would answer to messages the page no longer shows. Each demo starts as a new chat.
        shutil.rmtree(args.data_dir)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    bot = subprocess.Popen([sys.executable, "-m", "bot"], env=bot_environment(double, args.data_dir))
    runner = web.AppRunner(make_app(double))
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    port = runner.addresses[0][1]
    print(f"Demo chat on http://{args.host}:{port}/  (open a second tab as Bob: "
          f"http://{args.host}:{port}/?as=bob) — Ctrl-C stops it", flush=True)  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        while not stop.is_set() and bot.poll() is None:
            await woken(stop, 0.5)
        if bot.poll() is not None:
            print(f"the bot stopped (exit status {bot.returncode}); see its log above", file=sys.stderr)
    finally:
        if bot.poll() is None:
            bot.terminate()
            # The bot's last calls go to the double on this loop; its waiting long poll is answered at
            # once (as Telegram would at its timeout), so it stops in a moment, not a poll's length.
            for _ in range(100):
                await double.release_pollers()
                if bot.poll() is not None:
                    break
                await asyncio.sleep(0.2)
            if bot.poll() is None:
                bot.kill()
        await runner.cleanup()
        await double.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("DEMO_HOST", "127.0.0.1"),
                        help="address to serve the page on (default 127.0.0.1: this machine only)")  # fmt: skip
    parser.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8080")))
    parser.add_argument("--data-dir", type=Path, default=Path("data/demo"), help="the demo bot's database and files")
    parser.add_argument("--keep", action="store_true", default=bool(os.environ.get("DEMO_KEEP")),
                        help="keep the bot's database from the last run (DEMO_KEEP=1); the chats start empty "
                             "all the same, since the Bot API double keeps them in memory")  # fmt: skip
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
