"""The double's stickers: uploadStickerFile, createNewStickerSet, addStickerToSet, getStickerSet and
sendSticker, with Telegram's checks — the file's format and sides, its size, the set's name, a
full set, a name already taken, and a user who never opened a private chat with the bot."""

from __future__ import annotations

import io
import json
import re

from PIL import Image

from .errors import ApiError

SIDE = 512
STATIC_BYTES = 512 * 1024
VIDEO_BYTES = 256 * 1024
VIDEO_SECONDS = 3.0
SET_LIMIT = 120  #: stickers in one set
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def check_static(data: bytes) -> tuple[int, int]:
    """A static sticker: a WebP or PNG, one side 512 px and the other at most 512, ≤ 512 KB."""
    if len(data) > STATIC_BYTES:
        raise _bad("file is too big")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception:
        raise _bad("STICKER_PNG_NOPNG") from None
    if image.format not in ("WEBP", "PNG"):
        raise _bad("STICKER_PNG_NOPNG")
    if max(image.size) != SIDE or min(image.size) > SIDE:
        raise _bad("STICKER_PNG_DIMENSIONS")
    return image.size


def check_video(data: bytes) -> tuple[int, int]:
    """A video sticker: a VP9 WebM without sound, one side 512 px, ≤ 3 s, ≤ 256 KB."""
    import av

    if len(data) > VIDEO_BYTES:
        raise _bad("file is too big")
    try:
        with av.open(io.BytesIO(data)) as container:
            if "webm" not in container.format.name or not container.streams.video:
                raise _bad("STICKER_VIDEO_NOWEBM")
            stream = container.streams.video[0]
            if stream.codec_context.name != "vp9" or container.streams.audio:
                raise _bad("STICKER_VIDEO_NOWEBM")
            seconds = (container.duration or 0) / 1e6
            size = (stream.codec_context.width, stream.codec_context.height)
    except av.error.FFmpegError:
        raise _bad("STICKER_VIDEO_NOWEBM") from None
    if seconds > VIDEO_SECONDS + 0.05:
        raise _bad("STICKER_VIDEO_LONG")
    if max(size) != SIDE or min(size) > SIDE:
        raise _bad("STICKER_VIDEO_DIMENSIONS")
    return size


class StickerMethods:
    """Mixed into the double (server.TelegramDouble): its sticker sets live in ``sticker_sets``, by name;
    ``retired`` holds names of deleted sets, which Telegram never gives out again."""

    def reset_stickers(self) -> None:
        self.sticker_sets: dict[str, dict] = {}
        self.retired: set[str] = set()

    def _opened(self, params: dict) -> int:
        """The user a sticker call is for, who must have a private chat with the bot."""
        user_id = int(params.get("user_id") or 0)
        chat = self.chats.get(user_id)
        if chat is None or chat.get("type") != "private":
            raise _bad("PEER_ID_INVALID")
        return user_id

    def _set_name(self, name: str) -> str:
        suffix = f"_by_{self.bot_user['username']}".lower()
        if not _NAME.match(name or "") or "__" in name or not name.lower().endswith(suffix):
            raise _bad("invalid sticker set name is specified")
        return name

    def _sticker_file(self, value, uploads: dict, fmt: str) -> dict:
        """A sticker from an upload or a file id, checked for its format: a stored Sticker object."""
        source, data, _ = self.upload(value, uploads, "sticker")
        if source == "file_id" and self.files.get(value).extra.get("sticker"):
            return dict(self.files.get(value).extra["sticker"])
        video = fmt == "video"
        width, height = check_video(data) if video else check_static(data)
        stored = self.files.add(data, "stickers", "webm" if video else "webp", width=width, height=height,
                                mime_type="video/webm" if video else "image/webp")  # fmt: skip
        sticker = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "type": "regular",
                   "width": width, "height": height, "is_animated": False, "is_video": video,
                   "file_size": stored.size}  # fmt: skip
        stored.extra["sticker"] = sticker
        return dict(sticker)

    def _input_sticker(self, item, uploads: dict) -> dict:
        item = json.loads(item) if isinstance(item, str) else item
        fmt = item.get("format")
        if fmt not in ("static", "video", "animated"):
            raise _bad("sticker format must be static, animated or video")
        emoji = item.get("emoji_list") or []
        if not 1 <= len(emoji) <= 20:
            raise _bad("sticker emoji list must have 1-20 emoji")
        return {**self._sticker_file(item.get("sticker"), uploads, fmt), "emoji": emoji[0]}

    async def api_uploadstickerfile(self, params, uploads):
        self._opened(params)
        fmt = params.get("sticker_format")
        if fmt not in ("static", "video", "animated"):
            raise _bad("sticker format must be static, animated or video")
        sticker = self._sticker_file(uploads.get("sticker") or params.get("sticker"), uploads, fmt)
        return self.files.get(sticker["file_id"]).file()

    async def api_createnewstickerset(self, params, uploads):
        user_id = self._opened(params)
        name = self._set_name(params.get("name", ""))
        if name.lower() in {n.lower() for n in (*self.sticker_sets, *self.retired)}:
            raise _bad("sticker set name is already occupied")
        title = params.get("title") or ""
        if not 1 <= len(title) <= 64:
            raise _bad("sticker set title must be 1-64 characters")
        items = params.get("stickers")
        items = json.loads(items) if isinstance(items, str) else items
        if not isinstance(items, list) or not 1 <= len(items) <= 50:
            raise _bad("there must be 1-50 stickers in a new set")
        stickers = [{**self._input_sticker(item, uploads), "set_name": name} for item in items]
        self.sticker_sets[name] = {"name": name, "title": title, "sticker_type": "regular", "owner": user_id,
                                   "stickers": stickers}  # fmt: skip
        return True

    async def api_addstickertoset(self, params, uploads):
        user_id = self._opened(params)
        found = self.sticker_sets.get(params.get("name", ""))
        if found is None or found["owner"] != user_id:
            raise _bad("STICKERSET_INVALID")
        if len(found["stickers"]) >= SET_LIMIT:
            raise _bad("STICKERS_TOO_MUCH")
        found["stickers"].append({**self._input_sticker(params.get("sticker"), uploads), "set_name": found["name"]})
        return True

    async def api_getstickerset(self, params, uploads):
        found = self.sticker_sets.get(params.get("name", ""))
        if found is None:
            raise _bad("STICKERSET_INVALID")
        return {k: v for k, v in found.items() if k != "owner"}

    async def api_sendsticker(self, params, uploads):
        chat = self.chat(int(params.get("chat_id") or 0))
        value = uploads.get("sticker") or params.get("sticker")
        # an upload's format from its bytes, as Telegram reads it (a WebM starts with EBML's magic)
        webm = isinstance(value, dict) and value["data"][:4] == b"\x1a\x45\xdf\xa3"
        fmt = "video" if webm else "static"
        sticker = self._sticker_file(value, uploads, fmt)
        if params.get("emoji"):
            sticker["emoji"] = params["emoji"]
        self._rate_check(chat["id"])
        reply = self.reply_to(chat["id"], params)
        message = self.new_message(chat, self.bot_user, sticker=sticker, reply_to_message=reply,
                                   reply_markup=self.markup(params))  # fmt: skip
        return self._sent(message, "sendSticker", params)
