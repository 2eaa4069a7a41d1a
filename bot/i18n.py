"""Languages: gettext catalogs (Babel) per language, and which one an update is answered in.

The catalogs are ``bot/locales/<language>/LC_MESSAGES/paintbot.po``, read with Babel when first
needed and compiled in memory (no build step; ``make i18n-compile`` writes ``.mo`` files for other
tools). The language of the update being handled lives in a context variable — never a
process-wide global, since updates are handled concurrently: each handler's task (and each job's
notifications in the dispatcher) sets its own, and tasks it starts inherit it.
"""

from __future__ import annotations

import contextlib
import gettext as _gettext
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "paintbot"
DEFAULT = "en"
#: Our languages and their names in themselves (the /language buttons).
LANGUAGES = {
    "en": "English",
    "ru": "Русский",
    "zh_Hans": "简体中文",
    "zh_Hant": "繁體中文",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
    "uk": "Українська",
}
#: Telegram's language codes (IETF tags, any case) → ours, where the tag alone is not ours.
_ALIASES = {
    "pt": "pt_BR",
    "pt-br": "pt_BR",
    "zh": "zh_Hans",
    "zh-hans": "zh_Hans",
    "zh-cn": "zh_Hans",
    "zh-sg": "zh_Hans",
    "zh-hans-cn": "zh_Hans",
}

#: Regions whose Chinese is written in Traditional characters.
TRADITIONAL_REGIONS = ("tw", "hk", "mo")

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


def normalize(code: str | None) -> str | None:
    """Our language for a Telegram ``language_code`` (``pt`` → pt_BR, ``zh-hans`` → zh_Hans), or None."""
    if not code:
        return None
    key = code.strip().replace("_", "-").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    ours = {name.lower().replace("_", "-"): name for name in LANGUAGES}
    base, *subtags = key.split("-")
    if base == "zh" and "hans" not in subtags and ({"hant", *TRADITIONAL_REGIONS} & set(subtags)):
        return "zh_Hant"  # zh-TW, zh-HK, zh-Hant-…: Traditional characters
    return ours.get(key) or _ALIASES.get(base) or ours.get(base)  # pt-PT → pt_BR, zh → zh_Hans, en-US → en


def current() -> str:
    return _current.get()


def use(language: str | None) -> None:
    """Answer in ``language`` from here on, in this task and the tasks it starts."""
    _current.set(language if language in LANGUAGES else DEFAULT)


@contextlib.contextmanager
def using(language: str | None):
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


@cache
def catalog(language: str) -> _gettext.NullTranslations:
    """The language's translations, compiled in memory from its .po file (English: the source)."""
    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == DEFAULT or not path.is_file():
        return _gettext.NullTranslations()
    with path.open("rb") as handle:
        po = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, po)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    return catalog(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(current()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is used."""
    return message


class Text:
    """A message by its English id, said in the current update's language when called:
    ``texts.HELP()``."""

    __slots__ = ("english",)

    def __init__(self, english: str):
        self.english = english

    def __call__(self) -> str:
        return gettext(self.english)

    def __repr__(self) -> str:
        return f"Text({self.english!r})"


class Labels:
    """Labels by key (a quality's, a status's …), in the current language when called:
    ``texts.QUALITY_LABELS()["fast"]``; ``.english`` holds the message ids."""

    __slots__ = ("english",)

    def __init__(self, english: dict[str, str]):
        self.english = english

    def __call__(self) -> dict[str, str]:
        return {key: gettext(value) for key, value in self.english.items()}


def locale() -> Locale:
    return Locale.parse(current())


def number(value: float, digits: int = 0) -> str:
    """A number as this language writes it (decimal comma, digit grouping)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=locale())


def percent(fraction: float) -> str:
    """A share as this language writes it: 75%, 75 %, 75 %."""
    return format_percent(fraction, locale=locale())


def duration(seconds: float) -> str:
    """About how long, in this language's short units: 45 s, 3 min, 1 h 20 min."""
    seconds = max(1, round(seconds))
    if seconds < 60:
        return format_unit(seconds, "duration-second", length="short", locale=locale())
    minutes = round(seconds / 60)
    if minutes < 60:
        return format_unit(minutes, "duration-minute", length="short", locale=locale())
    hours = format_unit(minutes // 60, "duration-hour", length="short", locale=locale())
    rest = minutes % 60
    return hours if not rest else f"{hours} {format_unit(rest, 'duration-minute', length='short', locale=locale())}"
