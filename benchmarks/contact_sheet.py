"""The contact sheet in docs/: for each pair, the photo, the style, the instant picture, and the
default painting before issue 35 and now — to be looked at; the content and style distances of
each (engine.judge at 512 px) are printed beside.

    make contact-sheet    (python -m benchmarks.contact_sheet [--quality balanced] [--out docs/contact-sheet.jpg])

Photos come from samples/ (three portraits) and ../shared/images; styles from ../shared/images.
About 16 minutes on the 2-core CPU (each painting at 1024 px, twice).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from PIL import Image, ImageDraw

from benchmarks import IMAGES
from benchmarks.portraits import SAMPLES, paint
from engine import Engine
from engine.imaging import fit_size, resize
from engine.judge import distances
from engine.presets import on_gpu, preset

PAIRS = (
    "astronaut:the_scream",
    "grace_hopper:seated-nude",
    "camera:starry_night",
    "tubingen:the_scream",
    "hoovertowernight:seated-nude",
    "rocket:the_scream",
    "coffee:shipwreck",
    "chelsea:starry_night",
)
COLUMNS = ("photo", "style", "instant", "painting before", "painting now")
TILE = 300  #: each picture's longest side on the sheet
LABEL = 18  #: the height of a column's name


def picture(name: str) -> Image.Image:
    own = SAMPLES / f"{name}.jpg"
    return Image.open(own if own.exists() else IMAGES / f"{name}.jpg").convert("RGB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="balanced")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--out", type=Path, default=Path("docs/contact-sheet.jpg"))
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS))
    args = parser.parse_args()

    engine = Engine(device=args.device)
    net = engine.network(("relu5_1",))
    settings = preset(args.quality, gpu=on_gpu(engine.device.type), seed=0)
    sheet = Image.new("RGB", (TILE * len(COLUMNS), LABEL + TILE * len(args.pairs)), "white")
    draw = ImageDraw.Draw(sheet)
    for column, name in enumerate(COLUMNS):
        draw.text((column * TILE + 6, 3), name, fill="black")
    for row, pair in enumerate(args.pairs):
        photo_name, style_name = pair.split(":")
        photo, style = picture(photo_name), picture(style_name)
        started = time.perf_counter()
        painted = [paint(engine, name, photo, style, settings) for name in ("instant", "before", "now")]
        pictures = (photo, style, *painted)
        judged = [distances(net, resize(p, fit_size(p.size, 512)), photo, style) for p in painted]
        print(pair, " · ".join(f"{n} {d.content:.3f}/{d.style:.3f}" for n, d in zip(COLUMNS[2:], judged)))
        for column, image in enumerate(pictures):
            image = image.copy()
            image.thumbnail((TILE - 4, TILE - 4), Image.LANCZOS)
            x = column * TILE + (TILE - image.width) // 2
            y = LABEL + row * TILE + (TILE - image.height) // 2
            sheet.paste(image, (x, y))
        print(f"{pair}: {time.perf_counter() - started:.0f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, quality=88)
    print(f"wrote {args.out} ({sheet.width}×{sheet.height})")


if __name__ == "__main__":
    main()
