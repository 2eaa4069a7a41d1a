"""The print size against the painting it grows from, side by side in one run (nothing asserted).

    python -m benchmarks.print_size [--pairs tubingen:starry_night …] [--size 2048] [--tile N] [--out DIR]

Per pair, on this machine's device: the default painting (``balanced``, 1024 px), then its print
(StyleSettings.grown_from) — each one's seconds and peak memory (a fresh process each, so the peak is
its own), the mean gradient at the print's size of the print and of the painting enlarged to it
(bicubic), and the judge's style distance (engine.judge, at 1024 px) of the painting and of the
print. ``--out`` keeps the pictures and a crop of each, side by side, to look at. ``--tile N`` also
paints each print in tiles of N px (engine.objectives.tiles, as where memory is short) and prints
its seconds, peak memory and how far it is from the print painted whole (mean |difference| /255).

Goals (issue #37, on the 2-core CPU): a 2048-px print in at most 4× the painting's time, its mean
gradient at least 1.2× the enlarged painting's, its style distance no further than the painting's.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks import IMAGES

PAIRS = ["tubingen:starry_night", "hoovertowernight:the_scream", "grace_hopper:seated-nude"]


def gradient(image: Image.Image) -> float:
    grey = np.asarray(image.convert("L"), np.float32) / 255
    return float(np.abs(np.diff(grey, axis=1)).mean() + np.abs(np.diff(grey, axis=0)).mean())


def picture_path(name: str) -> Path:
    for folder in (IMAGES, Path(__file__).resolve().parents[1] / "samples"):
        for suffix in (".jpg", ".png"):
            if (folder / f"{name}{suffix}").is_file():
                return folder / f"{name}{suffix}"
    raise SystemExit(f"no picture named {name!r} in {IMAGES} or samples/")


def one(args: argparse.Namespace) -> None:
    """In a fresh process: the painting, or the print of ``--painting``; prints JSON."""
    from engine import Engine
    from engine.presets import on_gpu, preset

    engine = Engine(device=args.device)
    settings = preset("balanced", gpu=on_gpu(str(engine.device))).replace(seed=0)
    if args.painting:
        painting = Image.open(args.painting)
        settings = settings.replace(size=args.size, init="image", grown_from=max(painting.size), tile=args.tile)
    started = time.perf_counter()
    result = engine.stylize(args.content, [args.style], settings, init_image=args.painting or None)
    seconds = time.perf_counter() - started
    result.image.save(args.save)
    if engine.device.type == "cuda":
        import torch

        peak = torch.cuda.max_memory_allocated(engine.device)
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak": peak, "steps": result.steps, "size": result.image.size}))


def run_one(*extra: str) -> dict:
    command = [sys.executable, "-m", "benchmarks.print_size", "--one", *extra]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", default=PAIRS)
    parser.add_argument("--size", type=int, default=2048)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--tile", type=int, default=None, help="also paint each print in tiles of N px")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--content", help=argparse.SUPPRESS)
    parser.add_argument("--style", help=argparse.SUPPRESS)
    parser.add_argument("--painting", default="", help=argparse.SUPPRESS)
    parser.add_argument("--save", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args)
        return

    from engine import Engine
    from engine.judge import distances

    judge = Engine(device="cpu").network(("relu5_1",))
    out = args.out or Path(tempfile.mkdtemp(prefix="print-size-"))
    out.mkdir(parents=True, exist_ok=True)
    print(f"{'pair':34} {'painting s':>10} {'print s':>8} {'×':>5} {'peak GB':>13} {'gradient ×':>10} "
          f"{'style: painting → print':>24}")  # fmt: skip
    for pair in args.pairs:
        content_name, style_name = pair.split(":")
        content, style = picture_path(content_name), picture_path(style_name)
        paint_file, print_file = out / f"{content_name}.painting.png", out / f"{content_name}.print.png"
        common = ["--content", str(content), "--style", str(style), "--device", args.device]
        painted = run_one(*common, "--save", str(paint_file))
        grow = ["--painting", str(paint_file), "--size", str(args.size)]
        printed = run_one(*common, *grow, "--save", str(print_file))
        painting, print_ = Image.open(paint_file).convert("RGB"), Image.open(print_file).convert("RGB")
        enlarged = painting.resize(print_.size, Image.BICUBIC)
        sharper = gradient(print_) / gradient(enlarged)
        photo, art = Image.open(content).convert("RGB"), Image.open(style).convert("RGB")
        before = distances(judge, painting, photo, art).style
        after = distances(judge, print_.resize(painting.size, Image.LANCZOS), photo, art).style
        ratio = printed["seconds"] / painted["seconds"]
        peaks = f"{painted['peak'] / 2**30:.1f} / {printed['peak'] / 2**30:.1f}"
        print(f"{pair:34} {painted['seconds']:>10.1f} {printed['seconds']:>8.1f} {ratio:>5.2f} {peaks:>13} "
              f"{sharper:>10.2f} {before:>11.3f} → {after:.3f}", flush=True)  # fmt: skip
        if args.tile:
            tiled_file = out / f"{content_name}.print-tiled.png"
            tiled = run_one(*common, *grow, "--tile", str(args.tile), "--save", str(tiled_file))
            tiled_print = np.asarray(Image.open(tiled_file).convert("RGB"), np.float32)
            apart = float(np.abs(tiled_print - np.asarray(print_, np.float32)).mean())
            slower = tiled["seconds"] / printed["seconds"]
            print(
                f"{'':34} in tiles of {args.tile} px: {tiled['seconds']:.1f} s ({slower:.2f}× whole), "
                f"peak {tiled['peak'] / 2**30:.1f} GB, {apart:.2f}/255 from the print painted whole",
                flush=True,
            )
        crop = crop_pair(enlarged, print_)
        crop.save(out / f"{content_name}.crop.jpg", quality=92)
    print(f"pictures and crops (enlarged painting | print) in {out}")


def crop_pair(enlarged: Image.Image, printed: Image.Image, side: int = 640) -> Image.Image:
    """The same 640-px square of the enlarged painting and of the print, side by side, from the middle."""
    x, y = (printed.width - side) // 2, (printed.height - side) // 2
    box = (x, y, x + side, y + side)
    both = Image.new("RGB", (2 * side + 8, side), "white")
    both.paste(enlarged.crop(box), (0, 0))
    both.paste(printed.crop(box), (side + 8, 0))
    return both


if __name__ == "__main__":
    main()
