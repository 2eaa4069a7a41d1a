"""A worker that paints nothing (``python -m worker --simulate SECONDS``): each job takes a fixed time,
reports progress like the engine and returns the content picture. It measures our orchestration
(queue, events, delivery) without the painting, in benchmarks.scale and in end-to-end tests."""

from __future__ import annotations

import time

from PIL import Image, ImageOps

from engine.modes import MODES
from engine.results import Losses, Progress, Result

STEPS = 20


class SimulatedEngine:
    modes = tuple(name for name, mode in MODES.items() if mode.family == "picture")  #: it makes pictures only
    device = "simulated"
    load_seconds = 0.0

    def __init__(self, seconds: float):
        self.seconds = seconds

    def run(self, mode: str, inputs: dict, settings, *, callback=None) -> Result:
        started = time.perf_counter()
        source = inputs.get("content") or inputs.get("source")
        with Image.open(source) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
        image.thumbnail((256, 256))
        none = Losses(0.0, (), 0.0, 0.0)
        for step in range(1, STEPS + 1):
            time.sleep(self.seconds / STEPS)
            if callback is not None:
                elapsed = time.perf_counter() - started
                eta = elapsed / step * (STEPS - step)
                callback(Progress("optimize", 0, 1, image.size, step, STEPS, None, elapsed, eta))
        return Result(image, settings, none, none, STEPS, time.perf_counter() - started, self.device)
