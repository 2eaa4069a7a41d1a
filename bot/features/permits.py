"""Who may do what here: a group's painting switch, and whose buttons a keyboard answers to."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ContextTypes

from .. import texts
from ..domain.chat_settings import effective
from ..services import services


async def painting_allowed(svc, message: Message) -> bool:
    """Whether this group's admins allow painting; if not, the member is told at the first step."""
    if (await effective(svc.db, message.chat_id))["group_enabled"].value:
        return True
    await message.reply_text(texts.GROUP_DISABLED())
    return False


async def presser_owns(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """In groups every keyboard answers a member's own message; only that member may press it.
    A keyboard under a message an anonymous admin sent as the group answers to the group's admins;
    one under a post made as a channel, to whoever presses (the bot cannot see a channel's admins)."""
    if update.effective_chat is None or update.effective_chat.type == "private":
        return True
    replied = getattr(update.callback_query.message, "reply_to_message", None)
    if replied is None:
        return True
    if replied.sender_chat is not None:
        if replied.sender_chat.id != update.effective_chat.id:
            return True
        return await services(context).permissions.is_admin(update.effective_chat, update.effective_user)
    owner = replied.from_user.id if replied.from_user is not None else None
    return owner is None or owner == update.effective_user.id
