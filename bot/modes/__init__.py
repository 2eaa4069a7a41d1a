"""The bot's modes, one module each: style transfer and its instant quality (from a draft, ▶),
moving pictures (a clip as the draft's content), and the modes a command starts on one picture
(/texture, /dream, /xray). See :mod:`.base`; "Adding a mode" in docs/developing.md."""

from __future__ import annotations

from . import dream, dreamzoom, instant, paintclip, sticker, style, texture, video, xray
from .base import BotMode

#: Every mode, by its engine mode's name, in menu order.
MODES: dict[str, BotMode] = {
    module.MODE.name: module.MODE
    for module in (style, instant, video, paintclip, texture, dream, dreamzoom, xray, sticker)
}


def get(name: str | None) -> BotMode:
    """A mode by its engine name; an unknown one (a job from a newer release) is treated as a painting."""
    return MODES.get(name, style.MODE)


def commanded() -> list[BotMode]:
    """The modes a command starts, in menu order."""
    return [mode for mode in MODES.values() if mode.command]


def by_command(text: str | None) -> BotMode | None:
    """The mode of a ``/texture``, ``/dream@bot …`` or ``/xray`` text or caption, else None."""
    word = (text or "").split(maxsplit=1)[0] if (text or "").strip() else ""
    command = word.lstrip("/").partition("@")[0].lower()
    return next((mode for mode in commanded() if mode.command == command), None)
