"""The starter gallery: public-domain paintings shipped with the bot (downscaled, at most 1280 px
as Telegram sends a photo: a detail size needs the style picture 1.4× larger), so a fresh install
has paintings to pick from. Migration 0006 puts them in the gallery when it is empty;
owners delete them like any painting. A starter painting's stored path is ``starter:<file>``,
resolved here to wherever the package is installed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PREFIX = "starter:"
FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Painting:
    name: str  #: the gallery name (/stylize starry, /delpreset starry)
    file: str
    title: str
    painter: str
    year: int


#: From jcjohnson/neural-style's examples (see ../shared/images/SOURCES.md); all public domain.
STARTER = (
    Painting("starry", "starry_night.jpg", "The Starry Night", "Vincent van Gogh", 1889),
    Painting("scream", "the_scream.jpg", "The Scream", "Edvard Munch", 1893),
    Painting("shipwreck", "shipwreck.jpg", "The Shipwreck", "J. M. W. Turner", 1805),
    Painting("nude", "seated_nude.jpg", "Seated Nude", "Amedeo Modigliani", 1917),  # migration 0011
)


def resolve(stored: str) -> str:
    """A preset's stored path as a file path (``starter:…`` → the packaged file)."""
    return str(FOLDER / stored[len(PREFIX) :]) if stored.startswith(PREFIX) else stored
