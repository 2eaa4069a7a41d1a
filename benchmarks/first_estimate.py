"""The first estimate on a fresh host against the truth: a painting engine process starts (and times
itself, engine.painter.Engine.calibrate), the bot's cost model (bot.jobs.eta) says how long a job
will take before any job there was measured, then the job is painted and timed — a square 1024-px
portrait at each painting quality, as the first job of its kind. The goal is within 1.5×.

    python -m benchmarks.first_estimate [--qualities balanced,fast,best] [--busy N]

``--busy N``: N processes spin on the CPU meanwhile (a host shared with other work: the engine
then times itself slower too).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from pathlib import Path

from PIL import Image

from bot.jobs.eta import CPU_GUESS, OVERHEAD, EtaModel, kind, units
from engine.presets import PRESETS
from tests.portraits import portrait
from worker.local import LocalEngine
from worker.protocol import FINAL, EventKind, JobSpec, Media, Output

SHARED = Path(__file__).resolve().parents[2] / "shared" / "images"


def _spin() -> None:
    while True:
        pass


async def first_estimates(qualities: list[str]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="paintbot-bench-"))
    photo = portrait((1024, 1024))[0]
    photo.save(folder / "photo.jpg", quality=92)
    style = SHARED / "the_scream.jpg"
    if not style.exists():  # (without the shared paintings: a drawn one)
        style = folder / "style.png"
        Image.effect_mandelbrot((512, 512), (-2, -1.5, 1, 1.5), 60).convert("RGB").save(style)
    engine = LocalEngine(device="cpu", modes=("style",), start_timeout=120.0)
    capabilities = await engine.start()
    print(
        f"engine ready; it timed itself at {capabilities.seconds_per_unit:.3f} s per work unit "
        f"(the old fixed guess: {CPU_GUESS} s)"
    )
    try:
        for n, quality in enumerate(qualities):
            inputs = {"content": [str(folder / "photo.jpg")], "styles": [str(style)]}
            output = Output(str(folder / f"{quality}.png"), Media.PICTURE)
            spec = JobSpec("style", inputs, output, dict(PRESETS[quality]))
            eta = EtaModel()
            eta.use_device(capabilities.device, capabilities.seconds_per_unit)
            estimate = eta.seconds(units(spec), kind(spec))
            guessed = units(spec) * CPU_GUESS + OVERHEAD
            started = time.perf_counter()
            await engine.submit(f"q{n}", spec)
            event = await engine.next_event(f"q{n}", 900)
            while event.kind not in FINAL:
                event = await engine.next_event(f"q{n}", 900)
            took = time.perf_counter() - started
            assert event.kind == EventKind.DONE, event
            print(
                f"{quality:9s} 1024 px: first estimate {estimate:5.0f} s (the fixed guess said {guessed:4.0f} s), "
                f"painted in {took:5.0f} s — {max(took, estimate) / min(took, estimate):.2f}× apart"
            )
    finally:
        await engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--qualities", default="balanced")
    parser.add_argument("--busy", type=int, default=0)
    args = parser.parse_args()
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(args.busy)]
    for spinner in spinners:
        spinner.start()
    try:
        asyncio.run(first_estimates(args.qualities.split(",")))
    finally:
        for spinner in spinners:
            spinner.terminate()


if __name__ == "__main__":
    main()
