"""Time from ▶ Stylize to the "queued" answer, to the first picture (the instant sketch) and to the
finished picture, through the whole bot.

    python -m benchmarks.bot_latency [--quality instant|fast|balanced|best] [--device cpu|cuda] [--taps 20]

Runs the real bot (PTB, SQLite, both engine processes) against the Bot API double on loopback, with
tubingen.jpg as the photo and starry_night.jpg as the style, and prints the figures. Then ``--taps``
more people press ▶ one after another while the first painting still runs, and the time from each
tap to the sketch on their card is printed (p50, p95).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import IMAGES
from bot.app import build_application
from bot.config import Config
from devtools.telegram_double import DoubleClient, TelegramDouble
from tests.bot_harness import photo_with


def sketched(entry) -> bool:
    return entry["kind"] == "edit" and entry["method"] == "editMessageMedia" and "sketch" in entry["after"]["caption"]


async def ready_user(control, user_id: int):
    user = control.user(user_id, f"Bench{user_id}")
    await user.send_photo(IMAGES / "tubingen.jpg")
    await user.wait_for(lambda e: e["kind"] == "message" and "Got your photo" in e["message"]["text"])
    mark = await user.mark()
    await user.send_photo(IMAGES / "starry_night.jpg")
    await user.wait_for(lambda e: e["kind"] == "message" and "Style saved" in e["message"].get("text", ""), since=mark)
    return user


async def taps_while_painting(control, taps: int) -> None:
    """``taps`` people press ▶ one after another while a painting runs: ▶ → the sketch on their card."""
    if taps <= 0:
        return
    first = await ready_user(control, 1000)
    await first.press("go")
    await first.wait_for(lambda e: photo_with(e, "Painting"), timeout=120)
    seconds = []
    for i in range(taps):
        user = await ready_user(control, 1001 + i)
        mark = await user.mark()
        pressed = time.perf_counter()
        await user.press("go")
        await user.wait_for(sketched, since=mark, timeout=60)
        seconds.append(time.perf_counter() - pressed)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    print(f"  ▶ → sketch on the card, {taps} taps while another painting runs: "
          f"p50 {statistics.median(seconds):.2f} s, p95 {p95:.2f} s, max {seconds[-1]:.2f} s")  # fmt: skip


async def run(quality: str, device: str, taps: int) -> None:
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
                user = await ready_user(control, 42)
                if quality != "fast":
                    await user.press("⚙ Settings")
                    await asyncio.sleep(0.3)
                    await user.press(f"q:{quality}")
                    await asyncio.sleep(0.3)
                mark = await user.mark()
                pressed = time.perf_counter()
                await user.press("go")
                await user.wait_for(lambda e: photo_with(e, "Queued"), since=mark)
                queued = time.perf_counter() - pressed
                sketch = None
                if quality != "instant":
                    await user.wait_for(sketched, since=mark, timeout=60)
                    sketch = time.perf_counter() - pressed
                result = await user.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=3600)
                total = time.perf_counter() - pressed
                size, steps = config.presets.get(quality, (1024, 1))
                print(f"quality {quality!r} (up to {size} px, {steps} steps at that size) on {config.engine_device}:")
                print(f"  ▶ Stylize → 'queued, position, ETA' answer: {queued * 1000:.0f} ms")
                if sketch is not None:
                    print(f"  ▶ Stylize → the instant sketch on the card: {sketch:.2f} s")
                print(f"  ▶ Stylize → picture delivered:             {total:.1f} s")
                print(f"  caption: {result['message']['caption']}")
                await taps_while_painting(control, taps)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)
            await app.shutdown()
            await double.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="fast", choices=("instant", "fast", "balanced", "best"))
    parser.add_argument("--device", default="auto")
    parser.add_argument("--taps", type=int, default=20, help="people pressing ▶ while a painting runs (0: none)")
    args = parser.parse_args()
    asyncio.run(run(args.quality, args.device, args.taps))


if __name__ == "__main__":
    main()
