"""The buttons under a progress card or a result: ✖ cancel, 📄 the file (with 🖨 the print size under
it), 🔀 the photo and the style swapped, 🎨 painted properly, 🎞 the time-lapse. Each names a job,
checked to be the presser's own."""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.ext import ContextTypes

from worker.protocol import JobSpec, beside

from .. import modes, texts
from ..domain import drafts
from ..modes.base import Order
from ..services import services
from ..storage import Job
from .orders import own_job, place, result_of
from .prints import print_markup


async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query, svc = update.callback_query, services(context)
    mine = await own_job(update, context, job_id) is not None
    await query.answer(texts.CANCELLED() if mine and await svc.dispatcher.cancel(job_id) else texts.NOTHING_TO_CANCEL())


async def rerun_swapped(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    """🔀 under a picture: the same job with the photo and the style swapped."""
    job = await own_job(update, context, job_id)
    mode = modes.MODES.get(_mode_of(job)) if job is not None else None
    # (🔀 is under pictures only: a clip is swapped in its draft, ▶ counting its seconds)
    swapped = drafts.rerun_swapped(job) if mode is not None and mode.swaps else None
    if swapped is None:
        await update.callback_query.answer(texts.STALE_BUTTON())
        return
    earlier, (content, styles) = JobSpec.from_dict(job.spec), swapped
    order = Order(earlier.mode, {"content": content, "styles": styles}, earlier.settings, job.request_message_id)

    async def make(*_):
        return order

    await place(update, context, make)


async def rerun_properly(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    """🎨 under an instant picture (a clip, on a GPU host): the same photo (clip) and styles, painted
    by the optimisation — the mode the result's own mode names as its proper one."""
    job = await own_job(update, context, job_id)
    mode = modes.MODES.get(_mode_of(job)) if job is not None else None
    proper = modes.MODES.get(mode.proper) if mode is not None and mode.proper else None
    allowed = proper is not None and proper.offered(services(context).dispatcher.device)
    usable = allowed and job.content_path and job.style_paths
    if not usable or not all(Path(p).exists() for p in [job.content_path, *job.style_paths]):
        await update.callback_query.answer(texts.STALE_BUTTON())
        return
    earlier = JobSpec.from_dict(job.spec)

    async def make(db_session, draft, policy):
        return proper.order_again(earlier, policy, job.request_message_id)

    await place(update, context, make)


def _mode_of(job: Job) -> str | None:
    return (job.spec or {}).get("mode")


async def send_png(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query = update.callback_query
    job = await own_job(update, context, job_id)
    if job is None:
        await query.answer(texts.STALE_BUTTON())
        return
    result = result_of(job)
    if result is None:
        await query.answer(texts.PNG_GONE(), show_alert=True)
        return
    await query.answer()
    markup = print_markup(job, result, services(context).host())  # 🖨: the print size, where it grows
    with result.open("rb") as handle:
        await query.message.reply_document(handle, filename=f"painting_{job_id}{result.suffix}", reply_markup=markup)


async def send_timelapse(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    """🎞 under a painting: the animation of it forming, made beside it, in reply to the painting."""
    query = update.callback_query
    job = await own_job(update, context, job_id)
    result = result_of(job) if job is not None else None
    if result is None:
        await query.answer(texts.STALE_BUTTON())
        return
    path = Path(beside(str(result), "timelapse.mp4"))
    if not path.exists():
        await query.answer(texts.TIMELAPSE_GONE(), show_alert=True)
        return
    await query.answer()
    with path.open("rb") as handle:
        await query.message.reply_animation(handle, filename=f"painting_{job_id}.mp4", do_quote=True)
