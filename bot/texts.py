"""Everything the bot says, in one place (ready for translation: constants and small formatters)."""

from __future__ import annotations

import html

from engine.settings import InstantSettings

HELP = (
    "🎨 I repaint your photo in the style of a painting.\n"
    "1) Send your photo. 2) Send one or two style pictures — a painting, a texture, anything. 3) Tap ▶ Stylize.\n"
    "Tip: send photo and styles as one album; /presets has paintings to pick from. "
    "/new starts over · /cancel stops a job · /status shows where you are · /queue who is waiting.\n\n"
    "More to try — send a picture captioned with one of these, or reply with it to a picture:\n"
    "/texture — grow a new, endless texture from a picture\n"
    "/dream — DeepDream: the network's visions grow in your photo\n"
    "/xray — what the network sees: your photo rebuilt from five depths"
)
CONTENT_SAVED = "📷 Got your photo. Now send one or two style pictures (a painting, a texture…)."
CONTENT_REPLACED = "📷 New photo saved — your styles are kept."
STYLE_SAVED = "🖼 Style saved. Tap ▶ Stylize, or send a second style to mix two."
SECOND_STYLE_SAVED = "🖼 Second style saved. Pick the mix, then ▶ Stylize."
TOO_MANY_STYLES = "You already have two styles. Tap ▶ Stylize, or /new to start over."
NEED_CONTENT = "Send your photo first, then the style pictures."
NEED_STYLE = "Send a style picture first (a painting, a texture…)."
NOT_A_PICTURE = "That file is not a picture I can use. Send a photo, or a JPEG, PNG, WebP or HEIC file."
SEND_A_PHOTO = "I can only paint photos. Send a photo (or a picture file) to begin — /help explains how."
UNKNOWN_COMMAND = "I don't know that command. /help shows what I can do."
ALREADY_RUNNING = "You already have a picture in the works. Wait for it, or /cancel it."
NOTHING_TO_CANCEL = "Nothing to cancel — no picture is being painted for you."
CANCELLED = "✖ Cancelled."
STARTED_OVER = "Fresh start! Send the photo you want repainted."
STALE_BUTTON = "That button belongs to an older message."
SOMETHING_WRONG = "Sorry — something went wrong on my side. Please try again."
RESTARTED = "♻️ I restarted while painting your picture; it is being painted again."
FAILED = "😞 I could not paint this one: {reason}"
TOO_LONG = "it took longer than the {limit} a picture may take here. Try the fast quality or a smaller size."
SMALLER_THAN_ASKED = "⚠ The machine ran short of memory, so this one is painted smaller than you asked."
GROUP_HOW = (
    "To paint in this group: send a photo with the caption /stylize, or reply /stylize to a photo. "
    "Also /texture, /dream and /xray, the same way."
)
GROUP_PROMPT = "📷 Got it, {name}. Now reply to this message with one or two style pictures (a painting, a texture…)."
NOT_YOUR_BUTTONS = "These buttons belong to someone else. Send a photo captioned /stylize to start your own."
QUEUE_EMPTY = "The queue is empty — send a photo and I'll start at once."
ADDPRESET_HOW = (
    "Send a photo with the caption /addpreset <name> (or reply /addpreset <name> to one). Names: a–z, 0–9, - and _."
)
GALLERY_EMPTY = "No paintings in the gallery yet. Send your own style picture instead."
GALLERY_PICK = "🖼 Pick a painting from the gallery as your style:"
OWNERS_ONLY = "Sorry — only the bot's owners can do that."
ADMINS_ONLY = "Sorry — only this group's admins can change its settings."
PRIVATE_SETTINGS_OWNERS_ONLY = "Settings are chosen by the bot's owners. Use ⚙ Settings under your photo to pick yours."
BANNED = "Sorry — you can't use this bot."
GROUP_DISABLED = "Painting is switched off in this group by its admins."
QUEUE_LIMIT = "You already have {n} picture(s) waiting — the limit here is {n}. Wait for one, or /cancel it."
STYLE_FIRST = "🖼 Style saved. Now send the photo to repaint."
SETTINGS_PROMPT = "⚙ Change the settings, then ▶ Stylize."
PNG_GONE = "That picture is no longer stored. Tap 🔁 Again to paint it anew."
PICTURE_GONE = "The picture this was made from is no longer stored. Send it again to make a new one."
PAINTING_REMOVED = "That painting has been removed from the gallery."
DELPRESET_HOW = "Use /delpreset <name>. /presets lists the names."
OWNERS_NOT_BANNED = "Owners cannot be banned."
GROUP_NO_PHOTO = " Now send the photo to repaint."
QUEUE_TITLE = "🎨 The queue:"
SOMEONE = "someone"
SOMEONE_ELSEWHERE = "someone in another chat"
UNSET = "unset"
THE_QUALITYS_OWN = "the quality's own"

BUTTON_GO = "▶ Stylize"
BUTTON_SETTINGS = "⚙ Settings"
BUTTON_BACK = "◀ Back"
BUTTON_CANCEL = "✖ Cancel"
BUTTON_AGAIN = "🔁 Again"
BUTTON_PNG = "📄 Full-size PNG"
BUTTON_SWAP_STYLES = "🔀 Swap styles"
BUTTON_SWAP_ROLES = "🔄 Swap photo and first style"
BUTTON_KEEP_COLORS = "🎨 Keep my colours"
BUTTON_PROPER = "🎨 Paint it properly"
BUTTON_ANOTHER = "♻ Another one"
BUTTON_TILEABLE = "🔲 Tileable"
BUTTON_NOT_TILEABLE = "🔲 Not tileable"
DEPTH_LABELS = {"strokes": "🖌 Strokes", "patterns": "🌀 Patterns", "things": "👁 Things"}
INTENSITY_LABELS = {"gentle": "Gentle", "normal": "Normal", "strong": "Strong"}
QUALITY_LABELS = {"instant": "⚡ Instant"}  #: a quality's button label (default: its name, capitalised)
DAILY_LIMIT = "You've painted {n} pictures today — that's the daily limit here. It resets at midnight UTC (in {left})."


SKETCH_NOTE = "⚡ A quick sketch while you wait: the painting will replace it."


def queued(position: int, eta_seconds: float, sketch: bool = False) -> str:
    ahead = "you're next" if position <= 1 else f"position {position} in the queue"
    return f"⏳ Queued — {ahead}. Ready in about {duration(eta_seconds)}." + ("\n" + SKETCH_NOTE if sketch else "")


def painting(percent: int, eta_seconds: float | None, sketch: bool = False) -> str:
    left = f" · about {duration(eta_seconds)} left" if eta_seconds else ""
    return f"🎨 Painting… {percent}%{left}" + ("\n" + SKETCH_NOTE if sketch else "")


def duration(seconds: float) -> str:
    seconds = max(1, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def mix_label(gamma: float) -> str:
    if gamma == 0.5:
        return "50/50"
    return f"{round(gamma * 100)}% style 1" if gamma > 0.5 else f"{round((1 - gamma) * 100)}% style 2"


def marked(on: bool, label: str) -> str:
    """A button label with the chosen option marked."""
    return f"• {label}" if on else label


def mix_hint(n_styles: int) -> str:
    return " Pick the mix, then ▶ Stylize." if n_styles == 2 else " Tap ▶ Stylize."


def styles_saved(n: int) -> str:
    return f"🖼 {n} styles saved." + mix_hint(n)


def album_roles(n_styles: int) -> str:
    styles = ", ".join(f"picture {i}" for i in range(2, n_styles + 2))
    return f"📷 Photo: picture 1 · 🖼 style{'s' if n_styles > 1 else ''}: {styles}." + mix_hint(n_styles)


def draft_ready(n_styles: int, gamma: float) -> str:
    mix = f", mix {mix_label(gamma)}" if n_styles == 2 else ""
    return f"📷 Photo and {n_styles} style{'s' if n_styles > 1 else ''} ready{mix}. Tap ▶ Stylize."


def picked(name: str, second: bool) -> str:
    return f"🖼 {name} is your {'second ' if second else ''}style."


def mention(user_id: int, name: str | None) -> str:
    """An HTML mention: notifies the member without needing a @username (a chat writing on its own
    behalf has a negative id and no mention link: just its name)."""
    if user_id < 0:
        return html.escape(name or "you")
    return f'<a href="tg://user?id={user_id}">{html.escape(name or "you")}</a>'


def group_prompt(user_id: int, name: str | None) -> str:
    return GROUP_PROMPT.format(name=mention(user_id, name))


def group_preset_ready(preset: str, user_id: int, name: str | None) -> str:
    return (
        f"📷 Photo and 🖼 {html.escape(preset)} ready, {mention(user_id, name)}. Tap ▶ Stylize, "
        "or reply to this with a second style to mix two."
    )


#: What a group result calls the picture, by engine mode.
RESULT_NOUNS = {"texture": "texture", "dream": "dream", "reconstruct": "x-ray"}


def group_result(user_id: int, name: str | None, caption: str, mode: str = "style") -> str:
    return f"{mention(user_id, name)}, here is your {RESULT_NOUNS.get(mode, 'painting')}.\n{caption}"


def no_such_painting(name: str) -> str:
    return f"I have no painting called {echo(name)}. /presets shows the gallery."


#: What /texture, /dream and /xray ask for when sent without a picture (by engine mode).
MODE_PROMPTS = {
    "texture": "🧵 Send the picture to grow a texture from — a painting, fabric, leaves, a wall…",
    "dream": "💭 Send the photo to dream on.",
    "reconstruct": "🩻 Send the photo to x-ray.",
}
MODE_PROMPTS_GROUP = {
    "texture": "🧵 {name}, reply to this message with the picture to grow a texture from.",
    "dream": "💭 {name}, reply to this message with the photo to dream on.",
    "reconstruct": "🩻 {name}, reply to this message with the photo to x-ray.",
}
MODE_ICONS = {"texture": "🧵", "dream": "💭", "reconstruct": "🩻", "instant": "⚡", "style": "🎨"}
#: /xray's caption: what each depth of the network keeps of the photo.
XRAY_LINES = {
    "relu1_1": "relu1_1 — every pixel: the first layer keeps the photo almost exactly",
    "relu2_1": "relu2_1 — edges and colours, slightly softened",
    "relu3_1": "relu3_1 — textures and shapes; colours start to wander",
    "relu4_1": "relu4_1 — the parts of things; fine detail is gone",
    "relu5_1": "relu5_1 — what is where, little of how it looked",
}


def mode_prompt(mode: str, group: bool, user_id: int, name: str | None) -> str:
    return MODE_PROMPTS_GROUP[mode].format(name=mention(user_id, name)) if group else MODE_PROMPTS[mode]


def experiment_caption(mode: str, run, seconds: float, smaller: bool, depth: str = "", intensity: str = "") -> str:
    """Under a texture, a dream or an x-ray strip: what was made and how long it took."""
    done = f"{MODE_ICONS[mode]} Done in {duration(seconds)}"
    if mode == "texture":
        parts = [f"{run.size} px", "tileable" if run.tileable else "", f"seed {run.seed}" if run.seed else ""]
        caption = " · ".join([done, *filter(None, parts)])
    elif mode == "dream":
        caption = " · ".join([done, f"{run.size} px", DEPTH_LABELS.get(depth, run.layer),
                              INTENSITY_LABELS.get(intensity, "")]).rstrip(" ·")  # fmt: skip
    else:
        layers = [XRAY_LINES.get(layer, layer) for layer in run.layers]
        caption = "🩻 What the network sees, from shallow to deep:\n" + "\n".join(layers) + f"\n{done}"
    return caption + ("\n" + SMALLER_THAN_ASKED if smaller else "")


def result_caption(run, n_styles: int, seconds: float, smaller: bool) -> str:
    """Under a result (``run``: the job's StyleSettings or InstantSettings): time, size, steps, the mix, colours; a
    warning when painted smaller."""
    instant = isinstance(run, InstantSettings)  # one pass, no steps
    parts = [f"{run.size} px", "instant" if instant else f"{run.total_steps} steps"]
    if n_styles == 2:
        parts.append(f"mix {mix_label(run.gamma)}")
    if run.keep_colors:
        parts.append("your colours")
    caption = f"{'⚡' if instant else '🎨'} Done in {duration(seconds)} · " + " · ".join(parts)
    return caption + ("\n" + SMALLER_THAN_ASKED if smaller else "")


def preset_added(name: str) -> str:
    return f"🖼 Added {name!r} to the gallery. Everyone can pick it now: /presets"


def preset_exists(name: str) -> str:
    return f"There is already a painting called {echo(name)}. /delpreset {name} first."


def preset_missing(name: str) -> str:
    return f"There is no painting called {echo(name)} in the gallery."


def preset_removed(name: str) -> str:
    return f"🗑 Removed {name!r} from the gallery."


def gallery_more(n: int) -> str:
    return f" ({n} more: /stylize <name> picks any)"


def queue_running(who: str, percent: int) -> str:
    return f"▶ painting now: {who} ({percent}%)"


def queue_waiting(position: int, who: str, seconds: float) -> str:
    return f"{position}. {who} — in about {duration(seconds)}"


def queue_more(n: int) -> str:
    return f"… and {n} more"


def album_item_left_out(index: int, count: int, why: str) -> str:
    return f"⚠ I left out picture {index} of {count}: {why}"


def picture_problem(message: str) -> str:
    """An engine's picture error, addressed to the sender ("That picture …")."""
    return message.replace("The picture", "That picture")


# ---------------------------------------------------------------------- admin and owners
SETTINGS_GLOBAL = "Global defaults"
SETTINGS_HERE = "Settings in this chat"
SETTINGS_HOW = "Change one: /set <key> <value> · back to the default: /unset <key>"
SETTINGS_OWNERS = "Owners: /set global <key> <value> changes the default for every chat."
EVERYWHERE = "everywhere (global)"
IN_THIS_CHAT = "in this chat"
GLOBAL_LIMIT_APPLIES = " (the global limit is lower, so it applies)"
#: Longest piece of a person's own input quoted back (Telegram refuses messages over 4096 characters).
ECHO_CHARS = 32


def echo(text: str) -> str:
    """A person's input, quoted back short: never long enough to make a reply too long to send."""
    text = " ".join(text.split())
    return repr(text if len(text) <= ECHO_CHARS else text[: ECHO_CHARS - 1] + "…")


def settings_title(title: str) -> str:
    return f"⚙ {title} (where each comes from):"


def settings_line(name: str, value: str, source: str) -> str:
    return f"• {name} = {value} ({source})"


def set_usage(command: str, unset: bool, unknown_key: str | None, keys: str) -> str:
    shape = "<key>" if unset else "<key> <value>"
    problem = f"I don't know the key {echo(unknown_key)}. " if unknown_key is not None else ""
    return f"{problem}Use {command} {shape}. {keys}"


def nothing_to_change(key: str, value: str) -> str:
    return f"Nothing to change: {key} is already {value}."


def setting_changed(key: str, where: str, before: str, after: str, now: str, note: str) -> str:
    return f"✅ {key} {where}: {before} → {after}. In effect now: {now}{note}."


def stats(since, jobs: int, people: int, by_status: str, average: float | None, failures: int, waiting: int,
          painting: int, banned: int) -> str:  # fmt: skip
    shown = f"{average:.1f} s" if average is not None else "—"
    return "\n".join(
        [
            f"📊 Today (UTC, since {since:%H:%M}): {jobs} jobs from {people} people",
            by_status,
            f"Average painting time: {shown} · failures: {failures}",
            f"Queue now: {waiting} waiting, {painting} painting",
            f"Banned users: {banned}",
        ]
    )


def ban_usage(command: str) -> str:
    return f"Use {command} <user id>, or reply {command} to one of their messages. A user id is a whole number."


def banned_done(banned: bool, user_id: int, cancelled: int) -> str:
    extra = f"; {cancelled} of their jobs cancelled" if cancelled else ""
    return f"{'🚫 Banned' if banned else '✅ Unbanned'} user {user_id}{extra}."


def too_big_download(megabytes: float | None) -> str:
    size = f"{megabytes:.0f} MB" if megabytes is not None else "over 20 MB"
    return f"That file is {size}; bots can only download files up to 20 MB. Send it as a photo or a smaller file."
