"""Two paintings at once on one CPU host, against one alone.

    python -m benchmarks.busy_cpu [--preset fast] [--policies PASSIVE default ACTIVE SPIN=10000] [--pairs 1]

Each painting is its own ``python -m engine`` process, as two bot engines, two workers or a bot
beside another program would be. For each OpenMP wait policy — PASSIVE: idle threads sleep (the
engine's own default); default: libgomp's (spin 300 000 times, then sleep); ACTIVE: spin on and
on; SPIN=N: GOMP_SPINCOUNT=N — it prints one painting's wall time alone, then both started
together, and the ratio: the goal is at most 2.2× on 2 cores (two jobs sharing the cores evenly
take 2×). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import IMAGES

PAIRS = [("tubingen", "starry_night"), ("hoovertowernight", "the_scream")]


def paint(preset: str, pair: tuple[str, str], out: Path, policy: str) -> subprocess.Popen:
    content, style = (str(IMAGES / f"{name}.jpg") for name in pair)
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    if policy.startswith("SPIN="):
        env.update(OMP_WAIT_POLICY="", GOMP_SPINCOUNT=policy.partition("=")[2])
    else:  # "default": set but empty, so that the engine keeps libgomp's own default
        env["OMP_WAIT_POLICY"] = "" if policy == "default" else policy
    argv = [sys.executable, "-m", "engine", content, style, "-o", str(out), "--preset", preset, "-q"]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_all(procs: list[subprocess.Popen], started: float) -> list[float]:
    seconds = []
    for proc in procs:
        _, err = proc.communicate()
        if proc.returncode:
            raise SystemExit(f"a painting failed:\n{err[-2000:]}")
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="fast")
    parser.add_argument("--policies", nargs="+", default=["PASSIVE", "default", "ACTIVE"])
    parser.add_argument("--pairs", type=int, default=1)
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cores} cores; preset {args.preset}; each painting a process of its own\n")
    print(f"{'pair':32} {'waits':11} {'alone s':>8} {'together s':>11} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for pair in PAIRS[: args.pairs]:
            for policy in args.policies:
                started = time.perf_counter()
                alone = wait_all([paint(args.preset, pair, Path(tmp) / "alone.png", policy)], started)[0]
                started = time.perf_counter()
                both = [paint(args.preset, pair, Path(tmp) / f"both{k}.png", policy) for k in range(2)]
                together = max(wait_all(both, started))
                name = " + ".join(pair)
                print(f"{name:32} {policy:11} {alone:>8.1f} {together:>11.1f} {together / alone:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
