"""Who an update is from, for drafts, jobs and buttons: a person, or a chat writing on its own behalf.

An anonymous group admin writes as the group (``sender_chat`` is the group; ``from`` is Telegram's
GroupAnonymousBot, shared by every anonymous admin everywhere), and a member may post as their
channel. Such messages are keyed by the chat they speak for. Button presses always come from a
real person; a keyboard under a message sent on a chat's behalf belongs to that chat.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update


@dataclass(frozen=True)
class Sender:
    id: int  #: a user id, or the id of the chat the message speaks for (negative)
    name: str
    username: str | None = None
    language: str | None = None
    on_behalf_of_chat: bool = False


def _of_chat(chat) -> Sender:
    return Sender(chat.id, chat.title or chat.username or "", chat.username, None, True)


def sender(update: Update) -> Sender:
    """The sender a draft or job of this update belongs to."""
    query = update.callback_query
    if query is not None:
        replied = getattr(query.message, "reply_to_message", None)
        if replied is not None and replied.sender_chat is not None:
            return _of_chat(replied.sender_chat)
        user = query.from_user
    else:
        message = update.effective_message
        if message is not None and message.sender_chat is not None:
            return _of_chat(message.sender_chat)
        user = update.effective_user
    return Sender(user.id, user.first_name or "", user.username, user.language_code)
