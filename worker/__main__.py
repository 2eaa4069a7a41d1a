"""``python -m worker`` (or ``paintbot-worker``): paint jobs from the shared queue on this host.

Reads DATABASE_URL (PostgreSQL, the bot's), PICTURE_STORE (the shared picture directory as this
host mounts it; default DATA_DIR/files), WORKER_CONCURRENCY (jobs at once, one engine each),
ENGINE_DEVICE, ENGINE_WEIGHTS, WORKER_NAME, WORKER_HEARTBEAT; options override them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys

from .host import Host, WorkerConfig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, help="jobs painted at once (WORKER_CONCURRENCY, default 1)")
    parser.add_argument("--device", help="auto, cpu, cuda, cuda:1… (ENGINE_DEVICE)")
    parser.add_argument("--name", help="this worker's name in the queue (WORKER_NAME; default host-pid)")
    parser.add_argument(
        "--simulate", type=float, metavar="SECONDS", help="paint nothing: each job takes SECONDS (benchmarks, tests)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    from .outages import QuietOutages

    for handler in logging.getLogger().handlers:
        handler.addFilter(QuietOutages())
    try:
        config = WorkerConfig.from_env(
            concurrency=args.concurrency, device=args.device, name=args.name, simulate=args.simulate
        )
        from .queue import dsn

        dsn(config.database_url)
        if config.concurrency < 1:
            raise ValueError("WORKER_CONCURRENCY must be 1 or more")
    except ValueError as exc:
        print(f"paintbot-worker: {exc}", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Host(config).run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
