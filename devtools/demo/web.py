"""The demo's web chat: a page that looks like a Telegram chat, and a small JSON + server-sent-events
API over the Bot API double it shares a process (and an event loop) with.

Two simulated people (Ann, owner and group admin; Bob, a member) and two chats each: their private
chat with the bot and one group. The page sends as them through the double's own ``user_message`` /
``user_callback`` (what ``/control/`` does), and ``/api/events`` streams the chat as it changes:
every message (the people's and the bot's) whenever it is new or edited, callback answers as
toasts, and chat actions ("sending a photo…").
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from devtools.telegram_double.errors import ApiError
from devtools.telegram_double.server import TelegramDouble

STATIC = Path(__file__).parent / "static"
#: Largest upload the page accepts (a phone sends documents up to 2 GB; the bot downloads ≤ 20 MB).
MAX_UPLOAD = 64 * 1024 * 1024
POLL_SECONDS = 0.15
_albums = itertools.count(70_000_000)


@dataclass(frozen=True)
class Person:
    key: str
    id: int
    first_name: str
    status: str  #: in the group: creator, administrator or member

    @property
    def user(self) -> dict:
        return {"id": self.id, "first_name": self.first_name, "language_code": "en"}


PEOPLE = (Person("ann", 1001, "Ann", "creator"), Person("bob", 1002, "Bob", "member"))
GROUP = {"id": -1001234, "type": "supergroup", "title": "Art club"}


def chat_for(person: Person, where: str) -> dict:
    return dict(GROUP) if where == "group" else {"id": person.id, "type": "private"}


#: Uploads shown in the page as what they are; anything else (HTML, SVG, scripts …) is only ever a
#: download, so a file someone sends cannot run script from the demo's address.
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif"}


@web.middleware
async def same_origin_only(request: web.Request, handler):
    """Refuse a POST that another web page made: the demo sends as its owner, so any site open in the
    same browser could otherwise post commands and pictures (cross-site request forgery). Browsers
    say where a request comes from (``Origin``, ``Sec-Fetch-Site``); tools that send neither are
    not a web page."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("Origin")
        site = request.headers.get("Sec-Fetch-Site")
        foreign_origin = origin is not None and origin != f"{request.scheme}://{request.host}"
        if foreign_origin or site not in (None, "same-origin", "none"):
            return web.json_response({"ok": False, "description": "Requests from other sites are refused."},
                                     status=403)  # fmt: skip
    return await handler(request)


def make_app(double: TelegramDouble) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD, middlewares=[same_origin_only])
    closing = asyncio.Event()  # set at shutdown: every event stream ends

    async def close_streams(_app) -> None:
        closing.set()

    app.on_shutdown.append(close_streams)
    for person in PEOPLE:  # the group exists from the start, Ann its creator
        double.ensure_chat(GROUP)
        double.ensure_user(person.user)
        double.members[(GROUP["id"], person.id)] = person.status

    def person_of(request: web.Request) -> Person:
        key = request.query.get("as") or ""
        return next((p for p in PEOPLE if p.key == key), PEOPLE[0])

    async def index(request):
        return web.FileResponse(STATIC / "index.html")

    async def config(request):
        return web.json_response({
            "bot": double.bot_user["first_name"],
            # what Telegram shows in an empty chat above START (the bot sets it with setMyDescription)
            "description": double.descriptions.get(("description", ""), ""),
            "people": [{"key": p.key, "id": p.id, "name": p.first_name} for p in PEOPLE],
            "group": GROUP,
        })  # fmt: skip

    async def send(request):
        person = person_of(request)
        chat = chat_for(person, request.query.get("chat", "private"))
        form = await request.post()
        text = str(form.get("text") or "")
        reply_to = int(form["reply_to"]) if form.get("reply_to") else None
        files = [f for f in form.getall("file", []) if isinstance(f, web.FileField)]
        as_file = form.get("as_file") == "1"
        specs = []
        if not files:
            if not text.strip():
                return web.json_response({"ok": False, "description": "Type a message or pick a picture."})
            specs.append({"text": text})
        album = str(next(_albums)) if len(files) > 1 else None
        for index, upload in enumerate(files):
            data = base64.b64encode(upload.file.read()).decode()
            spec: dict = {"caption": text or None} if index == 0 else {}
            mime = upload.content_type or mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            if as_file:
                spec["document"] = {"base64": data, "file_name": upload.filename, "mime_type": mime}
            elif mime.startswith("video/"):  # as a phone sends a video from its gallery
                spec["video"] = {"base64": data, "file_name": upload.filename}
            elif mime == "image/gif":  # Telegram's app turns a GIF into an animation
                spec["animation"] = {"base64": data, "file_name": upload.filename}
            else:
                spec["photo"] = {"base64": data}
            specs.append({**spec, "media_group_id": album})
        sent = []
        try:
            for index, spec in enumerate(specs):
                if index:
                    await asyncio.sleep(0.05)  # an album's items arrive apart, as from a phone
                message, _ = await double.user_message({"chat": chat, "from": person.user,
                                                        "reply_to_message_id": reply_to, **spec})  # fmt: skip
                sent.append(message["message_id"])
        except ApiError as exc:  # e.g. a broken file sent as a photo: Telegram's app refuses to send it
            return web.json_response({"ok": False, "description": exc.description})
        return web.json_response({"ok": True, "sent": sent})

    async def press(request):
        person = person_of(request)
        chat = chat_for(person, request.query.get("chat", "private"))
        body = await request.json()
        try:
            await double.user_callback({"chat_id": chat["id"], "from": person.user,
                                        "message_id": int(body["message_id"]), "data": str(body["data"])})  # fmt: skip
        except ApiError as exc:
            return web.json_response({"ok": False, "description": exc.description})
        return web.json_response({"ok": True})

    async def file(request):
        stored = double.files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        mime = (stored.mime_type or "application/octet-stream").split(";")[0].strip().lower()
        inline = mime in INLINE_TYPES or mime.startswith("video/")
        name = quote(stored.file_name or "file")
        headers = {
            "Content-Disposition": f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{name}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",  # even a mislabelled file runs nothing
        }
        return web.Response(body=stored.data, content_type=mime if inline else "application/octet-stream",
                            headers=headers)  # fmt: skip

    async def events(request):
        """Server-sent events for one chat: ``message`` (new or changed), ``toast``, ``action``."""
        person = person_of(request)
        chat_id = chat_for(person, request.query.get("chat", "private"))["id"]
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await response.prepare(request)
        shown: dict[int, str] = {}
        logged = len(double.log.get(chat_id, []))  # toasts and actions from now on
        history = True
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            while not closing.is_set() and request.transport is not None and not request.transport.is_closing():
                for view in timeline(double, chat_id):
                    key = json.dumps(view, sort_keys=True)
                    if shown.get(view["message_id"]) != key:
                        shown[view["message_id"]] = key
                        await response.write(f"event: message\ndata: {key}\n\n".encode())
                if history:  # the chat so far is on the page: what follows is live
                    history = False
                    await response.write(f"event: ready\ndata: {json.dumps({'messages': len(shown)})}\n\n".encode())
                entries = double.log.get(chat_id, [])
                for entry in entries[logged:]:
                    if entry["kind"] == "callback_answer" and entry.get("text"):
                        data = json.dumps({"text": entry["text"], "alert": bool(entry.get("show_alert"))})
                        await response.write(f"event: toast\ndata: {data}\n\n".encode())
                    elif entry["kind"] == "chat_action":
                        await response.write(f"event: action\ndata: {json.dumps(entry['action'])}\n\n".encode())
                logged = len(entries)
                await asyncio.sleep(POLL_SECONDS)
        return response

    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/api/config", config)
    app.router.add_post("/api/send", send)
    app.router.add_post("/api/press", press)
    app.router.add_get("/api/file/{file_id}", file)
    app.router.add_get("/api/events", events)
    return app


def timeline(double: TelegramDouble, chat_id: int) -> list[dict]:
    """Every message of a chat as Bot API objects, oldest first, with two flags the page needs:
    ``_deleted``, and ``_force_reply`` (the bot asks for a reply — the page then replies to it)."""
    views = []
    for (chat, _), message in sorted(double.messages.items(), key=lambda item: item[0][1]):
        if chat != chat_id:
            continue
        view = double.public(message)
        view["_deleted"] = bool(message.get("_deleted"))
        view["_force_reply"] = bool((message.get("reply_markup") or {}).get("force_reply"))
        views.append(view)
    return views
