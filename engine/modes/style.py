"""Style transfer (Gatys et al. 2016), a mode: its job — the photo painted in one or two styles
on the optimisation of engine.objectives.nst. Its settings are engine.settings.StyleSettings and
its presets engine.presets (the bot's qualities are made of them); it is registered in
engine.modes."""

from __future__ import annotations

import dataclasses

from PIL import Image

from ..imaging import fit_size
from ..settings import InstantSettings, StyleSettings

NAME = "style"


def instant_start(engine, content: Image.Image, styles: list[Image.Image], settings: StyleSettings) -> Image.Image:
    """A warm start: the instant painting at the final size. The optimisation sets the strength and
    the colours; the start needs only the style's strokes."""
    start = InstantSettings.matching(settings).replace(strength=1.0, keep_colors=False, region="whole")
    return engine.instant.picture(content, styles, start, fit_size(content.size, settings.size))


def run(engine, inputs: dict, settings: StyleSettings, callback=None, folder=None):
    """The style mode's job: ``content`` in the style of one or two ``styles`` (an ``init`` picture
    when ``settings.init`` is "image"; the instant painting as the start when it is "instant")."""
    from .. import faces
    from ..errors import SettingsError
    from ..imaging import open_inputs

    styles = list(inputs["styles"])
    settings = settings.validate(len(styles))
    init = inputs.get("init")
    if settings.init == "image" and init is None:
        raise SettingsError("init is 'image' but no init image was given.")
    content_img, style_imgs, init_img = open_inputs(
        inputs["content"], styles, init if settings.init == "image" else None
    )
    mask, warnings = None, ()
    if settings.region != "whole":
        from ..regions import subject
        from ..results import NOT_FOUND

        found = subject(content_img, inputs.get("mask"))
        if found.found:
            mask = found.alpha
        else:  # no clear subject: the whole picture is painted, and the result says so
            settings, warnings = settings.replace(region="whole"), (NOT_FOUND,)
    if settings.grown_from:  # a print: refused before it starts where this machine lacks the memory
        from ..memory import check_print

        check_print(engine.device, content_img.size, settings.size)
    if settings.init == "instant":
        init_img = instant_start(engine, content_img, style_imgs, settings)
    pictures = (content_img, style_imgs, init_img, mask, faces.where(content_img) if settings.faces else None)
    layers = settings.content_layers + settings.style_layers
    if not settings.timelapse:
        result = engine.optimise(NAME, settings, pictures, layers, callback)
    else:
        from ..video.timelapse import Timelapse

        lapse = Timelapse(settings, callback, folder)
        result = lapse.finish(engine.optimise(NAME, lapse.settings, pictures, layers, lapse.collect))
    return dataclasses.replace(result, warnings=result.warnings + warnings) if warnings else result
