"""Who is answered in which language (the rules; bot.i18n holds the catalogs).

A person: their own choice (/language) → else what their Telegram app says (``language_code``,
with fallbacks: pt → pt_BR, zh / zh-hans / zh-cn → zh_Hans) → else English. A group: the
language its admins set (``/set language ru``, or an owner's ``/set global language …``) for
everything said there; without one each member is answered in their own language and shared
messages (the queue, /settings) are in English. Kept in memory, filled from the database at start
and kept in step by the handlers that change it, so no update waits on a query to find its language.
"""

from __future__ import annotations

from sqlalchemy import select

from ..i18n import DEFAULT, LANGUAGES, normalize
from ..storage import Database, Setting, User

GLOBAL = "global"


class Languages:
    def __init__(self) -> None:
        self.chosen: dict[int, str] = {}  #: user id → their /language choice
        self.telegram: dict[int, str] = {}  #: user id → our language for their Telegram app's
        self.chats: dict[str, str] = {}  #: settings scope (a chat id, or "global") → a group language

    async def load(self, db: Database) -> None:
        async with db.session() as session:
            for user_id, chosen, code in await session.execute(select(User.id, User.language, User.language_code)):
                self.remember(user_id, code)
                if chosen in LANGUAGES:
                    self.chosen[user_id] = chosen
            rows = await session.execute(select(Setting.scope, Setting.value).where(Setting.key == "language"))
            for scope, value in rows:
                self.set_chat(scope, value.get("value"))

    def remember(self, user_id: int, telegram_code: str | None) -> None:
        """What a person's Telegram app says (each update carries it; it may change)."""
        ours = normalize(telegram_code)
        if ours is None:
            self.telegram.pop(user_id, None)
        else:
            self.telegram[user_id] = ours

    def choose(self, user_id: int, language: str | None) -> None:
        if language in LANGUAGES:
            self.chosen[user_id] = language
        else:
            self.chosen.pop(user_id, None)

    def set_chat(self, scope: str, language: str | None) -> None:
        """A group's language (``/set language``); None or "auto" removes it."""
        if language in LANGUAGES:
            self.chats[str(scope)] = language
        else:
            self.chats.pop(str(scope), None)

    def move_chat(self, old: int, new: int) -> None:
        """A group became a supergroup: its language goes along unless the new chat has its own (as the
        settings do, bot.storage.queries.move_chat)."""
        language = self.chats.pop(str(old), None)
        if language is not None and str(new) not in self.chats:
            self.chats[str(new)] = language

    def person(self, user_id: int | None) -> str:
        if user_id is None:
            return DEFAULT
        return self.chosen.get(user_id) or self.telegram.get(user_id) or DEFAULT

    def group(self, chat_id: int) -> str | None:
        """The group's own language, or None when each member is answered in theirs."""
        if chat_id >= 0:  # a private chat: the person's choice is what counts
            return None
        return self.chats.get(str(chat_id)) or self.chats.get(GLOBAL)

    def for_person_in(self, chat_id: int, user_id: int | None) -> str:
        """What to answer ``user_id`` in, in ``chat_id``: the group's language, else theirs."""
        return self.group(chat_id) or self.person(user_id)

    def for_job(self, job) -> str:
        """A job's messages: in the language of the person who asked, where they asked."""
        return self.for_person_in(job.chat_id, job.user_id)

    def shared(self, chat_id: int, user_id: int | None = None) -> str:
        """Messages for everyone in a chat (the queue, /settings): the group's language, else English;
        in a private chat, the person's."""
        if chat_id >= 0:
            return self.person(user_id)
        return self.group(chat_id) or DEFAULT
