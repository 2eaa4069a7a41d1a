"""From a ready draft to a queued job: the draft's buttons (mix, swap, ⚙ settings), ▶ Stylize,
quotas, and the buttons under a progress card or a result (✖, 📄, 🔀, 🔁)."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from telegram import ReplyParameters, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from engine import modes as engine_modes
from engine.settings import BRUSHES
from worker.protocol import JobSpec, Media, SpecError, beside

from .. import modes, texts
from ..domain import drafts, quotas, subjects
from ..domain.policy import Policy
from ..domain.quality import INSTANT, MIXES, REGIONS, SIZES, STRENGTHS, regions_for
from ..modes import video
from ..modes.base import BotMode
from ..modes.paintclip import PaintClipMode
from ..modes.style import plan
from ..services import Services, services
from ..storage import Draft, Job, JobStatus
from ..telegram import keyboards
from ..telegram.callbacks import Action, Callback
from ..telegram.senders import sender
from ..texts import clips as clip_texts
from ..texts import regions as region_texts

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


async def active_job(db_session, chat_id: int, user_id: int) -> Job | None:
    return (
        (
            await db_session.execute(
                select(Job)
                .where(
                    Job.chat_id == chat_id,
                    Job.user_id == user_id,
                    Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
                )
                .order_by(Job.id.desc())
            )
        )
        .scalars()
        .first()
    )


async def policy_for(svc: Services, chat_id: int, draft: Draft) -> Policy:
    """The chat's settings (admins' /set, this host's defaults) with this person's ⚙ picks,
    resolved for this host: what a picture started now is painted with."""
    values = {name: r.value for name, r in (await svc.chat_settings(chat_id)).items()}
    return Policy.resolve(values, draft.options, svc.host()).for_styles(len(draft.style_paths))


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


def draft_mode(policy: Policy) -> BotMode:
    """What ▶ paints a draft with: the instant mode at the instant quality, else style transfer."""
    return modes.get(INSTANT if policy.quality == INSTANT else "style")


async def draft_choices(svc: Services, chat_id: int, draft: Draft) -> str:
    """The ⚙ line under a draft card: what ▶ would paint with now (a clip: its size, and how much
    of it when only its start is painted)."""
    policy = await policy_for(svc, chat_id, draft)
    return clip_line(policy, draft.content) if drafts.has_clip(draft) else choices_line(policy, draft.gamma)


def clip_line(policy: Policy, clip: dict) -> str:
    """A clip draft's ⚙ line: its size, and how much of it when only its start is painted."""
    side, cap = video.limits(policy, clip.get("media", "video"))
    line = texts.choices(policy.quality, side, policy.strength, policy.keep_colors, policy.brush)
    line += region_texts.tag(policy.region)
    return line + ("\n" + video.cut_note(cap) if float(clip.get("seconds") or 0) > cap + 0.5 else "")


def _float(text: str | None) -> float | None:
    try:
        return float(text or "")
    except ValueError:
        return None


async def start_job(
    update: Update, context: ContextTypes.DEFAULT_TYPE, swap_from: Job | None = None, proper_from: Job | None = None
) -> None:
    """▶ Stylize (🔀 or 🎨 under a result): check quotas, save the job, show the queued card, queue it."""
    query, svc = update.callback_query, services(context)
    chat_id = update.effective_chat.id
    async with svc.db.session() as db_session, db_session.begin():
        draft = await drafts.load(db_session, update)
        policy = await policy_for(svc, chat_id, draft)
        refused = await refusal(db_session, update, policy)
        if refused:
            await query.answer(refused, show_alert=True)
            return
        output = Media.PICTURE
        if swap_from is not None:
            content, styles = drafts.rerun_swapped(swap_from)
            earlier = JobSpec.from_dict(swap_from.spec)
            mode, settings = earlier.mode, earlier.settings
            request_id = swap_from.request_message_id
        elif proper_from is not None and _mode_of(proper_from) == "video":  # a clip, painted by the optimisation
            content, styles, mode, settings, output = properly(proper_from, policy)
            used = await quotas.video_seconds_today(db_session, sender(update).id)
            refused = quotas.video_refusal(used, quotas.seconds_of(mode, settings), policy.limits)
            if refused:
                await query.answer(refused, show_alert=True)
                return
            request_id = proper_from.request_message_id
        elif proper_from is not None:  # the instant picture's pictures and mix, painted by the optimisation
            content, styles = proper_from.content_path, list(proper_from.style_paths)
            earlier = JobSpec.from_dict(proper_from.spec).mode_settings()
            mode, settings = "style", modes.get("style").settings(policy, earlier.gamma)  # instant: the proper one
            request_id = proper_from.request_message_id
        else:
            problem = drafts.missing(draft) or clip_refusal(svc, draft)
            if problem:
                await query.answer(problem, show_alert=True)
                return
            content, styles = draft.content_path, list(draft.style_paths)
            request_id = draft.options.get("content_message_id")
            if drafts.has_clip(draft):  # a moving picture: the video mode, sent back as the kind it came as
                clip = draft.content
                mode, settings = video.MODE.name, video.MODE.settings(policy, draft.gamma, clip)
                used = await quotas.video_seconds_today(db_session, sender(update).id)
                refused = quotas.video_refusal(used, quotas.seconds_of(mode, settings), policy.limits)
                if refused:
                    await query.answer(refused, show_alert=True)
                    return
                content, output = {"path": clip["path"], "media": clip["media"]}, Media(clip["media"])
            else:
                painter = draft_mode(policy)
                mode, settings = painter.name, painter.settings(policy, draft.gamma)
            drafts.painted(draft)
        job, spec = await add_job(
            db_session, svc, update, mode, {"content": content, "styles": styles}, settings, request_id, output
        )
    await query.answer()
    await announce(context, job, spec)


def clip_refusal(svc: Services, draft: Draft) -> str | None:
    """Why a clip cannot be painted here (no engine for videos), or None."""
    if drafts.has_clip(draft) and not svc.dispatcher.video_available:
        return clip_texts.NO_VIDEOS_HERE()
    return None


def properly(job: Job, policy: Policy) -> tuple[dict, list[str], str, dict, Media]:
    """A clip job's clip and styles for the optimisation (bot.modes.paintclip): its inputs, mode,
    settings (the clip's painted seconds and rate, its mix) and what it makes (what it came as)."""
    earlier = JobSpec.from_dict(job.spec)
    run, clip = earlier.mode_settings(), earlier.inputs["content"][0]
    facts = {"media": str(clip.media), "seconds": run.max_seconds, "fps": run.max_fps}
    settings = modes.get("paintclip").settings(policy, run.gamma, facts)
    return (
        {"path": clip.path, "media": str(clip.media)},
        earlier.paths("styles"),
        "paintclip",
        settings,
        earlier.output.media,
    )


async def refusal(db_session, update: Update, policy: Policy, painting: bool = True) -> str | None:
    """Why this person may not start a picture here now (group switched off, quotas), or None.
    Not ``painting`` (a sticker of a painting): only the queue limit applies, not the day's quota."""
    if update.effective_chat.type != "private" and not policy.group_enabled:
        return texts.GROUP_DISABLED()
    waiting, today = await quotas.counts(db_session, sender(update).id)
    return quotas.refusal(waiting, today if painting else 0, policy.limits)


async def add_job(
    db_session,
    svc: Services,
    update: Update,
    mode: str,
    inputs: dict,
    settings: dict,
    request_id: int | None,
    output: Media = Media.PICTURE,
    suffix: str | None = None,
) -> tuple[Job, JobSpec]:
    """Save a job of any mode (its spec, with this job's output and preview places): a PNG, or an
    MP4 of the ``output`` kind (or a file ending in ``suffix``: a sticker's .webp or .webm)."""
    job = Job(chat_id=update.effective_chat.id, user_id=sender(update).id, spec={}, request_message_id=request_id)
    db_session.add(job)
    await db_session.flush()
    path = svc.cache.result_path(job.id, suffix or (".png" if output == Media.PICTURE else ".mp4"))
    spec = JobSpec(mode, inputs, {"path": str(path), "media": str(output)}, settings, str(svc.cache.previews))
    spec = subjects.given(spec)  # the photo's subject, where an earlier job found it
    job.spec = spec.to_dict()
    return job, spec


async def announce(context: ContextTypes.DEFAULT_TYPE, job: Job, spec: JobSpec) -> None:
    """Show a saved job's queued card (its first picture, place and wait) in reply to the request,
    and queue it. Without a card (Telegram refused it) the job is still painted and delivered."""
    svc = services(context)
    first = next((found[0] for found in spec.inputs.values() if found), None)
    clip = first is not None and first.media != Media.PICTURE
    thumbnail = await svc.cache.thumbnail(Path(first.path), clip)
    position, eta = svc.dispatcher.queue.quote(spec, job.user_id)
    # the place just quoted is taken at once (no await between): others pressing ▶ while the card
    # goes out queue behind it, so the number on the card only ever goes down
    svc.dispatcher.submit(job, held=True)
    request_id = job.request_message_id
    reply = ReplyParameters(request_id, allow_sending_without_reply=True) if request_id else None
    try:
        try:
            progress = await context.bot.send_photo(
                job.chat_id,
                thumbnail,
                caption=texts.queued(position, eta),
                reply_markup=keyboards.working(job.id),
                reply_parameters=reply,
            )
        except TelegramError as exc:
            log.warning("no progress message for job %s: %s", job.id, exc)
        else:
            async with svc.db.session() as db_session, db_session.begin():
                saved = await db_session.get(Job, job.id)
                saved.progress_message_id = progress.message_id
                job = saved
            sizes = [max(p.width, p.height) for p in progress.photo or ()]
            svc.dispatcher.notifier.shown[(job.chat_id, progress.message_id)] = max(sizes, default=0)
    finally:
        # whatever happened to the card (refused, a shutdown, the database busy), the job is
        # not left holding its place without ever starting
        svc.dispatcher.release(job)


async def own_job(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> Job | None:
    """The job a button names, if it is the presser's own and of this chat; None otherwise.

    Callback data comes from the client and can be forged (job ids count up from 1), so every
    button that names a job goes through here: nobody acts on, or receives, another person's
    picture, and a picture painted in one chat never appears in another."""
    async with services(context).db.session() as db_session:
        job = await db_session.get(Job, job_id)
    if job is None or job.user_id != sender(update).id or job.chat_id != update.effective_chat.id:
        return None
    return job


async def cancel_button(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    query, svc = update.callback_query, services(context)
    mine = await own_job(update, context, job_id) is not None
    await query.answer(texts.CANCELLED() if mine and await svc.dispatcher.cancel(job_id) else texts.NOTHING_TO_CANCEL())


async def rerun_swapped(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    job = await own_job(update, context, job_id)
    # (🔀 is under pictures only: a clip is swapped in its draft, ▶ counting its seconds)
    if job is None or _mode_of(job) not in ("style", INSTANT) or drafts.rerun_swapped(job) is None:
        await update.callback_query.answer(texts.STALE_BUTTON())
        return
    await start_job(update, context, swap_from=job)


async def rerun_properly(update: Update, context: ContextTypes.DEFAULT_TYPE, job_id: int) -> None:
    """🎨 under an instant picture (a clip, on a GPU host): the same photo (clip) and styles, painted
    by the optimisation."""
    job = await own_job(update, context, job_id)
    kind = _mode_of(job) if job is not None else None
    allowed = kind == INSTANT or (kind == "video" and PaintClipMode.offered(services(context).dispatcher.device))
    usable = allowed and job.content_path and job.style_paths
    if not usable or not all(Path(p).exists() for p in [job.content_path, *job.style_paths]):
        await update.callback_query.answer(texts.STALE_BUTTON())
        return
    await start_job(update, context, proper_from=job)


def _mode_of(job: Job) -> str:
    return (job.spec or {}).get("mode", "style")


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
    with result.open("rb") as handle:
        await query.message.reply_document(handle, filename=f"painting_{job_id}{result.suffix}")


def result_of(job: Job) -> Path | None:
    """A job's result file, if it is still there: where its row says, or — in the moment after the
    result went out and before the row says so, when a quick press can come — where its spec had it made."""
    if job.result_path:
        path = Path(job.result_path)
    else:
        try:
            path = Path(JobSpec.from_dict(job.spec).output.path)
        except SpecError:
            return None
    return path if path.is_file() else None


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
