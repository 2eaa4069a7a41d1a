"""Scaling out with ENGINE=workers: throughput and time-to-result for 1, 2, 4, 8 workers.

    python -m benchmarks.scale [--jobs 200] [--seconds 0.5] [--workers 1,2,4,8] [--real-jobs 6]

Everything real but the painting: a throwaway PostgreSQL cluster, procrastinate, ``python -m worker``
processes (``--simulate SECONDS``: a fixed time per job, so what is measured is our orchestration),
the bot's RemoteEngine and Supervisor, and a feeder that does what the painting replica's dispatcher
does — keep exactly the live workers' slots busy, taking jobs from the fair queue (20 people).
All jobs are queued at once; time-to-result counts from then. Then the real engine (VGG19 on this
machine's CPU, 64 px) with 1 and 2 workers. Telegram is not in the loop (tests/stories/test_workers.py has it).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.jobs.fair_queue import FairQueue
from bot.jobs.supervisor import Supervisor
from bot.storage import Database
from engine.settings import StyleSettings
from tests.conftest import picture, stripes
from tests.postgres import Cluster, new_database
from worker.protocol import JobSpec
from worker.remote import RemoteEngine
from worker.store import DirectoryStore

ROOT = Path(__file__).resolve().parents[1]
PEOPLE = 20


def start_workers(n: int, url: str, store: Path, simulate: float | None, logs: Path) -> list[subprocess.Popen]:
    threads = str(max(1, (os.cpu_count() or 1) // n))  # real engines share the CPU evenly
    processes = []
    for i in range(n):
        env = {**os.environ, "DATABASE_URL": url, "PICTURE_STORE": str(store), "WORKER_NAME": f"bench-{i}",
               "WORKER_HEARTBEAT": "1", "ENGINE_DEVICE": "cpu", "OMP_NUM_THREADS": threads}  # fmt: skip
        command = [sys.executable, "-m", "worker"] + (["--simulate", str(simulate)] if simulate is not None else [])
        log = (logs / f"worker-{n}-{i}.log").open("ab")
        processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    return processes


async def run_jobs(url: str, store: Path, workers: int, jobs: int, settings: StyleSettings) -> dict:
    engine = RemoteEngine(url, DirectoryStore(store), stale_after=5.0, poll=0.5)
    await engine.start()
    deadline = time.monotonic() + 300
    while engine.slots() < workers:  # every worker loaded and registered
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not start (see their logs)")
        await asyncio.sleep(0.2)
    supervisor = Supervisor(engine, time_limit=600)
    content, style = store / "content.jpg", store / "style.jpg"
    queue = FairQueue()
    for job in range(jobs):
        queue.push(job, job % PEOPLE)
    finished: dict[int, float] = {}
    outcomes: list[str] = []
    active: set[asyncio.Task] = set()
    slot_free = asyncio.Event()

    async def paint(job: int) -> None:
        spec = JobSpec.style(str(content), [str(style)], str(store / "out" / f"{job}.png"), settings)
        outcome = await supervisor.run(str(job), spec, on_progress)
        outcomes.append(outcome.kind)
        finished[job] = time.monotonic()
        queue.finish(job)

    async def on_progress(_event) -> None:
        return None

    started = time.monotonic()
    while len(queue) or active:
        if len(queue) and len(active) < engine.slots():
            task = asyncio.create_task(paint(queue.pop()))
            active.add(task)
            task.add_done_callback(lambda t: (active.discard(t), slot_free.set()))
            continue
        slot_free.clear()
        await slot_free.wait()
    wall = time.monotonic() - started
    await engine.stop()
    results = sorted(t - started for t in finished.values())
    return {
        "wall": wall,
        "per_minute": jobs / wall * 60,
        "p50": statistics.median(results),
        "p95": statistics.quantiles(results, n=20)[-1],
        "done": outcomes.count("done"),
    }


async def measure(cluster_url: str, workers: int, jobs: int, simulate: float | None, settings, logs: Path) -> dict:
    url = await new_database(cluster_url)
    db = Database(url)
    await db.migrate()
    await db.close()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder)
        (store / "out").mkdir()
        picture(256, 192, seed=1).save(store / "content.jpg")
        stripes(128, 128, period=8).save(store / "style.jpg")
        processes = start_workers(workers, url, store, simulate, logs)
        try:
            return await run_jobs(url, store, workers, jobs, settings)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)


async def main_async(args) -> None:
    cluster = Cluster()
    url = cluster.start()
    logs = Path(tempfile.mkdtemp(prefix="paintbot-scale-"))
    try:
        counts = [int(n) for n in args.workers.split(",")]
        print(f"simulated engine: {args.jobs} jobs of {args.seconds} s each, from {PEOPLE} people, all queued at once")
        print(f"{'workers':>8} {'wall s':>8} {'jobs/min':>9} {'× one':>7} {'of ideal':>9} {'p50 s':>7} {'p95 s':>7}"
              f" {'overhead/job':>13}")  # fmt: skip
        one = None
        settings = StyleSettings(size=64, steps=4)
        for n in counts:
            r = await measure(url, n, args.jobs, args.seconds, settings, logs)
            one = one or r["per_minute"] / n
            speedup = r["per_minute"] / one
            overhead = r["wall"] * n / args.jobs - args.seconds
            print(f"{n:>8} {r['wall']:>8.1f} {r['per_minute']:>9.0f} {speedup:>7.2f} {speedup / n:>9.0%}"
                  f" {r['p50']:>7.1f} {r['p95']:>7.1f} {overhead * 1000:>10.0f} ms"
                  + ("" if r["done"] == args.jobs else f"  ({r['done']} done!)"))  # fmt: skip
        if args.real_jobs:
            real = StyleSettings(size=64, steps=20)
            print(f"real engine (VGG19, {os.cpu_count()} CPU cores shared): {args.real_jobs} jobs at 64 px, 20 steps")
            base = None
            for n in (1, 2):
                r = await measure(url, n, args.real_jobs, None, real, logs)
                base = base or r["per_minute"]
                print(f"  {n} worker(s): {r['per_minute']:.1f} jobs/min ({r['per_minute'] / base:.2f}×),"
                      f" wall {r['wall']:.1f} s, p50 {r['p50']:.1f} s")  # fmt: skip
        print(f"(worker logs: {logs})")
    finally:
        cluster.stop()


def main() -> None:
    # SIGTERM (kill, a CI timeout) unwinds like Ctrl-C: the throwaway cluster and the workers are stopped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=0.5, help="simulated painting time per job")
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--real-jobs", type=int, default=6, help="jobs for the real-engine run (0: skip it)")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
