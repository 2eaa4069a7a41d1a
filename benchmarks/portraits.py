"""Paintings of people, today's default painting against the one before faces, layer weights and
fine detail (issue 35), side by side in one run on this host.

    python -m benchmarks.portraits [--quality balanced] [--pairs astronaut:the_scream …] [--save DIR]

For each pair (a photo from samples/ — three portraits — and a painting from ../shared/images):
the instant sketch, the painting as it was (``BEFORE``: no face weights, equal style-layer weights,
no fine detail brought back) and as it is now, each at the quality's size. Printed for each: its
seconds; its face, found on the photo by engine.faces, judged against the photo's (engine.judge:
relu4_2 content distance, grey SSIM); and the whole picture's content and style distances at
512 px. The goals (issue 35): face content ≤ 0.6 and SSIM 0.55–0.9; style distance within 1.1×
of before, time within 1.1×. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from statistics import mean

from PIL import Image

from benchmarks import IMAGES
from engine import Engine, faces
from engine.imaging import fit_size, resize
from engine.judge import distances, face_distances
from engine.presets import on_gpu, preset
from engine.settings import InstantSettings

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
#: The pairs tuned on while the constants were chosen (engine.objectives.nst), and the rest.
TUNED = ("astronaut:the_scream", "grace_hopper:seated-nude")
PAIRS = (*TUNED, "camera:starry_night", "astronaut:shipwreck", "grace_hopper:the_scream", "camera:seated-nude")
#: The painting before issue 35: every style layer alike, faces and the photo's fine detail not held.
BEFORE = {"faces": False, "fine_detail": 0.0, "style_layer_weights": (0.2, 0.2, 0.2, 0.2, 0.2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quality", default="balanced")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), help="photo:style, e.g. astronaut:the_scream")
    parser.add_argument("--save", type=Path, default=None, help="folder to save the pictures in")
    args = parser.parse_args()

    engine = Engine(device=args.device)
    net = engine.network(("relu5_1",))
    settings = preset(args.quality, gpu=on_gpu(engine.device.type), seed=0)
    print(f"{args.quality} on {engine.device}, {settings.size} px; face: content ≤ 0.6, SSIM 0.55–0.9")
    header = ("pair", "", "seconds", "face c", "face ssim", "content", "style")
    print("{:30} {:8} {:>7} {:>7} {:>9} {:>8} {:>6}".format(*header))
    rows: dict[str, list[tuple]] = {"instant": [], "before": [], "now": []}
    for pair in args.pairs:
        photo_name, style_name = pair.split(":")
        photo = Image.open(SAMPLES / f"{photo_name}.jpg").convert("RGB")
        style = Image.open(IMAGES / f"{style_name}.jpg").convert("RGB")
        found = faces.find(photo)
        for name in rows:
            started = time.perf_counter()
            picture = paint(engine, name, photo, style, settings)
            seconds = time.perf_counter() - started
            whole = distances(net, resize(picture, fit_size(picture.size, 512)), photo, style)
            face = face_distances(net, picture, photo, found[0]) if found else None
            row = (seconds, *((face.content, face.ssim) if face else (float("nan"),) * 2), whole.content, whole.style)
            rows[name].append(row)
            tag = pair + (" (tuned)" if pair in TUNED else "")
            print("{:30} {:8} {:7.1f} {:7.3f} {:9.3f} {:8.3f} {:6.3f}".format(tag, name, *row), flush=True)
            if args.save:
                args.save.mkdir(parents=True, exist_ok=True)
                picture.save(args.save / f"{photo_name}-{style_name}-{name}.jpg", quality=92)
    print("mean over the pairs:")
    for name, values in rows.items():
        print("{:30} {:8} {:7.1f} {:7.3f} {:9.3f} {:8.3f} {:6.3f}".format("", name, *map(mean, zip(*values))))
    before, now = rows["before"], rows["now"]
    print(
        f"now / before: time {mean(r[0] for r in now) / mean(r[0] for r in before):.2f}×, "
        f"style distance {mean(r[4] for r in now) / mean(r[4] for r in before):.2f}×"
    )


def paint(engine: Engine, name: str, photo: Image.Image, style: Image.Image, settings) -> Image.Image:
    """The instant sketch, the painting before, or the painting now."""
    if name == "instant":
        return engine.instant.paint(photo, [style], InstantSettings.matching(settings)).image
    return engine.stylize(photo, [style], settings.replace(**BEFORE) if name == "before" else settings).image


if __name__ == "__main__":
    main()
