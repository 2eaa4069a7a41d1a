"""Defaults and limits that admins tune without a redeploy: the keys, their layers, and who may change them.

Each key resolves chat → global → built-in. Limits (``max_size``, ``jobs_per_user_per_day``,
``queue_per_user``, ``max_video_seconds``, ``video_seconds_per_day``) can only be *tightened* by a
chat: the smaller of the chat's and the global value applies, so a group admin cannot hand out
the owner's machine. Bot owners (``BOT_OWNERS``) change global values (``/set global …``) and any
chat's; chat admins change their own group (bot.domain.permissions).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from engine.presets import PRESETS, on_gpu
from engine.settings import BRUSHES

from ..i18n import LANGUAGES
from ..storage import Database, Setting, SettingChange
from ..texts import admin as admin_texts
from .quality import INSTANT, STRENGTHS

GLOBAL = "global"
AUTO = "auto"  #: the language key's "no chat language: each member's own"
_TRUE, _FALSE = ("on", "yes", "true", "1"), ("off", "no", "false", "0")


@dataclass(frozen=True)
class Key:
    name: str
    kind: str  #: choice | int | bool
    default: object
    help: str
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0
    limit: bool = False  #: a chat may only lower it

    def values(self) -> str:
        if self.kind == "choice":
            return "|".join(self.choices)
        return "on|off" if self.kind == "bool" else f"{self.low}–{self.high}"

    def describe(self) -> str:
        return f"{self.name} ({self.values()})"

    def parse(self, text: str) -> object:
        """The value ``text`` stands for, or ValueError with a message that names the valid values."""
        text = text.strip().lower()
        if self.kind == "choice":
            for choice in self.choices:  # any case: zh_hans is zh_Hans
                if text == choice.lower():
                    return choice
        if self.kind == "bool" and text in _TRUE + _FALSE:
            return text in _TRUE
        # ASCII digits only ("²".isdigit() is true, but int("²") fails), and no more than a number in
        # range can have: "000000000001" followed by 488 more digits is not 1
        digits = text.lstrip("0") or "0"
        whole = self.kind == "int" and text.isascii() and text.isdigit() and len(digits) <= len(str(self.high))
        if whole and self.low <= int(digits) <= self.high:
            return int(digits)
        raise ValueError(admin_texts.not_a_value(text, self.name, self.values()))


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("quality", "choice", "balanced", "quality of new pictures", choices=(INSTANT, *PRESETS)),
        Key("size", "int", 0, "longest side in px; 0 = the quality's own", low=0, high=2048),
        Key("steps", "int", 0, "steps at the final size; 0 = the quality's own", low=0, high=2000),
        Key("strength", "choice", "normal", "how strongly the style is applied", choices=tuple(STRENGTHS)),
        Key("brush", "choice", "normal", "stroke size", choices=BRUSHES),
        Key("keep_colors", "bool", False, "keep the photo's colours"),
        Key("faces", "bool", True, "paint faces gently, so they stay recognisable"),
        Key("max_size", "int", 1024, "largest picture anyone may ask for, px", low=64, high=2048, limit=True),
        Key("jobs_per_user_per_day", "int", 50, "pictures per person per day (UTC)", low=1, high=10000, limit=True),
        Key("queue_per_user", "int", 1, "pictures one person may have waiting", low=1, high=20, limit=True),
        Key(
            "max_video_seconds",
            "int",
            60,
            "longest stretch of a video painted, s (from its start)",
            low=1,
            high=60,
            limit=True,
        ),
        Key(
            "video_seconds_per_day",
            "int",
            300,
            "seconds of video per person per day (UTC)",
            low=1,
            high=36000,
            limit=True,
        ),
        Key("group_enabled", "bool", True, "painting allowed in this group"),
        Key("language", "choice", AUTO, "a group's language (auto: each member's own)", choices=(AUTO, *LANGUAGES)),
    )
}


@dataclass(frozen=True)
class Resolved:
    value: object
    source: str  #: "default", "global" or "chat"


def usage() -> str:
    return admin_texts.keys_list([k.describe() for k in KEYS.values()])


def show(key: Key, value: object) -> str:
    if key.kind == "bool":
        return "on" if value else "off"
    if key.name in ("size", "steps") and value == 0:
        return admin_texts.THE_QUALITYS_OWN()
    return str(value)


def host_defaults(chat_id: int | None, instant: bool, device: str) -> dict[str, object]:
    """Built-in defaults that depend on the host. On a GPU a 1024-px painting of the best quality takes
    seconds: everyone gets it. On a CPU a balanced one takes about a minute: private chats get that,
    and groups, where many people wait, instant pictures unless an admin or owner says otherwise."""
    if on_gpu(device):
        return {"quality": "best"}
    if chat_id is not None and chat_id < 0 and instant:
        return {"quality": INSTANT}
    return {}


async def effective(db: Database, chat_id: int | None, defaults: dict | None = None) -> dict[str, Resolved]:
    """Every key's value for ``chat_id`` (None: the global values) and where it comes from.
    ``defaults`` replaces built-in defaults (see :func:`host_defaults`)."""
    scopes = [GLOBAL] if chat_id is None else [GLOBAL, str(chat_id)]
    async with db.session() as session:
        rows = (await session.execute(select(Setting).where(Setting.scope.in_(scopes)))).scalars().all()
    stored = {(row.scope, row.key): row.value["value"] for row in rows}
    found: dict[str, Resolved] = {}
    for name, key in KEYS.items():
        resolved = Resolved((defaults or {}).get(name, key.default), "default")
        if (GLOBAL, name) in stored:
            resolved = Resolved(stored[(GLOBAL, name)], "global")
        if chat_id is not None and (str(chat_id), name) in stored:
            value = stored[(str(chat_id), name)]
            if not key.limit or value <= resolved.value:
                resolved = Resolved(value, "chat")
        found[name] = resolved
    return found


async def change(db: Database, scope: str, key: Key, value: object | None, by: int) -> tuple[object | None, bool]:
    """Set (or with None, unset) ``key`` in ``scope``, recording who changed what. Returns (old, changed)."""
    async with db.session() as session, session.begin():
        row = (
            await session.execute(select(Setting).where(Setting.scope == scope, Setting.key == key.name))
        ).scalar_one_or_none()
        old = row.value["value"] if row is not None else None
        if (row is None and value is None) or (row is not None and value is not None and old == value):
            return old, False
        if value is None:
            await session.delete(row)
        elif row is None:
            session.add(Setting(scope=scope, key=key.name, value={"value": value}, updated_by=by))
        else:
            row.value, row.updated_by = {"value": value}, by
        session.add(
            SettingChange(
                scope=scope,
                key=key.name,
                old=None if row is None else {"value": old},
                new=None if value is None else {"value": value},
                changed_by=by,
            )
        )
    return old, True
