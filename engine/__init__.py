"""Neural style transfer after Gatys, Ecker & Bethge (2015/2016), in pure PyTorch.

>>> from engine import Engine, StyleSettings
>>> engine = Engine()                       # loads the original VGG19 once (< 1 s)
>>> result = engine.stylize("photo.jpg", ["painting.jpg"], StyleSettings(size=256))
>>> result.image.save("out.png")

Instant pictures (one pass of a feed-forward network, no torch; engine.instant):

>>> from engine.instant import InstantPainter
>>> InstantPainter().paint("photo.jpg", ["painting.jpg"], InstantSettings(size=1024)).image.save("now.png")

``import engine`` loads no torch: settings, errors, presets and picture checks are plain Python
and Pillow; torch is imported when an :class:`Engine` is first used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

# Idle OpenMP threads sleep instead of spinning (read when torch loads, so before it). A painting
# often shares the cores — with a sketch, another engine, other programs — and spinning threads
# steal them: two paintings at once on 2 cores took 1.45× one alone this way (benchmarks/busy_cpu.py).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .errors import EngineError, ImageError, SettingsError, WeightsError
from .imaging import open_image
from .results import Losses, Progress, Result
from .settings import InstantSettings, StyleSettings

if TYPE_CHECKING:
    from .painter import Engine, stylize

__all__ = [
    "Engine",
    "EngineError",
    "ImageError",
    "InstantSettings",
    "Losses",
    "Progress",
    "Result",
    "SettingsError",
    "StyleSettings",
    "WeightsError",
    "open_image",
    "stylize",
]


def __getattr__(name: str):
    # The torch-backed parts load on first use (PEP 562), so the bot and `--help` stay light.
    if name in ("Engine", "stylize"):
        from . import painter as module

        return getattr(module, name)
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
