"""Wall time, memory and closeness of each quality preset, on the CPU or a GPU.

    python -m benchmarks.presets [--device cpu|cuda] [--presets fast balanced best]
                                 [--sizes 512 1024] [--precision fp32 tf32 bf16]

One warm engine (weights loaded and, on a GPU, one warm-up job first), then one job per
preset (its schedule for the device: CPU detail sizes, or every layer on a GPU) × size ×
precision on tubingen + starry_night from ../shared/images. Prints seconds, steps, peak memory,
and the judge's content/style distances (engine.judge). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import torch
from PIL import Image

from benchmarks import IMAGES
from engine import Engine
from engine.device import PRECISIONS
from engine.judge import distances
from engine.presets import PRESETS, on_gpu, preset


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS))
    parser.add_argument("--sizes", nargs="*", type=int, default=[], help="default: each preset's own size")
    parser.add_argument("--precision", nargs="+", default=["fp32"], choices=PRECISIONS)
    parser.add_argument("--content", default="tubingen")
    parser.add_argument("--style", default="starry_night")
    parser.add_argument("--save", type=Path, default=None, help="folder to save the pictures in")
    args = parser.parse_args()

    content = Image.open(IMAGES / f"{args.content}.jpg")
    style = Image.open(IMAGES / f"{args.style}.jpg")
    judge = Engine(device=args.device)
    print(f"device {judge.device}; torch {torch.__version__}; {args.content} + {args.style}")
    header = ("preset", "size", "precision", "steps", "seconds", "peak MB", "content", "style")
    print("{:9} {:>5} {:9} {:>5} {:>8} {:>8} {:>8} {:>7}".format(*header))
    for precision in args.precision:
        engine = Engine(device=args.device, precision=precision)
        if engine.device.type == "cuda":
            engine.stylize(content, [style], preset("fast", size=128))  # cuDNN autotuning, allocator warm-up
        for name in args.presets:
            for size in args.sizes or [PRESETS[name]["size"]]:
                settings = preset(name, gpu=on_gpu(engine.device.type), size=size, seed=0)  # this host's schedule
                if engine.device.type == "cuda":
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                started = time.perf_counter()
                result = engine.stylize(content, [style], settings)
                seconds = time.perf_counter() - started
                d = distances(judge.network(("relu5_1",)), result.image, content, style)
                print(
                    f"{name:9} {size:>5} {precision:9} {result.steps:>5} {seconds:>8.2f} "
                    f"{peak_memory_mb(engine.device):>8.0f} {d.content:>8.3f} {d.style:>7.3f}",
                    flush=True,
                )
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    result.image.save(args.save / f"{name}_{size}_{precision}.png")


if __name__ == "__main__":
    main()
