"""The demo's web API in-process (no browser, no bot): sending as Ann or Bob through the double,
albums and files, refusals, button presses, and the chat as server-sent events."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from devtools.demo.web import GROUP, PEOPLE, make_app
from devtools.telegram_double import TelegramDouble

from .conftest import encode, picture


async def web(double: TelegramDouble) -> TestClient:
    client = TestClient(TestServer(make_app(double)))
    await client.start_server()
    return client


def form(text: str = "", files=(), as_file: bool = False, reply_to: int | None = None) -> aiohttp.FormData:
    data = aiohttp.FormData()
    data.add_field("text", text)
    for name, content in files:
        data.add_field("file", content, filename=name, content_type="image/jpeg")
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

        broken = await client.post("/api/send?as=ann&chat=private", data=form(files=[("x.jpg", b"not a jpeg")]))
        assert (await broken.json()) == {"ok": False, "description": "the photo is not an image Telegram would accept"}
        empty = await (await client.post("/api/send?as=bob&chat=group", data=form("  "))).json()
        assert not empty["ok"] and "Type a message" in empty["description"]
        refused = await client.post("/api/press?as=ann&chat=private", json={"message_id": 999, "data": "go"})
        assert not (await refused.json())["ok"]

        # Bob's view of the group: what is there, then each new or edited message as it happens
        said = await (await client.post("/api/send?as=bob&chat=group", data=form("/queue"))).json()
        stream = await client.get("/api/events?as=bob&chat=group")
        [(kind, message)] = await read_events(stream, 1)
        assert kind == "message" and message["message_id"] == said["sent"][0] and message["from"]["first_name"] == "Bob"
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
