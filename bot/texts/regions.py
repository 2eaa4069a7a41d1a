"""What the bot says of painting by region (🧍): the buttons, the ⚙ card's line, the draft line's
tag, and the answer when a photo has no clear subject (engine.regions)."""

from __future__ import annotations

from engine.results import NO_SUBJECT

from ..i18n import N_, Labels, Text
from ..i18n import gettext as _

#: The 🧍 buttons, by engine region.
LABELS = Labels(
    {
        "whole": N_("🖼 All of it"),
        "keep_subject": N_("🧍 Keep me"),
        "keep_background": N_("🎨 Paint only me"),
        "split": N_("🧍🎨 Me · the rest"),
    }
)
#: The ⚙ card's line and the draft line's tag: where the style goes.
WHERE = Labels(
    {
        "whole": N_("the whole picture"),
        "keep_subject": N_("around you — you stay a photo"),
        "keep_background": N_("only you — the rest stays a photo"),
        "split": N_("you in the first style, the rest in the second"),
    }
)
TAGS = Labels({"keep_subject": N_("keep me"), "keep_background": N_("only me"), "split": N_("me · the rest")})
NOT_FOUND = Text(N_("🧍 I can't find a person or subject here, so I painted the whole picture."))


def where(region: str) -> str:
    """The ⚙ card's line: where the style goes."""
    return _("Where: {value}").format(value=WHERE().get(region, WHERE()["whole"]))


def tag(region: str) -> str:
    """The draft line's tail for a region other than the whole picture (" · 🧍 keep me")."""
    label = TAGS().get(region)
    return f" · 🧍 {label}" if label else ""


def notes(warnings, words: dict[str, str]) -> list[str]:
    """The lines under a result for the engine's warnings (codes, engine.results), in the person's
    language: no clear subject, and the mode's own by code in ``words``; an unknown code says nothing."""
    found = [NOT_FOUND()] if NO_SUBJECT in warnings else []
    return found + [words[code] for code in dict.fromkeys(warnings) if code in words]
