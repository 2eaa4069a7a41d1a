"""Clips in and out through PyAV (FFmpeg): frames as RGB arrays upright (a phone's rotation applied),
the frame rate and the sound kept; written as H.264 yuv420p MP4 with the index at the front, at
even sizes, which every Telegram client plays."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from ..errors import ImageError
from ..imaging import check_size
from . import animated

#: Longest clip read, whatever a mode asks for (a bot caps it much lower).
MAX_SECONDS = 600.0


@dataclass(frozen=True)
class ClipInfo:
    """What a clip is: its upright size, frame rate, length, and whether it has sound."""

    size: tuple[int, int]  #: width, height, upright
    fps: Fraction
    frames: int  #: as the container says (an estimate for some files)
    seconds: float
    has_audio: bool
    rotation: int  #: degrees the frames are turned to stand upright


#: Most pixels a clip's frame may have (4096×4096): each frame is decoded whole before it is made
#: smaller, so a file that claims a larger one is refused from its header.
MAX_CLIP_PIXELS = 4096 * 4096


def _open(path: str | Path):
    import av

    try:
        container = av.open(str(path))
    except FileNotFoundError:
        raise ImageError(f"The video file {str(path)!r} does not exist.", "not_found") from None
    except (av.error.FFmpegError, ValueError) as exc:
        raise ImageError(f"The video {Path(path).name!r} cannot be read ({exc}).", "not_video") from None
    if not container.streams.video:
        container.close()
        raise ImageError("That file has no video in it.", "not_video")
    return container


def check_frame_size(width: int, height: int) -> None:
    """A clip's frames obey the pictures' rules (engine.imaging) and MAX_CLIP_PIXELS; raises ImageError."""
    check_size(width, height, "clip", MAX_CLIP_PIXELS)


def header(path: str | Path) -> ClipInfo:
    """What a clip's headers say — its size, rate, length and sound — with no frame decoded, its
    frames' size checked (raises ImageError). Rotation is not known here (0): the size rules do not
    depend on it."""
    if animated.sniff(path):
        return _animation_header(path)
    container = _open(path)
    try:
        return _video_header(container)
    finally:
        container.close()


def _animation_header(path: str | Path) -> ClipInfo:
    try:
        moving = animated.read_header(path)
    except ValueError as exc:
        raise ImageError(f"That animation cannot be read ({exc}).", "not_video") from None
    check_frame_size(*moving.size)
    if not moving.frames:
        raise ImageError("That animation has no frames.", "not_video")
    fps = Fraction(min(ANIMATED_FPS, max(1, round(1 / float(np.median(moving.delays))))))
    return ClipInfo(moving.size, fps, moving.frames, moving.seconds, False, 0)


def _video_header(container) -> ClipInfo:
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        raise ImageError("That video does not say how large its frames are.", "not_video")
    check_frame_size(width, height)
    fps = stream.average_rate or stream.guessed_rate or Fraction(25)
    if stream.duration:
        seconds = float(stream.duration * stream.time_base)
    else:
        seconds = container.duration / 1e6 if container.duration else 0.0
    frames = stream.frames or round(seconds * float(fps))
    return ClipInfo((width, height), Fraction(fps), frames, seconds, bool(container.streams.audio), 0)


def probe(path: str | Path) -> ClipInfo:
    """What a clip is — a video, or an animated GIF or WebP — its headers checked, then its first frame
    decoded (so a file with no readable frame is refused here) for its upright size."""
    import av

    if animated.sniff(path):
        info = _animation_header(path)
        first_frame(path)
        return info
    container = _open(path)
    try:
        info = _video_header(container)
        first = next(container.decode(container.streams.video[0]), None)
        if first is None:
            raise ImageError("That video has no frames.", "not_video")
        rotation = int(getattr(first, "rotation", 0) or 0) % 360
        width, height = first.width, first.height
        check_frame_size(width, height)
        if rotation in (90, 270):
            width, height = height, width
        return ClipInfo((width, height), info.fps, info.frames, info.seconds, info.has_audio, rotation)
    except av.error.FFmpegError as exc:
        raise ImageError(f"The video {Path(path).name!r} cannot be decoded ({exc}).", "not_video") from None
    finally:
        container.close()


def first_frame(path: str | Path) -> np.ndarray:
    """A clip's first frame, upright, its size checked (raises ImageError: none, or none decodable)."""
    import av

    try:
        first = next(frames(path, limit=1), None)
    except av.error.FFmpegError as exc:
        raise ImageError(f"The video {Path(path).name!r} cannot be decoded ({exc}).", "not_video") from None
    if first is None:
        raise ImageError("That clip has no frames.", "not_video")
    check_frame_size(first.shape[1], first.shape[0])
    return first


def _video_frames(path: str | Path, size: tuple[int, int] | None):
    """(when, for how long, the picture) of each of a video's frames, decoded as they are read."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        own = float(stream.average_rate or stream.guessed_rate or 25)
        for index, frame in enumerate(container.decode(stream)):
            time = frame.time if frame.time is not None else index / own
            yield time, 1.0 / own, _once(frame, size)
    finally:
        container.close()


def frames(
    path: str | Path,
    size: tuple[int, int] | None = None,
    limit: int | None = None,
    *,
    fps: Fraction | float | None = None,
    seconds: float | None = None,
) -> Iterator[np.ndarray]:
    """Every frame, upright, as an RGB array (resized to ``size`` if given), at most ``limit``.
    ``fps``: resampled to this constant rate by the frames' timestamps (a faster clip loses frames, a
    variable-rate one is evened out, a held frame is repeated); ``seconds``: only that much of it.
    A video or an animated GIF or WebP: frames are decoded one at a time, only as far as asked."""
    timed = animated.pictures(path, size) if animated.sniff(path) else _video_frames(path, size)
    try:
        yield from _paced(timed, limit, float(fps) if fps else None, seconds)
    finally:
        timed.close()


def _paced(timed, limit: int | None, rate: float | None, seconds: float | None) -> Iterator[np.ndarray]:
    slot, start, held, last_time, last_length = 0, None, None, 0.0, 0.0
    count = 0
    for time, length, picture in timed:
        start = time if start is None else start
        time -= start
        if seconds is not None and time >= seconds - 1e-6:
            break
        if rate is None:
            if limit is not None and count >= limit:
                return
            count += 1
            yield picture()
            continue
        # each slot k (at k / rate) shows the latest frame at or before it
        while held is not None and slot / rate < time - 0.25 / rate:
            if limit is not None and count >= limit:
                return
            count += 1
            yield held()
            slot += 1
        held, last_time, last_length = picture, time, length
    if rate is not None and held is not None:  # the last frame, for as long as it lasts
        end = last_time + last_length
        if seconds is not None:
            end = min(end, seconds)
        while slot == 0 or slot / rate < end - 0.25 / rate:
            if limit is not None and count >= limit:
                return
            count += 1
            yield held()
            slot += 1


def _picture(frame, size: tuple[int, int] | None) -> np.ndarray:
    rotation = int(getattr(frame, "rotation", 0) or 0) % 360
    picture = frame.to_ndarray(format="rgb24")
    if rotation:
        # the display matrix turns counter-clockwise: undo it with as many quarter turns
        picture = np.ascontiguousarray(np.rot90(picture, k=rotation // 90))
    if size is not None and (picture.shape[1], picture.shape[0]) != size:
        from PIL import Image

        picture = np.asarray(Image.fromarray(picture).resize(size, Image.Resampling.LANCZOS))
    return picture


def _once(frame, size):
    """A frame converted when first shown (a dropped one never is), then kept."""
    made: list[np.ndarray] = []

    def picture() -> np.ndarray:
        if not made:
            made.append(_picture(frame, size))
        return made[0]

    return picture


def rate(info: ClipInfo, highest: float) -> Fraction:
    """The frame rate a clip is painted at: its own, or ``highest`` when it is faster."""
    return info.fps if float(info.fps) <= highest else Fraction(highest).limit_denominator(1001)


def frame_count(info: ClipInfo, fps: Fraction, seconds: float) -> int:
    """Frames painted of ``info`` at ``fps`` for at most ``seconds`` (its own count when its length is unknown)."""
    if not info.seconds:
        return max(1, info.frames)
    return max(1, math.ceil(min(info.seconds, seconds) * float(fps) - 1e-6))


def even_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """``size`` scaled so its longest side is at most ``longest``, both sides even (yuv420p needs it)."""
    scale = min(1.0, longest / max(size))
    return tuple(max(2, 2 * math.floor(side * scale / 2)) for side in size)


#: Bots upload files up to 50 MB: a clip is written to stay within this (its sound included).
MAX_BYTES = 45 * 1024 * 1024
#: Bits a second the sound takes at most (AAC, stereo).
SOUND_BITRATE = 160_000
#: A cap above which a clip's bit rate is left to its quality alone (a short clip could take any).
MAX_BITRATE = 40_000_000


def write(
    path: str | Path,
    pictures: Iterable[np.ndarray],
    fps: Fraction,
    *,
    sound_from: str | Path | None = None,
    crf: int = 23,
    seconds: float | None = None,
    max_bytes: int = MAX_BYTES,
) -> int:
    """Write ``pictures`` (RGB arrays of one even size) as an H.264 MP4 at ``fps``, with the sound of
    ``sound_from`` (AAC) if it has any; the number of frames written. Given its length in ``seconds``,
    the picture's bit rate is capped so the file stays within ``max_bytes`` (the quality ``crf``
    asks for, unless that would not fit)."""
    import av

    pictures = iter(pictures)
    first = next(pictures, None)
    if first is None:
        raise ImageError("There were no frames to write.", "not_video")
    source = av.open(str(sound_from)) if sound_from is not None else None
    out = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
    try:
        height, width = first.shape[:2]
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"crf": str(crf), "preset": "veryfast"}
        rate = int(max_bytes * 8 / seconds) - SOUND_BITRATE if seconds else MAX_BITRATE
        if rate < MAX_BITRATE:  # a long, busy clip: the encoder's rate control keeps it uploadable
            rate = max(200_000, rate)
            video.options |= {"maxrate": str(rate), "bufsize": str(2 * rate)}
        heard = source.streams.audio[0] if source is not None and source.streams.audio else None
        audio = None
        if heard is not None:  # every stream before the first packet: the header is written then
            audio = out.add_stream("aac", rate=heard.rate or 44100)
            audio.layout = heard.layout.name if heard.layout is not None else "stereo"
        written = 0
        for picture in itertools.chain([first], pictures):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            for packet in video.encode(frame):
                out.mux(packet)
            written += 1
        for packet in video.encode():
            out.mux(packet)
        if audio is not None:
            _encode_sound(source, heard, audio, out, seconds=written / float(fps))
    finally:
        out.close()
        if source is not None:
            source.close()
    return written


def _encode_sound(source, stream, audio, out, seconds: float) -> None:
    """The source's sound re-encoded to AAC, cut where the frames written end."""
    import av

    resampler = av.AudioResampler(format="fltp", layout=audio.layout.name, rate=audio.rate)
    for frame in source.decode(stream):
        if frame.time is not None and frame.time >= seconds:
            break
        for fixed in resampler.resample(frame):
            fixed.pts = None
            for packet in audio.encode(fixed):
                out.mux(packet)
    for fixed in resampler.resample(None):
        for packet in audio.encode(fixed):
            out.mux(packet)
    for packet in audio.encode():
        out.mux(packet)


#: The frame rate an animated picture is painted at, at most (its own frame delays decide below it).
ANIMATED_FPS = 30
