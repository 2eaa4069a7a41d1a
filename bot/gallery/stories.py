"""The stories of the starter gallery's paintings (ℹ under /presets, and by inline query): who
painted it, when and where, and what to look at — a few sentences each, in every language."""

from __future__ import annotations

from ..i18n import N_, Labels

#: By gallery name (bot.gallery.STARTER). A painting someone added has no story.
STORIES = Labels(
    {
        "starry": N_(
            "Vincent van Gogh painted The Starry Night in June 1889 in the asylum of Saint-Rémy-de-Provence, "
            "where he had taken himself after a breakdown. The view is the one from his window before sunrise, "
            "but the village and its church are imagined. Look at the short, thick strokes: the whole sky moves, "
            "and the dark cypress in front reaches up into it like a flame."
        ),
        "scream": N_(
            "Edvard Munch painted The Scream in 1893, remembering a walk at sunset above the Oslo fjord when the "
            "sky turned blood red and he felt “an infinite scream passing through nature”. The figure is not "
            "screaming: it covers its ears against that scream. Look at how the sky, the fjord and the figure bend "
            "in the same waves, while the railing runs straight."
        ),
        "shipwreck": N_(
            "J. M. W. Turner showed The Shipwreck in his own gallery in London in 1805; it was the first of his "
            "paintings to be made into a print. Fishing boats try to save the people of a ship going down in the "
            "storm behind them. Look at how the picture is built on the slope of one huge wave, and at the light "
            "breaking through onto the sail."
        ),
        "nude": N_(
            "Amedeo Modigliani painted Seated Nude in Paris in 1917, the year of his only solo exhibition, which "
            "the police closed on its first day because of nudes like this one. The long neck, the tilted oval "
            "face and the almond eyes come from the African and ancient sculpture he had carved himself. Look at "
            "the warm, flat colour and the dark line that holds the body."
        ),
    }
)


def story(name: str) -> str | None:
    """A starter painting's story in the current language, or None for a painting without one."""
    return STORIES().get(name)
