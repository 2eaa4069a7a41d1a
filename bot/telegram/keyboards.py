"""Inline keyboards, built with the callback grammar (bot.telegram.callbacks)."""

from __future__ import annotations

from telegram import InlineKeyboardButton as B
from telegram import InlineKeyboardMarkup

from engine.settings import BRUSHES

from .. import texts
from ..domain.policy import Policy
from ..domain.quality import INSTANT, MIXES, SIZES, STRENGTHS, regions_for
from ..texts import regions as region_texts
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


def settings(policy: Policy, n_styles: int = 1) -> InlineKeyboardMarkup:
    """⚙: quality (instant where it runs, then the presets), size (not for instant, which paints at
    its own size), strength, colours, and where the style goes (🧍; a style each for the person and
    the rest with two styles) — in the order the card above names them."""
    mark = texts.marked
    label, strengths = texts.QUALITY_LABELS().get, texts.STRENGTH_LABELS()
    quality = [
        B(mark(policy.quality == q, label(q, q.title())), callback_data=data(Action.QUALITY, q))
        for q in policy.host.qualities
    ]
    strength = [
        B(mark(policy.strength == s, strengths.get(s, s.title())), callback_data=data(Action.STRENGTH, s))
        for s in STRENGTHS
    ]
    brushes = [
        B(mark(policy.brush == b, texts.BRUSH_LABELS().get(b, b)), callback_data=data(Action.BRUSH, b)) for b in BRUSHES
    ]
    # Only sizes the chat allows (max_size); with none above the quality's own 1024 px, no row at all.
    allowed = [px for px in SIZES if px <= policy.max_size]
    size = [B(mark(not policy.size, texts.BUTTON_SIZE_AUTO()), callback_data=data(Action.SIZE, 0))]
    size += [B(mark(policy.size == px, f"{px} px"), callback_data=data(Action.SIZE, px)) for px in allowed]
    return InlineKeyboardMarkup(
        [
            quality,
            *([size] if policy.quality != INSTANT and len(allowed) > 1 else []),
            strength,
            brushes,
            [
                B(mark(policy.keep_colors, texts.BUTTON_KEEP_COLORS()), callback_data=data(Action.KEEP_COLORS)),
                B(mark(policy.faces, texts.BUTTON_FACES()), callback_data=data(Action.FACES)),
            ],
            *region_rows(policy.region, n_styles),
            [
                B(texts.BUTTON_BACK(), callback_data=data(Action.BACK)),
                B(texts.BUTTON_GO(), callback_data=data(Action.GO)),
            ],
        ]
    )


def region_rows(region: str, n_styles: int) -> list[list]:
    """The 🧍 rows: all of it, keep me, only me (and me · the rest with two styles), two to a row."""
    labels = region_texts.LABELS()
    buttons = [
        B(texts.marked(region == engine_name, labels[engine_name]), callback_data=data(Action.REGION, choice))
        for choice, engine_name in regions_for(n_styles).items()
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def working(job_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[B(texts.BUTTON_CANCEL(), callback_data=data(Action.CANCEL, job_id))]])


def shorten(text: str, limit: int = 24) -> str:
    """A painting's title short enough for a button two to a row on a phone."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def gallery(presets, told: frozenset[str] = frozenset()) -> InlineKeyboardMarkup | None:
    """Buttons that pick a gallery painting as the style, two to a row (at most 10); with ``told``
    (the names of paintings that have a story), one to a row, each with ℹ its story."""
    buttons = [B(f"🖼 {shorten(p.title or p.name)}", callback_data=data(Action.PICK, p.id)) for p in presets[:10]]
    if told:
        story = texts.BUTTON_STORY()
        rows = [
            [pick, *([B(story, callback_data=data(Action.STORY, p.id))] if p.name in told else [])]
            for p, pick in zip(presets, buttons)
        ]
    else:
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows) if rows else None
