"""Chaos at scale: every ▶ answered once while workers, replicas, PostgreSQL and Telegram fail.

    python -m benchmarks.chaos [--people 100] [--seconds 600]      (make bench-chaos)

A throwaway PostgreSQL behind a proxy that drops connections, two webhook replicas behind a
balancer, three workers (simulated painting) and the Bot API double; people send photos, albums,
clips and styles and tap ▶, 🔁, 🏷 and ✖, alone and in groups' bursts (tests/chaos/) while a worker
is killed -9 every 30 s and replaced, the leading and a following replica are killed and replaced,
PostgreSQL restarts (fast, then immediate), the database connections drop, and Telegram posts
updates again and answers 429 and 502. Prints: presses answered once, twice, never (and late);
p50/p95 of press → queued (outside the database's outages) and press → result; each process's
memory and the disk after the first minute and at the end; how long each process took to stop on
SIGTERM; the ERROR lines in their logs. Needs PostgreSQL's server binaries (initdb, pg_ctl).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from devtools.telegram_double import DoubleClient, TelegramDouble
from tests.chaos import play
from tests.postgres import binaries


async def run(people: int, seconds: float, seed: int, keep: Path | None) -> None:
    double = TelegramDouble()
    await double.start()
    try:
        with tempfile.TemporaryDirectory(prefix="paintbot-chaos-") as folder:
            async with DoubleClient(double.base_url) as client:
                report = await play(double, client, keep or Path(folder), people, seconds, seed)
    finally:
        await double.stop()
    print(f"chaos: {people} people for {seconds:.0f} s (seed {seed})")
    for line in report.lines():
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the processes' logs in this new folder")
    args = parser.parse_args()
    if binaries() is None:
        raise SystemExit("chaos: needs PostgreSQL's server binaries (Debian: apt install postgresql)")
    asyncio.run(run(args.people, args.seconds, args.seed, args.keep))


if __name__ == "__main__":
    main()
