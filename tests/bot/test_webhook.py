"""Webhook mode (part of scaling out): the bot built without an Updater, fed by its aiohttp endpoint;
the Bot API double delivers updates by POST with the secret header, retrying like Telegram while the
endpoint is down, and refuses getUpdates while a webhook is set."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest

from bot.app import build_application
from bot.config import Config
from bot.ops.webhook import SECRET_HEADER, WebhookServer

from ..bot_harness import TINY, free_port, photo_with, prepare, text_message
from ..conftest import picture, stripes
from ..fake_engine import FakeEngine

SECRET = "webhook_secret_for_tests_0123"


async def start(double, tmp_path, port: int, url: str | None = None):
    """A webhook replica on ``port``; Telegram posts to ``url`` (a balancer), else to it directly."""
    config = Config(
        token=double.token,
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        api_base_url=double.api_url,
        api_file_url=double.file_url,
        engine_device="cpu",
        presets=TINY,
        progress_interval=0.4,
        webhook_url=url or f"http://127.0.0.1:{port}/telegram",
        webhook_secret=SECRET,
        webhook_port=port,
    )
    application = build_application(config, FakeEngine(), webhook=True)
    await application.initialize()
    await application.post_init(application)
    await application.start()
    server = WebhookServer(application, config, host="127.0.0.1")
    await server.start()
    return application, server


async def stop(application, server) -> None:
    await server.stop()
    await application.stop()
    await application.post_shutdown(application)
    await application.shutdown()


async def test_updates_arrive_by_webhook_with_the_secret_and_are_retried_while_it_is_down(double, client, tmp_path):
    port = free_port()
    application, server = await start(double, tmp_path, port)
    try:
        assert double.webhook["url"] == f"http://127.0.0.1:{port}/telegram" and double.webhook["secret"] == SECRET
        zoe = client.user(9901, "Zoe")
        await prepare(zoe)
        await zoe.press("▶ Stylize")
        await zoe.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
        assert double.webhook_posts and {p["status"] for p in double.webhook_posts} == {200}
        async with aiohttp.ClientSession() as session:
            # long polling is refused while a webhook is set, as Telegram does
            async with session.post(f"{double.api_url}{double.token}/getUpdates") as answer:
                assert answer.status == 409
            # a post without the secret (anyone who found the URL) is refused and changes nothing
            sender = {"id": 1, "is_bot": False, "first_name": "X"}
            message = {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "from": sender, "text": "/new"}
            forged = {"update_id": 999999, "message": message}
            for headers in ({}, {SECRET_HEADER: "wrong"}):
                async with session.post(f"http://127.0.0.1:{port}/telegram", json=forged, headers=headers) as answer:
                    assert answer.status == 403
        assert await client.sent(1) == []
    finally:
        await server.stop()
    # the endpoint is down (a restart): Telegram keeps the update and retries until it is back
    mark = await zoe.mark()
    await zoe.send_text("/status")
    while not any(p["status"] is None for p in double.webhook_posts):  # a delivery has failed
        await asyncio.sleep(0.05)
    info = await application.bot.get_webhook_info()
    assert info.pending_update_count == 1 and "Connection failed" in info.last_error_message
    await server.start()
    try:
        await zoe.wait_for(lambda e: text_message(e, "Photo and 1 style ready"), since=mark, timeout=10)
        assert (await application.bot.get_webhook_info()).pending_update_count == 0
    finally:
        await stop(application, server)


def help_update(update_id: int, user_id: int = 9911) -> dict:
    sender = {"id": user_id, "is_bot": False, "first_name": "Una"}
    chat = {"id": user_id, "type": "private"}
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0, "chat": chat, "from": sender,
                                                 "text": "/help"}}  # fmt: skip


async def test_an_update_posted_twice_is_handled_once_even_across_a_restart(double, client, tmp_path):
    """Telegram posts an update again when the answer was slow; a second replica, or this one after a
    restart, may receive it."""
    port = free_port()
    url, headers = f"http://127.0.0.1:{port}/telegram", {SECRET_HEADER: SECRET}
    double.ensure_chat({"id": 9911, "type": "private"}, {"id": 9911, "is_bot": False, "first_name": "Una"})
    application, server = await start(double, tmp_path, port)
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(2):
                async with session.post(url, json=help_update(5001), headers=headers) as answer:
                    assert answer.status == 200
        una = client.user(9911, "Una")
        await una.wait_for(lambda e: text_message(e, "photo"))
        await asyncio.sleep(0.5)
        assert len(await una.sent()) == 1
    finally:
        await stop(application, server)
    application, server = await start(double, tmp_path, port)
    try:
        async with aiohttp.ClientSession() as session:
            for update_id in (5001, 5002):
                async with session.post(url, json=help_update(update_id), headers=headers) as answer:
                    assert answer.status == 200
        await una.wait_for(lambda e: text_message(e, "photo"), since=1)
        await asyncio.sleep(0.5)
        answers = [e for e in await una.sent() if e["kind"] == "message"]
        assert len(answers) == 2  # 5001 once, 5002 once
    finally:
        await stop(application, server)


async def test_an_album_a_balancer_splits_over_two_replicas_is_taken_once_and_whole(double, client, tmp_path):
    """Round robin gives an album's photo to one replica and its style to the other: whoever
    collects first takes both from the inbox, the other finds them taken (each alone, the style
    became the photo)."""
    from ..workers import Balancer  # (it takes this module's secret)

    ports = [free_port(), free_port()]
    balancer = await Balancer(ports).start()
    replicas = [await start(double, tmp_path, port, url=balancer.url) for port in ports]
    try:
        ada = client.user(9921, "Ada")
        await ada.send_album([picture(120, 90), stripes(80, 80)])
        await ada.wait_for(lambda e: text_message(e, "Photo: picture 1"), timeout=20)
        await asyncio.sleep(2.0)  # the other replica's album has been handed on by now
        answers = [e["message"]["text"] for e in await ada.sent() if e["kind"] == "message"]
        assert len(answers) == 1, answers
        assert list(balancer.forwarded.values()) == [1, 1]  # each replica had one picture
    finally:
        for application, server in replicas:
            await stop(application, server)
        await balancer.stop()


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000, b"[1, 2]", b'"text"',
     b'{"update_id": "1"}', b'{"update_id": true}', b"\xff\xfe", b'{"message": {}}'],
    ids=["nested list", "nested object", "list", "string", "id as text", "id as bool", "not utf-8", "no id"],
)  # fmt: skip
async def test_a_body_that_is_not_an_update_gets_400_quietly(double, tmp_path, caplog, body):
    port = free_port()
    application, server = await start(double, tmp_path, port)
    try:
        async with aiohttp.ClientSession() as session:
            url, headers = f"http://127.0.0.1:{port}/telegram", {SECRET_HEADER: SECRET}
            async with session.post(url, data=body, headers=headers) as answer:
                assert answer.status == 400
    finally:
        await stop(application, server)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
