"""Time from ▶ Stylize to the "queued" answer and to the finished picture, through the whole bot.

    python -m benchmarks.bot_latency [--quality fast|balanced|best] [--device cpu|cuda]

Runs the real bot (PTB, SQLite, engine process) against the Bot API double on loopback, with
tubingen.jpg as the photo and starry_night.jpg as the style, and prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks import IMAGES
from bot.app import build_application
from bot.config import Config
from devtools.telegram_double import DoubleClient, TelegramDouble
from tests.bot_harness import photo_with


async def run(quality: str, device: str) -> None:
    double = TelegramDouble()
    await double.start()
    with tempfile.TemporaryDirectory() as data_dir:
        config = Config(
            token=double.token,
            data_dir=Path(data_dir),
            database_url=f"sqlite+aiosqlite:///{data_dir}/bot.sqlite3",
            api_base_url=double.api_url,
            api_file_url=double.file_url,
            engine_device=device,
        )
        app = build_application(config)
        started = time.perf_counter()
        await app.initialize()
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        print(f"bot ready in {time.perf_counter() - started:.1f} s (database, engine process, network loaded)")
        try:
            async with DoubleClient(double.base_url) as control:
                user = control.user(42, "Bench")
                await user.send_photo(IMAGES / "tubingen.jpg")
                await user.wait_for(lambda e: e["kind"] == "message" and "Got your photo" in e["message"]["text"])
                mark = await user.mark()
                await user.send_photo(IMAGES / "starry_night.jpg")
                await user.wait_for(
                    lambda e: e["kind"] == "message" and "Style saved" in e["message"].get("text", ""), since=mark
                )
                if quality != "fast":
                    await user.press("⚙ Settings")
                    await asyncio.sleep(0.3)
                    await user.press(f"q:{quality}")
                    await asyncio.sleep(0.3)
                mark = await user.mark()
                pressed = time.perf_counter()
                await user.press("go")
                await user.wait_for(lambda e: photo_with(e, "Queued"), since=mark, poll=0.005)
                queued = time.perf_counter() - pressed
                result = await user.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=3600, poll=0.1)
                total = time.perf_counter() - pressed
            size, steps = config.presets[quality]
            print(f"preset {quality!r} (up to {size} px, {steps} steps at that size) on {config.engine_device}:")
            print(f"  ▶ Stylize → 'queued, position, ETA' answer: {queued * 1000:.0f} ms")
            print(f"  ▶ Stylize → picture delivered:             {total:.1f} s")
            print(f"  caption: {result['message']['caption']}")
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)
            await app.shutdown()
            await double.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="fast", choices=("fast", "balanced", "best"))
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    asyncio.run(run(args.quality, args.device))


if __name__ == "__main__":
    main()
