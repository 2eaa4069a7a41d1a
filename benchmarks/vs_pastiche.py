"""Side by side with pastiche (PyPI): same pictures, same machine, one run.

    python -m benchmarks.vs_pastiche [--device cpu|cuda] [--sizes 256 512] [--pairs 2]
                                     [--pastiche-steps 100] [--preset fast]

Each tool runs as its own process, as a user would start it (imports and weight loading
included), so wall time and peak memory (RSS; GPU: torch's peak allocation) are comparable.
Every output is then judged the same way (engine.judge, the original VGG19): content distance
at relu4_2 and Gram style distance over relu1_1…relu5_1, each relative to the target's own
norm — lower is closer. The goal at 256 px: both distances within 10% of pastiche's (or
better) in at most 1/3 of its wall time. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from benchmarks import IMAGES
from engine import Engine
from engine.judge import distances

PAIRS = [("tubingen", "starry_night"), ("hoovertowernight", "the_scream")]

# Each child reports torch's peak GPU allocation after the tool's own main() returns.
_CHILD = """
import sys, torch
sys.argv = sys.argv[1:]
if sys.argv[0] == "pastiche":
    from pastiche.pastiche import main
    main(sys.argv)
else:
    from engine.cli import main
    code = main(sys.argv[1:])
    if code:
        raise SystemExit(code)
peak = torch.cuda.max_memory_allocated() if torch.cuda.is_available() else 0
print(f"GPU_PEAK {peak}")
"""


@dataclass
class Run:
    tool: str
    seconds: float
    rss_mb: float
    gpu_mb: float
    content: float = 0.0
    style: float = 0.0


def run_child(tool: str, args: list[str]) -> Run:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, tool, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{tool} failed ({proc.returncode}):\n{err[-2000:]}")
    peak = next((int(line.split()[1]) for line in out.splitlines() if line.startswith("GPU_PEAK")), 0)
    return Run(tool, seconds, usage.ru_maxrss / 1024, peak / 2**20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda (both tools)")
    parser.add_argument("--sizes", nargs="+", type=int, default=[256, 512])
    parser.add_argument("--pairs", type=int, default=len(PAIRS), help="how many content/style pairs")
    parser.add_argument("--pastiche-steps", type=int, default=100)
    parser.add_argument("--preset", default="fast", help="our quality preset (its size is replaced by --sizes)")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the outputs in")
    args = parser.parse_args()

    judge = Engine(device=args.device)
    net = judge.network(("relu5_1",))
    print(f"device {judge.device}; pastiche: {args.pastiche_steps} L-BFGS steps; ours: preset {args.preset}\n")
    header = ("size", "content + style", "tool", "wall s", "RSS MB", "GPU MB", "content", "style")
    print("{:>4}  {:32} {:9} {:>7} {:>7} {:>7} {:>8} {:>7}".format(*header))
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            for content, style in PAIRS[: args.pairs]:
                c, s = IMAGES / f"{content}.jpg", IMAGES / f"{style}.jpg"
                runs = []
                for tool in ("pastiche", "ours"):
                    out = folder / f"{tool}_{size}_{content}_{style}.png"
                    if tool == "pastiche":
                        argv = ["--device", args.device, "--size", str(size), "--num-steps", str(args.pastiche_steps)]
                        argv += ["--seed", "0", "--no-verbose", "-c", str(c), "-s", str(s), "-o", str(out)]
                    else:
                        argv = [str(c), str(s), "-o", str(out), "--preset", args.preset, "--size", str(size)]
                        argv += ["--seed", "0", "--device", args.device, "-q"]
                    run = run_child(tool, argv)
                    d = distances(net, Image.open(out), Image.open(c), Image.open(s))
                    run.content, run.style = d.content, d.style
                    runs.append(run)
                    print(
                        f"{size:>4}  {content + ' + ' + style:32} {tool:9} {run.seconds:>7.1f} {run.rss_mb:>7.0f} "
                        f"{run.gpu_mb:>7.0f} {run.content:>8.3f} {run.style:>7.3f}",
                        flush=True,
                    )
                summary.append((size, content, *runs))
    print("\nours / pastiche   (time: lower is faster; distances: ≤ 1.10 is 'as good within 10%')")
    for size, content, theirs, ours in summary:
        t, cd, sd = ours.seconds / theirs.seconds, ours.content / theirs.content, ours.style / theirs.style
        met = t <= 1 / 3 and cd <= 1.1 and sd <= 1.1
        print(
            f"{size:>4}  {content:18} time {t:.2f} (1/{1 / t:.1f})  content {cd:.2f}  style {sd:.2f}  "
            f"{'goal met' if met else 'goal NOT met'}"
        )


if __name__ == "__main__":
    main()
