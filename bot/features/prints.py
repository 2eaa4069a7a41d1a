"""🖨 under a painting's file (📄): the painting grown to the print size — 2048 px on a CPU host,
4096 on a GPU — by its own mode (a job like any other: queued, counted, with its card), sent back as
a file. One print of a painting, however often 🖨 is pressed."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy import func
from telegram import InlineKeyboardMarkup, Update
from telegram.ext import ContextTypes

from worker.protocol import JobSpec, Media, SpecError

from .. import modes, texts
from ..i18n import N_, Text
from ..modes.base import print_button
from ..services import services
from ..storage import Job, JobStatus
from .orders import made_from, own_job, place, result_of

ON_ITS_WAY = Text(N_("🖨 The print of this painting is on its way."))


def longest_side(spec: JobSpec, path: Path) -> int | None:
    """A picture result's longest side, from its header (the bot's own file); None for a clip, a
    sticker or a file that is not a picture."""
    if spec.output.media != Media.PICTURE:
        return None
    try:
        with Image.open(path) as picture:
            return max(picture.size)
    except (OSError, UnidentifiedImageError):
        return None


def offered(job: Job, result: Path, host) -> tuple[modes.BotMode, JobSpec, int, int] | None:
    """(its mode, its spec, its result's longest side, the print size) where ``job``'s mode grows its
    result to a print on this host; None where it does not."""
    try:
        spec = JobSpec.from_dict(job.spec)
    except SpecError:
        return None
    mode, side = modes.MODES.get(spec.mode), longest_side(spec, result)
    size = mode.prints(spec, side, host) if mode is not None and side is not None else None
    return None if size is None else (mode, spec, side, size)


def print_markup(job: Job, result: Path, host) -> InlineKeyboardMarkup | None:
    """🖨 under a painting's file, where its mode grows it to a print on this host (None: no print)."""
    found = offered(job, result, host)
    return None if found is None else InlineKeyboardMarkup([[print_button(job.id, found[-1])]])


async def make_print(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query = update.callback_query
    earlier = await own_job(update, context, job_id)  # forged data names someone else's job: refused
    if earlier is None or earlier.status == JobStatus.CANCELLED:
        await query.answer(texts.STALE_BUTTON())
        return
    result = result_of(earlier)
    found = offered(earlier, result, services(context).host()) if result is not None else None
    if result is not None and found is None:  # not a painting that grows (forged data on a clip…)
        await query.answer(texts.STALE_BUTTON())
        return
    if found is None or not all(Path(path).exists() for path in found[1].pictures):
        await query.answer(texts.PICTURE_GONE(), show_alert=True)
        return
    mode, spec, side, size = found
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
    kind = func.coalesce(Job.spec["output"]["media"].as_string(), "") == str(Media.DOCUMENT)
    return await made_from(db_session, painting, "init", result, kind)
