"""Writes that must not race: first contact of a person or a chat, and their draft, as upserts.

Two albums from a new user arrive as concurrent handlers; a select-then-insert (or ``merge``) in
each failed the second with a unique-constraint error. ``INSERT … ON CONFLICT`` is atomic on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from .models import Chat, Draft, User


def _insert(db_session, model):
    dialect = db_session.bind.dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(model)


async def upsert_user(db_session, user_id: int, first_name: str, username: str | None, language: str | None) -> None:
    """Create the user or refresh their names; never touches ``banned``."""
    names = {"first_name": first_name, "username": username, "language_code": language}
    statement = _insert(db_session, User).values(id=user_id, **names)
    await db_session.execute(statement.on_conflict_do_update(index_elements=[User.id], set_=names))


async def upsert_chat(db_session, chat_id: int, chat_type: str, title: str | None) -> None:
    values = {"type": chat_type, "title": title}
    statement = _insert(db_session, Chat).values(id=chat_id, **values)
    await db_session.execute(statement.on_conflict_do_update(index_elements=[Chat.id], set_=values))


async def ensure_draft(db_session, chat_id: int, user_id: int) -> None:
    statement = _insert(db_session, Draft).values(
        chat_id=chat_id, user_id=user_id, content_path=None, style_paths=[], gamma=0.5, options={}
    )
    await db_session.execute(statement.on_conflict_do_nothing(index_elements=[Draft.chat_id, Draft.user_id]))
