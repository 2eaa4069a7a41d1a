"""How light the bot process and the CLI are: `import bot.app` (time, memory, torch loaded?),
a missing token reported, `python -m engine --help`. Each in a fresh process, best of 3.

    python -m benchmarks.startup
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

IMPORT_BOT = (
    "import resource, sys, time; t = time.perf_counter(); import bot.app; "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'torch' in sys.modules)"
)


def best(command: list[str], env: dict | None = None) -> tuple[float, str]:
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        runs.append((time.perf_counter() - started, done.stdout + done.stderr))
    return min(runs)


def main() -> None:
    seconds, out = best([sys.executable, "-c", IMPORT_BOT])
    inside, rss, torch = out.split()
    print(f"import bot.app: {float(inside):.2f} s inside the process ({seconds:.2f} s with Python's start), "
          f"peak RSS {float(rss):.0f} MB, torch loaded: {torch}")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    seconds, out = best([sys.executable, "-m", "bot"], env)
    print(f"python -m bot without a token: {seconds:.2f} s to say {out.strip()[:60]!r}…")
    seconds, _ = best([sys.executable, "-m", "engine", "--help"])
    print(f"python -m engine --help: {seconds:.2f} s")


if __name__ == "__main__":
    main()
