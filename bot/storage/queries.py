"""Writes that must not race or that touch many tables: first contact (upserts), a chat that moved.

Two albums from a new user arrive as concurrent handlers; a select-then-insert (or ``merge``) in
each failed the second with a unique-constraint error. ``INSERT … ON CONFLICT`` is atomic on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .models import Chat, Draft, Inbox, Job, SeenUpdate, Setting, SettingChange, User, utcnow

#: How long an update id is remembered: Telegram gives up re-sending an update after a day.
SEEN_FOR = timedelta(days=2)


def _insert(db_session, model):
    dialect = db_session.bind.dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


def fit(model, values: dict) -> dict:
    """``values`` with each text cut to its column's length: what Telegram sends has limits of its
    own that change (and clients that ignore them), and PostgreSQL refuses a longer value outright,
    which would fail every message of that person."""
    columns = model.__table__.columns
    fitted = {}
    for key, value in values.items():
        length = getattr(columns[key].type, "length", None) if isinstance(columns[key].type, String) else None
        fitted[key] = value[:length] if isinstance(value, str) and length else value
    return fitted


async def upsert_user(db_session, user_id: int, first_name: str, username: str | None, language: str | None) -> None:
    """Create the user or refresh their names; never touches ``banned``."""
    names = fit(User, {"first_name": first_name, "username": username, "language_code": language})
    statement = _insert(db_session, User).values(id=user_id, **names)
    await db_session.execute(statement.on_conflict_do_update(index_elements=[User.id], set_=names))


async def upsert_chat(db_session, chat_id: int, chat_type: str, title: str | None) -> None:
    values = fit(Chat, {"type": chat_type, "title": title})
    statement = _insert(db_session, Chat).values(id=chat_id, **values)
    await db_session.execute(statement.on_conflict_do_update(index_elements=[Chat.id], set_=values))


async def ensure_draft(db_session, chat_id: int, user_id: int) -> None:
    statement = _insert(db_session, Draft).values(chat_id=chat_id, user_id=user_id, inputs={}, options={})
    await db_session.execute(statement.on_conflict_do_nothing(index_elements=[Draft.chat_id, Draft.user_id]))


async def keep_in_inbox(db_session, rows: list[dict]) -> None:
    """Picture messages fetched from Telegram; one fetched twice is kept once."""
    statement = _insert(db_session, Inbox).values(rows)
    await db_session.execute(statement.on_conflict_do_nothing(index_elements=[Inbox.update_id]))


async def first_sight(db_session, update_id: int) -> bool:
    """Record an update id; False if it was recorded before (the same update posted again)."""
    statement = _insert(db_session, SeenUpdate).values(update_id=update_id, seen_at=utcnow())
    result = await db_session.execute(statement.on_conflict_do_nothing(index_elements=[SeenUpdate.update_id]))
    if update_id % 100 == 0:  # now and then, forget what Telegram no longer re-sends
        await db_session.execute(delete(SeenUpdate).where(SeenUpdate.seen_at < utcnow() - SEEN_FOR))
    return result.rowcount == 1


async def move_chat(db_session, old_id: int, new_id: int) -> bool:
    """A group became a supergroup with a new id: carry its drafts, jobs, settings and audit trail over.

    Messages stay behind in the old chat, so a job's progress card and the message its result answers
    are forgotten (the result goes to the new chat without a reply). False if there was nothing to move."""
    old = await db_session.get(Chat, old_id)
    if old is None:
        return False
    await upsert_chat(db_session, new_id, "supergroup", old.title)
    taken = select(Draft.user_id).where(Draft.chat_id == new_id)
    await db_session.execute(delete(Draft).where(Draft.chat_id == old_id, Draft.user_id.in_(taken)))
    await db_session.execute(update(Draft).where(Draft.chat_id == old_id).values(chat_id=new_id))
    await db_session.execute(
        update(Job)
        .where(Job.chat_id == old_id)
        .values(chat_id=new_id, progress_message_id=None, request_message_id=None)
    )
    clash = select(Setting.key).where(Setting.scope == str(new_id))
    await db_session.execute(delete(Setting).where(Setting.scope == str(old_id), Setting.key.in_(clash)))
    await db_session.execute(update(Setting).where(Setting.scope == str(old_id)).values(scope=str(new_id)))
    await db_session.execute(update(SettingChange).where(SettingChange.scope == str(old_id)).values(scope=str(new_id)))
    return True
