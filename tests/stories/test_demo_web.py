"""The demo's web API in-process (no browser, no bot): sending as Ann or Bob through the double,
albums and files, refusals, button presses, and the chat as server-sent events."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from devtools.demo.web import GROUP, PEOPLE, make_app
from devtools.telegram_double import TelegramDouble
from devtools.telegram_double.server import BROKEN_PHOTO

from ..clips import make_clip
from ..conftest import encode, picture


async def web(double: TelegramDouble) -> TestClient:
    client = TestClient(TestServer(make_app(double)))
    await client.start_server()
    return client


def form(text: str = "", files=(), as_file: bool = False, reply_to: int | None = None,
         mime: str = "image/jpeg") -> aiohttp.FormData:  # fmt: skip
    data = aiohttp.FormData()
    data.add_field("text", text)
    for name, content in files:
        data.add_field("file", content, filename=name, content_type=mime)
    if as_file:
        data.add_field("as_file", "1")
    if reply_to:
        data.add_field("reply_to", str(reply_to))
    return data


async def read_events(response, count: int) -> list[tuple[str, dict]]:
    events, kind = [], None
    while len(events) < count:
        line = (await asyncio.wait_for(response.content.readline(), 5)).decode().strip()
        if line.startswith("event:"):
            kind = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            events.append((kind, json.loads(line.split(":", 1)[1])))
    return events


async def test_the_page_sends_as_people_and_streams_the_chat():
    double = TelegramDouble()
    client = await web(double)
    try:
        config = await (await client.get("/api/config")).json()
        assert [p["name"] for p in config["people"]] == ["Ann", "Bob"] and config["group"]["title"] == "Art club"
        assert double.members[(GROUP["id"], PEOPLE[0].id)] == "creator"  # Ann may use admin commands there

        jpeg = encode(picture(120, 90), "JPEG")
        two = form("content", [("a.jpg", jpeg), ("b.jpg", jpeg)])
        album = await (await client.post("/api/send?as=ann&chat=private", data=two)).json()
        assert album["ok"] and len(album["sent"]) == 2
        first, second = (double.messages[(PEOPLE[0].id, i)] for i in album["sent"])
        assert first["media_group_id"] == second["media_group_id"] and first["caption"] == "content"
        assert "photo" in first and "caption" not in second  # the caption rides on the first, as phones do
        as_file = await client.post("/api/send?as=ann&chat=private", data=form(files=[("c.jpg", jpeg)], as_file=True))
        [doc_id] = (await as_file.json())["sent"]
        assert double.messages[(PEOPLE[0].id, doc_id)]["document"]["file_name"] == "c.jpg"

        # a video from the phone's gallery is sent as a video (the page plays it), as Telegram's app does
        clip = make_clip(Path(tempfile.mkdtemp()) / "c.mp4", frames=6).read_bytes()
        video = await client.post("/api/send?as=ann&chat=private", data=form(files=[("c.mp4", clip)], mime="video/mp4"))
        [video_id] = (await video.json())["sent"]
        sent = double.messages[(PEOPLE[0].id, video_id)]["video"]
        assert (sent["width"], sent["height"]) == (96, 64)
        served = await client.get(f"/api/file/{sent['file_id']}")
        assert served.content_type == "video/mp4" and await served.read() == clip

        broken = await client.post("/api/send?as=ann&chat=private", data=form(files=[("x.jpg", b"not a jpeg")]))
        assert (await broken.json()) == {"ok": False, "description": BROKEN_PHOTO}
        empty = await (await client.post("/api/send?as=bob&chat=group", data=form("  "))).json()
        assert not empty["ok"] and "Type a message" in empty["description"]
        refused = await client.post("/api/press?as=ann&chat=private", json={"message_id": 999, "data": "go"})
        assert not (await refused.json())["ok"]

        # Bob's view of the group: what is there, then each new or edited message as it happens
        said = await (await client.post("/api/send?as=bob&chat=group", data=form("/queue"))).json()
        stream = await client.get("/api/events?as=bob&chat=group")
        [(kind, message), ready] = await read_events(stream, 2)
        assert kind == "message" and message["message_id"] == said["sent"][0] and message["from"]["first_name"] == "Bob"
        assert ready == ("ready", {"messages": 1})  # the chat so far is shown: what follows is live
        bot = double.bot_user
        keyboard = {"inline_keyboard": [[{"text": "ok", "callback_data": "go"}]]}
        reply = double.new_message(double.chats[GROUP["id"]], bot, text="queue is empty", reply_markup=keyboard)
        double.record(GROUP["id"], "callback_answer", text="Cancelled.", show_alert=False)
        events = await read_events(stream, 2)
        assert ("toast", {"text": "Cancelled.", "alert": False}) in events
        assert any(k == "message" and m["text"] == "queue is empty" for k, m in events)
        reply["text"] = "edited"
        [(kind, message)] = await read_events(stream, 1)
        assert message["message_id"] == reply["message_id"] and message["text"] == "edited"
        press = {"message_id": reply["message_id"], "data": "go"}
        pressed = await client.post("/api/press?as=bob&chat=group", json=press)
        assert (await pressed.json())["ok"] and double.log[GROUP["id"]][-1]["data"] == "go"
        stream.close()
        page = await client.get("/")
        assert "<title>paintbot — demo chat</title>" in await page.text()
        assert (await client.get("/static/app.js")).status == 200
    finally:
        await client.close()


@pytest.fixture()
async def demo_page():
    """The demo's web app on a double of its own: (double, client)."""
    double = TelegramDouble()
    client = await web(double)
    yield double, client
    await client.close()


async def test_posts_from_other_sites_are_refused(demo_page):
    """Any page open in the same browser could otherwise send commands as the demo's owner."""
    double, client = demo_page
    base = f"http://{client.host}:{client.port}"
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
                    {"Origin": base, "Sec-Fetch-Site": "same-site"}):  # fmt: skip
        answer = await client.post("/api/send?as=ann", data=form("/new"), headers=headers)
        assert answer.status == 403, headers
        answer = await client.post("/api/press?as=ann", json={"message_id": 1, "data": "go"}, headers=headers)
        assert answer.status == 403, headers
    assert not double.log.get(PEOPLE[0].id)  # nothing reached the chat
    same = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    answer = await client.post("/api/send?as=ann", data=form("/new"), headers=same)
    assert answer.status == 200 and (await answer.json())["ok"]


async def test_uploads_are_served_as_downloads_unless_they_are_pictures_or_videos(demo_page):
    double, client = demo_page
    page = b"<html><script>alert(document.cookie)</script></html>"
    sent = []
    for name, data, mime in [("x.html", page, "text/html"), ("x.svg", b"<svg onload='alert(1)'/>", "image/svg+xml"),
                             ("x.jpg", encode(picture(60, 40), "JPEG"), "image/jpeg")]:  # fmt: skip
        upload = aiohttp.FormData()
        upload.add_field("text", "")
        upload.add_field("file", data, filename=name, content_type=mime)
        upload.add_field("as_file", "1")
        answer = await (await client.post("/api/send?as=ann", data=upload)).json()
        sent.append(double.messages[(PEOPLE[0].id, answer["sent"][0])]["document"]["file_id"])
    for file_id, inline in zip(sent, (False, False, True), strict=True):
        answer = await client.get(f"/api/file/{file_id}")
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("inline" if inline else "attachment"), disposition
        assert inline == (answer.content_type == "image/jpeg")
