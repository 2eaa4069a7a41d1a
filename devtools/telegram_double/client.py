"""A small async client of the control API: act as a phone user and watch what the bot does."""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
from PIL import Image

_album_ids = itertools.count(13_000_000_000_000_000)


def _file_spec(source: bytes | str | Path | Image.Image) -> dict:
    if isinstance(source, Image.Image):
        buffer = io.BytesIO()
        source.save(buffer, "PNG")
        source = buffer.getvalue()
    if isinstance(source, (str, Path)):
        return {"path": str(source)}
    return {"base64": base64.b64encode(source).decode()}


class ControlError(Exception):
    pass


class DoubleClient:
    """HTTP client of one double's control API; ``user(...)`` gives a phone user in one chat."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> DoubleClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, payload: dict | None = None):
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(method, f"{self.base_url}/control/{path}", json=payload) as response:
            if response.content_type != "application/json":
                return await response.read()
            data = await response.json()
        if not data.get("ok"):
            raise ControlError(data.get("description"))
        return data

    def user(
        self,
        user_id: int,
        first_name: str = "Ann",
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
        username: str | None = None,
        language_code: str = "en",
    ) -> PhoneUser:
        sender = {"id": user_id, "first_name": first_name, "language_code": language_code}
        if username:
            sender["username"] = username
        chat = {"id": chat_id if chat_id is not None else user_id, "type": chat_type}
        if title:
            chat["title"] = title
        return PhoneUser(self, sender, chat)

    async def sent(self, chat_id: int) -> list[dict]:
        return (await self._call("GET", f"chats/{chat_id}/sent"))["result"]

    async def sent_after(self, chat_id: int, version: int, wait: float) -> tuple[list[dict], int]:
        """The chat's log and its version, once it has changed since ``version`` (or ``wait`` s)."""
        data = await self._call("GET", f"chats/{chat_id}/sent?after={version}&wait={wait:.3f}")
        return data["result"], data["version"]

    async def file_bytes(self, file_id: str) -> bytes:
        return await self._call("GET", f"files/{file_id}")

    async def migrate(self, old: int, new: int, by: int = 1, *, notify: bool = True) -> None:
        """Upgrade group ``old`` to supergroup ``new`` (``by``: the user id of the admin who did it)."""
        await self._call(
            "POST", "migrate", {"old": old, "new": new, "by": {"id": by, "first_name": "Admin"}, "notify": notify}
        )

    async def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        await self._call("POST", "members", {"chat_id": chat_id, "user_id": user_id, "status": status})

    async def fault(
        self,
        method: str,
        error_code: int | None = None,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        delay: float | None = None,
    ) -> None:
        await self._call(
            "POST",
            "faults",
            {
                "method": method,
                "error_code": error_code,
                "description": description,
                "retry_after": retry_after,
                "times": times,
                "delay": delay,
            },
        )

    async def settings(self, **changes) -> dict:
        return (await self._call("POST", "settings", changes))["result"]

    async def reset(self) -> None:
        await self._call("POST", "reset", {})


class PhoneUser:
    """One person in one chat, sending messages and pressing buttons."""

    def __init__(self, client: DoubleClient, sender: dict, chat: dict):
        self.client, self.sender, self.chat = client, sender, chat

    @property
    def chat_id(self) -> int:
        return self.chat["id"]

    async def _send(self, **fields) -> dict:
        payload = {"chat": self.chat, "from": self.sender, **{k: v for k, v in fields.items() if v is not None}}
        data = await self.client._call("POST", "message", payload)
        message = data["result"]
        message["_delivered"] = data["delivered"]
        return message

    async def send_text(self, text: str, *, reply_to: int | None = None) -> dict:
        return await self._send(text=text, reply_to_message_id=reply_to)

    async def inline_query(self, query: str = "") -> dict:
        """``@bot query`` typed in this chat: the bot's answer (``results``, None if it gave none)."""
        chat_type = "sender" if self.chat["type"] == "private" else self.chat["type"]
        payload = {"from": self.sender, "query": query, "chat_type": chat_type}
        return (await self.client._call("POST", "inline_query", payload))["result"]

    async def choose_inline(self, answer: dict, result_id: str) -> dict:
        """Pick one result of ``answer`` (from :meth:`inline_query`): it is sent into this chat, via the bot."""
        payload = {"from": self.sender, "chat_id": self.chat_id, "chat_type": self.chat["type"],
                   "inline_query_id": answer["inline_query_id"], "result_id": result_id}  # fmt: skip
        return (await self.client._call("POST", "inline_choose", payload))["result"]

    async def send_photo(
        self,
        image,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        media_group_id: str | None = None,
        sender_chat: dict | None = None,
    ) -> dict:
        """``sender_chat``: sent on a chat's behalf (an anonymous admin as the group, a member as their channel)."""
        return await self._send(
            photo=_file_spec(image),
            caption=caption,
            reply_to_message_id=reply_to,
            media_group_id=media_group_id,
            sender_chat=sender_chat,
        )

    async def send_clip(
        self, kind: str, data, *, caption: str | None = None, reply_to: int | None = None, file_name: str | None = None
    ) -> dict:
        """A video, an animation (a GIF) or a video note, with its bytes (``kind``: video, animation,
        video_note)."""
        clip = {**_file_spec(data), **({"file_name": file_name} if file_name else {})}
        return await self._send(**{kind: clip}, caption=caption, reply_to_message_id=reply_to)

    async def send_document(
        self,
        data,
        file_name: str,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        reply_to: int | None = None,
        media_group_id: str | None = None,
    ) -> dict:
        document = {**_file_spec(data), "file_name": file_name, "mime_type": mime_type}
        return await self._send(
            document=document, caption=caption, reply_to_message_id=reply_to, media_group_id=media_group_id
        )

    async def send_album(self, images, *, delay: float = 0.05, caption: str | None = None) -> list[dict]:
        """Photos sharing one media_group_id, each its own update, ``delay`` seconds apart (as phones do)."""
        group = str(next(_album_ids))
        sent = []
        for index, image in enumerate(images):
            if index:
                await asyncio.sleep(delay)
            sent.append(await self.send_photo(image, caption=caption if index == 0 else None, media_group_id=group))
        return sent

    async def send_raw(self, **fields) -> dict:
        """Any other message content (sticker, video, …) as a Bot API object."""
        return await self._send(**fields)

    async def press(self, button: str, *, message_id: int | None = None) -> dict:
        """Press the inline button whose text or callback_data is ``button`` on the newest message that has it."""
        for entry in reversed(await self.sent()):
            message = entry.get("message") or entry.get("after")
            if message is None or entry.get("deleted") or (message_id and message["message_id"] != message_id):
                continue
            current = await self._current(message["message_id"])
            for row in (current or {}).get("reply_markup", {}).get("inline_keyboard", []):
                for b in row:
                    if button in (b.get("text"), b.get("callback_data")):
                        payload = {
                            "chat_id": self.chat_id,
                            "from": self.sender,
                            "message_id": current["message_id"],
                            "data": b["callback_data"],
                        }
                        return (await self.client._call("POST", "callback", payload))["result"]
        raise ControlError(f"no button {button!r} in chat {self.chat_id}")

    async def press_data(self, data: str, *, message_id: int | None = None) -> dict:
        """Press a button carrying ``data`` on a bot message here (the newest one, or ``message_id``),
        whatever its keyboard holds: what a modified client can send."""
        if message_id is None:
            entries = [e for e in await self.sent() if e.get("kind") == "message" and not e.get("deleted")]
            if not entries:
                raise ControlError(f"no message to press on in chat {self.chat_id}")
            message_id = entries[-1]["message"]["message_id"]
        payload = {"chat_id": self.chat_id, "from": self.sender, "message_id": message_id, "data": data}
        return (await self.client._call("POST", "callback", payload))["result"]

    async def _current(self, message_id: int) -> dict | None:
        current = None
        for entry in await self.sent():
            if entry.get("message", {}).get("message_id") == message_id and not entry.get("deleted"):
                current = entry["message"]
        return current

    async def sent(self) -> list[dict]:
        """Everything the bot did in this chat, in order."""
        return await self.client.sent(self.chat_id)

    async def mark(self) -> int:
        """A position in the chat's log, for ``wait_for(..., since=mark)``."""
        return len(await self.sent())

    async def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 10.0, *, since: int = 0) -> dict:
        """The first action at or after ``since`` that satisfies ``predicate``; TimeoutError if none
        comes. The log is read again only when it changes (the double says so)."""
        deadline = time.monotonic() + timeout
        version = -1
        while True:
            log, version = await self.client.sent_after(self.chat_id, version, max(0.0, deadline - time.monotonic()))
            for entry in log[since:]:
                if predicate(entry):
                    return entry
            if time.monotonic() >= deadline:
                last = "\n".join(gist(entry) for entry in log[-6:])
                raise TimeoutError(f"nothing matched in chat {self.chat_id} within {timeout} s; last:\n{last}")


def gist(entry: dict) -> str:
    """One line for a chat action (what a failed wait saw last)."""
    shown = entry.get("after") or entry.get("message") or {}
    words = shown.get("caption") or shown.get("text") or entry.get("text") or entry.get("data") or ""
    return f"  {entry.get('kind')} {entry.get('method', '')}: {words[:120]!r}"
