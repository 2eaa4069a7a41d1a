"""🏷 under a painting or a painted clip: a sticker of it, made as a job of the sticker mode (the
painted person cut out, engine.modes.sticker) and delivered into its owner's own set (the notifier,
bot.telegram.stickers). Only the picture's painter can make it, in the chat it was painted in."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func
from telegram import Update
from telegram.ext import ContextTypes

from worker.protocol import Input, Media

from .. import texts
from ..modes import sticker
from ..storage import Job, JobStatus
from .orders import made_from, own_job, place, result_of


async def make_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query = update.callback_query
    earlier = await own_job(update, context, job_id)  # forged data names someone else's job: refused
    mode = (earlier.spec or {}).get("mode") if earlier is not None else None
    clip = mode in sticker.FROM_CLIPS
    if earlier is None or not (mode in sticker.FROM_PICTURES or clip) or earlier.status == JobStatus.CANCELLED:
        await query.answer(texts.STALE_BUTTON())
        return
    result = result_of(earlier)  # (its row may not say "done" yet: the result has just gone out)
    photo = None if clip else earlier.content_path
    if result is None or (photo is not None and not Path(photo).exists()):
        await query.answer(texts.PICTURE_GONE(), show_alert=True)
        return
    inputs = {"picture": Input(str(result), Media.VIDEO if clip else Media.PICTURE)}
    if photo is not None:  # where the person is: found on the photo, not on the painting
        inputs["content"] = Input(photo)
    made = None

    async def make(db_session, draft, policy):
        nonlocal made
        made = await sticker_of(db_session, earlier, str(result))
        return sticker.MODE.order(policy, inputs, earlier.request_message_id) if made is None else None

    # one sticker of a painting, however often 🏷 is pressed: the check and the new job are one step
    await place(update, context, make, exclusive=True)
    if made is not None:
        await send_again(query, made)


async def sticker_of(db_session, painting: Job, result: str) -> Job | None:
    """The sticker job already made (or being made) of ``painting``'s result, if any."""
    kind = func.coalesce(Job.spec["mode"].as_string(), "") == sticker.MODE.name
    return await made_from(db_session, painting, "picture", result, kind)


async def send_again(query, made: Job) -> None:
    """🏷 on a painting that is a sticker already: that sticker again (it is in the set once), or a
    word that it is on its way."""
    if made.status != JobStatus.DONE or not made.result_file_id:
        await query.answer(sticker.ON_ITS_WAY())
        return
    await query.answer()
    sent = await query.message.reply_sticker(made.result_file_id, do_quote=True)
    await sent.reply_text(sticker.ALREADY_MADE(), do_quote=True)
