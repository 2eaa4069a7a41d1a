"""Throughput and time-to-first-reply with many users at once, through the whole bot.

    python -m benchmarks.load [--users 50] [--size 48] [--steps 4]

The real bot (PTB, SQLite, engine process) against the Bot API double on loopback; every user
sends a photo and a style and taps ▶ Stylize at the same moment. Prints jobs per second, the
p50/p95 time from the tap to the "queued" answer, and whether anyone got nothing or twice.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from devtools.telegram_double import DoubleClient, TelegramDouble
from tests.bot_harness import RunningBot
from tests.load import simulate


async def run(users: int, size: int, steps: int) -> None:
    double = TelegramDouble()
    await double.start()
    presets = {"fast": (size, steps), "balanced": (size, steps), "best": (size, steps)}
    with tempfile.TemporaryDirectory() as data_dir:
        running = await RunningBot(
            double, Path(data_dir), progress_interval=3.0, presets=presets, real_engine=True
        ).start()
        try:
            async with DoubleClient(double.base_url) as client:
                report = await simulate(client, users)
        finally:
            await running.stop()
            await double.stop()
    counts = list(report.results.values())
    print(f"{users} users at once, pictures {size} px / {steps} steps, engine on the CPU")
    print(f"  all painted in {report.seconds:.1f} s: {report.throughput:.2f} jobs/s")
    print(
        f"  tap → 'queued' answer: p50 {statistics.median(report.first_reply) * 1000:.0f} ms, "
        f"p95 {report.p95_first_reply * 1000:.0f} ms, max {max(report.first_reply) * 1000:.0f} ms"
    )
    print(f"  lost: {counts.count(0)}, sent twice: {sum(1 for c in counts if c > 1)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.users, args.size, args.steps))


if __name__ == "__main__":
    main()
