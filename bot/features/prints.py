"""🖨 under a painting's file (📄): the painting grown to the print size — 2048 px on a CPU host,
4096 on a GPU — by its own mode (a job like any other: queued, counted, with its card), sent back as
a file. One print of a painting, however often 🖨 is pressed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from sqlalchemy import func, select
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from worker.protocol import JobSpec, Media, SpecError

from .. import modes, texts
from ..i18n import N_, Text
from ..modes.base import print_button
from ..services import services
from ..storage import Job, JobStatus
from .orders import own_job, place, result_of

ON_ITS_WAY = Text(N_("🖨 The print of this painting is on its way."))


def longest_side(path: Path) -> int:
    """A result's longest side, from its header (the bot's own file)."""
    with Image.open(path) as picture:
        return max(picture.size)


def print_markup(job: Job, result: Path, host) -> InlineKeyboardMarkup | None:
    """🖨 under a painting's file, where its mode grows it to a print on this host (None: no print)."""
    try:
        spec = JobSpec.from_dict(job.spec)
    except SpecError:
        return None
    mode = modes.MODES.get(spec.mode)
    size = mode.prints(spec, longest_side(result), host) if mode is not None else None
    if size is None:
        return None
    return InlineKeyboardMarkup([[print_button(job.id, size)]])


async def make_print(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query = update.callback_query
    earlier = await own_job(update, context, job_id)  # forged data names someone else's job: refused
    try:
        spec = JobSpec.from_dict(earlier.spec) if earlier is not None and earlier.spec else None
    except SpecError:
        spec = None
    mode = modes.MODES.get(spec.mode) if spec is not None else None
    if mode is None or earlier.status == JobStatus.CANCELLED:
        await query.answer(texts.STALE_BUTTON())
        return
    result = result_of(earlier)
    if result is None or not all(Path(path).exists() for path in spec.pictures):
        await query.answer(texts.PICTURE_GONE(), show_alert=True)
        return
    side = longest_side(result)
    size = mode.prints(spec, side, services(context).host())
    if size is None:
        await query.answer(texts.STALE_BUTTON())
        return
    made = None

    async def make(db_session, draft, policy):
        nonlocal made
        made = await print_of(db_session, earlier, str(result))
        return mode.order_print(spec, str(result), side, size, earlier.request_message_id) if made is None else None

    await place(update, context, make, exclusive=True)  # one print of a painting: the check and the job are one step
    if made is not None:
        if made.status == JobStatus.DONE and made.result_file_id:
            await query.answer()
            await query.message.reply_document(made.result_file_id, do_quote=True)
        else:
            await query.answer(ON_ITS_WAY())


async def print_of(db_session, painting: Job, result: str) -> Job | None:
    """The print already made (or being made) of ``painting``'s result, if any."""
    made = select(Job).where(
        Job.user_id == painting.user_id,
        Job.chat_id == painting.chat_id,
        Job.id > painting.id,
        Job.status.not_in([JobStatus.CANCELLED, JobStatus.FAILED]),
        func.coalesce(Job.spec["output"]["media"].as_string(), "") == str(Media.DOCUMENT),
    )
    for job in (await db_session.execute(made.order_by(Job.id.desc()))).scalars():
        if [found.get("path") for found in (job.spec.get("inputs") or {}).get("init", [])] == [result]:
            return job
    return None
