"""Neural style transfer after Gatys, Ecker & Bethge (2015/2016), in pure PyTorch.

>>> from engine import Engine, StyleSettings
>>> engine = Engine()                       # loads the original VGG19 once (< 1 s)
>>> result = engine.stylize("photo.jpg", ["painting.jpg"], StyleSettings(size=256))
>>> result.image.save("out.png")
"""

from .errors import EngineError, ImageError, SettingsError, WeightsError
from .images import open_image
from .settings import StyleSettings
from .stylize import Engine, Losses, Progress, Result, stylize

__all__ = [
    "Engine",
    "EngineError",
    "ImageError",
    "Losses",
    "Progress",
    "Result",
    "SettingsError",
    "StyleSettings",
    "WeightsError",
    "open_image",
    "stylize",
]
