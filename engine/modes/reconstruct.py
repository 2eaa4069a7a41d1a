"""What the network sees (Mahendran & Vedaldi 2015), a mode: its settings, presets and job — a
picture rebuilt from one layer's features, or a strip of five (engine.objectives.reconstruct)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image

from ..knobs import MAX_SIZE, MAX_STEPS, OPTIMIZERS, Optimised, check_fields, knob
from ..layers import LAYER_INDEX
from ..optimize.schedule import work
from ..results import Progress, ProgressCallback, Result
from .base import Mode

#: The reconstruction strip's layers: one per block, shallow to deep.
STRIP_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: What each of the strip's layers keeps, in a few words (``python -m engine reconstruct --help``).
STRIP_KEEPS = {
    "relu1_1": "every pixel",
    "relu2_1": "edges and colours",
    "relu3_1": "textures, blurred colours",
    "relu4_1": "shapes and parts",
    "relu5_1": "what is where",
}


@dataclass(frozen=True)
class ReconstructSettings(Optimised):
    """What the network sees (Mahendran & Vedaldi 2015): the picture rebuilt from noise to match one
    layer's features alone, with a total-variation and an α-norm regulariser. ``strip`` rebuilds it
    from relu1_1 … relu5_1 and lays the five side by side."""

    size: int = knob(256, "longest side of each reconstruction", low=16, high=MAX_SIZE, unit="px")
    layer: str = knob(
        "relu4_1",
        "VGG19 layer to rebuild the picture from",
        choices=STRIP_LAYERS
        + tuple(name for name in LAYER_INDEX if name.startswith("relu") and name not in STRIP_LAYERS),
    )
    strip: bool = knob(False, "rebuild from each of relu1_1 … relu5_1 and lay them side by side")
    steps: int = knob(60, "optimiser steps at the final size", low=1, high=MAX_STEPS)
    start_size: int | None = knob(
        96, "coarse-to-fine: begin at this longest side (0 = one size only)", low=16, high=MAX_SIZE, unit="px"
    )
    coarse_steps: int | None = knob(80, "optimiser steps at each size below the final one", low=0, high=MAX_STEPS)
    tv_weight: float = knob(0.05, "total variation: smooth, natural-looking pictures", low=0.0, high=1e9)
    alpha_weight: float = knob(
        0.05, "α-norm (α = 6): keeps pixels from piling up at black and white", low=0.0, high=1e9
    )
    seed: int | None = knob(None, "random seed of the starting noise", low=0, high=2**63 - 1)
    optimizer: str = knob("lbfgs", "lbfgs: best pictures; adam: less memory", choices=OPTIMIZERS)
    learning_rate: float | None = knob(
        None, "step size (default 1 for lbfgs, 0.02 for adam)", low=1e-6, high=1e3, open_low=True
    )
    tolerance: float = knob(
        0.0,
        "end a size early once the loss improves by less than this fraction over 10 steps (0: never)",
        low=0.0,
        high=1.0,
    )
    preview_every: int = knob(
        0, "attach an intermediate picture every N steps (0: never)", low=0, high=MAX_STEPS, cli=False
    )

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers rebuilt, in the order they are shown."""
        return STRIP_LAYERS if self.strip else (self.layer,)

    @property
    def work(self) -> float:
        return work(self.schedule) * len(self.layers)

    @property
    def total_steps(self) -> int:
        return sum(steps for _, steps in self.schedule) * len(self.layers)

    def validate(self, n_styles: int = 0) -> ReconstructSettings:
        check_fields(self)
        return self


RECONSTRUCT_PRESETS: dict[str, dict] = {
    "fast": {"size": 128, "start_size": 64, "coarse_steps": 60, "steps": 30},
    "balanced": {"size": 192, "start_size": 96, "coarse_steps": 80, "steps": 40},
    "best": {"size": 256, "start_size": 96, "coarse_steps": 150, "steps": 80},
}


def run(engine, inputs: dict, settings: ReconstructSettings, callback=None, folder=None):
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
        callback(
            Progress("done", 0, 1, image.size, settings.total_steps, settings.total_steps, end, elapsed, 0.0, image)
        )
    return Result(
        image,
        settings,
        results[0].start,
        results[-1].end,
        done + results[-1].steps,
        elapsed,
        results[-1].device,
        warnings,
    )


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


MODE = Mode(
    name="reconstruct",
    title="what the network sees",
    settings=ReconstructSettings,
    presets=RECONSTRUCT_PRESETS,
    default_preset="balanced",
    objective="engine.objectives.reconstruct:ReconstructObjective",
    inputs=("content",),
    run="engine.modes.reconstruct:run",
)
