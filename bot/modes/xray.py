"""/xray: what the network sees — the photo rebuilt from five depths of VGG19
(engine.objectives.reconstruct), side by side, one line each saying what that depth keeps."""

from __future__ import annotations

from ..i18n import N_, Labels, Text
from ..i18n import gettext as _
from .one_picture import OnePictureMode

XRAY_LINES = Labels(
    {
        "relu1_1": N_("relu1_1 — every pixel: the first layer keeps the photo almost exactly"),
        "relu2_1": N_("relu2_1 — edges and colours, slightly softened"),
        "relu3_1": N_("relu3_1 — textures and shapes; colours start to wander"),
        "relu4_1": N_("relu4_1 — the parts of things; fine detail is gone"),
        "relu5_1": N_("relu5_1 — what is where, little of how it looked"),
    }
)


class XrayMode(OnePictureMode):
    name = "reconstruct"
    icon = "🩻"
    command = "xray"
    description = N_("What the network sees in a photo")
    WORKING = Text(N_("🩻 Looking through the network…"))
    GROUP_RESULT = Text(N_("{name}, here is your x-ray."))
    PROMPT = Text(N_("🩻 Send the photo to x-ray."))
    PROMPT_GROUP = Text(N_("🩻 {name}, reply to this message with the photo to x-ray."))

    def always(self) -> dict:
        return {"strip": True}  # all five depths, side by side

    def describe(self, run, settings: dict, done: str) -> str:
        lines = XRAY_LINES()
        layers = [lines.get(layer, layer) for layer in run.layers]
        return "\n".join([_("🩻 What the network sees, from shallow to deep:"), *layers, done])


MODE = XrayMode()
