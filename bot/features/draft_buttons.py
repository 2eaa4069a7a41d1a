"""The draft card's buttons: mix, swaps and ⚙ choices change the draft and redraw its card; ▶
Stylize turns the draft into its mode's order and places it (bot.features.orders)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from engine import modes as engine_modes
from engine.settings import BRUSHES

from .. import texts
from ..domain import drafts
from ..domain.policy import Policy
from ..domain.quality import INSTANT, MIXES, REGIONS, SIZES, STRENGTHS, regions_for
from ..modes import instant, style, video
from ..modes.base import BotMode
from ..modes.style import plan
from ..services import Services, services
from ..storage import Draft
from ..telegram import keyboards
from ..telegram.callbacks import Action, Callback
from ..texts import clips as clip_texts
from ..texts import regions as region_texts
from .orders import place, policy_for

log = logging.getLogger(__name__)


#: Buttons that change the draft and then show the ⚙ settings keyboard.
SETTINGS_ACTIONS = {
    Action.SETTINGS,
    Action.AGAIN,
    Action.KEEP_COLORS,
    Action.QUALITY,
    Action.STRENGTH,
    Action.BRUSH,
    Action.FACES,
    Action.SIZE,
    Action.REGION,
}


async def draft_button(update: Update, context: ContextTypes.DEFAULT_TYPE, callback: Callback) -> None:
    """Mix, swaps and ⚙ choices change the draft; the keyboard is redrawn to show them."""
    query, svc = update.callback_query, services(context)
    action, argument = callback.action, callback.argument
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        options = dict(draft.options)
        if action == Action.MIX and _float(argument) in MIXES and len(draft.style_paths) == 2:
            draft.gamma = _float(argument)
        elif action == Action.SWAP:
            drafts.swap_styles(draft)
        elif action == Action.ROLES:
            drafts.swap_roles(draft)
        elif action == Action.AS_STYLE:
            if not drafts.use_as_style(draft):
                await query.answer(texts.STALE_BUTTON())
                return
        elif action == Action.QUALITY and argument in svc.host().qualities:
            options["quality"] = argument
        elif action == Action.STRENGTH and argument in STRENGTHS:
            options["strength"] = argument
        elif action == Action.BRUSH and argument in BRUSHES:
            options["brush"] = argument
        elif action == Action.FACES:
            options["faces"] = not (await policy_for(svc, update.effective_chat.id, draft)).faces
        elif action == Action.KEEP_COLORS:
            options["keep_colors"] = not (await policy_for(svc, update.effective_chat.id, draft)).keep_colors
        elif action == Action.REGION and argument in regions_for(len(draft.style_paths)):
            options["region"] = REGIONS[argument]
        elif action == Action.SIZE and (callback.number in SIZES or callback.number == 0):
            # Auto (0), or the same size again: back to the quality preset's own size
            options["size"] = None if callback.number in (0, options.get("size")) else callback.number
        elif action not in (Action.SETTINGS, Action.BACK, Action.AGAIN):
            await query.answer(texts.STALE_BUTTON())
            return
        draft.options = options
        n_styles, gamma, problem = len(draft.style_paths), draft.gamma, drafts.missing(draft)
        shown = await policy_for(svc, update.effective_chat.id, draft)
        summary, clip = drafts.summary(draft), draft.content if drafts.has_clip(draft) else None
    if problem:
        await query.answer(problem, show_alert=True)
        return
    on_settings = action in SETTINGS_ACTIONS
    roles = bool(draft.options.get("album"))
    if on_settings:
        markup, text = keyboards.settings(shown, n_styles), settings_card(svc, shown, gamma, clip)
    else:
        markup = keyboards.ready(n_styles, gamma, roles=roles)
        text = texts.USED_AS_STYLE() if action == Action.AS_STYLE else summary
        text += "\n" + (clip_line(shown, clip) if clip else choices_line(shown, gamma))
    await query.answer(_feedback(action, n_styles))
    if action == Action.AGAIN:
        await query.message.reply_text(text, reply_markup=markup)
        return
    try:  # the card says what is chosen now, above buttons that show it
        await query.edit_message_text(text, reply_markup=markup)
    except TelegramError as exc:  # e.g. "message is not modified" when the same button is pressed twice
        log.debug("card unchanged: %s", exc)


def _feedback(action: Action, n_styles: int) -> str | None:
    """A word for a press whose effect the card alone would not show."""
    if action == Action.SWAP and n_styles == 2:
        return texts.STYLES_SWAPPED()
    if action == Action.ROLES:
        return texts.ROLES_SWAPPED()
    return None


def choices_line(policy: Policy, gamma: float) -> str:
    planned = plan(policy, gamma)
    line = texts.choices(policy.quality, planned.size, policy.strength, policy.keep_colors, policy.brush)
    return line + region_texts.tag(policy.region)


def settings_card(svc: Services, policy: Policy, gamma: float, clip: dict | None = None) -> str:
    """The ⚙ card: the rows, what is chosen, and how long it takes here (a clip's: its size, its frames)."""
    if clip is not None:
        planned = engine_modes.get(video.MODE.name).make_settings(video.MODE.settings(policy, gamma, clip))
        seconds = svc.dispatcher.seconds_for(video.MODE.name, planned)
    else:
        planned = plan(policy, gamma)
        seconds = svc.dispatcher.seconds_for(draft_mode(policy).name, planned)
    card = texts.settings_card(
        policy.quality,
        planned.size,
        bool(policy.size) and clip is None,
        policy.strength,
        policy.keep_colors,
        seconds,
        policy.brush,
        policy.faces,
    )
    return card + "\n" + region_texts.where(policy.region)


def draft_mode(policy: Policy, clip: bool = False) -> BotMode:
    """What ▶ paints a draft with: a clip's mode, the instant mode at the instant quality, else style transfer."""
    if clip:
        return video.MODE
    return instant.MODE if policy.quality == INSTANT else style.MODE


async def draft_choices(svc: Services, chat_id: int, draft: Draft) -> str:
    """The ⚙ line under a draft card: what ▶ would paint with now (a clip: its size, and how much
    of it when only its start is painted)."""
    policy = await policy_for(svc, chat_id, draft)
    return clip_line(policy, draft.content) if drafts.has_clip(draft) else choices_line(policy, draft.gamma)


def clip_line(policy: Policy, clip: dict) -> str:
    """A clip draft's ⚙ line: its size, and how much of it when only its start is painted."""
    side, cap = video.limits(policy, clip.get("media", video.MODE.media))
    line = texts.choices(policy.quality, side, policy.strength, policy.keep_colors, policy.brush)
    line += region_texts.tag(policy.region)
    return line + ("\n" + video.cut_note(cap) if float(clip.get("seconds") or 0) > cap + 0.5 else "")


def _float(text: str | None) -> float | None:
    try:
        return float(text or "")
    except ValueError:
        return None


async def start_job(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """▶ Stylize: the draft's photo (or clip) and styles, ordered from its mode and placed."""
    svc = services(context)

    async def make(db_session, draft: Draft, policy: Policy):
        problem = drafts.missing(draft) or clip_refusal(svc, draft)
        if problem:
            return problem
        clip = draft.content if drafts.has_clip(draft) else None
        inputs = {"content": draft.content_path, "styles": list(draft.style_paths)}
        if clip is not None:  # a moving picture, sent back as the kind it came as
            inputs["content"] = {"path": clip["path"], "media": clip["media"]}
        drafts.painted(draft)
        request_id = draft.options.get("content_message_id")
        return draft_mode(policy, clip is not None).order(policy, inputs, request_id, draft.gamma, clip)

    await place(update, context, make)


def clip_refusal(svc: Services, draft: Draft) -> str | None:
    """Why a clip cannot be painted here (no engine for videos), or None."""
    if drafts.has_clip(draft) and not svc.dispatcher.video_available:
        return clip_texts.NO_VIDEOS_HERE()
    return None
