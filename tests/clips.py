"""Clips the tests make (PyAV): a camera panning over a drawn picture with a tone, a variable-rate one."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .conftest import picture


def mux(out, packets) -> None:
    for packet in packets:
        out.mux(packet)


def make_clip(path, frames: int = 24, fps: int = 12, size=(96, 64), sound: bool = True, step: int = 2,
              back: bool = False):  # fmt: skip
    """A camera panning over a picture (``step`` px a frame), with a 440 Hz tone; ``back``: it pans
    back again, ending where it began (a loop, as GIFs are)."""
    import av

    scene = np.asarray(picture(size[0] + frames * step + 8, size[1] + 20))
    out = av.open(str(path), "w")
    video = out.add_stream("libx264", rate=fps)
    # 4:4:4 takes odd sizes too (what some phones and screen recorders write)
    video.width, video.height, video.pix_fmt = (
        size[0],
        size[1],
        "yuv420p" if size[0] % 2 == size[1] % 2 == 0 else "yuv444p",
    )
    audio = out.add_stream("aac", rate=22050) if sound else None
    for i in range(frames):
        x = (i if not back or i < frames // 2 else frames - 1 - i) * step
        view = np.ascontiguousarray(scene[10 : 10 + size[1], x : x + size[0]])
        mux(out, video.encode(av.VideoFrame.from_ndarray(view, format="rgb24")))
    mux(out, video.encode())
    if audio is not None:
        t = np.arange(int(22050 * frames / fps)) / 22050
        tone = av.AudioFrame.from_ndarray((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None], format="fltp",
                                          layout="mono")  # fmt: skip
        tone.rate = 22050
        mux(out, [*audio.encode(tone), *audio.encode()])
    out.close()
    return path


def make_uneven_clip(path, times_ms: list[int], size=(64, 48)):
    """A variable-rate clip: frame i (grey level 25·i) shown from ``times_ms[i]`` (a phone's held frame)."""
    import av

    out = av.open(str(path), "w")
    video = out.add_stream("libx264", rate=1000)
    video.width, video.height, video.pix_fmt, video.time_base = size[0], size[1], "yuv420p", Fraction(1, 1000)
    for i, t in enumerate(times_ms):
        frame = av.VideoFrame.from_ndarray(np.full((size[1], size[0], 3), 25 * i, np.uint8), format="rgb24")
        frame.pts, frame.time_base = t, Fraction(1, 1000)
        mux(out, video.encode(frame))
    mux(out, video.encode())
    out.close()
    return path


def turn_quarter_clockwise(path, out):
    """The clip as a phone that was held upright writes it: the same frames, and a display matrix
    (the MP4 track header's) saying "turn 90° clockwise to show" — as QuickTime defines it."""
    import struct

    data = bytearray(path.read_bytes())
    header = data.index(b"tkhd")
    version = data[header + 4]
    matrix = header + 8 + (32 if version == 1 else 20) + 16  # past times, ids, duration, layer, volume
    height = struct.unpack(">i", data[matrix + 36 + 4 : matrix + 36 + 8])[0]  # (16.16, as the matrix's shift)
    data[matrix : matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, height, 0, 0x40000000)
    out.write_bytes(bytes(data))
    return out
