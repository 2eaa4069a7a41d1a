"""Drafts: what one person has sent in one chat so far — a photo (or a clip), one or two styles,
the mix — and the one set of rules for adding pictures and clips to it. Pure functions over a
draft row."""

from __future__ import annotations

from sqlalchemy import select
from telegram import Update

from worker.protocol import CLIPS

from .. import texts
from ..storage import Draft, queries
from ..storage.models import Job
from ..telegram.senders import sender
from ..texts import clips as clip_texts
from .policy import PICKS

MAX_STYLES = 2
#: How long a mode's command sent alone (/texture …) waits for its picture: a picture sent later
#: is taken as a picture for the draft, not as the one asked for long ago.
WAITING_FOR = 600.0


async def load(db_session, update: Update) -> Draft:
    """The (chat, user) draft, creating user, chat and draft rows on first contact."""
    user, chat = sender(update), update.effective_chat
    await queries.upsert_user(db_session, user.id, user.name, user.username, user.language)
    await queries.upsert_chat(db_session, chat.id, chat.type, chat.title)
    # No options yet: until the person picks in ⚙ Settings, the chat's defaults apply.
    await queries.ensure_draft(db_session, chat.id, user.id)
    query = select(Draft).where(Draft.chat_id == chat.id, Draft.user_id == user.id)
    return (await db_session.execute(query)).scalar_one()


#: What a person picks in ⚙: it lasts for their next pictures until changed, or /new.
CHOICES = PICKS


def _without(draft: Draft, *keys: str) -> dict:
    """The draft's options less ``keys`` (options are replaced whole, so SQLAlchemy sees the change)."""
    return {k: v for k, v in draft.options.items() if k not in keys}


def start_over(draft: Draft) -> None:
    """/new (or a group's /stylize): no pictures, and the chat's defaults again instead of ⚙ picks."""
    draft.content_path, draft.style_paths, draft.gamma = None, [], 0.5
    draft.options = _without(draft, "painted", "earlier_content", "pending", "pending_at", *CHOICES)


def wait_for_picture(draft: Draft, mode: str, now: float) -> None:
    """``/texture`` (…) alone: the person's next picture is for ``mode``."""
    draft.options = {**draft.options, "pending": mode, "pending_at": now}


def waiting_mode(draft: Draft, now: float) -> str | None:
    """The mode waiting for this person's next picture, if they were just asked for one."""
    mode, since = draft.options.get("pending"), draft.options.get("pending_at")
    if not mode or not isinstance(since, int | float) or not 0 <= now - since <= WAITING_FOR:
        return None
    return mode


def stop_waiting(draft: Draft) -> bool:
    """Something else was asked for: no mode waits for a picture any more. True if one did."""
    if "pending" not in draft.options and "pending_at" not in draft.options:
        return False
    draft.options = _without(draft, "pending", "pending_at")
    return True


def set_content(draft: Draft, path: str | dict, message_id: int | None) -> None:
    """The photo (a path) or any content entry (a clip's, see :func:`add_clip`)."""
    draft.content = path if isinstance(path, dict) else {"path": path, "media": "picture"}
    draft.options = {**draft.options, "content_message_id": message_id}


def has_clip(draft: Draft) -> bool:
    """Whether the content is a moving picture (▶ paints it with the video mode)."""
    return draft.content_media in CLIPS


def clip_entry(path: str, media: str, seconds: float, fps: float, sound: bool) -> dict:
    """A clip as a draft keeps it: what was read of it decides its settings and its quota."""
    return {
        "path": path,
        "media": str(media),
        "seconds": round(float(seconds), 3),
        "fps": round(float(fps), 3),
        "sound": bool(sound),
    }


def add_clip(draft: Draft, entry: dict, message_id: int) -> str:
    """A clip is always the content: it replaces the photo or clip, the styles are kept (a style
    is a picture). The reply to send."""
    replaced = bool(draft.content_path)
    draft.options = {**_without(draft, "painted", "earlier_content"), "album": False}
    set_content(draft, entry, message_id)
    if not draft.style_paths:
        return clip_texts.CLIP_SAVED()
    return clip_texts.CLIP_REPLACED() if replaced else summary(draft)


def add_style(draft: Draft, path: str) -> bool:
    """Add one style; False (nothing changed) when the draft already has two."""
    if len(draft.style_paths) >= MAX_STYLES:
        return False
    draft.style_paths = [*draft.style_paths, path]
    return True


def set_styles(draft: Draft, paths: list[str]) -> None:
    """Replace the styles with (the first two of) ``paths``."""
    draft.style_paths = list(paths[:MAX_STYLES])


def ready(draft: Draft) -> bool:
    return bool(draft.content_path and draft.style_paths)


def missing(draft: Draft) -> str | None:
    """What to tell a person who tapped ▶ too early, or None."""
    if not draft.content_path:
        return texts.NEED_CONTENT()
    return None if draft.style_paths else texts.NEED_STYLE()


def swap_styles(draft: Draft) -> None:
    if len(draft.style_paths) == 2:
        draft.style_paths = list(reversed(draft.style_paths))


def swap_roles(draft: Draft) -> None:
    """The photo becomes the first style and the first style the photo (an album taken the wrong way
    round); a clip stays the content (it cannot be a style)."""
    if draft.content_path and draft.style_paths and not has_clip(draft):
        draft.content_path, draft.style_paths = draft.style_paths[0], [draft.content_path, *draft.style_paths[1:]]


def painted(draft: Draft) -> None:
    """▶ started a picture from this draft: the next photo begins the next painting."""
    draft.options = {**_without(draft, "earlier_content"), "painted": True}


def use_as_style(draft: Draft) -> bool:
    """🖼 under "new photo": that picture was meant as a style for the photo painted before. False
    when there is nothing to undo (an old button)."""
    earlier = draft.options.get("earlier_content")
    if not earlier or not draft.content_path or has_clip(draft):
        return False
    draft.style_paths = [draft.content_path]
    draft.content = earlier if isinstance(earlier, dict) else {"path": earlier, "media": "picture"}
    draft.options = _without(draft, "earlier_content")
    return True


#: The captions that say what a picture is for: the photo, or a style.
AS_CONTENT, AS_STYLE = "content", "style"


def add_pictures(draft: Draft, paths: list[str], first_message_id: int, caption: str) -> str:
    """Take one picture or an album into the draft by the rules below; the reply to send.

    One picture: the photo if the caption says ``content`` or there is no photo yet (unless the
    caption says ``style``), else a style. An album: photo + styles, or only styles when the
    photo is already there (unless captioned ``content``). After a painting the next picture
    starts the next one: a single photo replaces the photo and keeps the styles (the reply offers
    to take it as a style instead, see :func:`use_as_style`), an album is photo + styles anew."""
    caption = caption.strip().lower()
    after_painting = bool(draft.options.get("painted"))
    draft.options = {**_without(draft, "painted", "earlier_content"), "album": False}
    if len(paths) > 1:
        if draft.content_path and caption != AS_CONTENT and not after_painting:
            set_styles(draft, paths)
            return texts.styles_saved(len(draft.style_paths))
        set_content(draft, paths[0], first_message_id)
        set_styles(draft, paths[1:])
        draft.options = {**draft.options, "album": True}  # photo and styles guessed: 🔄 stays offered
        return texts.album_roles(len(draft.style_paths))
    path = paths[0]
    if after_painting and caption not in (AS_CONTENT, AS_STYLE) and draft.content_path and draft.style_paths:
        earlier = draft.content  # (a clip's whole entry: 🖼 puts it back as it was)
        set_content(draft, path, first_message_id)
        draft.options = {**draft.options, "earlier_content": earlier}
        return texts.next_photo(len(draft.style_paths))
    if caption == AS_CONTENT or (caption != AS_STYLE and not draft.content_path):
        replaced = bool(draft.content_path)
        set_content(draft, path, first_message_id)
        if draft.style_paths:
            return texts.CONTENT_REPLACED() if replaced else summary(draft)
        return texts.CONTENT_SAVED()
    if not add_style(draft, path):
        return texts.TOO_MANY_STYLES()
    if not draft.content_path:
        return texts.STYLE_FIRST()
    return texts.SECOND_STYLE_SAVED() if len(draft.style_paths) == 2 else texts.STYLE_SAVED()


def summary(draft: Draft) -> str:
    styles = len(draft.style_paths)
    if not draft.content_path:
        return texts.NOTHING_YET() if not styles else texts.NEED_CONTENT()
    if not styles:
        return clip_texts.CLIP_SAVED() if has_clip(draft) else texts.CONTENT_SAVED()
    if has_clip(draft):
        return clip_texts.clip_ready(styles, draft.gamma)
    return texts.draft_ready(styles, draft.gamma)


def rerun_swapped(job: Job) -> tuple[str, list[str]] | None:
    """(content, styles swapped) of a finished two-style job, for 🔀 under a result."""
    styles = job.style_paths
    return (job.content_path, list(reversed(styles))) if len(styles) == 2 and job.content_path else None
