"""Every inline button press, routed by its action to the feature that owns it."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from .. import texts
from ..telegram.callbacks import Action, Callback, parse
from . import draft_buttons, one_picture, prints, result_buttons, stickers
from .permits import presser_owns

#: action → handler(update, context, callback); any other action changes the draft
ROUTES = {
    Action.GO: lambda update, context, callback: draft_buttons.start_job(update, context),
    Action.CANCEL: lambda update, context, callback: result_buttons.cancel_button(update, context, callback.number),
    Action.PNG: lambda update, context, callback: result_buttons.send_png(update, context, callback.number),
    Action.SWAP_JOB: lambda update, context, callback: result_buttons.rerun_swapped(update, context, callback.number),
    Action.PROPER: lambda update, context, callback: result_buttons.rerun_properly(update, context, callback.number),
    Action.TIMELAPSE: lambda update, context, callback: result_buttons.send_timelapse(update, context, callback.number),
    Action.STICKER: lambda update, context, callback: stickers.make_sticker(update, context, callback.number),
    Action.PRINT: lambda update, context, callback: prints.make_print(update, context, callback.number),
    Action.REDO: lambda update, context, callback: one_picture.on_redo(
        update, context, callback.number, callback.choice
    ),
}


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    callback: Callback | None = parse(query.data)
    if not await presser_owns(update, context):
        await query.answer(texts.NOT_YOUR_BUTTONS(), show_alert=True)
        return
    if callback is None:
        await query.answer(texts.STALE_BUTTON())
        return
    route = ROUTES.get(callback.action)
    if route is None:
        await draft_buttons.draft_button(update, context, callback)
    else:
        await route(update, context, callback)
