"""An in-process stand-in for the Telegram Bot API server (aiohttp), plus a control API for tests.

The bot-facing half answers ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` the way
api.telegram.org does, so python-telegram-bot runs against it unmodified. The control half
(``/control/…``) lets a test act as phone users and read back everything the bot did.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import html
import itertools
import json
import re
import time
from collections import defaultdict, deque
from pathlib import Path

from aiohttp import web

from worker.waiting import within

from .errors import ApiError
from .inline import InlineMethods
from .media import MAX_DOCUMENT_UPLOAD, MAX_DOWNLOAD, MAX_PHOTO_UPLOAD, FileStore
from .stickers import StickerMethods

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
#: What a phone's Telegram app says when a file that is not a picture is sent as a photo.
BROKEN_PHOTO = "Telegram could not send this as a photo: it is not a picture it can read. Try sending it as a file."
JSON_FIELDS = {
    "reply_markup",
    "reply_parameters",
    "entities",
    "caption_entities",
    "media",
    "commands",
    "scope",
    "allowed_updates",
    "link_preview_options",
}
COMMAND_RE = re.compile(r"(?<![\w/])/([A-Za-z0-9_]{1,32})(@[A-Za-z0-9_]{3,})?")
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,32})")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def entities_for(text: str) -> list[dict]:
    """bot_command and mention entities, as Telegram's clients attach them (offsets in UTF-16 units)."""

    def utf16(index: int) -> int:
        return len(text[:index].encode("utf-16-le")) // 2

    found = [("bot_command", m) for m in COMMAND_RE.finditer(text)] + [
        ("mention", m) for m in MENTION_RE.finditer(text)
    ]
    found.sort(key=lambda item: item[1].start())
    return [
        {"type": kind, "offset": utf16(m.start()), "length": utf16(m.end()) - utf16(m.start())} for kind, m in found
    ]


class TelegramDouble(StickerMethods, InlineMethods):
    """The fake Bot API server. ``await double.start()``, point PTB at ``api_url``/``file_url``."""

    def __init__(
        self,
        token: str = "123456:TEST-token_for-the-double",
        bot_username: str = "paint_test_bot",
        *,
        privacy_mode: bool = True,
        rate_limits: bool = False,
        inline_mode: bool = False,
    ):
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Paint Test Bot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": inline_mode,
        }
        self.privacy_mode, self.rate_limits = privacy_mode, rate_limits
        self.files = FileStore()
        self._runner: web.AppRunner | None = None
        self._new_update = asyncio.Condition()  # binds to the running loop on first use
        self._poll_generation = 0
        self.versions: defaultdict[int, int] = defaultdict(int)  #: chat id → changes to its log so far
        self._changes: dict[int, asyncio.Event] = {}  #: chat id → set at its log's next change
        self.base_url = ""
        self.reset()
        self.app = self._make_app()

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        for chat_id in list(self.versions):  # a watcher of any chat sees its log emptied
            self._changed(chat_id)
        self.chats: dict[int, dict] = {}
        self.messages: dict[tuple[int, int], dict] = {}
        self.log: dict[int, list[dict]] = defaultdict(list)
        self.members: dict[tuple[int, int], str] = {}
        self.users: dict[int, dict] = {}
        self.faults: list[dict] = []
        self.migrated: dict[int, int] = {}  #: old group id → its supergroup's id
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}  #: (kind, language code) → text
        self.callbacks: dict[str, dict] = {}
        self.updates: list[dict] = []
        self.allowed_updates: list[str] | None = None
        self.webhook: dict | None = None  #: url, secret, last_error_date, last_error_message
        self.webhook_posts: list[dict] = []  #: each delivery attempt: update_id, status (or error)
        self.delivered: deque[dict] = deque(maxlen=500)  #: the updates a webhook took, newest last
        self.calls: list[str] = []
        self._message_ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._group_window: dict[int, deque] = defaultdict(deque)
        self._global_window: deque = deque()
        self.bot_user["can_read_all_group_messages"] = not self.privacy_mode
        self.reset_stickers()
        self.reset_inline()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # port 0: the OS picked one
        self.base_url = f"http://{host}:{bound}"
        return self.base_url

    async def release_pollers(self) -> None:
        """Answer every waiting long poll now (empty): a bot stopping its polling need not wait it out."""
        self._poll_generation += 1
        async with self._new_update:
            self._new_update.notify_all()

    async def stop(self) -> None:
        await self._stop_delivering()
        for event in self._changes.values():  # chat watchers are answered now, not after their wait
            event.set()
        self._changes.clear()
        await self.release_pollers()  # (a long poll of a bot killed -9 would be waited out)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_url(self) -> str:
        """For ``Application.builder().base_url(...)``."""
        return f"{self.base_url}/bot"

    @property
    def file_url(self) -> str:
        """For ``Application.builder().base_file_url(...)``."""
        return f"{self.base_url}/file/bot"

    def _make_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_DOCUMENT_UPLOAD + 5 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        from .control import add_control_routes  # the control API lives in its own module

        add_control_routes(app, self)
        return app

    # ------------------------------------------------------------------ plumbing
    async def _bot_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            return _error(404, "Not Found")
        self.calls.append(method)
        try:
            params, uploads = await _read_params(request)
            await self._apply_faults(method)
            self._refuse_migrated(params)
            return web.json_response({"ok": True, "result": await handler(params, uploads)})
        except ApiError as exc:
            return _error(exc.code, exc.description, exc.retry_after, exc.parameters)

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        stored = self.files.by_path(request.match_info["path"])
        if stored is None:
            return _error(404, "Not Found")
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _apply_faults(self, method: str) -> None:
        for fault in self.faults:
            if fault["method"] not in (method, "*") or fault["times"] <= 0:
                continue
            fault["times"] -= 1
            if fault.get("delay"):
                await asyncio.sleep(float(fault["delay"]))
            if fault.get("error_code"):
                code = int(fault["error_code"])
                description = fault.get("description") or (
                    f"Too Many Requests: retry after {fault.get('retry_after', 1)}"
                    if code == 429
                    else "Internal Server Error"
                )
                raise ApiError(code, description, fault.get("retry_after") if code == 429 else None)
            return

    def _rate_check(self, chat_id: int) -> None:
        if not self.rate_limits:
            return
        now = time.monotonic()
        overall = self._global_window
        while overall and now - overall[0] >= 1.0:
            overall.popleft()
        if len(overall) >= 30:
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        if chat_id < 0:
            window = self._group_window[chat_id]
            while window and now - window[0] >= 60.0:
                window.popleft()
            if len(window) >= 20:
                wait = max(1, int(60.0 - (now - window[0])) + 1)
                raise ApiError(429, f"Too Many Requests: retry after {wait}", wait)
            window.append(now)
        overall.append(now)

    # ------------------------------------------------------------------ state helpers
    def chat(self, chat_id: int) -> dict:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def ensure_chat(self, chat: dict, user: dict | None = None) -> dict:
        record = self.chats.setdefault(int(chat["id"]), {"id": int(chat["id"]), "type": chat.get("type", "private")})
        if record["type"] == "private" and user is not None:
            record.update({k: user[k] for k in ("first_name", "last_name", "username") if k in user})
        elif chat.get("title"):
            record["title"] = chat["title"]
        return record

    def ensure_user(self, user: dict) -> dict:
        record = self.users.setdefault(int(user["id"]), {"id": int(user["id"]), "is_bot": False})
        record.update({k: v for k, v in user.items() if k in ("first_name", "last_name", "username", "language_code")})
        record.setdefault("first_name", f"User{user['id']}")
        return record

    def new_message(self, chat: dict, sender: dict, **content) -> dict:
        message_id = next(self._message_ids[chat["id"]])
        message = {"message_id": message_id, "date": int(time.time()), "chat": dict(chat), "from": dict(sender)}
        message.update({k: v for k, v in content.items() if v is not None})
        self.messages[(chat["id"], message_id)] = message
        return message

    def find_message(self, chat_id: int, message_id: int, action: str = "edit") -> dict:
        message = self.messages.get((chat_id, message_id))
        if message is None or message.get("_deleted"):
            raise _bad(f"message to {action} not found")
        return message

    def record(self, chat_id: int, kind: str, **entry) -> dict:
        item = {"kind": kind, "time": time.time(), **entry}
        self.log[chat_id].append(item)
        self._changed(chat_id)  # (every change to what a chat shows is recorded: edits, deletions)
        return item

    def _changed(self, chat_id: int) -> None:
        self.versions[chat_id] += 1
        event = self._changes.pop(chat_id, None)
        if event is not None:
            event.set()

    async def changed_since(self, chat_id: int, version: int, wait: float) -> int:
        """The chat's log version, once it differs from ``version`` or ``wait`` seconds have passed:
        a watcher asks again when something happened instead of reading the log many times a second."""
        if self.versions[chat_id] == version and wait > 0:
            event = self._changes.setdefault(chat_id, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), wait)
        return self.versions[chat_id]

    async def push_update(self, kind: str, payload: dict) -> dict:
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        async with self._new_update:
            self._new_update.notify_all()
        return update

    async def repost(self, count: int) -> int:
        """Deliver the last ``count`` updates a webhook took once more, with their own update_ids:
        what Telegram does when it did not see an answer in time. How many were queued again."""
        again = list(self.delivered)[-count:]
        self.updates.extend(dict(update) for update in again)
        async with self._new_update:
            self._new_update.notify_all()
        return len(again)

    @staticmethod
    def markup(params: dict) -> dict | None:
        """A method's ``reply_markup`` as stored (for the mixins' senders)."""
        return _markup(params)

    def public(self, message: dict) -> dict:
        """A message as the Bot API returns it (our bookkeeping fields removed; like Telegram, only an
        inline keyboard comes back as ``reply_markup`` — never a ForceReply or reply keyboard)."""
        public = {k: copy.deepcopy(v) for k, v in message.items() if not k.startswith("_")}
        if "inline_keyboard" not in public.get("reply_markup", {"inline_keyboard": []}):
            public.pop("reply_markup")
        return public

    def reply_to(self, chat_id: int, params: dict) -> dict | None:
        target = _json(params, "reply_parameters") or {}
        message_id = target.get("message_id") or _int(params, "reply_to_message_id")
        if not message_id:
            return None
        original = self.messages.get((chat_id, int(message_id)))
        if original is None or original.get("_deleted"):
            if target.get("allow_sending_without_reply"):
                return None
            raise _bad("message to be replied not found")
        reply = self.public(original)
        reply.pop("reply_to_message", None)  # Telegram nests one level only
        return reply

    def upload(self, value, uploads: dict, kind: str) -> tuple[str, bytes | None, dict]:
        """Resolve a file argument: ``attach://name``, a multipart field, or a file_id."""
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://") :]
            value = uploads.get(name)
            if value is None:
                raise _bad(f"can't find attached file {name!r}")
        if isinstance(value, dict):  # an uploaded part
            limit = MAX_PHOTO_UPLOAD if kind == "photo" else MAX_DOCUMENT_UPLOAD
            if len(value["data"]) > limit:
                raise ApiError(413, "Request Entity Too Large")
            return "upload", value["data"], value
        if isinstance(value, str) and value:
            stored = self.files.get(value)
            if stored is None:
                if value.startswith(("http://", "https://")):
                    raise _bad("failed to get HTTP URL content")
                raise _bad("wrong file identifier/HTTP URL specified")
            return "file_id", stored.data, {"filename": stored.file_name, "content_type": stored.mime_type}
        raise _bad(f"there is no {kind} in the request")

    def media_content(self, kind: str, value, uploads: dict) -> dict:
        source, data, meta = self.upload(value, uploads, kind)
        if kind == "photo":
            if source == "file_id" and self.files.get(value).width:
                return {"photo": [self.files.get(value).photo_size()]}  # re-sent as is, no re-encoding
            try:
                return {"photo": self.files.add_photo(data)}
            except ValueError:
                raise _bad("IMAGE_PROCESS_FAILED") from None
        if kind == "document":
            if source == "file_id":
                return {"document": self.files.get(value).document()}
            return {"document": self.files.add_document(data, meta.get("filename"), meta.get("content_type"))}
        if kind in ("video", "animation", "video_note"):
            if source == "file_id" and self.files.get(value).width:
                return {kind: self.files.get(value).clip(kind)}
            try:
                return {kind: self.files.add_clip(kind, data, meta.get("filename"), meta.get("content_type"))}
            except ValueError:
                raise _bad("wrong type of the web page content") from None  # what Telegram says of a non-clip
        raise _bad(f"unsupported media type {kind}")

    def outgoing_text(self, text: str | None, parse_mode: str | None, limit: int, what: str) -> str | None:
        if text is None:
            return None
        if parse_mode and parse_mode.upper() == "HTML":
            text = html.unescape(re.sub(r"<[^>]+>", "", text))
        if len(text) > limit:
            raise _bad(f"message {what} is too long" if what == "caption" else "message is too long")
        return text

    # ------------------------------------------------------------------ Bot API methods
    async def api_getme(self, params, uploads):
        return self.bot_user

    async def api_logout(self, params, uploads):
        return True

    async def api_close(self, params, uploads):
        return True

    # ------------------------------------------------------------------ webhooks
    #: Seconds between delivery attempts to a failing webhook (Telegram backs off too, more slowly).
    WEBHOOK_RETRY = (0.2, 0.5, 1.0, 2.0)

    async def api_setwebhook(self, params, uploads):
        url = params.get("url") or ""
        if not url:
            return await self.api_deletewebhook(params, uploads)
        if not re.match(r"^https?://", url):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad("bad webhook: secret token contains unallowed characters")
        allowed = _json(params, "allowed_updates")
        if allowed is not None:
            self.allowed_updates = allowed or None
        if _bool(params, "drop_pending_updates"):
            self.updates.clear()
        await self._stop_delivering()
        self.webhook = {"url": url, "secret": secret, "last_error_date": None, "last_error_message": None}
        self._deliverer = asyncio.create_task(self._deliver_updates())
        return True

    async def api_deletewebhook(self, params, uploads):
        await self._stop_delivering()
        self.webhook = None
        if _bool(params, "drop_pending_updates"):
            self.updates.clear()
        return True

    async def api_getwebhookinfo(self, params, uploads):
        info = {"url": "", "has_custom_certificate": False, "pending_update_count": len(self.updates)}
        if self.webhook:
            info["url"] = self.webhook["url"]
            if self.webhook["last_error_date"]:
                info["last_error_date"] = self.webhook["last_error_date"]
                info["last_error_message"] = self.webhook["last_error_message"]
        return info

    async def _stop_delivering(self) -> None:
        task, self._deliverer = getattr(self, "_deliverer", None), None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_updates(self) -> None:
        """POST each pending update, in order, to the webhook with its secret header; an update leaves
        the queue only when the endpoint answers 2xx, and a failing endpoint is retried with backoff."""
        import aiohttp

        failures = 0
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while True:
                pending = [u for u in self.updates if self._allowed(u)]
                if not pending:
                    async with self._new_update:
                        await self._new_update.wait_for(lambda: any(self._allowed(u) for u in self.updates))
                    continue
                update, hook = pending[0], self.webhook
                headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret"]} if hook["secret"] else {}
                try:
                    async with session.post(hook["url"], json=update, headers=headers) as response:
                        status, ok = response.status, 200 <= response.status < 300
                        error = f"Wrong response from the webhook: {response.status} {response.reason}"
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, ok, error = None, False, f"Connection failed: {type(exc).__name__}"
                self.webhook_posts.append({"update_id": update["update_id"], "status": status})
                if ok:
                    failures = 0
                    self.updates = [u for u in self.updates if u["update_id"] != update["update_id"]]
                    self.delivered.append(update)
                    continue
                hook["last_error_date"], hook["last_error_message"] = int(time.time()), error
                await asyncio.sleep(self.WEBHOOK_RETRY[min(failures, len(self.WEBHOOK_RETRY) - 1)])
                failures += 1

    async def api_getupdates(self, params, uploads):
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")  # fmt: skip
        offset = _int(params, "offset") or 0
        limit = max(1, min(100, _int(params, "limit") or 100))
        timeout = max(0.0, float(params.get("timeout") or 0))
        allowed = _json(params, "allowed_updates")
        if allowed is not None:
            self.allowed_updates = allowed or None  # an empty list means "all", as in the Bot API
        if offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif offset < 0:
            self.updates = self.updates[offset:]

        def pending():
            return [u for u in self.updates if self._allowed(u)]

        if not pending() and timeout:
            generation = self._poll_generation
            try:
                async with self._new_update:
                    woken = self._new_update.wait_for(lambda: bool(pending()) or self._poll_generation != generation)
                    await within(timeout, woken)
            except TimeoutError:
                pass
        return pending()[:limit]

    def _allowed(self, update: dict) -> bool:
        if not self.allowed_updates:
            return True
        return any(kind in update for kind in self.allowed_updates)

    async def api_setmycommands(self, params, uploads):
        commands = _json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH" if isinstance(commands, list) else "commands must be an array")
        for item in commands:
            name, description = str(item.get("command", "")), str(item.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[_scope_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def api_getmycommands(self, params, uploads):
        return self.commands.get(_scope_key(params), [])

    async def api_deletemycommands(self, params, uploads):
        self.commands.pop(_scope_key(params), None)
        return True

    def _describe(self, kind: str, params: dict, limit: int) -> bool:
        text = params.get(kind) or ""
        if len(text) > limit:
            raise _bad(f"{kind} is too long")
        language = params.get("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("language_code must be a two-letter ISO 639-1 code")
        if text:
            self.descriptions[(kind, language)] = text
        else:  # an empty text removes it: the default applies again
            self.descriptions.pop((kind, language), None)
        return True

    async def api_setmydescription(self, params, uploads):
        return self._describe("description", params, 512)

    async def api_getmydescription(self, params, uploads):
        return {"description": self.descriptions.get(("description", params.get("language_code") or ""), "")}

    async def api_setmyshortdescription(self, params, uploads):
        return self._describe("short_description", params, 120)

    async def api_getmyshortdescription(self, params, uploads):
        key = ("short_description", params.get("language_code") or "")
        return {"short_description": self.descriptions.get(key, "")}

    async def api_sendmessage(self, params, uploads):
        chat = self.chat(_chat_id(params))
        text = self.outgoing_text(params.get("text"), params.get("parse_mode"), 4096, "text")
        if not text or not text.strip():
            raise _bad("message text is empty")
        self._rate_check(chat["id"])
        message = self.new_message(
            chat,
            self.bot_user,
            text=text,
            entities=_json(params, "entities"),
            reply_to_message=self.reply_to(chat["id"], params),
            reply_markup=_markup(params),
        )
        return self._sent(message, "sendMessage", params)

    async def api_sendphoto(self, params, uploads):
        return await self._send_file("photo", "sendPhoto", params, uploads)

    async def api_senddocument(self, params, uploads):
        return await self._send_file("document", "sendDocument", params, uploads)

    async def api_sendvideo(self, params, uploads):
        return await self._send_file("video", "sendVideo", params, uploads)

    async def api_sendanimation(self, params, uploads):
        return await self._send_file("animation", "sendAnimation", params, uploads)

    async def api_sendvideonote(self, params, uploads):
        if params.get("caption"):
            raise _bad("a video note has no caption")  # (sendVideoNote takes none)
        return await self._send_file("video_note", "sendVideoNote", params, uploads)

    async def _send_file(self, kind: str, method: str, params: dict, uploads: dict) -> dict:
        chat = self.chat(_chat_id(params))
        caption = self.outgoing_text(params.get("caption"), params.get("parse_mode"), 1024, "caption")
        content = self.media_content(kind, uploads.get(kind) or params.get(kind), uploads)
        self._rate_check(chat["id"])
        message = self.new_message(
            chat,
            self.bot_user,
            caption=caption,
            **content,
            reply_to_message=self.reply_to(chat["id"], params),
            reply_markup=_markup(params),
        )
        return self._sent(message, method, params)

    async def api_sendmediagroup(self, params, uploads):
        chat = self.chat(_chat_id(params))
        media = _json(params, "media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _bad("wrong number of media in the album: must be 2-10")
        reply = self.reply_to(chat["id"], params)
        group_id = str(10**17 + next(self._update_ids))
        contents = []
        for item in media:
            if item.get("type") not in ("photo", "document"):
                raise _bad(f"unsupported media type {item.get('type')!r} in the album")
            caption = self.outgoing_text(item.get("caption"), item.get("parse_mode"), 1024, "caption")
            contents.append((caption, self.media_content(item["type"], item.get("media"), uploads)))
        self._rate_check(chat["id"])
        sent = []
        for caption, content in contents:
            message = self.new_message(
                chat, self.bot_user, caption=caption, media_group_id=group_id, **content, reply_to_message=reply
            )
            sent.append(self._sent(message, "sendMediaGroup", params))
        return sent

    def _sent(self, message: dict, method: str, params: dict) -> dict:
        message["_history"] = []
        self.record(
            message["chat"]["id"], "message", method=method, message=message, parse_mode=params.get("parse_mode")
        )
        return self.public(message)

    async def api_sendchataction(self, params, uploads):
        chat = self.chat(_chat_id(params))
        action = params.get("action")
        if action not in CHAT_ACTIONS:
            raise _bad("wrong type of the chat action")
        self.record(chat["id"], "chat_action", action=action)
        return True

    async def _edit(self, params: dict, method: str, change) -> dict:
        if params.get("inline_message_id"):
            raise _bad("inline messages are not supported by the double")
        chat = self.chat(_chat_id(params))
        message = self.find_message(chat["id"], _int(params, "message_id", required=True))
        if message["from"].get("id") != self.bot_user["id"]:
            raise _bad("message can't be edited")
        before = self.public(message)
        after = copy.deepcopy(before)
        change(after)
        markup = _markup(params)
        if markup is not None:
            after["reply_markup"] = markup
        elif method != "editMessageReplyMarkup":
            after.pop("reply_markup", None)  # an edit without reply_markup removes the keyboard
        if after == before:
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        self._rate_check(chat["id"])
        message["_history"].append(before)
        for key in list(message):
            if not key.startswith("_") and key not in after:
                del message[key]
        message.update(after)
        message["edit_date"] = int(time.time())
        self.record(
            chat["id"],
            "edit",
            method=method,
            message_id=message["message_id"],
            before=before,
            after=self.public(message),
        )
        return self.public(message)

    async def api_editmessagetext(self, params, uploads):
        def change(msg):
            if "text" not in msg:
                raise _bad("there is no text in the message to edit")
            text = self.outgoing_text(params.get("text"), params.get("parse_mode"), 4096, "text")
            if not text:
                raise _bad("message text is empty")
            msg["text"] = text

        return await self._edit(params, "editMessageText", change)

    async def api_editmessagecaption(self, params, uploads):
        def change(msg):
            if "text" in msg:
                raise _bad("there is no caption in the message to edit")
            caption = self.outgoing_text(params.get("caption"), params.get("parse_mode"), 1024, "caption")
            if caption:
                msg["caption"] = caption
            else:
                msg.pop("caption", None)

        return await self._edit(params, "editMessageCaption", change)

    async def api_editmessagemedia(self, params, uploads):
        media = _json(params, "media")
        if not isinstance(media, dict) or media.get("type") not in ("photo", "document"):
            raise _bad("media must be an InputMediaPhoto or InputMediaDocument")
        content = self.media_content(media["type"], media.get("media"), uploads)
        caption = self.outgoing_text(media.get("caption"), media.get("parse_mode"), 1024, "caption")

        def change(msg):
            if "text" in msg:
                raise _bad("there is no media in the message to edit")
            for key in ("photo", "document", "caption"):
                msg.pop(key, None)
            msg.update(content)
            if caption:
                msg["caption"] = caption

        return await self._edit(params, "editMessageMedia", change)

    async def api_editmessagereplymarkup(self, params, uploads):
        def change(msg):
            if _markup(params) is None:
                msg.pop("reply_markup", None)

        return await self._edit(params, "editMessageReplyMarkup", change)

    async def api_deletemessage(self, params, uploads):
        chat = self.chat(_chat_id(params))
        message = self.find_message(chat["id"], _int(params, "message_id", required=True), "delete")
        message["_deleted"] = True
        self.record(chat["id"], "delete", message_id=message["message_id"])
        return True

    async def api_answercallbackquery(self, params, uploads):
        query = self.callbacks.pop(str(params.get("callback_query_id")), None)
        if query is None:
            raise _bad("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text and len(text) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        self.record(
            query["chat_id"],
            "callback_answer",
            callback_query_id=query["id"],
            text=text,
            show_alert=_bool(params, "show_alert"),
            data=query["data"],
        )
        return True

    async def api_getfile(self, params, uploads):
        stored = self.files.get(str(params.get("file_id", "")))
        if stored is None:
            raise _bad("invalid file_id")
        if stored.size > MAX_DOWNLOAD:
            raise _bad("file is too big")
        return stored.file()

    async def api_getchat(self, params, uploads):
        chat = dict(self.chat(_chat_id(params)))
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat

    async def api_getchatmember(self, params, uploads):
        chat = self.chat(_chat_id(params))
        user_id = _int(params, "user_id", required=True)
        if user_id == self.bot_user["id"]:
            return self.member(chat["id"], self.bot_user, self.members.get((chat["id"], user_id), "member"))
        user = self.users.get(user_id)
        if user is None:
            raise _bad("user not found")
        status = self.members.get((chat["id"], user_id))
        if status is None:
            status = "creator" if chat["type"] == "private" and chat["id"] == user_id else "left"
            if chat["type"] != "private" and any(
                m["from"]["id"] == user_id for (c, _), m in self.messages.items() if c == chat["id"]
            ):
                status = "member"  # has written in the chat, so is in it
        return self.member(chat["id"], user, status)

    async def api_getchatadministrators(self, params, uploads):
        chat = self.chat(_chat_id(params))
        if chat["type"] == "private":
            raise _bad("there are no administrators in the private chat")
        admins = []
        for (chat_id, user_id), status in self.members.items():
            if chat_id == chat["id"] and status in ("creator", "administrator"):
                user = self.bot_user if user_id == self.bot_user["id"] else self.users[user_id]
                admins.append(self.member(chat_id, user, status))
        return admins

    def member(self, chat_id: int, user: dict, status: str) -> dict:
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = (
                "can_manage_chat",
                "can_delete_messages",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_promote_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
            )
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **{right: right != "can_promote_members" for right in rights},
            }
        if status in ("left", "kicked"):
            return {"status": status, "user": user, **({"until_date": 0} if status == "kicked" else {})}
        return {"status": "member", "user": user}

    # ------------------------------------------------------------------ what users do (used by the control API)
    def is_for_bot(self, chat: dict, message: dict) -> bool:
        """Privacy mode: in groups the bot sees commands, replies to itself and mentions only."""
        if chat["type"] == "private" or not self.privacy_mode:
            return True
        text = message.get("text") or message.get("caption") or ""
        username = self.bot_user["username"].lower()
        for match in COMMAND_RE.finditer(text):
            if match.group(2) is None or match.group(2)[1:].lower() == username:
                return True
        if any(m.group(1).lower() == username for m in MENTION_RE.finditer(text)):
            return True
        reply = message.get("reply_to_message")
        return bool(reply and reply.get("from", {}).get("id") == self.bot_user["id"])

    async def user_message(self, spec: dict) -> tuple[dict, bool]:
        user = self.ensure_user(spec["from"])
        chat = self.ensure_chat(spec.get("chat") or {"id": user["id"], "type": "private"}, user)
        content: dict = {}
        if spec.get("text") is not None:
            content["text"] = spec["text"]
            content["entities"] = entities_for(spec["text"]) or None
        if spec.get("caption") is not None:
            content["caption"] = spec["caption"]
            content["caption_entities"] = entities_for(spec["caption"]) or None
        if spec.get("photo"):
            try:
                content["photo"] = self.files.add_photo(_file_bytes(spec["photo"]))
            except ValueError:
                raise ApiError(400, BROKEN_PHOTO) from None
        if spec.get("document"):
            doc = spec["document"]
            content["document"] = self.files.add_document(_file_bytes(doc), doc.get("file_name"), doc.get("mime_type"))
        for kind in ("video", "animation", "video_note"):  # a clip with its bytes: kept like Telegram keeps it
            clip = spec.get(kind)
            if isinstance(clip, dict) and ("path" in clip or "base64" in clip):
                try:
                    content[kind] = self.files.add_clip(kind, _file_bytes(clip), clip.get("file_name"))
                except ValueError:
                    raise ApiError(400, f"Bad Request: the {kind} cannot be sent: it is not a playable clip") from None
        for kind in ("sticker", "video", "voice", "animation", "location", "contact", "dice", "poll", "venue",
                     "video_note", "audio"):  # fmt: skip
            if spec.get(kind) and kind not in content:
                content[kind] = spec[kind]  # passed through as given, for "wrong kind of message" tests
        if not content:
            raise ApiError(400, "a message needs text, caption, photo, document or another content")
        if spec.get("media_group_id"):
            content["media_group_id"] = str(spec["media_group_id"])
        if spec.get("sender_chat"):  # sent on a chat's behalf: an anonymous admin, a member's channel
            content["sender_chat"] = {k: v for k, v in spec["sender_chat"].items() if k in ("id", "type", "title")}
        if spec.get("reply_to_message_id"):
            original = self.messages.get((chat["id"], int(spec["reply_to_message_id"])))
            if original is None:
                raise ApiError(400, "reply_to_message_id names no message in this chat")
            reply = self.public(original)
            reply.pop("reply_to_message", None)
            content["reply_to_message"] = reply
        message = self.new_message(chat, user, **content)
        message["_from_user"] = True
        delivered = self.is_for_bot(chat, message)
        if delivered:
            await self.push_update("message", self.public(message))
        return self.public(message), delivered

    def _refuse_migrated(self, params: dict) -> None:
        """A group upgraded to a supergroup answers every call with the new chat's id, as Telegram does."""
        try:
            chat_id = int(params.get("chat_id"))
        except (TypeError, ValueError):
            return
        if chat_id in self.migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                parameters={"migrate_to_chat_id": self.migrated[chat_id]},
            )

    async def migrate(self, old_id: int, new_id: int, by: dict, *, notify: bool = True) -> None:
        """Upgrade a group to a supergroup: the old chat refuses calls with ``migrate_to_chat_id``; with
        ``notify``, the bot gets both service messages (``migrate_to_chat_id`` in the old chat,
        ``migrate_from_chat_id`` in the new one), as Telegram sends them whatever the privacy mode."""
        old = self.chat(old_id)
        new = self.ensure_chat({"id": new_id, "type": "supergroup", "title": old.get("title")})
        user = self.ensure_user(by)
        for key, value in list(self.members.items()):
            if key[0] == old_id:
                self.members[(new_id, key[1])] = value
        if notify:
            moved = self.new_message(old, user, migrate_to_chat_id=new_id)
            await self.push_update("message", self.public(moved))
            anonymous = self.ensure_user(
                {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
            )
            arrived = self.new_message(new, anonymous, migrate_from_chat_id=old_id, sender_chat=dict(new))
            await self.push_update("message", self.public(arrived))
        self.migrated[old_id] = new_id

    async def user_callback(self, spec: dict) -> dict:
        user = self.ensure_user(spec["from"])
        chat_id = int(spec["chat_id"])
        message = self.messages.get((chat_id, int(spec["message_id"])))
        if message is None or message.get("_deleted"):
            raise ApiError(400, "no such message to press a button on")
        query_id = str(4_000_000_000 + next(self._callback_ids))
        query = {
            "id": query_id,
            "from": user,
            "message": self.public(message),
            "chat_instance": str(abs(chat_id) * 7 + 3),
            "data": spec["data"],
        }
        self.callbacks[query_id] = {"id": query_id, "chat_id": chat_id, "data": spec["data"]}
        self.record(
            chat_id,
            "callback",
            callback_query_id=query_id,
            user_id=user["id"],
            message_id=message["message_id"],
            data=spec["data"],
        )
        await self.push_update("callback_query", query)
        return query

    def sent_log(self, chat_id: int) -> list[dict]:
        out = []
        for item in self.log.get(chat_id, []):
            entry = {k: v for k, v in item.items() if k != "message"}
            if "message" in item:
                message = item["message"]
                entry["message"] = self.public(message)
                entry["history"] = copy.deepcopy(message.get("_history", []))
                entry["deleted"] = bool(message.get("_deleted"))
            out.append(entry)
        return out


# ---------------------------------------------------------------------- request parsing
async def _read_params(request: web.Request) -> tuple[dict, dict]:
    """Parameters as PTB sends them (query, form, multipart or JSON); uploads keyed by field name."""
    params: dict = dict(request.query)
    uploads: dict = {}
    if request.method == "POST" and request.can_read_body:
        ctype = request.content_type
        if ctype == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON request body") from None
            params.update(body if isinstance(body, dict) else {})
        elif ctype == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:
                    uploads[part.name] = {
                        "data": await part.read(decode=False),
                        "filename": part.filename,
                        "content_type": part.headers.get("Content-Type"),
                    }
                else:
                    params[part.name] = await part.text()
        else:
            params.update(await request.post())
    return params, uploads


def _json(params: dict, name: str):
    value = params.get(name)
    if isinstance(value, str) and name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {name} JSON object") from None
    return value


def _int(params: dict, name: str, *, required: bool = False) -> int | None:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise _bad(f"{name} is empty")
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {name} specified") from None


def _chat_id(params: dict) -> int:
    value = params.get("chat_id")
    if value in (None, ""):
        raise _bad("chat_id is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad("chat not found") from None  # @usernames are not modelled


def _bool(params: dict, name: str) -> bool:
    return params.get(name) in (True, "true", "True", "1", 1)


def _markup(params: dict) -> dict | None:
    markup = _json(params, "reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
    return markup


def _scope_key(params: dict) -> tuple[str, str]:
    scope = _json(params, "scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


def _file_bytes(spec: dict) -> bytes:
    if "base64" in spec:
        return base64.b64decode(spec["base64"])
    if "path" in spec:
        return Path(spec["path"]).read_bytes()
    raise ApiError(400, "a file needs 'path' or 'base64'")


def _error(code: int, description: str, retry_after: int | None = None, parameters: dict | None = None) -> web.Response:
    body: dict = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": int(retry_after)}
    if parameters:
        body["parameters"] = {**body.get("parameters", {}), **parameters}
    return web.json_response(body, status=code)
