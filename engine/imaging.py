"""Reading untrusted pictures into clean RGB and sizing them — Pillow only, no torch (the bot uses it too).

Everything a phone or a person may send goes through :func:`open_image`: JPEG, PNG, WebP, GIF,
HEIC/HEIF (via pillow-heif), with EXIF rotation, alpha, palettes, CMYK, grayscale and 16-bit
samples handled, and every way of failing turned into an :class:`~engine.errors.ImageError`.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

pillow_heif.register_heif_opener()

ImageSource = str | os.PathLike | bytes | bytearray | BinaryIO | Image.Image


class Given(str):
    """A file's path handed to a mode with the media kind it holds (the job protocol's: "picture",
    "video", "animation" …), so that no mode guesses it from the file's name. A plain ``str`` to
    everything else."""

    media: str

    def __new__(cls, path: str | os.PathLike, media: str = "picture") -> Given:
        given = super().__new__(cls, os.fspath(path))
        given.media = str(media)
        return given


def moving(source) -> bool:
    """Whether ``source`` is a clip: as its media kind says where it is given (engine.imaging.Given);
    a bare path from the command line by its ending."""
    media = getattr(source, "media", None)
    if media is not None:
        return media not in ("picture", "mask")
    return str(source).lower().endswith((".mp4", ".webm", ".mov", ".mkv", ".m4v"))


#: Largest decoded picture accepted (width × height). A 48-MP phone photo passes; a
#: decompression bomb (e.g. a tiny PNG that claims 20000×20000) does not.
MAX_PIXELS = 64_000_000
#: Smallest side of an input picture that still carries a picture.
MIN_INPUT_SIDE = 16
#: Smallest side of a working image: relu5_1 sits behind four 2× poolings, so 16 px → 1 px.
MIN_WORK_SIDE = 16
#: Most elongated picture accepted (long side / short side).
MAX_ASPECT = 20.0

_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, KeyError)


def open_image(source: ImageSource, *, role: str = "image", max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``source`` into an upright 8-bit RGB picture, or raise :class:`ImageError`.

    ``role`` ("content image", "style image", …) only shapes the error messages.
    Animated pictures give their first frame; transparent ones are laid on white.
    """
    image = source if isinstance(source, Image.Image) else _decode(source, role, max_pixels)
    check_size(*image.size, role, max_pixels)
    return to_rgb(image)


def check_size(width: int, height: int, role: str = "image", max_pixels: int = MAX_PIXELS) -> None:
    """The rules every picture (and every clip's frame) obeys, from its size alone: not too small, not
    too long and thin, not too many pixels. Raises :class:`ImageError`."""
    if width * height > max_pixels:
        raise _too_many_pixels(role, (width, height), max_pixels)
    if min(width, height) < MIN_INPUT_SIDE:
        raise ImageError(
            f"The {role} is only {width}×{height} pixels; send a picture at least "
            f"{MIN_INPUT_SIDE} pixels on each side.",
            "too_small",
            {"width": width, "height": height, "least": MIN_INPUT_SIDE},
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ImageError(
            f"The {role} is {width}×{height} pixels — too long and thin to paint "
            f"(at most {MAX_ASPECT:g}:1). Crop it a little and send it again.",
            "too_thin",
            {"width": width, "height": height, "ratio": f"{MAX_ASPECT:g}"},
        )


def _decode(source: ImageSource, role: str, max_pixels: int) -> Image.Image:
    if isinstance(source, (bytes, bytearray)):
        data: BinaryIO = io.BytesIO(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            data = io.BytesIO(path.read_bytes())
        except FileNotFoundError:
            raise ImageError(f"The {role} file {str(path)!r} does not exist.", "not_found") from None
        except IsADirectoryError:
            raise ImageError(f"The {role} path {str(path)!r} is a folder, not a picture.", "not_found") from None
        except OSError as exc:
            raise ImageError(f"The {role} file {str(path)!r} cannot be read: {exc.strerror}.", "unreadable") from None
    else:
        data = source
    head = data.read(1)
    if not head:
        raise ImageError(f"The {role} is an empty file (0 bytes).", "empty")
    data.seek(0)
    _check_animation_header(data, role, max_pixels)

    try:
        with warnings.catch_warnings():
            # We enforce our own, lower pixel limit just below; Pillow's warning adds nothing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(data)
    except Image.DecompressionBombError:
        raise _too_many_pixels(role, None, max_pixels) from None
    except UnidentifiedImageError:
        raise ImageError(
            f"The {role} is not a picture I can read. Send a JPEG, PNG, WebP or HEIC photo.",
            "not_image",
        ) from None
    except _DECODE_ERRORS:
        raise ImageError(f"The {role} looks damaged and cannot be opened.", "corrupt") from None

    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(role, (width, height), max_pixels)
    try:
        # Animated GIF/WebP/APNG: Image.open leaves us on frame 0, which is what we paint.
        image.load()
    except _DECODE_ERRORS:
        raise ImageError(
            f"The {role} is damaged or cut short (truncated) and cannot be decoded. Try sending it again.",
            "corrupt",
            {"truncated": True},
        ) from None
    try:
        return ImageOps.exif_transpose(image)
    except _DECODE_ERRORS:
        return image  # A broken EXIF block is no reason to refuse a readable picture.


def _check_animation_header(data: BinaryIO, role: str, max_pixels: int) -> None:
    """A GIF's or WebP's canvas from its header, before Pillow sees it: libwebp sets up a whole
    canvas (and Pillow a frame) at the size a 142-byte file may claim."""
    from .video.animated import read_header

    try:
        header = read_header(data)
    except ValueError:
        raise ImageError(f"The {role} looks damaged and cannot be opened.", "corrupt") from None
    if header is not None and header.size[0] * header.size[1] > max_pixels:
        raise _too_many_pixels(role, header.size, max_pixels)


def _too_many_pixels(role: str, size: tuple[int, int] | None, max_pixels: int) -> ImageError:
    dims = f" ({size[0]}×{size[1]})" if size else ""
    return ImageError(
        f"The {role} is too large{dims}: at most {max_pixels / 1e6:.3g} megapixels are accepted.",
        "too_many_pixels",
        {"megapixels": f"{max_pixels / 1e6:.3g}"},
    )


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB: alpha over white, 16-bit rescaled, CMYK/palette/gray expanded."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # Pillow's own convert("L") clips 16-bit samples at 255; rescale the full range instead.
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if mode.startswith("I;16") or array.max(initial=0) > 255 else 255.0
        array = np.clip(array * (255.0 / peak), 0, 255).round().astype(np.uint8)
        return Image.fromarray(array, "L").convert("RGB")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("RGBA", "LA", "La", "RGBa", "PA"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def fit_size(size: tuple[int, int], longest: int, *, min_side: int = MIN_WORK_SIDE) -> tuple[int, int]:
    """(width, height) with the same aspect as ``size`` and longest side ``longest``.

    A very elongated picture is scaled up until its short side reaches ``min_side`` so that
    every VGG layer up to relu5_1 still sees at least one pixel.
    """
    width, height = size
    scale = longest / max(width, height)
    if min(width, height) * scale < min_side:
        scale = min_side / min(width, height)
    return max(min_side, round(width * scale)), max(min_side, round(height * scale))


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """High-quality resize (Lanczos) that leaves an already-right picture alone."""
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def open_inputs(
    content: ImageSource, styles: Sequence[ImageSource], init_image: ImageSource | None = None
) -> tuple[Image.Image, list[Image.Image], Image.Image | None]:
    """Decode and check every input picture, naming each one's role in any error."""
    content_img = open_image(content, role="content image")
    ordinals = ("first", "second", "third", "fourth")
    names = (
        ["style image"]
        if len(styles) == 1
        else [f"{ordinals[i]} style image" if i < len(ordinals) else f"style image {i + 1}" for i in range(len(styles))]
    )
    style_imgs = [open_image(s, role=name) for s, name in zip(styles, names)]
    init_img = open_image(init_image, role="init image") if init_image is not None else None
    return content_img, style_imgs, init_img
