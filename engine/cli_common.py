"""What both command lines share (``python -m engine`` and its mode subcommands, engine.cli_experiments):
options derived from a settings dataclass's metadata, the settings a person typed, checking and
saving the output, and the progress bar."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from pathlib import Path

from PIL import Image

from .errors import EngineError
from .knobs import kind as field_kind

#: Settings the CLI spells its own way (picture paths, --save-every) instead of one option per field.
CUSTOM = {"init", "preview_every"}


def _show(value) -> str:
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def add_settings_options(parser: argparse.ArgumentParser, settings_class, presets: dict) -> None:
    """One option per settings field, from the field's own metadata: help, choices, default.

    Every option defaults to None (not given), so only what the user types overrides the preset."""
    for f in dataclasses.fields(settings_class):
        meta = f.metadata
        if not meta or not meta["cli"] or f.name in CUSTOM:
            continue
        flag = "--" + f.name.replace("_", "-")
        kind = field_kind(f)
        default = f.default
        if kind == "bool":
            if default:  # on by default: the option turns it off
                parser.add_argument(
                    "--no-" + f.name.replace("_", "-"),
                    dest=f.name,
                    action="store_false",
                    default=None,
                    help="turn off: " + meta["help"],
                )
            else:
                parser.add_argument(flag, dest=f.name, action="store_true", default=None, help=meta["help"])
            continue
        preset_sets = any(f.name in values for values in presets.values())
        shown = "" if default is None or preset_sets else f" (default {_show(default)})"
        if kind == "tuple":
            parser.add_argument(
                flag, dest=f.name, default=None, metavar=meta["metavar"] or "A,B,…", help=meta["help"] + shown
            )
            continue
        parser.add_argument(
            flag,
            dest=f.name,
            type={"int": int, "float": float}.get(kind, str),
            choices=meta["choices"] or None,
            default=None,
            metavar=meta["metavar"],
            help=meta["help"] + (f", {meta['unit']}" if meta["unit"] else "") + shown,
        )


def _comma_list(f: dataclasses.Field, text: str) -> tuple:
    flag = "--" + f.name.replace("_", "-")
    item = float if "float" in str(f.type) else str
    try:
        return tuple(item(x.strip()) for x in text.split(",") if x.strip())
    except ValueError:
        raise EngineError(f"{flag} must be comma-separated numbers, like 1,1,0.5,0.5,0.5") from None


def given_settings(args: argparse.Namespace, settings_class) -> dict:
    """The settings a person typed (options left out are None: the preset's values stay)."""
    given = {}
    for f in dataclasses.fields(settings_class):
        value = getattr(args, f.name, None)
        if value is not None:
            given[f.name] = _comma_list(f, value) if field_kind(f) == "tuple" else value
    for name in ("start_size", "paint_size"):  # --start-size 0: one size only; --paint-size 0: no detail sizes
        if given.get(name) == 0:
            given[name] = None
    return given


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


@contextlib.contextmanager
def progress(total: int, output: Path | None, quiet: bool, postfix=None):
    """A progress callback for any mode: a bar over the steps (unless ``quiet``, with ``postfix(p)``
    after it), and each intermediate picture saved as OUT.stepN.ext (none without ``output``)."""
    from tqdm import tqdm

    bar = None if quiet else tqdm(total=total, unit="step", dynamic_ncols=True, file=sys.stderr)

    def on_progress(p) -> None:
        if p.stage != "optimize":
            return
        if bar is not None:
            bar.set_description(f"{p.size[0]}×{p.size[1]}")
            if postfix is not None:
                bar.set_postfix_str(postfix(p))
            bar.update(p.step - bar.n)
        if p.image is not None and output is not None:
            _save(p.image, output.with_suffix(f".step{p.step}{output.suffix}"))

    try:
        yield on_progress
    finally:
        if bar is not None:
            bar.close()
