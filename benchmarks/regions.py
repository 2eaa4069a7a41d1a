"""The subject mask and painting by region, measured.

    python -m benchmarks.regions [--size 384] [--steps 80] [--example docs/regions.jpg]

Printed, not asserted:

1. The mask (engine.mask) on drawn portraits whose outline is known (tests.portraits: a head, a neck,
   shoulders and a raised hand with four fingers, on a blurred background), five of them at each of
   three sizes: intersection over union with the true outline, for the network's output only
   enlarged and after the guided-filter edge; and the seconds a mask takes at phone sizes.
2. Each region's content and style distance (engine.judge's measure, taken over the region's own
   features, 24 px inside its outline) for a whole-picture painting and for the painting by region
   (keep me, only me, and me · the rest with two styles), instant and Gatys, on the figure drawn
   over the shared Tübingen photo. A kept region should be near the photo (content ≈ 0), a painted
   one as near the style as in the whole painting.
3. With ``--example``: the four pictures side by side, for judging the seam by eye (docs/engine.md's).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from PIL import Image, ImageFilter

from benchmarks import IMAGES

SIZES = ((640, 480), (1280, 960), (960, 1280))
PHONE = ((1280, 960), (1920, 1080), (4032, 3024))


def mask_quality() -> None:
    from engine.mask import SIDE, SubjectMasker
    from tests.portraits import iou, portrait

    masker = SubjectMasker()
    print("mask IoU against the drawn outline (5 portraits each):")
    for size in SIZES:
        enlarged, refined = [], []
        for seed in range(5):
            photo, truth = portrait(size, seed)
            raw = Image.fromarray((masker.raw(photo) * 255).astype(np.uint8)).resize(size, Image.BILINEAR)
            enlarged.append(iou(raw, truth))
            refined.append(iou(masker.mask(photo).alpha, truth))
        print(f"  {size[0]}×{size[1]}: enlarged from {SIDE}² {np.mean(enlarged):.4f} (min {min(enlarged):.4f}), "
              f"edge refined {np.mean(refined):.4f} (min {min(refined):.4f})")  # fmt: skip
    print("seconds per mask (network + edge; median of 3):")
    for size in PHONE:
        photo, _ = portrait(size, 7)
        times = []
        for _ in range(3):
            masker._kept.clear()
            started = time.perf_counter()
            masker.mask(photo)
            times.append(time.perf_counter() - started)
        print(f"  {size[0]}×{size[1]}: {sorted(times)[1]:.2f} s")


def scene(size: tuple[int, int]) -> tuple[Image.Image, Image.Image]:
    """The drawn figure over the shared Tübingen photo (sharp: a harder background than the tests')."""
    from tests.portraits import portrait

    person, truth = portrait(size, 3)
    town = Image.open(IMAGES / "tubingen.jpg").convert("RGB").resize(size, Image.LANCZOS)
    return Image.composite(person, town, truth.filter(ImageFilter.GaussianBlur(1))), truth


@torch.no_grad()
def region_distances(net, output: Image.Image, content: Image.Image, style: Image.Image, area: np.ndarray):
    """engine.judge's two distances over one region: features weighted by ``area`` (0…1, output size)."""
    from engine.imaging import fit_size, resize
    from engine.knobs import DEFAULT_STYLE_LAYERS
    from engine.objectives.losses import gram
    from engine.objectives.nst import at_layer
    from engine.tensors import image_to_tensor

    device = net.device
    out = image_to_tensor(output.convert("RGB"), device)
    size = (out.shape[3], out.shape[2])
    weight = torch.from_numpy(area.astype(np.float32))[None, None].to(device)
    layers = ("relu4_2", *DEFAULT_STYLE_LAYERS)
    feats = net(out, layers)
    photo = net(image_to_tensor(resize(content, size), device), ("relu4_2",))["relu4_2"]
    styled = net(image_to_tensor(resize(style, fit_size(style.size, max(size))), device), DEFAULT_STYLE_LAYERS)
    m = at_layer(weight, "relu4_2")
    c = ((feats["relu4_2"] - photo) * m).norm() / (photo * m).norm()
    s = []
    for name in DEFAULT_STYLE_LAYERS:
        w = at_layer(weight, name)
        g = gram(feats[name] * w) / w.pow(2).mean().clamp_min(1e-6)
        target = gram(styled[name])
        s.append((g - target).norm() / target.norm())
    return float(c), float(torch.stack(s).mean())


def regions(size: int, steps: int, example: str | None) -> None:
    from engine import Engine
    from engine.instant import InstantPainter
    from engine.mask import masker
    from engine.presets import preset
    from engine.settings import InstantSettings
    from tests.portraits import iou

    photo, truth = scene((size, round(size * 0.75)))
    starry = Image.open(IMAGES / "starry_night.jpg").convert("RGB")
    scream = Image.open(IMAGES / "the_scream.jpg").convert("RGB")
    found = masker().mask(photo)
    # each region well inside its outline (24 px of edge left out): the seam is judged by eye
    import cv2

    kernel = np.ones((49, 49), np.uint8)
    person = (np.asarray(truth) > 127).astype(np.uint8)
    inside, outside = cv2.erode(person, kernel).astype(float), cv2.erode(1 - person, kernel).astype(float)
    print(f"\nregions on a {photo.width}×{photo.height} scene; the mask's IoU there: {iou(found.alpha, truth):.4f}")
    engine = Engine(device="cpu")
    net = engine.network(("relu5_1",))
    instant = InstantPainter()
    runs = {
        "instant": lambda region, styles: instant.paint(photo, styles, InstantSettings(size=size, region=region)),
        "gatys": lambda region, styles: engine.stylize(
            photo, styles, preset("fast").replace(size=size, paint_size=size, steps=steps, region=region)
        ),
    }
    shown = []
    for name, run in runs.items():
        print(f"{name}: (content, style) distances — subject | background   (style: Starry Night; split: Scream on "
              "the subject)")  # fmt: skip
        for region, styles in (("whole", [starry]), ("keep_subject", [starry]), ("keep_background", [starry]),
                               ("split", [scream, starry])):  # fmt: skip
            started = time.perf_counter()
            result = run(region, styles)
            took = time.perf_counter() - started
            picture = result.image
            subject_style = scream if region == "split" else starry
            cs, ss = region_distances(net, picture, photo, subject_style, inside)
            cb, sb = region_distances(net, picture, photo, starry, outside)
            print(f"  {region:16s} {cs:.3f}, {ss:.3f} | {cb:.3f}, {sb:.3f}   {took:.1f} s")
            if name == "gatys":
                shown.append(picture)
    if example:
        width, height = shown[0].size
        sheet = Image.new("RGB", (width * 2, height * 2), "white")
        for k, picture in enumerate(shown):
            sheet.paste(picture.resize((width, height)), ((k % 2) * width, (k // 2) * height))
        sheet.save(example, quality=85)
        print(f"wrote {example}: whole · keep me / only me · me (The Scream) and the rest (Starry Night)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--example", default=None, help="write the four Gatys pictures side by side here")
    args = parser.parse_args()
    mask_quality()
    regions(args.size, args.steps, args.example)


if __name__ == "__main__":
    main()
