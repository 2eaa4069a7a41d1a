"""``python -m engine mask PHOTO -o MASK.png`` — the photo's subject as a picture (white = subject)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .cli_common import _check_output, _save
from .errors import EngineError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m engine mask",
        description="Find the subject of a photo (a person, a pet, a thing) with a segmentation network "
        "(U²-Net-p, offline) and write it as a grey picture: white is the subject, its edge soft.",
        epilog="Use it with: python -m engine PHOTO STYLE --keep subject --mask MASK.png",
    )
    p.add_argument("photo", help="the photo")
    p.add_argument("-o", "--output", default="mask.png", help="where to write the mask (.png); default mask.png")
    p.add_argument("--cutout", action="store_true", help="write the photo cut out on transparency instead")
    return p


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        from .imaging import open_image
        from .mask import cutout, masker

        output = Path(args.output)
        _check_output(output)
        if args.cutout and output.suffix.lower() not in (".png", ".webp"):
            raise EngineError(f"A cutout needs transparency: write it as .png or .webp, not {output.name!r}.")
        photo = open_image(args.photo, role="photo")
        started = time.perf_counter()
        found = masker().mask(photo)
        _save(cutout(photo, found.alpha) if args.cutout else found.alpha, output)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not found.found:
        print("warning: no clear subject was found (painting by region paints the whole picture)", file=sys.stderr)
    took = time.perf_counter() - started
    print(f"saved {output} ({photo.width}×{photo.height}; subject {found.coverage:.0%} of it) in {took:.2f} s")
    return 0
