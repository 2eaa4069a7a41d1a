"""What the network sees (Mahendran & Vedaldi 2015): a picture rebuilt from noise so that one
layer's features match the photo's, with two natural-image regularisers — total variation (no
pixel noise) and an α-norm (α = 6, pixels kept away from the extremes).

Shallow layers keep nearly every pixel; deep ones keep *what* is where and lose exact colour and
texture — which is why style transfer takes its content from relu4_2.
"""

from __future__ import annotations

from dataclasses import replace

import torch
from PIL import Image

from ..imaging import fit_size, resize
from ..results import Losses, Progress, ProgressCallback, Result
from ..settings import ReconstructSettings
from ..tensors import image_to_tensor
from .losses import ContentLoss, TVLoss

ALPHA = 6


class ReconstructObjective:
    def __init__(self, net, settings: ReconstructSettings, photo: Image.Image):
        self.net, self.settings, self.photo = net, settings, photo
        self.device = net.device
        self.tv = TVLoss()

    def canvas(self, side: int) -> tuple[int, int]:
        return fit_size(self.photo.size, side)

    def set_targets(self, size: tuple[int, int]) -> None:
        layer = self.settings.layer
        photo = image_to_tensor(resize(self.photo, size), self.device)
        self.loss = ContentLoss(self.net(photo, (layer,))[layer])

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.settings.seed) if self.settings.seed is not None else None
        # Grey-ish noise: the α-norm and the smoothing pull it towards a picture, not towards 0 or 1.
        noise = 0.5 + 0.2 * (torch.rand((1, 3, size[1], size[0]), generator=generator) - 0.5)
        return noise.to(self.device)

    def begin(self, image: torch.Tensor, steps_per_size: list[int]) -> Losses:
        terms = self.terms(image)
        return self.summary(*terms, self.total(*terms))

    def terms(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        layer = self.settings.layer
        content = self.loss(self.net(image, (layer,))[layer])
        alpha = (2 * image - 1).pow(ALPHA).mean()
        return content, self.tv(image), alpha

    def total(self, content, tv, alpha):
        s = self.settings
        return content + s.tv_weight * tv + s.alpha_weight * alpha

    def summary(self, content, tv, alpha, total) -> Losses:
        values = torch.stack([t.detach().float() for t in (content, tv, total)]).tolist()
        return Losses(values[0], (), values[1], values[2])

    def after_step(self, step: int, losses: Losses) -> None:
        pass

    def finish(self, picture: Image.Image) -> Image.Image:
        return picture


def strip(pictures: list[Image.Image], layers) -> Image.Image:
    """Reconstructions side by side, shallow to deep, each labelled with its layer underneath."""
    from PIL import ImageDraw, ImageFont

    width, height = pictures[0].size
    gap, band = max(2, width // 64), max(14, height // 8)
    font = ImageFont.load_default(size=max(10, band * 5 // 8))
    canvas = Image.new("RGB", (len(pictures) * width + (len(pictures) - 1) * gap, height + band), "white")
    draw = ImageDraw.Draw(canvas)
    for i, (picture, layer) in enumerate(zip(pictures, layers)):
        x = i * (width + gap)
        canvas.paste(picture.resize((width, height)), (x, 0))
        draw.text((x + width / 2, height + band / 2), layer, fill="black", font=font, anchor="mm")
    return canvas


def run(engine, inputs: dict, settings: ReconstructSettings, callback=None):
    """The reconstruct mode's job: ``content`` rebuilt from one layer's features (or, with ``strip``,
    from each of five, side by side; progress counts over all of them)."""
    from ..imaging import open_image

    settings = settings.validate()
    picture = open_image(inputs["content"], role="photo")
    if not settings.strip:
        return engine.optimise("reconstruct", settings, (picture,), (settings.layer,), callback)
    results: list[Result] = []
    for layer in settings.layers:
        done, before = sum(r.steps for r in results), sum(r.elapsed for r in results)
        report = _offset(callback, done, settings.total_steps, before)
        one = settings.replace(strip=False, layer=layer)
        results.append(engine.optimise("reconstruct", one, (picture,), (layer,), report))
    image = strip([r.image for r in results], settings.layers)
    elapsed = sum(r.elapsed for r in results)
    warnings = tuple(w for r in results for w in r.warnings)
    if callback is not None:
        end = results[-1].end
        callback(Progress("done", 0, 1, image.size, settings.total_steps, settings.total_steps, end, elapsed, 0.0,
                          image))  # fmt: skip
    return Result(image, settings, results[0].start, results[-1].end, done + results[-1].steps, elapsed,
                  results[-1].device, warnings)  # fmt: skip


def _offset(callback: ProgressCallback | None, done: int, total: int, before: float) -> ProgressCallback | None:
    """One run's progress as part of several, ``done`` steps and ``before`` seconds into the job:
    steps out of the job's ``total``, time and ETA over the whole job (the caller reports "done")."""
    if callback is None:
        return None

    def report(p: Progress):
        if p.stage == "done":
            return None
        step, elapsed = done + p.step, before + p.elapsed
        eta = elapsed / step * (total - step) if step else None
        return callback(replace(p, step=step, total_steps=total, scale=0, scales=1, elapsed=elapsed, eta=eta))

    return report
