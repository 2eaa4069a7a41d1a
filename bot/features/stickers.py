"""🏷 under a painting or a painted clip: a sticker of it, made as a job of the sticker mode (the
painted person cut out, engine.modes.sticker) and delivered into its owner's own set (the notifier,
bot.telegram.stickers). Only the picture's painter can make it, in the chat it was painted in."""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.ext import ContextTypes

from worker.protocol import Input, Media

from .. import texts
from ..domain import drafts
from ..modes import sticker
from ..services import services
from ..storage import JobStatus
from .ordering import add_job, announce, own_job, policy_for, refusal, result_of


async def make_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query, svc = update.callback_query, services(context)
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
    async with svc.db.session() as db_session, db_session.begin():
        policy = await policy_for(svc, update.effective_chat.id, await drafts.load(db_session, update))
        refused = await refusal(db_session, update, policy, painting=False)
        if not refused:
            job, spec = await add_job(db_session, svc, update, sticker.MODE.name, inputs, {},
                                      earlier.request_message_id, Media.STICKER,
                                      suffix=".webm" if clip else ".webp")  # fmt: skip
    if refused:
        await query.answer(refused, show_alert=True)
        return
    await query.answer()
    await announce(context, job, spec)
