"""Everything the bot says, in one place."""

from __future__ import annotations

HELP = (
    "🎨 I repaint your photo in the style of a painting.\n"
    "1) Send your photo. 2) Send one or two style pictures — a painting, a texture, anything. 3) Tap ▶ Stylize.\n"
    "Tip: send photo and styles as one album; /presets has paintings to pick from. "
    "/new starts over · /cancel stops a job · /status shows where you are · /queue who is waiting."
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
GROUP_HOW = "To paint in this group: send a photo with the caption /stylize, or reply /stylize to a photo."
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
DAILY_LIMIT = "You've painted {n} pictures today — that's the daily limit here. It resets at midnight UTC (in {left})."


def queued(position: int, eta_seconds: float) -> str:
    ahead = "you're next" if position <= 1 else f"position {position} in the queue"
    return f"⏳ Queued — {ahead}. Ready in about {duration(eta_seconds)}."


def painting(percent: int, eta_seconds: float | None) -> str:
    left = f" · about {duration(eta_seconds)} left" if eta_seconds else ""
    return f"🎨 Painting… {percent}%{left}"


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
