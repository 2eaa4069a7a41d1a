"""Everything the bot says, in one place, in the language of the update being handled (bot.i18n).

Constants are looked up by name (``texts.HELP``) and translated at that moment, so call sites read
like plain constants; formatters build sentences with placeholders a translator can move around.
Message ids are the English text (gettext's convention); ``make i18n-extract`` collects them.
"""

from __future__ import annotations

import html

from engine.settings import InstantSettings

from .i18n import N_, duration, ngettext, percent
from .i18n import gettext as _

_MESSAGES: dict[str, str] = {
    "HELP": N_(
        "🎨 I repaint your photo in the style of a painting.\n"
        "1) Send your photo. 2) Send one or two style pictures — a painting, a texture, anything. 3) Tap ▶ Stylize.\n"
        "Tip: send photo and styles as one album; /presets has paintings to pick from. "
        "/new starts over · /cancel stops a job · /status shows where you are · /queue who is waiting · "
        "/language changes my language.\n\n"
        "More to try — send a picture captioned with one of these, or reply with it to a picture:\n"
        "/texture — grow a new, endless texture from a picture\n"
        "/dream — DeepDream: the network's visions grow in your photo\n"
        "/xray — what the network sees: your photo rebuilt from five depths"
    ),
    "CONTENT_SAVED": N_("📷 Got your photo. Now send one or two style pictures (a painting, a texture…)."),
    "CONTENT_REPLACED": N_("📷 New photo saved — your styles are kept."),
    "STYLE_SAVED": N_("🖼 Style saved. Tap ▶ Stylize, or send a second style to mix two."),
    "SECOND_STYLE_SAVED": N_("🖼 Second style saved. Pick the mix, then ▶ Stylize."),
    "TOO_MANY_STYLES": N_("You already have two styles. Tap ▶ Stylize, or /new to start over."),
    "NEED_CONTENT": N_("Send your photo first, then the style pictures."),
    "NEED_STYLE": N_("Send a style picture first (a painting, a texture…)."),
    "NOT_A_PICTURE": N_("That file is not a picture I can use. Send a photo, or a JPEG, PNG, WebP or HEIC file."),
    "SEND_A_PHOTO": N_("I can only paint photos. Send a photo (or a picture file) to begin — /help explains how."),
    "UNKNOWN_COMMAND": N_("I don't know that command. /help shows what I can do."),
    "ALREADY_RUNNING": N_("You already have a picture in the works. Wait for it, or /cancel it."),
    "NOTHING_TO_CANCEL": N_("Nothing to cancel — no picture is being painted for you."),
    "CANCELLED": N_("✖ Cancelled."),
    "STARTED_OVER": N_("Fresh start! Send the photo you want repainted."),
    "STALE_BUTTON": N_("That button belongs to an older message."),
    "SOMETHING_WRONG": N_("Sorry — something went wrong on my side. Please try again."),
    "RESTARTED": N_("♻️ I restarted while painting your picture; it is being painted again."),
    "SMALLER_THAN_ASKED": N_("⚠ The machine ran short of memory, so this one is painted smaller than you asked."),
    "GROUP_HOW": N_(
        "To paint in this group: send a photo with the caption /stylize, or reply /stylize to a photo. "
        "Also /texture, /dream and /xray, the same way."
    ),
    "NOT_YOUR_BUTTONS": N_(
        "These buttons belong to someone else. "
        "For your own, send a picture captioned /stylize, /texture, /dream or /xray."
    ),
    "STYLE_PLACEHOLDER": N_("A painting, a texture…"),  #: the reply box under a group's style prompt (≤ 64)
    "QUEUE_EMPTY": N_("The queue is empty — send a photo and I'll start at once."),
    "QUEUE_EMPTY_GROUP": N_("The queue is empty — send a photo captioned /stylize and I'll start at once."),
    "NOTHING_YET": N_("Nothing here yet. Send a photo to begin, then one or two style pictures."),
    "ADDPRESET_HOW": N_(
        "Send a photo with the caption /addpreset <name> (or reply /addpreset <name> to one). Names: a–z, 0–9, - and _."
    ),
    "GALLERY_EMPTY": N_("No paintings in the gallery yet. Send your own style picture instead."),
    "GALLERY_PICK": N_("🖼 Pick a painting from the gallery as your style:"),
    "OWNERS_ONLY": N_("Sorry — only the bot's owners can do that."),
    "ADMINS_ONLY": N_("Sorry — only this group's admins can change its settings."),
    "PRIVATE_SETTINGS_OWNERS_ONLY": N_(
        "Settings are chosen by the bot's owners. Use ⚙ Settings under your photo to pick yours."
    ),
    "BANNED": N_("Sorry — you can't use this bot."),
    "GROUP_DISABLED": N_("Painting is switched off in this group by its admins."),
    "STYLE_FIRST": N_("🖼 Style saved. Now send the photo to repaint."),
    "GROUP_NO_PHOTO": N_("Now send the photo to repaint."),
    "YOUR_CHOICES_LAST": N_("Your ⚙ choices stay for your next pictures until you change them or send /new."),
    "PNG_GONE": N_("That picture is no longer stored. Tap 🔁 Again to paint it anew."),
    "PICTURE_GONE": N_("The picture this was made from is no longer stored. Send it again to make a new one."),
    "PAINTING_REMOVED": N_("That painting has been removed from the gallery."),
    "DELPRESET_HOW": N_("Use /delpreset <name>. /presets lists the names."),
    "OWNERS_NOT_BANNED": N_("Owners cannot be banned."),
    "QUEUE_TITLE": N_("🎨 The queue:"),
    "SOMEONE": N_("someone"),
    "SOMEONE_ELSEWHERE": N_("someone in another chat"),
    "UNSET": N_("unset"),
    "THE_QUALITYS_OWN": N_("the quality's own"),
    "SKETCH_NOTE": N_("⚡ A quick sketch while you wait: the painting will replace it."),
    "LANGUAGE_PICK": N_("🌐 Pick the language I speak with you (automatic: your Telegram app's):"),
    "LANGUAGE_AUTO": N_("🌐 Automatic"),
    "LANGUAGE_SET": N_("✅ I'll speak English with you."),
    "BUTTON_GO": N_("▶ Stylize"),
    "BUTTON_SETTINGS": N_("⚙ Settings"),
    "BUTTON_BACK": N_("◀ Back"),
    "BUTTON_SIZE_AUTO": N_("Auto"),
    "BUTTON_CANCEL": N_("✖ Cancel"),
    "BUTTON_AGAIN": N_("🔁 Again"),
    "BUTTON_PNG": N_("📄 Full-size PNG"),
    "BUTTON_SWAP_STYLES": N_("🔀 Swap styles"),
    "BUTTON_SWAP_ROLES": N_("🔄 Photo ⇄ style"),
    "BUTTON_AS_STYLE": N_("🖼 It's a style"),
    "STYLES_SWAPPED": N_("🔀 Swapped: style 1 is now style 2, and style 2 is style 1."),
    "ROLES_SWAPPED": N_("🔄 Swapped: the photo is now a style, and the first style is the photo."),
    "USED_AS_STYLE": N_("🖼 Style: this picture. 📷 Photo: the one you painted last. Tap ▶ Stylize."),
    "BUTTON_KEEP_COLORS": N_("🎨 Keep my colours"),
    "BUTTON_PROPER": N_("🎨 Paint it properly"),
    "BUTTON_ANOTHER": N_("♻ Another one"),
    "BUTTON_TILEABLE": N_("🔲 Make it tileable"),
    "BUTTON_NOT_TILEABLE": N_("🔲 Without tiling"),
    "ALREADY_CHOSEN": N_("This picture already has that — pick another one."),
    "SETTINGS_GLOBAL": N_("Global defaults"),
    "SETTINGS_HERE": N_("Settings in this chat"),
    "SETTINGS_HOW": N_("Change one: /set <key> <value> · back to the default: /unset <key>"),
    "SETTINGS_OWNERS": N_("Owners: /set global <key> <value> changes the default for every chat."),
    "EVERYWHERE": N_("everywhere (global)"),
    "IN_THIS_CHAT": N_("in this chat"),
    "GLOBAL_LIMIT_APPLIES": N_(" (the global limit is lower, so it applies)"),
}
#: Groups of labels, looked up by key (``texts.QUALITY_LABELS["instant"]``).
_LABELS: dict[str, dict[str, str]] = {
    "QUALITY_LABELS": {"instant": N_("⚡ Instant"), "fast": N_("Fast"), "balanced": N_("Balanced"), "best": N_("Best")},
    "STRENGTH_LABELS": {"subtle": N_("Subtle"), "normal": N_("Normal"), "strong": N_("Strong")},
    "DEPTH_LABELS": {"strokes": N_("🖌 Strokes"), "patterns": N_("🌀 Patterns"), "things": N_("👁 Things")},
    "INTENSITY_LABELS": {"gentle": N_("Gentle"), "normal": N_("Normal"), "strong": N_("Strong")},
    "SETTING_NAMES": {
        "quality": N_("quality"),
        "size": N_("size"),
        "steps": N_("steps"),
        "strength": N_("strength"),
        "keep_colors": N_("keep colours"),
        "max_size": N_("largest size"),
        "jobs_per_user_per_day": N_("pictures per person a day"),
        "queue_per_user": N_("pictures waiting per person"),
        "group_enabled": N_("painting in this group"),
        "language": N_("language"),
    },
    "ON_OFF": {"on": N_("on"), "off": N_("off")},
    "SOURCES": {"default": N_("default"), "global": N_("global"), "chat": N_("chat"), "yours": N_("your choice in ⚙")},
    "STATUSES": {
        "queued": N_("queued"),
        "running": N_("running"),
        "done": N_("done"),
        "failed": N_("failed"),
        "cancelled": N_("cancelled"),
    },
    "WORKING": {
        "style": N_("🎨 Painting…"),
        "instant": N_("🎨 Painting…"),
        "texture": N_("🧵 Growing the texture…"),
        "dream": N_("💭 Dreaming…"),
        "reconstruct": N_("🩻 Looking through the network…"),
    },
    "MODE_PROMPTS": {
        "texture": N_("🧵 Send the picture to grow a texture from — a painting, fabric, leaves, a wall…"),
        "dream": N_("💭 Send the photo to dream on."),
        "reconstruct": N_("🩻 Send the photo to x-ray."),
    },
    "MODE_PROMPTS_GROUP": {
        "texture": N_("🧵 {name}, reply to this message with the picture to grow a texture from."),
        "dream": N_("💭 {name}, reply to this message with the photo to dream on."),
        "reconstruct": N_("🩻 {name}, reply to this message with the photo to x-ray."),
    },
    "XRAY_LINES": {
        "relu1_1": N_("relu1_1 — every pixel: the first layer keeps the photo almost exactly"),
        "relu2_1": N_("relu2_1 — edges and colours, slightly softened"),
        "relu3_1": N_("relu3_1 — textures and shapes; colours start to wander"),
        "relu4_1": N_("relu4_1 — the parts of things; fine detail is gone"),
        "relu5_1": N_("relu5_1 — what is where, little of how it looked"),
    },
    "GROUP_RESULTS": {
        "style": N_("{name}, here is your painting."),
        "instant": N_("{name}, here is your painting."),
        "texture": N_("{name}, here is your texture."),
        "dream": N_("{name}, here is your dream."),
        "reconstruct": N_("{name}, here is your x-ray."),
    },
    #: why a job failed, by the engine's (or the bot's) error code
    "FAILURES": {
        "out_of_memory": N_("the machine ran out of memory even for a small picture. Try a smaller size."),
        "diverged": N_("the painting went wrong numerically. Try again, perhaps with another quality."),
        "bad_settings": N_("these settings cannot be painted. Try the defaults (/new)."),
        "time_limit": N_(
            "it took longer than the {limit} a picture may take here. Try the fast quality or a smaller size."
        ),
        "engine_crashed": N_("the painting engine stopped unexpectedly. Please try again."),
    },
    #: what is wrong with a picture, by the engine's error code (its details as placeholders)
    "PICTURE_PROBLEMS": {
        "too_small": N_(
            "That picture is only {width}×{height} pixels; send a picture at least {least} pixels on each side."
        ),
        "too_thin": N_(
            "That picture is {width}×{height} pixels — too long and thin to paint (at most {ratio}:1). "
            "Crop it a little and send it again."
        ),
        "too_many_pixels": N_("That picture is too large: at most {megapixels} megapixels are accepted."),
        "not_image": N_("That file is not a picture I can read. Send a JPEG, PNG, WebP or HEIC photo."),
        "corrupt": N_("That picture looks damaged and cannot be opened. Try sending it again."),
        "truncated": N_(
            "That picture is damaged or cut short (truncated) and cannot be decoded. Try sending it again."
        ),
        "empty": N_("That picture is an empty file (0 bytes)."),
    },
}
#: The icon before a result's caption, by engine mode.
MODE_ICONS = {"texture": "🧵", "dream": "💭", "reconstruct": "🩻", "instant": "⚡", "style": "🎨"}


def _labels(group: str) -> dict[str, str]:
    """A group of labels in the current update's language."""
    return {key: _(value) for key, value in _LABELS[group].items()}


def __getattr__(name: str):
    """``texts.NAME``: the message in the current update's language."""
    if name in _MESSAGES:
        return _(_MESSAGES[name])
    if name in _LABELS:
        return _labels(name)
    raise AttributeError(f"module 'bot.texts' has no attribute {name!r}")


def queued(position: int, eta_seconds: float, sketch: bool = False) -> str:
    if position <= 1:
        text = _("⏳ Queued — you're next. Ready in about {time}.").format(time=duration(eta_seconds))
    else:
        text = _("⏳ Queued — position {position} in the queue. Ready in about {time}.").format(
            position=position, time=duration(eta_seconds)
        )
    return text + ("\n" + _(_MESSAGES["SKETCH_NOTE"]) if sketch else "")


def painting(percent: int, eta_seconds: float | None, sketch: bool = False, mode: str = "style") -> str:
    """The card while a job runs, with what this mode does (a texture grows, a dream dreams …)."""
    labels = _labels("WORKING")
    working = labels.get(mode, labels["style"])
    if eta_seconds:
        text = _("{working} {percent}% · about {time} left").format(
            working=working, percent=percent, time=duration(eta_seconds)
        )
    else:
        text = _("{working} {percent}%").format(working=working, percent=percent)
    return text + ("\n" + _(_MESSAGES["SKETCH_NOTE"]) if sketch else "")


def mix_label(gamma: float) -> str:
    if gamma == 0.5:
        return "50/50"
    if gamma > 0.5:
        return _("{share} style 1").format(share=percent(gamma))
    return _("{share} style 2").format(share=percent(1 - gamma))


def marked(on: bool, label: str) -> str:
    """A button label with the chosen option marked."""
    return f"• {label}" if on else label


def _go_hint(n_styles: int) -> str:
    return _("Pick the mix, then ▶ Stylize.") if n_styles == 2 else _("Tap ▶ Stylize.")


def styles_saved(n: int) -> str:
    return ngettext("🖼 {n} style saved.", "🖼 {n} styles saved.", n).format(n=n) + " " + _go_hint(n)


def album_roles(n_styles: int) -> str:
    """Which picture of an album is which, named as the mix buttons name them (style 1, style 2)."""
    if n_styles == 2:
        roles = _("📷 Photo: picture 1 · 🖼 style 1: picture 2 · style 2: picture 3.")
    else:
        roles = _("📷 Photo: picture 1 · 🖼 style: picture 2.")
    return roles + " " + _go_hint(n_styles)


def choices(quality: str, size: int, strength: str, keep_colors: bool) -> str:
    """One line under a draft: what ▶ will paint with (the chat's defaults and this person's ⚙ picks)."""
    qualities, strengths = _labels("QUALITY_LABELS"), _labels("STRENGTH_LABELS")
    line = _("⚙ {quality} · {size} px · strength: {strength}").format(
        quality=qualities.get(quality, quality), size=size, strength=strengths.get(strength, strength).lower()
    )
    return line + (" · " + _("your colours") if keep_colors else "")


def settings_card(
    quality: str, size: int, size_chosen: bool, strength: str, keep_colors: bool, seconds: float | None = None
) -> str:
    """The ⚙ card: each row of buttons below, named, with what is chosen now (and how long the
    chosen quality takes on this host, ``seconds``, when known)."""
    qualities, strengths = _labels("QUALITY_LABELS"), _labels("STRENGTH_LABELS")
    size_text = f"{size} px" + ("" if size_chosen else " (" + _("the quality's own") + ")")
    named = qualities.get(quality, quality)
    lines = [
        _("⚙ Settings for your next picture — they stay until you change them or send /new."),
        _("Quality: {value} · about {time} here").format(value=named, time=duration(seconds))
        if seconds
        else _("Quality: {value}").format(value=named),
        _("Size: {value}").format(value=size_text if quality != "instant" else f"{size} px"),
        _("Strength: {value}").format(value=strengths.get(strength, strength)),
        _("Colours: {value}").format(value=_("your photo's") if keep_colors else _("the style's")),
    ]
    return "\n".join(lines)


def next_photo(n_styles: int) -> str:
    """A photo sent after a painting: the next painting's photo, with the styles of the last one."""
    return ngettext(
        "📷 New photo: this one, for a new painting in the same style as your last. Tap ▶ Stylize, or "
        "send another style. Meant this as a style for the last photo? Tap 🖼 below.",
        "📷 New photo: this one, for a new painting in the same two styles as your last. Tap ▶ Stylize, or "
        "send other styles. Meant this as a style for the last photo? Tap 🖼 below.",
        n_styles,
    )


def draft_ready(n_styles: int, gamma: float) -> str:
    if n_styles == 2:
        return _("📷 Photo and 2 styles ready, mix {mix}. Tap ▶ Stylize.").format(mix=mix_label(gamma))
    return _("📷 Photo and 1 style ready. Tap ▶ Stylize.")


def picked(name: str, second: bool) -> str:
    text = _("🖼 {name} is your second style.") if second else _("🖼 {name} is your style.")
    return text.format(name=name)


def mention(user_id: int, name: str | None) -> str:
    """An HTML mention: notifies the member without needing a @username (a chat writing on its own
    behalf has a negative id and no mention link: just its name)."""
    shown = html.escape(name or _("you"))
    return shown if user_id < 0 else f'<a href="tg://user?id={user_id}">{shown}</a>'


def group_prompt(user_id: int, name: str | None) -> str:
    return _(
        "📷 Got it, {name}. Now reply to this message with one or two style pictures (a painting, a texture…)."
    ).format(name=mention(user_id, name))


def group_preset_ready(preset: str, user_id: int, name: str | None) -> str:
    return _(
        "📷 Photo and 🖼 {painting} ready, {name}. Tap ▶ Stylize, or reply to this with a second style to mix two."
    ).format(painting=html.escape(preset), name=mention(user_id, name))


def group_result(user_id: int, name: str | None, caption: str, mode: str = "style") -> str:
    lines = _labels("GROUP_RESULTS")
    return lines.get(mode, lines["style"]).format(name=mention(user_id, name)) + "\n" + caption


def no_such_painting(name: str) -> str:
    return _("I have no painting called {name}. /presets shows the gallery.").format(name=echo(name))


def mode_prompt(mode: str, group: bool, user_id: int, name: str | None) -> str:
    if group:
        return _labels("MODE_PROMPTS_GROUP")[mode].format(name=mention(user_id, name))
    return _labels("MODE_PROMPTS")[mode]


def one_picture_at_a_time(mode: str, n: int) -> str:
    """An album after /texture (…) alone: only its first picture is taken."""
    command = {"reconstruct": "/xray"}.get(mode, f"/{mode}")
    return ngettext(
        "I take one picture at a time: this one, the first of your {n}. Send the others one by one with {command}.",
        "I take one picture at a time: this one, the first of your {n}. Send the others one by one with {command}.",
        n,
    ).format(n=n, command=command)


def done_in(mode: str, seconds: float) -> str:
    return f"{MODE_ICONS.get(mode, '🎨')} " + _("Done in {time}").format(time=duration(seconds))


def steps(n: int) -> str:
    return ngettext("{n} step", "{n} steps", n).format(n=n)


def result_caption(run, n_styles: int, seconds: float, smaller: bool, size: tuple[int, int] | None = None) -> str:
    """Under a result (``run``: the job's StyleSettings or InstantSettings): time, the picture's real
    size (``size``, else the longest side asked for), steps, the mix, colours; a warning when painted smaller."""
    instant = isinstance(run, InstantSettings)  # one pass, no steps
    shown = f"{size[0]}×{size[1]} px" if size else f"{run.size} px"
    parts = [done_in("instant" if instant else "style", seconds), shown,
             _("instant") if instant else steps(run.total_steps)]  # fmt: skip
    if n_styles == 2:
        parts.append(_("mix {mix}").format(mix=mix_label(run.gamma)))
    if run.keep_colors:
        parts.append(_("your colours"))
    return " · ".join(parts) + ("\n" + _(_MESSAGES["SMALLER_THAN_ASKED"]) if smaller else "")


def experiment_caption(mode: str, run, seconds: float, smaller: bool, depth: str = "", intensity: str = "") -> str:
    """Under a texture, a dream or an x-ray strip: what was made and how long it took."""
    done = done_in(mode, seconds)
    if mode == "texture":
        parts = [done, f"{run.size} px", _("tileable") if run.tileable else ""]
        caption = " · ".join(filter(None, parts))
    elif mode == "dream":
        depths, intensities = _labels("DEPTH_LABELS"), _labels("INTENSITY_LABELS")
        caption = " · ".join(filter(None, [done, f"{run.size} px", depths.get(depth, run.layer),
                                           intensities.get(intensity, "")]))  # fmt: skip
    else:
        lines = _labels("XRAY_LINES")
        layers = [lines.get(layer, layer) for layer in run.layers]
        caption = "\n".join([_("🩻 What the network sees, from shallow to deep:"), *layers, done])
    return caption + ("\n" + _(_MESSAGES["SMALLER_THAN_ASKED"]) if smaller else "")


def failed(code: str | None, limit_seconds: float | None = None) -> str:
    """ "I could not paint this one" with the reason for an error code (a general one if unknown)."""
    reasons = _labels("FAILURES")
    reason = reasons.get(code or "", _("something went wrong while painting."))
    if code == "time_limit":
        reason = reason.format(limit=duration(limit_seconds or 0))
    elif code in _LABELS["PICTURE_PROBLEMS"]:
        reason = _("one of its pictures cannot be used.")
    return _("😞 I could not paint this one: {reason}").format(reason=reason)


def picture_problem(code: str, params: dict | None = None) -> str:
    """What is wrong with a picture someone sent, from the engine's error code and details."""
    problems = _labels("PICTURE_PROBLEMS")
    if code == "too_big":
        return too_big_download((params or {}).get("megabytes"))
    text = problems.get("truncated" if code == "corrupt" and (params or {}).get("truncated") else code)
    if text is None:
        return _(_MESSAGES["NOT_A_PICTURE"])
    try:
        return text.format(**(params or {}))
    except (KeyError, IndexError, ValueError):  # details missing: the sentence without them
        return _(_MESSAGES["NOT_A_PICTURE"])


def preset_added(name: str) -> str:
    return _("🖼 Added {name} to the gallery. Everyone can pick it now: /presets").format(name=repr(name))


def preset_exists(name: str) -> str:
    return _("There is already a painting called {name}. /delpreset {plain} first.").format(name=echo(name), plain=name)


def preset_missing(name: str) -> str:
    return _("There is no painting called {name} in the gallery.").format(name=echo(name))


def preset_removed(name: str) -> str:
    return _("🗑 Removed {name} from the gallery.").format(name=repr(name))


def gallery_more(n: int) -> str:
    return " " + ngettext("({n} more: /stylize <name> picks any)", "({n} more: /stylize <name> picks any)", n).format(
        n=n
    )


def queue_running(who: str, percent: int) -> str:
    return _("▶ painting now: {who} ({percent}%)").format(who=who, percent=percent)


def queue_waiting(position: int, who: str, seconds: float) -> str:
    return _("{position}. {who} — in about {time}").format(position=position, who=who, time=duration(seconds))


def queue_more(n: int) -> str:
    return ngettext("… and {n} more", "… and {n} more", n).format(n=n)


def album_item_left_out(index: int, count: int, why: str) -> str:
    return _("⚠ I left out picture {index} of {count}: {why}").format(index=index, count=count, why=why)


def daily_limit(n: int, left_seconds: float) -> str:
    return ngettext(
        "You've painted {n} picture today — that's the daily limit here. It resets at midnight UTC (in {left}).",
        "You've painted {n} pictures today — that's the daily limit here. It resets at midnight UTC (in {left}).",
        n,
    ).format(n=n, left=duration(left_seconds))


def queue_limit(n: int) -> str:
    return ngettext(
        "You already have {n} picture waiting — the limit here is {n}. Wait for it, or /cancel it.",
        "You already have {n} pictures waiting — the limit here is {n}. Wait for one, or /cancel it.",
        n,
    ).format(n=n)


def language_set(name: str) -> str:
    """Confirms a language choice, in that language (the current one is already switched)."""
    return (
        _(_MESSAGES["LANGUAGE_SET"])
        if name == "English"
        else _("✅ I'll speak {language} with you.").format(language=name)
    )


# ---------------------------------------------------------------------- admin and owners
#: Longest piece of a person's own input quoted back (Telegram refuses messages over 4096 characters).
ECHO_CHARS = 32


def echo(text: str) -> str:
    """A person's input, quoted back short: never long enough to make a reply too long to send."""
    text = " ".join(text.split())
    return repr(text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 1] + "…")


def settings_title(title: str) -> str:
    return _("⚙ {title} (where each comes from):").format(title=title)


def settings_line(name: str, value: str, source: str) -> str:
    """``• quality = fast (default)``; in another language with the key's and value's names too, since
    /set takes the English key and value."""
    english = _LABELS["SETTING_NAMES"].get(name)
    label = _labels("SETTING_NAMES").get(name, name)
    key = name if label == english or english is None else f"{label} ({name})"
    groups = ("QUALITY_LABELS", "STRENGTH_LABELS", "ON_OFF")
    originals = {k: v for group in groups for k, v in _LABELS[group].items()}
    shown = _(originals[value]) if value in originals else value
    value_text = value if value not in originals or shown == originals[value] else f"{shown} ({value})"
    return f"• {key} = {value_text} ({_labels('SOURCES').get(source, source)})"


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
    names = _labels("STATUSES")
    return " · ".join(f"{names[status]}: {count}" for status, count in counts.items())


def stats(since, jobs: int, people: int, by_status: str, average: float | None, failures: int, waiting: int,
          painting: int, banned: int) -> str:  # fmt: skip
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


def too_big_download(megabytes: float | None) -> str:
    if megabytes is None:
        return _("That file is over 20 MB; bots can only download files up to 20 MB. "
                 "Send it as a photo or a smaller file.")  # fmt: skip
    return _("That file is {size} MB; bots can only download files up to 20 MB. "
             "Send it as a photo or a smaller file.").format(size=round(megabytes))  # fmt: skip
