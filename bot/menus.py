"""The bot's command menus and profile texts: what each command is called in every language.

Kept apart from the routing table (bot.app) so that a handler setting one person's menu
(features.language) needs no import of the application that routes to it."""

from __future__ import annotations

from telegram import BotCommand

from . import i18n, modes

N_ = i18n.N_
#: (command, description) for the menus, translated per language when they are set.
COMMANDS = [
    ("start", N_("What I do and how")),
    ("new", N_("Start over")),
    ("status", N_("Your photo, styles and job")),
    ("cancel", N_("Stop your picture")),
    ("settings", N_("This chat's defaults")),
    ("queue", N_("Who is waiting")),
    ("stylize", N_("In groups: reply to a photo to repaint it")),
    ("presets", N_("The gallery of paintings to pick from")),
    *((mode.command, mode.description) for mode in modes.commanded()),  # the modes' own commands
    ("language", N_("Change my language")),
]
ADMIN_COMMANDS = [
    ("set", N_("Change a default for this chat")),
    ("unset", N_("Back to the global default")),
]
OWNER_COMMANDS = [
    ("addpreset", N_("Add a painting to the gallery (photo caption)")),
    ("delpreset", N_("Remove a painting from the gallery")),
    ("stats", N_("Jobs today, queue, failures")),
    ("ban", N_("Stop a user from using the bot")),
    ("unban", N_("Let a banned user back in")),
]
#: The bot's profile texts (setMyDescription / setMyShortDescription), per language.
DESCRIPTION = N_(
    "I repaint your photos in the style of a painting — van Gogh's, Munch's or any picture you send — "
    "and show the picture as it forms. Also: endless textures, DeepDreams, and what a neural network sees. "
    "Works in groups too."
)
SHORT_DESCRIPTION = N_("Send a photo and a painting: I repaint the photo in its style.")
#: Telegram's two-letter language codes for our languages (English is the default, no code).
MENU_LANGUAGES = {"ru": "ru", "zh_Hans": "zh", "es": "es", "pt_BR": "pt", "uk": "uk"}


def menu(*groups) -> list[BotCommand]:
    """Command menu entries in the current language."""
    return [BotCommand(name, i18n.gettext(description)) for group in groups for name, description in group]
