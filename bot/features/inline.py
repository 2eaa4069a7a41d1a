"""Sharing from any chat (inline mode): ``@<bot>`` typed in any chat lists the person's own recent
paintings, clips and stickers (Telegram's copies, by file id) and the gallery's paintings with their
stories; a word filters them (``@<bot> starry``). Choosing one sends it there, from the person, "via"
the bot. Only the asker's own pictures are ever listed."""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultCachedMpeg4Gif,
    InlineQueryResultCachedPhoto,
    InlineQueryResultCachedSticker,
    InlineQueryResultCachedVideo,
    InputTextMessageContent,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from worker.protocol import JobSpec, Media, SpecError

from .. import modes
from ..gallery import PREFIX, stories
from ..i18n import N_, Text
from ..limits import MAX_PHOTO_UPLOAD
from ..services import services
from ..storage import Job, JobStatus, Preset

log = logging.getLogger(__name__)

#: The person's own results listed (newest first), and results in all: Telegram takes at most 50.
RECENT = 30
MOST = 50
#: Seconds Telegram may keep an answer: short, so a new painting shows up at once; per person.
CACHE_SECONDS = 10
MINE = Text(N_("🎨 Your painting"))
CLIP = Text(N_("🎞 Your clip"))


def _words(*parts: object) -> str:
    return " ".join(str(p) for p in parts if p).lower()


def _matches(query: str, haystack: str) -> bool:
    """Every word of the query is in the haystack (``starry van``; an empty query matches all)."""
    return all(word in haystack for word in query.lower().split())


async def on_inline_query(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, svc = update.inline_query, services(context)
    async with svc.db.session() as session:
        jobs = (
            await session.execute(
                select(Job)
                .where(Job.user_id == query.from_user.id, Job.status == JobStatus.DONE, Job.result_file_id.is_not(None))
                .order_by(Job.id.desc())
                .limit(RECENT)
            )
        ).scalars()
        jobs = list(jobs)
        presets = list((await session.execute(select(Preset).order_by(Preset.name))).scalars())
    by_path = {p.file_path: p for p in presets}
    results = [r for job in jobs if (r := _own(job, by_path, query.query)) is not None]
    for preset in presets:
        results.extend(_gallery(preset, query.query))
    try:
        await query.answer(results[:MOST], cache_time=CACHE_SECONDS, is_personal=True)
    except TelegramError as exc:  # a file id Telegram forgot, a query that timed out: nothing to show
        log.info("inline answer refused: %s", exc)


def _own(job: Job, gallery: dict[str, Preset], query: str):
    """A result of the person's own: a painting (a photo), a clip, a sticker — if the query fits its
    mode or its gallery styles' names, titles and painters."""
    try:
        spec = JobSpec.from_dict(job.spec)
    except SpecError:
        return None
    styles = [gallery[p] for p in job.style_paths if p in gallery]
    mode = modes.get(spec.mode)
    haystack = _words(spec.mode, mode.icon, *(_words(p.name, p.title, p.painter) for p in styles))
    if not _matches(query, haystack):
        return None
    key, title = f"job{job.id}", " + ".join(p.title or p.name for p in styles) or None
    media = spec.output.media
    if media in (Media.STICKER, Media.VIDEO_STICKER):
        return InlineQueryResultCachedSticker(key, job.result_file_id)
    if media == Media.VIDEO:
        return InlineQueryResultCachedVideo(key, job.result_file_id, title or CLIP())
    if media == Media.ANIMATION:
        return InlineQueryResultCachedMpeg4Gif(key, job.result_file_id, title=title)
    if media != Media.PICTURE or not _sent_as_photo(job):
        return None  # a video note cannot be sent inline; a big PNG went as a file
    return InlineQueryResultCachedPhoto(key, job.result_file_id, title=title or MINE())


def _sent_as_photo(job: Job) -> bool:
    """Whether the result went out as a photo (its file id is a photo's), not as a file."""
    try:
        return Path(job.result_path).stat().st_size <= MAX_PHOTO_UPLOAD
    except (OSError, TypeError):
        return False  # gone from the cache: its kind is no longer known


def _gallery(preset: Preset, query: str) -> list:
    """A gallery painting (once Telegram has a copy of it) and, for a starter one, its story."""
    if not _matches(query, _words(preset.name, preset.title, preset.painter, preset.year)):
        return []
    found = []
    if preset.file_id:
        found.append(
            InlineQueryResultCachedPhoto(f"g{preset.id}", preset.file_id, title=preset.label, caption=preset.label)
        )
    told = stories.story(preset.name) if preset.path.startswith(PREFIX) else None
    if told:
        content = InputTextMessageContent(f"{preset.label}\n\n{told}")
        found.append(
            InlineQueryResultArticle(
                f"s{preset.id}", f"ℹ {preset.title or preset.name}", content, description=told[:100]
            )
        )
    return found
