"""/texture: a new texture grown from a picture (Gatys et al. 2015, engine.objectives.texture) —
not a crop, a new pattern with the same statistics — with ♻ another one and 🔲 tileable under it."""

from __future__ import annotations

import random

from telegram import InlineKeyboardMarkup

from worker.protocol import JobSpec

from ..i18n import N_, Text
from ..i18n import gettext as _
from .base import png_button, redo_button
from .one_picture import OnePictureMode

BUTTON_ANOTHER = Text(N_("♻ Another one"))
BUTTON_TILEABLE = Text(N_("🔲 Make it tileable"))
BUTTON_NOT_TILEABLE = Text(N_("🔲 Without tiling"))


class TextureMode(OnePictureMode):
    name = "texture"
    icon = "🧵"
    command = "texture"
    description = N_("Grow a new texture from a picture")
    choices = ("another", "tile")
    WORKING = Text(N_("🧵 Growing the texture…"))
    GROUP_RESULT = Text(N_("{name}, here is your texture."))
    PROMPT = Text(N_("🧵 Send the picture to grow a texture from — a painting, fabric, leaves, a wall…"))
    PROMPT_GROUP = Text(N_("🧵 {name}, reply to this message with the picture to grow a texture from."))

    def describe(self, run, settings: dict, done: str) -> str:
        return " · ".join(filter(None, [done, f"{run.size} px", _("tileable") if run.tileable else ""]))

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        tile = BUTTON_NOT_TILEABLE() if spec.settings.get("tileable") else BUTTON_TILEABLE()
        another = redo_button(job_id, BUTTON_ANOTHER(), "another")
        return InlineKeyboardMarkup([[another, redo_button(job_id, tile, "tile")], [png_button(job_id)]])

    def variant(self, settings: dict, choice: str, n_styles: int = 1) -> dict | None:
        if choice not in self.choices:
            return None
        changed = {**settings, "seed": random.randrange(2**31)}  # either way, a new texture
        if choice == "tile":
            changed["tileable"] = not settings.get("tileable", False)
        return changed


MODE = TextureMode()
