"""Twenty clips in a row through the bot as `make run` starts it (``python -m bot`` against the Bot
API double, with its own engine processes): the resident memory of the bot and of each of its
engine processes after each clip, and what is left in the engines' temporary folder. The goal:
all flat after the first clip, nothing left behind.

    python -m benchmarks.clips_in_a_row [--clips 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path


def rss(pid: int) -> float:
    """Resident memory of a process, MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as found:
        return [int(child) for child in found.read().split()]


def command(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as line:
        return line.read().replace(b"\0", b" ").decode(errors="replace")


async def clips_in_a_row(count: int) -> None:
    from devtools.telegram_double import DoubleClient, TelegramDouble
    from engine.job_folder import root
    from tests.bot_harness import bot_env, end_bot_process, start_bot_process
    from tests.clips import make_clip
    from tests.conftest import stripes

    folder = Path(tempfile.mkdtemp(prefix="paintbot-bench-"))
    double = TelegramDouble()
    await double.start()
    bot = start_bot_process(bot_env(double, folder / "data", BOT_PRESETS="fast=64x4,balanced=64x6,best=64x8"))
    try:
        async with DoubleClient(double.base_url) as client:
            ann = client.user(9301, "Ann")
            await ann.send_photo(stripes(96, 96), caption="style")
            await ann.wait_for(lambda e: e["kind"] == "message", timeout=120)
            engines = children(bot.pid)  # the painting, instant and clip engines (and the checks' processes)
            print("clip  bot MB  " + "  ".join(f"child {pid} MB" for pid in engines) + "  job folders left")
            for n in range(1, count + 1):
                clip = make_clip(folder / f"clip{n}.mp4", frames=36, fps=12, size=(320, 240), step=3 + n % 4)
                mark = await ann.mark()
                await ann.send_clip("video", clip.read_bytes())
                await ann.wait_for(lambda e: "▶" in str(e), since=mark, timeout=30)
                await ann.press("▶ Stylize")
                await ann.wait_for(
                    lambda e: e["kind"] == "message" and "video" in e["message"], since=mark, timeout=120
                )
                left = len(list(root().iterdir())) if root().exists() else 0
                memory = "  ".join(f"{rss(pid):12.0f}" for pid in engines)
                print(f"{n:4d} {rss(bot.pid):7.0f}  {memory}  {left:16d}")
            for pid in engines:
                print(f"child {pid}: {command(pid)[:100]}")
    finally:
        end_bot_process(bot)
        await double.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clips", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    asyncio.run(clips_in_a_row(args.clips))


if __name__ == "__main__":
    main()
