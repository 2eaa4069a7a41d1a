"""Who may change what: the bot's owners (from the config) and each group's admins (asked of Telegram)."""

from __future__ import annotations

import time

from telegram import Chat, Message, User
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from ..limits import ADMIN_CACHE_SECONDS


class Permissions:
    """Who may change what: owners from the config; chat admins asked of Telegram, cached briefly."""

    TTL = ADMIN_CACHE_SECONDS  #: an admin check is trusted this long (a demoted admin loses rights within it)

    def __init__(self, owners: tuple[int, ...]):
        self.owners = set(owners)
        self._cache: dict[tuple[int, int], tuple[float, bool]] = {}

    def is_owner(self, user: User | None) -> bool:
        return user is not None and user.id in self.owners

    async def is_chat_admin(self, message: Message) -> bool:
        chat: Chat = message.chat
        if chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
            return False
        # An anonymous admin writes as the group itself; only admins can do that.
        if message.sender_chat is not None and message.sender_chat.id == chat.id:
            return True
        return await self.is_admin(chat, message.from_user)

    async def is_admin(self, chat: Chat, user: User | None) -> bool:
        """Whether ``user`` administers the group ``chat`` (asked of Telegram, cached)."""
        if user is None or chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
            return False
        cached = self._cache.get((chat.id, user.id))
        if cached is not None and time.monotonic() - cached[0] < self.TTL:
            return cached[1]
        try:
            member = await chat.get_bot().get_chat_member(chat.id, user.id)
            admin = member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
        except TelegramError:
            admin = False
        self._cache[(chat.id, user.id)] = (time.monotonic(), admin)
        return admin

    async def may_change(self, message: Message) -> bool:
        return self.is_owner(message.from_user) or await self.is_chat_admin(message)
