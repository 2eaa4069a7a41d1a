"""Time and quality of the seeds' other experiments — texture, dream, reconstruct — per preset.

    python -m benchmarks.modes [--device cpu|cuda] [--modes texture dream reconstruct]
                               [--presets fast balanced best] [--pictures docs]

One warm engine; per mode × preset one job on ../shared/images (texture: a crop of Starry Night's
sky; dream and x-ray: Tübingen). Prints seconds, steps, peak memory and each mode's quality figure:

* texture — the judge's style distance (engine.judge) of the result to its source, beside that of
  the noise it started from and of a Gatys style-only run with the same schedule, and the content
  distance to the source at relu4_2 (high: a new picture, not a copy);
* dream — the mean change of the pixels and how well the photo's coarse layout is kept (correlation
  of 24 px greyscale thumbnails; 1 = the same);
* reconstruct — the mean pixel error of the reconstruction from each of relu1_1 … relu5_1.

``--pictures DIR`` also writes the docs' examples there: texture.jpg (a texture and a 2×2
tiling of a tileable one), dream.jpg (the photo and its three depths) and xray.jpg (the strip).
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from benchmarks import IMAGES
from engine import Engine, StyleSettings
from engine.judge import distances
from engine.modes import get as get_mode
from engine.modes.reconstruct import STRIP_LAYERS

MODES = ("texture", "dream", "reconstruct")


def peak_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


def layout(image: Image.Image, like: Image.Image) -> float:
    def coarse(one):
        return np.asarray(one.convert("L").resize((24, 18)), np.float32).ravel()

    return float(np.corrcoef(coarse(image), coarse(like))[0, 1])


def timed(engine: Engine, call, *args):
    if engine.device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    result = call(*args)
    if engine.device.type == "cuda":
        torch.cuda.synchronize()
    return result, time.perf_counter() - started


def texture_figures(engine: Engine, settings, result, source: Image.Image, gatys: bool) -> str:
    net = engine.network(("relu5_1",))
    noise = Image.fromarray((np.random.default_rng(0).random((*result.image.size[::-1], 3)) * 255).astype(np.uint8))
    start, end = distances(net, noise, source, source), distances(net, result.image, source, source)
    line = f"style {start.style:.3f} → {end.style:.3f}; content to source {end.content:.2f}"
    if gatys:  # the same schedule with style transfer's objective, from the same noise, no content
        style_only = StyleSettings(size=settings.size, steps=settings.steps, start_size=settings.start_size,
                                   coarse_steps=settings.coarse_steps, strength=1.0, init="noise", seed=0)  # fmt: skip
        reference = engine.stylize(source, [source], style_only)
        line += f"; Gatys style-only {distances(net, reference.image, source, source).style:.3f}"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--presets", nargs="+", default=["fast", "balanced"], choices=["fast", "balanced", "best"])
    parser.add_argument("--gatys", action="store_true", help="texture: also run the Gatys style-only reference")
    parser.add_argument("--pictures", type=Path, default=None, help="write the docs' example pictures here")
    args = parser.parse_args()

    painting = Image.open(IMAGES / "starry_night.jpg").convert("RGB")
    source = painting.crop((0, 0, painting.width * 2 // 3, painting.height // 2))  # the swirling sky
    photo = Image.open(IMAGES / "tubingen.jpg").convert("RGB")
    engine = Engine(device=args.device)
    if engine.device.type == "cuda":  # allocator and kernels warm
        engine.texture(source, get_mode("texture").make_settings({"size": 128}, preset="fast"))
    print(f"device {engine.device}; torch {torch.__version__}")
    print("{:12} {:9} {:>5} {:>6} {:>8} {:>8}  {}".format("mode", "preset", "px", "steps", "seconds", "peak MB",
                                                         "quality"))  # fmt: skip
    for name in args.modes:
        mode = get_mode(name)
        for preset in args.presets:
            settings = mode.make_settings({"seed": 0, **({"strip": True} if name == "reconstruct" else {})}, preset)
            if name == "texture":
                result, seconds = timed(engine, engine.texture, source, settings)
                figures = texture_figures(engine, settings, result, source, args.gatys)
            elif name == "dream":
                result, seconds = timed(engine, engine.dream, photo, settings)
                small = photo.resize(result.image.size)
                change = np.abs(pixels(result.image) - pixels(small)).mean()
                figures = f"mean change {change:.3f}; layout kept {layout(result.image, small):.2f}"
            else:
                result, seconds = timed(engine, engine.reconstruct, photo, settings)
                errors = []
                for layer in STRIP_LAYERS:  # one run per layer, for each one's error
                    one = engine.reconstruct(photo, settings.replace(strip=False, layer=layer))
                    errors.append(np.abs(pixels(one.image) - pixels(photo.resize(one.image.size))).mean())
                figures = "pixel error " + " ".join(f"{layer} {e:.3f}" for layer, e in zip(STRIP_LAYERS, errors))
            print(f"{name:12} {preset:9} {settings.size:>5} {result.steps:>6} {seconds:>8.1f} "
                  f"{peak_mb(engine.device):>8.0f}  {figures}", flush=True)  # fmt: skip
    if args.pictures is not None:
        write_pictures(engine, args.pictures, source, photo)


def write_pictures(engine: Engine, folder: Path, source: Image.Image, photo: Image.Image) -> None:
    """The docs' examples (docs/engine.md), at the balanced presets."""
    folder.mkdir(parents=True, exist_ok=True)
    texture, dream, xray = (get_mode(name) for name in MODES)
    plain = engine.texture(source, texture.make_settings({"seed": 1}, "balanced")).image
    tiled = engine.texture(source, texture.make_settings({"seed": 2, "tileable": True, "size": 256}, "balanced")).image
    side = plain.height
    four = Image.new("RGB", (2 * tiled.width, 2 * tiled.height))
    for x in (0, tiled.width):
        for y in (0, tiled.height):
            four.paste(tiled, (x, y))
    shown = [source.resize((round(source.width * side / source.height), side)), plain, four.resize((side, side))]
    row(shown).save(folder / "texture.jpg", quality=88)
    dreams = [engine.dream(photo, dream.make_settings({"seed": 0, "layer": layer}, "balanced")).image
              for layer in ("relu3_1", "relu4_1", "relu5_1")]  # fmt: skip
    row([photo.resize(dreams[0].size), *dreams]).save(folder / "dream.jpg", quality=88)
    strip = engine.reconstruct(photo, xray.make_settings({"seed": 0, "strip": True}, "balanced")).image
    strip.save(folder / "xray.jpg", quality=90)
    print(f"pictures written to {folder}/: texture.jpg, dream.jpg, xray.jpg")


def row(pictures: list[Image.Image], gap: int = 6) -> Image.Image:
    height = max(p.height for p in pictures)
    canvas = Image.new("RGB", (sum(p.width for p in pictures) + gap * (len(pictures) - 1), height), "white")
    x = 0
    for picture in pictures:
        canvas.paste(picture, (x, 0))
        x += picture.width + gap
    return canvas


if __name__ == "__main__":
    main()
