"""Animated GIF and WebP pictures as clips: what their headers say (canvas, frames, delays) without
decoding a pixel, and their frames one at a time at the size they are painted.

The headers are read by walking the files' own block structure (GIF's extension and image blocks,
WebP's RIFF chunks): Pillow has no way to tell a WebP's frame delays or a GIF's without seeking
through it, and a lying file must be refused before anything is decoded. A walk stops once the
frames it has seen last longer than any clip is read, so a file of a million tiny frames costs
no more than one of a few."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Shortest frame delay honoured (browsers show 0–10 ms frames for about 100 ms, GIF's 20 ms floor).
MIN_DELAY = 0.02
#: What a frame with no delay at all is shown for.
NO_DELAY = 0.1
#: A walk stops after this much of the animation: no clip is read further (engine.video.clips.MAX_SECONDS).
WALK_SECONDS = 600.0


@dataclass(frozen=True)
class Animation:
    """An animated picture's header: its canvas (the largest extent any frame reaches), and each
    frame's delay in seconds, as far as the walk went (``complete`` False: it stopped early)."""

    format: str  #: "GIF" or "WEBP"
    size: tuple[int, int]
    delays: tuple[float, ...]
    complete: bool = True

    @property
    def frames(self) -> int:
        return len(self.delays)

    @property
    def seconds(self) -> float:
        return sum(self.delays)

    @property
    def moves(self) -> bool:
        return self.frames > 1


def sniff(source) -> str | None:
    """ "GIF" or "WEBP" when the file (a path or a binary file) is one — by its first bytes, never by
    its name — else None."""
    if hasattr(source, "read"):
        at = source.tell()
        head = source.read(12)
        source.seek(at)
    else:
        try:
            with open(source, "rb") as handle:
                head = handle.read(12)
        except OSError:  # (a missing file: its reader says so in its own words)
            return None
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    return None


def read_header(source) -> Animation | None:
    """The header of a GIF or WebP file (a path or a binary file), or None for any other file. A file
    cut short is read as far as it goes; one whose structure makes no sense raises ValueError."""
    kind = sniff(source)
    if kind is None:
        return None
    if hasattr(source, "read"):
        at = source.tell()
        try:
            return _gif(source) if kind == "GIF" else _webp(source)
        finally:
            source.seek(at)
    with open(source, "rb") as handle:
        return _gif(handle) if kind == "GIF" else _webp(handle)


def _delay(seconds: float) -> float:
    return NO_DELAY if seconds <= 0 else max(MIN_DELAY, seconds)


def _skip_sub_blocks(handle) -> bool:
    """Past a run of GIF data sub-blocks (a length byte, then that many bytes; 0 ends). False at end of file."""
    while True:
        length = handle.read(1)
        if not length:
            return False
        if length[0] == 0:
            return True
        handle.seek(length[0], 1)


def _gif(handle) -> Animation:
    header = handle.read(13)
    if len(header) < 13:
        raise ValueError("a GIF cut short in its header")
    width, height, packed = struct.unpack("<HHB", header[6:11])
    if packed & 0x80:  # the global colour table
        handle.seek(3 * 2 ** ((packed & 7) + 1), 1)
    delays: list[float] = []
    extent = [width, height]
    delay = 0.0
    while True:
        introducer = handle.read(1)
        if not introducer or introducer == b";":  # the end (or the file cut short)
            return Animation("GIF", (extent[0], extent[1]), tuple(delays), complete=introducer == b";")
        if introducer == b"!":
            label = handle.read(1)
            if label == b"\xf9":  # graphic control: this frame's delay in hundredths of a second
                length = handle.read(1)
                block = handle.read(length[0]) if length else b""
                if len(block) < 4:
                    break
                delay = struct.unpack("<H", block[1:3])[0] / 100
            if not _skip_sub_blocks(handle):
                break
        elif introducer == b",":
            descriptor = handle.read(9)
            if len(descriptor) < 9:
                break
            left, top, w, h, packed = struct.unpack("<HHHHB", descriptor)
            extent = [max(extent[0], left + w), max(extent[1], top + h)]
            if packed & 0x80:  # a local colour table
                handle.seek(3 * 2 ** ((packed & 7) + 1), 1)
            handle.seek(1, 1)  # the LZW minimum code size
            delays.append(_delay(delay))
            delay = 0.0
            if not _skip_sub_blocks(handle):
                break
            if sum(delays) >= WALK_SECONDS:
                return Animation("GIF", (extent[0], extent[1]), tuple(delays), complete=False)
        else:
            raise ValueError(f"a GIF block that makes no sense ({introducer!r})")
    return Animation("GIF", (extent[0], extent[1]), tuple(delays), complete=False)


def _u24(data: bytes) -> int:
    return data[0] | data[1] << 8 | data[2] << 16


def _webp(handle) -> Animation:
    handle.seek(handle.tell() + 12)
    size: tuple[int, int] | None = None
    delays: list[float] = []
    while True:
        chunk = handle.read(8)
        if len(chunk) < 8:
            break
        fourcc, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        start = handle.tell()
        if fourcc == b"VP8X":
            body = handle.read(10)
            if len(body) == 10:
                size = (_u24(body[4:7]) + 1, _u24(body[7:10]) + 1)
        elif fourcc == b"ANMF":
            body = handle.read(16)
            if len(body) < 16:
                break
            x, y = 2 * _u24(body[0:3]), 2 * _u24(body[3:6])
            w, h = _u24(body[6:9]) + 1, _u24(body[9:12]) + 1
            if size is None or x + w > size[0] or y + h > size[1]:  # a frame beyond its canvas: the larger
                size = (max(x + w, (size or (0, 0))[0]), max(y + h, (size or (0, 0))[1]))
            delays.append(_delay(_u24(body[12:15]) / 1000))
            if sum(delays) >= WALK_SECONDS:
                return Animation("WEBP", size, tuple(delays), complete=False)
        elif fourcc in (b"VP8 ", b"VP8L") and not delays:
            size = size or _still_webp_size(fourcc, handle.read(10))
            delays.append(NO_DELAY)
        handle.seek(start + length + (length & 1))  # chunks are padded to an even length
    if size is None:
        raise ValueError("a WebP with no picture in it")
    return Animation("WEBP", size, tuple(delays) or (NO_DELAY,))


def _still_webp_size(fourcc: bytes, body: bytes) -> tuple[int, int]:
    if len(body) < 10:
        raise ValueError("a WebP cut short in its header")
    if fourcc == b"VP8L":  # lossless: 14 bits each of width - 1 and height - 1 after its signature
        bits = int.from_bytes(body[1:5], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    # lossy: a 3-byte frame tag and the start code 9d 01 2a, then 14 bits each of width and height
    return struct.unpack("<H", body[6:8])[0] & 0x3FFF, struct.unpack("<H", body[8:10])[0] & 0x3FFF


def pictures(path: str | Path, size: tuple[int, int] | None = None) -> Iterator[tuple[float, float, object]]:
    """Each frame as (when it is shown, for how long, a function giving it as an RGB array at
    ``size``, a transparent one laid on white). Frames are decoded one at a time, in order, only
    when asked for: the caller stops reading where its clip ends."""
    import numpy as np
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        shown = 0.0
        for frame in ImageSequence.Iterator(image):
            delay = _delay(float(frame.info.get("duration") or 0) / 1000)
            # the frame as it is now (Pillow reuses one canvas): converted at once, kept only as a picture
            rgba = frame.convert("RGBA")
            if size is not None and rgba.size != size:
                rgba = rgba.resize(size, Image.Resampling.LANCZOS)
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            picture = np.asarray(flat)
            yield shown, delay, (lambda picture=picture: picture)
            shown += delay
