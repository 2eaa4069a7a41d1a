"""What admins and owners are told: /settings, /set and /unset, /stats, /ban, the gallery's
/addpreset and /delpreset (bot.texts has the rest)."""

from __future__ import annotations

from ..i18n import N_, Labels, Text, duration, ngettext
from ..i18n import gettext as _
from . import QUALITY_LABELS, STRENGTH_LABELS, echo

ADDPRESET_HOW = Text(
    N_("Send a photo with the caption /addpreset <name> (or reply /addpreset <name> to one). Names: a–z, 0–9, - and _.")
)
OWNERS_ONLY = Text(N_("Sorry — only the bot's owners can do that."))
ADMINS_ONLY = Text(N_("Sorry — only this group's admins can change its settings."))
PRIVATE_SETTINGS_OWNERS_ONLY = Text(
    N_("Settings are chosen by the bot's owners. Use ⚙ Settings under your photo to pick yours.")
)
DELPRESET_HOW = Text(N_("Use /delpreset <name>. /presets lists the names."))
OWNERS_NOT_BANNED = Text(N_("Owners cannot be banned."))
UNSET = Text(N_("unset"))
THE_QUALITYS_OWN = Text(N_("the quality's own"))
SETTINGS_GLOBAL = Text(N_("Global defaults"))
SETTINGS_HERE = Text(N_("Settings in this chat"))
SETTINGS_HOW = Text(N_("Change one: /set <key> <value> · back to the default: /unset <key>"))
SETTINGS_OWNERS = Text(N_("Owners: /set global <key> <value> changes the default for every chat."))
EVERYWHERE = Text(N_("everywhere (global)"))
IN_THIS_CHAT = Text(N_("in this chat"))
GLOBAL_LIMIT_APPLIES = Text(N_(" (the global limit is lower, so it applies)"))
SETTING_NAMES = Labels(
    {
        "quality": N_("quality"),
        "size": N_("size"),
        "steps": N_("steps"),
        "strength": N_("strength"),
        "keep_colors": N_("keep colours"),
        "brush": N_("brush"),
        "faces": N_("gentle faces"),
        "max_size": N_("largest size"),
        "jobs_per_user_per_day": N_("pictures per person a day"),
        "queue_per_user": N_("pictures waiting per person"),
        "group_enabled": N_("painting in this group"),
        "language": N_("language"),
    }
)
ON_OFF = Labels({"on": N_("on"), "off": N_("off")})
SOURCES = Labels(
    {"default": N_("default"), "global": N_("global"), "chat": N_("chat"), "yours": N_("your choice in ⚙")}
)
STATUSES = Labels(
    {
        "queued": N_("queued"),
        "running": N_("running"),
        "done": N_("done"),
        "failed": N_("failed"),
        "cancelled": N_("cancelled"),
    }
)


def preset_added(name: str) -> str:
    return _("🖼 Added {name} to the gallery. Everyone can pick it now: /presets").format(name=repr(name))


def preset_exists(name: str) -> str:
    return _("There is already a painting called {name}. /delpreset {plain} first.").format(name=echo(name), plain=name)


def preset_missing(name: str) -> str:
    return _("There is no painting called {name} in the gallery.").format(name=echo(name))


def preset_removed(name: str) -> str:
    return _("🗑 Removed {name} from the gallery.").format(name=repr(name))


def settings_title(title: str) -> str:
    return _("⚙ {title} (where each comes from):").format(title=title)


def settings_line(name: str, value: str, source: str) -> str:
    """``• quality = fast (default)``; in another language with the key's and value's names too, since
    /set takes the English key and value."""
    english = SETTING_NAMES.english.get(name)
    label = SETTING_NAMES().get(name, name)
    key = name if label == english or english is None else f"{label} ({name})"
    originals = {k: v for group in (QUALITY_LABELS, STRENGTH_LABELS, ON_OFF) for k, v in group.english.items()}
    shown = _(originals[value]) if value in originals else value
    value_text = value if value not in originals or shown == originals[value] else f"{shown} ({value})"
    return f"• {key} = {value_text} ({SOURCES().get(source, source)})"


def set_usage(command: str, unset: bool, unknown_key: str | None, keys: str) -> str:
    shape = "<key>" if unset else "<key> <value>"
    problem = _("I don't know the key {key}.").format(key=echo(unknown_key)) + " " if unknown_key is not None else ""
    return problem + _("Use {command} {shape}. {keys}").format(command=command, shape=shape, keys=keys)


def keys_list(described: list[str]) -> str:
    return _("Keys: {keys}.").format(keys=", ".join(described))


def not_a_value(text: str, key: str, values: str) -> str:
    return _("{text} is not a valid {key}: use {values}.").format(text=echo(text), key=key, values=values)


def nothing_to_change(key: str, value: str) -> str:
    return _("Nothing to change: {key} is already {value}.").format(key=key, value=value)


def setting_changed(key: str, where: str, before: str, after: str, now: str, note: str) -> str:
    return _("✅ {key} {where}: {before} → {after}. In effect now: {now}{note}.").format(
        key=key, where=where, before=before, after=after, now=now, note=note
    )


def status_counts(counts: dict) -> str:
    """``queued: 2 · running: 1 · …`` with the statuses' names in this language."""
    names = STATUSES()
    return " · ".join(f"{names[status]}: {count}" for status, count in counts.items())


def stats(
    since,
    jobs: int,
    people: int,
    by_status: str,
    average: float | None,
    failures: int,
    waiting: int,
    painting: int,
    banned: int,
) -> str:
    shown = duration(average) if average is not None else "—"
    return "\n".join(
        [
            _("📊 Today (UTC, since {time}): {jobs} jobs from {people} people").format(
                time=f"{since:%H:%M}", jobs=jobs, people=people
            ),
            by_status,
            _("Average painting time: {average} · failures: {failures}").format(average=shown, failures=failures),
            _("Queue now: {waiting} waiting, {painting} painting").format(waiting=waiting, painting=painting),
            _("Banned users: {banned}").format(banned=banned),
        ]
    )


def ban_usage(command: str) -> str:
    return _(
        "Use {command} <user id>, or reply {command} to one of their messages. A user id is a whole number."
    ).format(command=command)


def banned_done(banned: bool, user_id: int, cancelled: int) -> str:
    if banned and cancelled:
        text = ngettext(
            "🚫 Banned user {user}; {n} of their jobs cancelled.",
            "🚫 Banned user {user}; {n} of their jobs cancelled.",
            cancelled,
        )
    elif banned:
        text = _("🚫 Banned user {user}.")
    else:
        text = _("✅ Unbanned user {user}.")
    return text.format(user=user_id, n=cancelled)
