"""``python -m engine video CLIP STYLE [STYLE2 …] -o OUT.mp4``: a video, GIF or video note painted
frame by frame with the instant networks, steady along the clip's motion, with its sound."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import EngineError
from .modes.video import VIDEO_PRESETS
from .settings import BRUSHES, MAX_STYLES, InstantSettings
from .video.steady import CARRY


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m engine video",
        description="Paint a clip in the style of one or more pictures, frame by frame (instant networks), "
        "kept steady along its motion (optical flow); frame rate and sound are kept.",
        epilog="Example: python -m engine video clip.mp4 starry_night.jpg -o painted.mp4 --size 640",
    )
    p.add_argument("clip", help="the video (MP4, MOV, WebM, a GIF …)")
    p.add_argument("styles", nargs="+", metavar="STYLE", help="one or more style pictures")
    p.add_argument("-o", "--output", default="out.mp4", help="where to write the painted clip (MP4); default out.mp4")
    p.add_argument(
        "--preset",
        choices=tuple(VIDEO_PRESETS),
        default="balanced",
        help="size: "
        + ", ".join(f"{name} {v['size']} px" for name, v in VIDEO_PRESETS.items())
        + " (default balanced); --size overrides it",
    )
    p.add_argument("--size", type=int, help="longest side of the painted clip in px")
    p.add_argument("--strength", type=float, default=1.0, help="style strength 0…1 (default 1)")
    p.add_argument("--gamma", type=float, default=0.5, help="two styles: share of the first (default 0.5)")
    p.add_argument("--keep-colors", action="store_true", help="keep the clip's colours")
    p.add_argument("--brush", choices=BRUSHES, default="normal", help="stroke size (default normal)")
    p.add_argument(
        "--carry",
        type=float,
        default=CARRY,
        help=f"steadiness 0…1: how much of the previous painted frame is carried along the motion "
        f"(default {CARRY}; 0 paints every frame on its own)",
    )
    p.add_argument(
        "--gatys",
        action="store_true",
        help="paint each frame by the optimisation (VGG19), started from the previous one carried "
        "along the motion and held to it (Ruder et al.); meant for a GPU — seconds a frame on a "
        "CPU",
    )
    p.add_argument("--steps", type=int, default=15, help="--gatys: optimiser steps a frame (default 15; the first 4×)")
    p.add_argument(
        "--temporal-weight",
        type=float,
        default=2000.0,
        help="--gatys: how strongly a frame keeps to the previous one (default 2000)",
    )
    p.add_argument("--device", default="auto", help="--gatys: cuda, mps or cpu (auto)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    return p


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv[1:] if argv and argv[0] == "video" else argv)
    if len(args.styles) > MAX_STYLES:
        parser.error(f"give one to {MAX_STYLES} style pictures")
    if Path(args.output).suffix.lower() != ".mp4":
        parser.error("the painted clip is an MP4: give -o NAME.mp4")
    args.size = args.size or VIDEO_PRESETS[args.preset]["size"]
    if args.gatys:
        return _gatys(args)
    try:
        settings = InstantSettings(
            size=args.size, strength=args.strength, gamma=args.gamma, keep_colors=args.keep_colors, brush=args.brush
        ).validate(len(args.styles))
        from .instant import InstantPainter
        from .video.paint import paint_clip

        def report(frame: int, frames: int, elapsed: float, _painted) -> None:
            if not args.quiet:
                print(f"\rframe {frame}/{frames} · {frame / elapsed:.1f} fps", end="", file=sys.stderr, flush=True)

        result = paint_clip(
            InstantPainter(),
            args.clip,
            args.styles,
            args.output,
            settings,
            carry=min(max(args.carry, 0.0), 1.0),
            callback=report,
        )
    except EngineError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    sound = "with its sound" if result.has_audio else "no sound in the clip"
    print(
        f"saved {result.path} ({result.size[0]}×{result.size[1]}, {result.frames} frames at {result.fps:g} fps, "
        f"{sound}) in {result.elapsed:.1f} s"
    )
    return 0


def _gatys(args: argparse.Namespace) -> int:
    """``--gatys``: the clip painted by the optimisation, frame by frame (engine.modes.paintclip)."""
    import shutil

    from .job_folder import job_folder
    from .modes.paintclip import PaintClipSettings
    from .settings import painting_strength

    try:
        strength = painting_strength(min(max(args.strength, 0.0), 1.0))  # (the instant scale's, as a painting's)
        settings = PaintClipSettings(
            size=args.size,
            strength=strength,
            gamma=args.gamma,
            keep_colors=args.keep_colors,
            brush=args.brush,
            steps=args.steps,
            first_steps=4 * args.steps,
            temporal_weight=args.temporal_weight,
        ).validate(len(args.styles))
        from .painter import Engine

        engine = Engine(device=args.device)

        def report(p) -> None:
            if not args.quiet:
                print(
                    f"\rframe {p.step}/{p.total_steps} · {p.elapsed / p.step:.1f} s a frame",
                    end="",
                    file=sys.stderr,
                    flush=True,
                )

        inputs = {"content": args.clip, "styles": args.styles}
        with job_folder("paintclip") as folder:
            result = engine.run("paintclip", inputs, settings, callback=report, folder=folder)
            shutil.move(result.file, args.output)
    except EngineError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    if not args.quiet:
        print(file=sys.stderr)
    w, h = result.image.size
    print(f"saved {args.output} ({w}×{h}, {result.steps} frames) in {result.elapsed:.1f} s on {result.device}")
    return 0
