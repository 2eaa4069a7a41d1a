"""Everything the bot says about pictures, drafts, jobs and the queue, in the language of the update
being handled (bot.i18n); what admins and owners are told is in ``texts.admin``; what a mode
says of its own work (its prompts, buttons, captions) is in its module (bot.modes).

A message is a :class:`~bot.i18n.Text` called where it is said (``texts.HELP()``), so it is
translated at that moment; a group of labels is a :class:`~bot.i18n.Labels` (``texts.QUALITY_LABELS()``);
formatters build sentences with placeholders a translator can move around. Message ids are the
English text (gettext's convention); ``make i18n-extract`` collects them.
"""

from __future__ import annotations

import html

from ..domain.quality import INSTANT
from ..i18n import N_, Labels, Text, duration, ngettext, percent
from ..i18n import gettext as _

#: After /help in a private chat: what is new since it was written (a line of its own to translate).
HELP_SHARING = Text(
    N_(
        "🧍 ⚙ can keep you a photo and paint the world around you (or only you). 🏷 under a painting makes "
        "it a sticker in your own set. Type @{bot} in any chat to send your paintings there."
    )
)
HELP = Text(
    N_(
        "🎨 I repaint your photo in the style of a painting — and videos, GIFs and round video notes too, "
        "frame by frame, with their sound.\n"
        "1) Send your photo (or clip). 2) Send one or two style pictures — a painting, a texture, anything. "
        "3) Tap ▶ Stylize.\n"
        "Tip: send photo and styles as one album; /presets has paintings to pick from. "
        "/new starts over · /cancel stops a job · /status shows where you are · /queue who is waiting · "
        "/language changes my language.\n\n"
        "More to try — send a picture captioned with one of these, or reply with it to a picture:\n"
        "/texture — grow a new, endless texture from a picture\n"
        "/dream — DeepDream: the network's visions grow in your photo\n"
        "/xray — what the network sees: your photo rebuilt from five depths"
    )
)
ALREADY_CHOSEN = Text(N_("This picture already has that — pick another one."))
CONTENT_SAVED = Text(N_("📷 Got your photo. Now send one or two style pictures (a painting, a texture…)."))
CONTENT_REPLACED = Text(N_("📷 New photo saved — your styles are kept."))
STYLE_SAVED = Text(N_("🖼 Style saved. Tap ▶ Stylize, or send a second style to mix two."))
SECOND_STYLE_SAVED = Text(N_("🖼 Second style saved. Pick the mix, then ▶ Stylize."))
TOO_MANY_STYLES = Text(N_("You already have two styles. Tap ▶ Stylize, or /new to start over."))
NEED_CONTENT = Text(N_("Send your photo first, then the style pictures."))
NEED_STYLE = Text(N_("Send a style picture first (a painting, a texture…)."))
NOT_A_PICTURE = Text(N_("That file is not a picture I can use. Send a photo, or a JPEG, PNG, WebP or HEIC file."))
SEND_A_PHOTO = Text(
    N_("I can only paint photos and clips. Send a photo, a video or a GIF to begin — /help explains how.")
)
UNKNOWN_COMMAND = Text(N_("I don't know that command. /help shows what I can do."))
ALREADY_RUNNING = Text(N_("You already have a picture in the works. Wait for it, or /cancel it."))
NOTHING_TO_CANCEL = Text(N_("Nothing to cancel — no picture is being painted for you."))
CANCELLED = Text(N_("✖ Cancelled."))
STARTED_OVER = Text(N_("Fresh start! Send the photo you want repainted."))
STALE_BUTTON = Text(N_("That button belongs to an older message."))
SOMETHING_WRONG = Text(N_("Sorry — something went wrong on my side. Please try again."))
RESTARTED = Text(N_("♻️ I restarted while painting your picture; it is being painted again."))
SMALLER_THAN_ASKED = Text(N_("⚠ The machine ran short of memory, so this one is painted smaller than you asked."))
GROUP_HOW = Text(
    N_(
        "To paint in this group: send a photo or a video with the caption /stylize, or reply /stylize to one. "
        "Also /texture, /dream and /xray, the same way."
    )
)
NOT_YOUR_BUTTONS = Text(
    N_(
        "These buttons belong to someone else. "
        "For your own, send a picture captioned /stylize, /texture, /dream or /xray."
    )
)
#: the reply box under a group's style prompt (≤ 64)
STYLE_PLACEHOLDER = Text(N_("A painting, a texture…"))
QUEUE_EMPTY = Text(N_("The queue is empty — send a photo and I'll start at once."))
QUEUE_EMPTY_GROUP = Text(N_("The queue is empty — send a photo captioned /stylize and I'll start at once."))
NOTHING_YET = Text(N_("Nothing here yet. Send a photo to begin, then one or two style pictures."))
GALLERY_EMPTY = Text(N_("No paintings in the gallery yet. Send your own style picture instead."))
GALLERY_PICK = Text(N_("🖼 Pick a painting from the gallery as your style:"))
BANNED = Text(N_("Sorry — you can't use this bot."))
GROUP_DISABLED = Text(N_("Painting is switched off in this group by its admins."))
STYLE_FIRST = Text(N_("🖼 Style saved. Now send the photo to repaint."))
GROUP_NO_PHOTO = Text(N_("Now send the photo to repaint."))
YOUR_CHOICES_LAST = Text(N_("Your ⚙ choices stay for your next pictures until you change them or send /new."))
PNG_GONE = Text(N_("That picture is no longer stored. Tap 🔁 Again to paint it anew."))
TIMELAPSE_GONE = Text(N_("That painting's animation is no longer stored."))
PICTURE_GONE = Text(N_("The picture this was made from is no longer stored. Send it again to make a new one."))
PAINTING_REMOVED = Text(N_("That painting has been removed from the gallery."))
QUEUE_TITLE = Text(N_("🎨 The queue:"))
SOMEONE = Text(N_("someone"))
SOMEONE_ELSEWHERE = Text(N_("someone in another chat"))
SKETCH_NOTE = Text(N_("⚡ A quick sketch while you wait: the painting will replace it."))
LANGUAGE_PICK = Text(N_("🌐 Pick the language I speak with you (automatic: your Telegram app's):"))
LANGUAGE_AUTO = Text(N_("🌐 Automatic"))
LANGUAGE_SET = Text(N_("✅ I'll speak English with you."))
BUTTON_GO = Text(N_("▶ Stylize"))
BUTTON_SETTINGS = Text(N_("⚙ Settings"))
BUTTON_BACK = Text(N_("◀ Back"))
BUTTON_SIZE_AUTO = Text(N_("Auto"))
BUTTON_CANCEL = Text(N_("✖ Cancel"))
BUTTON_AGAIN = Text(N_("🔁 Again"))
BUTTON_PNG = Text(N_("📄 Full-size PNG"))
BUTTON_SWAP_STYLES = Text(N_("🔀 Swap styles"))
BUTTON_SWAP_ROLES = Text(N_("🔄 Photo ⇄ style"))
BUTTON_AS_STYLE = Text(N_("🖼 It's a style"))
STYLES_SWAPPED = Text(N_("🔀 Swapped: style 1 is now style 2, and style 2 is style 1."))
ROLES_SWAPPED = Text(N_("🔄 Swapped: the photo is now a style, and the first style is the photo."))
USED_AS_STYLE = Text(N_("🖼 Style: this picture. 📷 Photo: the one you painted last. Tap ▶ Stylize."))
BUTTON_KEEP_COLORS = Text(N_("🎨 Keep my colours"))
BUTTON_STORY = Text(N_("ℹ Its story"))
BUTTON_PROPER = Text(N_("🎨 Paint it properly"))
QUALITY_LABELS = Labels({INSTANT: N_("⚡ Instant"), "fast": N_("Fast"), "balanced": N_("Balanced"), "best": N_("Best")})
STRENGTH_LABELS = Labels({"subtle": N_("Subtle"), "normal": N_("Normal"), "strong": N_("Strong")})
BRUSH_LABELS = Labels({"fine": N_("🖌 Fine"), "normal": N_("🖌 Normal"), "bold": N_("🖌 Bold")})
#: Under a picture and on a draft's ⚙ line, a brush that is not the normal one.
BRUSH_NOTES = Labels({"fine": N_("fine strokes"), "bold": N_("bold strokes")})
BUTTON_FACES = Text(N_("🙂 Gentle faces"))
FAILURES = Labels(
    {
        "out_of_memory": N_("the machine ran out of memory even for a small picture. Try a smaller size."),
        "print_memory": N_("this machine has not the memory for a print this large."),
        "diverged": N_("the painting went wrong numerically. Try again, perhaps with another quality."),
        "bad_settings": N_("these settings cannot be painted. Try the defaults (/new)."),
        "time_limit": N_(
            "it took longer than the {limit} a picture may take here. Try the fast quality or a smaller size."
        ),
        "engine_crashed": N_("the painting engine stopped unexpectedly. Please try again."),
    }
)
PICTURE_PROBLEMS = Labels(
    {
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
        "not_found": N_("That picture is gone from Telegram's servers. Send it again."),
    }
)


def queued(position: int, eta_seconds: float, sketch: bool = False) -> str:
    if position <= 1:
        text = _("⏳ Queued — you're next. Ready in about {time}.").format(time=duration(eta_seconds))
    else:
        text = _("⏳ Queued — position {position} in the queue. Ready in about {time}.").format(
            position=position, time=duration(eta_seconds)
        )
    return text + ("\n" + SKETCH_NOTE() if sketch else "")


def painting(percent: int, eta_seconds: float | None, sketch: bool = False, working: str | None = None) -> str:
    """The card while a job runs, with what its mode does (``working``: a texture grows, a dream
    dreams …; a painting paints)."""
    working = working or _("🎨 Painting…")
    if eta_seconds:
        text = _("{working} {percent}% · about {time} left").format(
            working=working, percent=percent, time=duration(eta_seconds)
        )
    else:
        text = _("{working} {percent}%").format(working=working, percent=percent)
    return text + ("\n" + SKETCH_NOTE() if sketch else "")


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


def choices(quality: str, size: int, strength: str, keep_colors: bool, brush: str = "normal") -> str:
    """One line under a draft: what ▶ will paint with (the chat's defaults and this person's ⚙ picks)."""
    qualities, strengths = QUALITY_LABELS(), STRENGTH_LABELS()
    line = _("⚙ {quality} · {size} px · strength: {strength}").format(
        quality=qualities.get(quality, quality), size=size, strength=strengths.get(strength, strength).lower()
    )
    return line + brush_note(brush) + (" · " + _("your colours") if keep_colors else "")


def brush_note(brush: str) -> str:
    """ " · fine strokes" or " · bold strokes"; nothing for the normal brush."""
    note = BRUSH_NOTES().get(brush)
    return " · " + note if note else ""


def settings_card(
    quality: str,
    size: int,
    size_chosen: bool,
    strength: str,
    keep_colors: bool,
    seconds: float | None = None,
    brush: str = "normal",
    faces: bool = True,
) -> str:
    """The ⚙ card: each row of buttons below, named, with what is chosen now (and how long the
    chosen quality takes on this host, ``seconds``, when known)."""
    qualities, strengths = QUALITY_LABELS(), STRENGTH_LABELS()
    size_text = f"{size} px" + ("" if size_chosen else " (" + _("the quality's own") + ")")
    named = qualities.get(quality, quality)
    lines = [
        _("⚙ Settings for your next picture — they stay until you change them or send /new."),
        _("Quality: {value} · about {time} here").format(value=named, time=duration(seconds))
        if seconds
        else _("Quality: {value}").format(value=named),
        _("Size: {value}").format(value=size_text if quality != INSTANT else f"{size} px"),
        _("Strength: {value}").format(value=strengths.get(strength, strength)),
        _("Brush: {value}").format(value=BRUSH_LABELS().get(brush, brush)),
        _("Colours: {value}").format(value=_("your photo's") if keep_colors else _("the style's")),
        _("Faces: {value}").format(value=_("painted gently") if faces else _("painted like the rest")),
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


def no_such_painting(name: str) -> str:
    return _("I have no painting called {name}. /presets shows the gallery.").format(name=echo(name))


def done_in(seconds: float) -> str:
    return _("Done in {time}").format(time=duration(seconds))


def one_picture_at_a_time(command: str, n: int) -> str:
    """An album after /texture (…) alone: only its first picture is taken."""
    return ngettext(
        "I take one picture at a time: this one, the first of your {n}. Send the others one by one with {command}.",
        "I take one picture at a time: this one, the first of your {n}. Send the others one by one with {command}.",
        n,
    ).format(n=n, command=f"/{command}")


def steps(n: int) -> str:
    return ngettext("{n} step", "{n} steps", n).format(n=n)


def failed(code: str | None, limit_seconds: float | None = None) -> str:
    """ "I could not paint this one" with the reason for an error code (a general one if unknown)."""
    reasons = FAILURES()
    reason = reasons.get(code or "", _("something went wrong while painting."))
    if code == "time_limit":
        reason = reason.format(limit=duration(limit_seconds or 0))
    elif code in PICTURE_PROBLEMS.english:
        reason = _("one of its pictures cannot be used.")
    return _("😞 I could not paint this one: {reason}").format(reason=reason)


def picture_problem(code: str, params: dict | None = None) -> str:
    """What is wrong with a picture someone sent, from the engine's error code and details."""
    problems = PICTURE_PROBLEMS()
    if code == "too_big":
        return too_big_download((params or {}).get("megabytes"))
    text = problems.get("truncated" if code == "corrupt" and (params or {}).get("truncated") else code)
    if text is None:
        return NOT_A_PICTURE()
    try:
        return text.format(**(params or {}))
    except (KeyError, IndexError, ValueError):  # details missing: the sentence without them
        return NOT_A_PICTURE()


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
    return LANGUAGE_SET() if name == "English" else _("✅ I'll speak {language} with you.").format(language=name)


#: Longest piece of a person's own input quoted back (Telegram refuses messages over 4096 characters).


ECHO_CHARS = 32


def echo(text: str) -> str:
    """A person's input, quoted back short: never long enough to make a reply too long to send."""
    text = " ".join(text.split())
    return repr(text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 1] + "…")


def too_big_download(megabytes: float | None) -> str:
    if megabytes is None:
        return _(
            "That file is over 20 MB; bots can only download files up to 20 MB. Send it as a photo or a smaller file."
        )
    return _(
        "That file is {size} MB; bots can only download files up to 20 MB. Send it as a photo or a smaller file."
    ).format(size=round(megabytes))
