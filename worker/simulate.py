"""A worker that paints nothing (``python -m worker --simulate SECONDS``): each job takes a fixed time,
reports progress like the engine and returns the content picture (a clip: the clip itself). It
measures our orchestration (queue, events, delivery) without the painting, in benchmarks.scale and
in end-to-end tests."""

from __future__ import annotations

import shutil
import time

from PIL import Image, ImageOps

from engine.modes import MODES
from engine.modes.base import VIDEO_FAMILY
from engine.results import Losses, Progress, Result

STEPS = 20


class SimulatedEngine:
    modes = tuple(MODES)  #: every mode, of every family
    device = "simulated"
    load_seconds = 0.0

    def __init__(self, seconds: float):
        self.seconds = seconds

    def run(self, mode: str, inputs: dict, settings, *, callback=None, folder=None) -> Result:
        started = time.perf_counter()
        source = inputs.get("content") or inputs.get("source")
        made = None
        if MODES[mode].family == VIDEO_FAMILY:  # the clip comes back as it was, in a file of its own
            from engine.job_folder import given
            from engine.video.clips import frames

            image = Image.fromarray(next(frames(source, limit=1)))
            made = str(given(folder) / "clip.mp4")
            shutil.copyfile(source, made)
        else:
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
        return Result(image, settings, none, none, STEPS, time.perf_counter() - started, self.device, file=made)
