"""Inline keyboards, built with the callback grammar (bot.telegram.callbacks)."""

from __future__ import annotations

from telegram import InlineKeyboardButton as B
from telegram import InlineKeyboardMarkup

from .. import texts
from ..domain.experiments import DEPTHS, INTENSITIES, depth_of, intensity_of
from ..domain.quality import MIXES, SIZES, STRENGTHS
from ..texts import experiments as experiment_texts
from .callbacks import Action, data


def ready(n_styles: int, gamma: float, *, roles: bool = False, as_style: bool = False) -> InlineKeyboardMarkup:
    """Under a complete draft: ▶ and ⚙; with two styles the mix and 🔀; after an album, 🔄 roles;
    after a photo that starts the next painting, 🖼 (it was a style)."""
    rows = [
        [
            B(texts.BUTTON_GO(), callback_data=data(Action.GO)),
            B(texts.BUTTON_SETTINGS(), callback_data=data(Action.SETTINGS)),
        ]
    ]
    if n_styles == 2:
        mixes = [B(texts.marked(g == gamma, texts.mix_label(g)), callback_data=data(Action.MIX, g)) for g in MIXES]
        rows.insert(0, mixes)
        rows.append([B(texts.BUTTON_SWAP_STYLES(), callback_data=data(Action.SWAP))])
    if roles:
        rows.append([B(texts.BUTTON_SWAP_ROLES(), callback_data=data(Action.ROLES))])
    if as_style:
        rows.append([B(texts.BUTTON_AS_STYLE(), callback_data=data(Action.AS_STYLE))])
    return InlineKeyboardMarkup(rows)


def settings(options: dict, qualities) -> InlineKeyboardMarkup:
    """⚙: quality (instant where it runs, then the presets), size (not for instant, which paints at
    its own size), strength, colours — in the order the card above names them."""
    mark = texts.marked
    label, strengths = texts.QUALITY_LABELS().get, texts.STRENGTH_LABELS()
    quality = [
        B(mark(options.get("quality") == q, label(q, q.title())), callback_data=data(Action.QUALITY, q))
        for q in qualities
    ]
    strength = [
        B(mark(options.get("strength") == s, strengths.get(s, s.title())), callback_data=data(Action.STRENGTH, s))
        for s in STRENGTHS
    ]
    # Only sizes the chat allows (max_size); with none above the quality's own 1024 px, no row at all.
    allowed = [px for px in SIZES if px <= options.get("limits", {}).get("max_size", SIZES[-1])]
    size = [B(mark(not options.get("size"), texts.BUTTON_SIZE_AUTO()), callback_data=data(Action.SIZE, 0))]
    size += [B(mark(options.get("size") == px, f"{px} px"), callback_data=data(Action.SIZE, px)) for px in allowed]
    return InlineKeyboardMarkup(
        [
            quality,
            *([size] if options.get("quality") != "instant" and len(allowed) > 1 else []),
            strength,
            [
                B(
                    mark(bool(options.get("keep_colors")), texts.BUTTON_KEEP_COLORS()),
                    callback_data=data(Action.KEEP_COLORS),
                )
            ],
            [
                B(texts.BUTTON_BACK(), callback_data=data(Action.BACK)),
                B(texts.BUTTON_GO(), callback_data=data(Action.GO)),
            ],
        ]
    )


def working(job_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[B(texts.BUTTON_CANCEL(), callback_data=data(Action.CANCEL, job_id))]])


def result(job_id: int, two_styles: bool, *, instant: bool = False) -> InlineKeyboardMarkup:
    """Under a result: 🔁, 📄, 🔀 with two styles; under an instant picture, 🎨 paint it properly first."""
    row = [
        B(texts.BUTTON_AGAIN(), callback_data=data(Action.AGAIN)),
        B(texts.BUTTON_PNG(), callback_data=data(Action.PNG, job_id)),
    ]
    if two_styles:
        row.append(B(texts.BUTTON_SWAP_STYLES(), callback_data=data(Action.SWAP_JOB, job_id)))
    rows = [row]
    if instant:
        rows.insert(0, [B(texts.BUTTON_PROPER(), callback_data=data(Action.PROPER, job_id))])
    return InlineKeyboardMarkup(rows)


def experiment(job_id: int, mode: str, settings: dict) -> InlineKeyboardMarkup:
    """Under a texture: ♻ another, 🔲 tileable, 📄; under a dream: depth, intensity, 📄; under an x-ray: 📄."""
    png = B(texts.BUTTON_PNG(), callback_data=data(Action.PNG, job_id))

    def redo(label: str, choice: str) -> B:
        return B(label, callback_data=data(Action.REDO, f"{job_id}.{choice}"))

    if mode == "texture":
        tile = (
            experiment_texts.BUTTON_NOT_TILEABLE() if settings.get("tileable") else experiment_texts.BUTTON_TILEABLE()
        )
        return InlineKeyboardMarkup([[redo(experiment_texts.BUTTON_ANOTHER(), "another"), redo(tile, "tile")], [png]])
    if mode == "dream":
        depth, intensity = depth_of(settings), intensity_of(settings)
        depths, intensities = experiment_texts.DEPTH_LABELS(), experiment_texts.INTENSITY_LABELS()
        return InlineKeyboardMarkup(
            [
                [redo(texts.marked(d == depth, depths[d]), d) for d in DEPTHS],
                [redo(texts.marked(i == intensity, intensities[i]), i) for i in INTENSITIES],
                [png],
            ]
        )
    return InlineKeyboardMarkup([[png]])


def shorten(text: str, limit: int = 24) -> str:
    """A painting's title short enough for a button two to a row on a phone."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def gallery(presets) -> InlineKeyboardMarkup | None:
    """Buttons that pick a gallery painting as the style, two to a row (at most 10)."""
    buttons = [B(f"🖼 {shorten(p.title or p.name)}", callback_data=data(Action.PICK, p.id)) for p in presets[:10]]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows) if rows else None
