"""Inline keyboards; callback data stays short (≤ 64 bytes) and self-describing."""

from __future__ import annotations

from telegram import InlineKeyboardButton as B
from telegram import InlineKeyboardMarkup

from .presets import MIXES, SIZES, STRENGTHS
from .texts import mix_label


def ready(n_styles: int, gamma: float) -> InlineKeyboardMarkup:
    rows = [[B("▶ Stylize", callback_data="go"), B("⚙ Settings", callback_data="settings")]]
    if n_styles == 2:
        rows.insert(0, [B(("• " if g == gamma else "") + mix_label(g), callback_data=f"mix:{g}") for g in MIXES])
        rows.append([B("🔀 Swap styles", callback_data="swap")])
    return InlineKeyboardMarkup(rows)


def settings(options: dict, presets: dict) -> InlineKeyboardMarkup:
    def mark(on: bool, text: str) -> str:
        return f"• {text}" if on else text

    quality = [B(mark(options.get("quality") == q, q.title()), callback_data=f"q:{q}") for q in presets]
    strength = [B(mark(options.get("strength") == s, s.title()), callback_data=f"s:{s}") for s in STRENGTHS]
    size = [B(mark(options.get("size") == px, f"{px} px"), callback_data=f"px:{px}") for px in SIZES]
    return InlineKeyboardMarkup(
        [
            quality,
            size,
            strength,
            [B(mark(bool(options.get("keep_colors")), "🎨 Keep my colours"), callback_data="kc")],
            [B("◀ Back", callback_data="back"), B("▶ Stylize", callback_data="go")],
        ]
    )


def working(job_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[B("✖ Cancel", callback_data=f"cancel:{job_id}")]])


def result(job_id: int, two_styles: bool) -> InlineKeyboardMarkup:
    row = [B("🔁 Again", callback_data="again"), B("📄 Full-size PNG", callback_data=f"png:{job_id}")]
    if two_styles:
        row.append(B("🔀 Swap styles", callback_data=f"swapjob:{job_id}"))
    return InlineKeyboardMarkup([row])


def gallery(presets) -> InlineKeyboardMarkup | None:
    """Buttons that pick a gallery painting as the style, two to a row (at most 10)."""
    buttons = [B(f"🖼 {p.name}", callback_data=f"preset:{p.id}") for p in presets[:10]]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows) if rows else None
