"""The callback-data grammar shared by keyboards and handlers: ``action`` or ``action:argument``.

Short on the wire (Telegram allows 64 bytes) and stable across releases: buttons on old messages
still decode. Handlers register by :func:`pattern`, keyboards build with :func:`data`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from ..limits import CALLBACK_DATA_BYTES


class Action(StrEnum):
    GO = "go"  #: ▶ Stylize
    SETTINGS = "settings"  #: ⚙ open the settings keyboard
    BACK = "back"  #: ◀ back to the ready keyboard
    AGAIN = "again"  #: 🔁 under a result: settings for a new picture
    MIX = "mix"  #: mix:<γ>
    SWAP = "swap"  #: swap the draft's two styles
    ROLES = "roles"  #: swap photo and first style
    AS_STYLE = "asstyle"  #: the photo just sent after a painting is a style for the photo before
    QUALITY = "q"  #: q:<preset>
    STRENGTH = "s"  #: s:<name>
    SIZE = "px"  #: px:<side>
    KEEP_COLORS = "kc"
    BRUSH = "br"  #: br:<fine|normal|bold> (engine.settings.BRUSHES), the stroke size
    FACES = "fc"  #: faces painted gently, or like the rest
    REGION = "rg"  #: rg:<whole|keepme|onlyme|split> (bot.domain.quality.REGIONS), where the style goes
    CANCEL = "cancel"  #: cancel:<job id>
    PNG = "png"  #: png:<job id>
    SWAP_JOB = "swapjob"  #: swapjob:<job id>, paint a result again with its styles swapped
    PICK = "preset"  #: preset:<gallery id>
    PROPER = "proper"  #: proper:<job id>, paint an instant result again with the optimisation
    REDO = "redo"  #: redo:<job id>.<choice>, a result again with one thing changed (its mode's variant)
    LANGUAGE = "lang"  #: lang:<language> (bot.i18n) or lang:auto
    TIMELAPSE = "lapse"  #: lapse:<job id>, the animation of how a painting was painted
    STORY = "story"  #: story:<gallery id>, ℹ the story of a gallery painting
    STICKER = "stk"  #: stk:<job id>, a sticker of a painting (or a painted clip) into its painter's set
    PRINT = "print"  #: print:<job id>, a painting grown to the print size, sent as a file


#: Actions whose argument is a whole number (job or gallery ids, sizes).
NUMERIC = {
    Action.CANCEL,
    Action.PNG,
    Action.SWAP_JOB,
    Action.PICK,
    Action.SIZE,
    Action.PROPER,
    Action.TIMELAPSE,
    Action.STICKER,
    Action.PRINT,
    Action.STORY,
}
#: Actions that take an argument at all.
WITH_ARGUMENT = NUMERIC | {
    Action.MIX,
    Action.QUALITY,
    Action.STRENGTH,
    Action.BRUSH,
    Action.REDO,
    Action.LANGUAGE,
    Action.REGION,
}
#: Presses kept in the inbox until handled (bot.telegram.inbox), so that one caught by a replica's
#: death is handled at the next start: each places at most one job (a job is keyed by the update
#: that asked for it) or does no harm twice (✖). Not ⚙'s toggles: pressed twice, undone.
KEPT = {
    Action.GO,
    Action.CANCEL,
    Action.SWAP_JOB,
    Action.PROPER,
    Action.REDO,
    Action.STICKER,
    Action.PRINT,
}
_REDO = re.compile(r"^\d{1,18}\.[a-z]{1,16}$")


@dataclass(frozen=True)
class Callback:
    action: Action
    argument: str | None = None

    @property
    def number(self) -> int:
        return int((self.argument or "0").partition(".")[0])

    @property
    def choice(self) -> str:
        """What a ``redo:<job id>.<choice>`` button asks for."""
        return (self.argument or "").partition(".")[2]


def data(action: Action, argument: object = None) -> str:
    text = action.value if argument is None else f"{action.value}:{argument}"
    if len(text.encode()) > CALLBACK_DATA_BYTES:
        raise ValueError(f"callback data over {CALLBACK_DATA_BYTES} bytes: {text!r}")
    return text


def parse(text: str | None) -> Callback | None:
    """The callback a button carries, or None for anything malformed or unknown (a stale button)."""
    name, _, argument = (text or "").partition(":")
    try:
        action = Action(name)
    except ValueError:
        return None
    if (action in WITH_ARGUMENT) != bool(argument):
        return None
    if action in NUMERIC and not (argument.isascii() and argument.isdigit() and len(argument) <= 18):
        return None
    if action == Action.REDO and not _REDO.match(argument):
        return None
    return Callback(action, argument or None)


def pattern(*actions: Action) -> re.Pattern:
    """A CallbackQueryHandler pattern matching these actions (with or without an argument)."""
    names = "|".join(re.escape(a.value) for a in actions)
    return re.compile(rf"^(?:{names})(?::.*)?$")
