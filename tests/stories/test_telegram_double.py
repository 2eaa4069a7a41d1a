"""Real python-telegram-bot (Bot and a small Application) against the Bot API double, over real HTTP."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest, EndPointNotFound, InvalidToken, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from ..conftest import encode, picture

ROOT = Path(__file__).resolve().parents[2]
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("▶ Go", callback_data="go"), InlineKeyboardButton("⚙ Settings", callback_data="settings")]]
)


@pytest.fixture()
async def bot(double):
    async with Bot(double.token, base_url=double.api_url, base_file_url=double.file_url) as telegram_bot:
        yield telegram_bot


async def test_get_me_token_and_unknown_method(double, bot):
    assert bot.username == "paint_test_bot" and bot.bot.is_bot
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("999:WRONG", base_url=double.api_url) as wrong:
            await wrong.get_me()
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": 1})
    assert await bot.delete_webhook()


async def test_updates_long_poll_offset_and_allowed_updates(client, bot):
    ann = client.user(101, "Ann")
    started = time.monotonic()
    assert await bot.get_updates(timeout=0.3) == ()
    assert time.monotonic() - started >= 0.25  # it really waited

    async def send_later():
        await asyncio.sleep(0.2)
        await ann.send_text("/start hello")

    task = asyncio.create_task(send_later())
    # a 60 s long poll that comes back well within 30 s: answered when the message came, not at its end
    updates = await asyncio.wait_for(bot.get_updates(timeout=60, read_timeout=70), 30)
    await task
    (update,) = updates
    message = update.message
    assert message.text == "/start hello" and message.chat.type == "private" and message.from_user.first_name == "Ann"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == len("/start")
    # not confirmed yet: delivered again; confirmed by offset: gone
    assert (await bot.get_updates())[0].update_id == update.update_id
    assert await bot.get_updates(offset=update.update_id + 1) == ()
    # allowed_updates drops what the bot does not want
    await ann.send_text("just text")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == ()


async def test_a_chat_watcher_is_answered_when_the_log_changes(client, bot):
    ann = client.user(104, "Ann")
    await ann.send_text("hi")  # (a chat the bot may write to)
    log, version = await client.sent_after(104, -1, 5.0)  # an unknown version: at once
    assert log == []

    async def send_later():
        await asyncio.sleep(0.2)
        await bot.send_message(104, "hello")

    sending = asyncio.create_task(send_later())
    log, newer = await client.sent_after(104, version, 20.0)  # answered by the message, not the 20 s
    await sending
    assert newer > version and [e["message"]["text"] for e in log] == ["hello"]
    assert await client.sent_after(104, newer, 0.2) == (log, newer)  # nothing since: the same, after the wait
    assert (await ann.wait_for(lambda e: e["kind"] == "message", timeout=1))["message"]["text"] == "hello"
    with pytest.raises(TimeoutError, match="message sendMessage: 'hello'"):  # it says what it saw instead
        await ann.wait_for(lambda e: e["kind"] == "edit", timeout=0.3)


async def test_commands_per_scope(bot):
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("settings", "Chat defaults")], scope=BotCommandScopeChat(-100))
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(-100))] == ["settings"]
    assert await bot.get_my_commands(scope=BotCommandScopeAllGroupChats()) == ()
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])


async def test_send_edit_delete_and_their_errors(client, bot):
    ann = client.user(102, "Ann")
    hello = await ann.send_text("hello")
    sent = await bot.send_message(
        ann.chat_id,
        "<b>Queued</b>, position 1",
        parse_mode="HTML",
        reply_markup=KEYBOARD,
        reply_parameters=ReplyParameters(hello["message_id"]),
    )
    assert sent.text == "Queued, position 1" and sent.reply_to_message.text == "hello"
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "go"
    edited = await bot.edit_message_text("Running 50%", ann.chat_id, sent.message_id, reply_markup=KEYBOARD)
    assert edited.text == "Running 50%" and edited.edit_date is not None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("Running 50%", ann.chat_id, sent.message_id, reply_markup=KEYBOARD)
    await bot.edit_message_reply_markup(ann.chat_id, sent.message_id, reply_markup=None)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", ann.chat_id, 9999)
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(55555, "nobody here")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ann.chat_id, "x" * 4097)
    assert await bot.delete_message(ann.chat_id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(ann.chat_id, sent.message_id)

    log = await ann.sent()
    assert [e["kind"] for e in log] == ["message", "edit", "edit", "delete"]
    message = log[0]
    assert message["deleted"] and message["message"]["reply_to_message"]["message_id"] == hello["message_id"]
    assert [h.get("text") for h in message["history"]] == ["Queued, position 1", "Running 50%"]
    assert "reply_markup" not in message["message"]  # the last edit removed the keyboard
    assert log[1]["before"]["text"] == "Queued, position 1" and log[1]["after"]["text"] == "Running 50%"


async def test_photo_round_trip(client, bot):
    ann = client.user(103, "Ann")
    await ann.send_photo(picture(2000, 1500), caption="content")
    (update,) = await bot.get_updates()
    sizes = update.message.photo
    assert update.message.caption == "content"
    assert len(sizes) >= 3 and max(s.width for s in sizes) == 1280  # re-encoded like Telegram
    assert [s.width for s in sizes] == sorted(s.width for s in sizes)
    largest = await (await bot.get_file(sizes[-1].file_id)).download_as_bytearray()
    downloaded = Image.open(io.BytesIO(largest))
    assert downloaded.format == "JPEG" and downloaded.size == (1280, 960)

    result = await bot.send_photo(
        ann.chat_id,
        encode(picture(600, 400)),
        caption="done in 3 s",
        reply_parameters=ReplyParameters(update.message.message_id),
        reply_markup=KEYBOARD,
    )
    assert result.photo[-1].width == 600 and result.caption == "done in 3 s"
    entry = (await ann.sent())[-1]
    file_id = entry["message"]["photo"][-1]["file_id"]
    fetched = Image.open(io.BytesIO(await client.file_bytes(file_id)))
    assert fetched.size == (600, 400)
    # a file_id can be sent again without uploading
    again = await bot.send_photo(ann.chat_id, result.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == result.photo[-1].file_unique_id


async def test_documents_keep_bytes_name_and_type_and_big_files_are_refused(client, bot):
    ann = client.user(104, "Ann")
    png = encode(picture(50, 40))
    await ann.send_document(png, "painting.png", "image/png")
    (update,) = await bot.get_updates()
    document = update.message.document
    assert (document.file_name, document.mime_type, document.file_size) == ("painting.png", "image/png", len(png))
    assert bytes(await (await bot.get_file(document.file_id)).download_as_bytearray()) == png

    await ann.send_document(os.urandom(21 * 1024 * 1024), "huge.tiff", "image/tiff")
    updates = await bot.get_updates(offset=update.update_id + 1)
    with pytest.raises(BadRequest, match=r"(?i)file is too big"):
        await bot.get_file(updates[0].message.document.file_id)

    sent = await bot.send_document(ann.chat_id, io.BytesIO(png), filename="result.png", caption="full size")
    assert sent.document.file_name == "result.png" and sent.document.file_size == len(png)
    assert await client.file_bytes(sent.document.file_id) == png


async def test_media_groups_both_ways(client, bot):
    ann = client.user(105, "Ann")
    album = await ann.send_album([picture(80, 60, seed=s) for s in range(3)], delay=0.01)
    updates = await bot.get_updates()
    assert len(updates) == 3 and len({u.message.media_group_id for u in updates}) == 1
    assert updates[0].message.media_group_id == album[0]["media_group_id"]

    sent = await bot.send_media_group(
        ann.chat_id, [InputMediaPhoto(encode(picture(64, 64, seed=s)), caption=f"#{s}") for s in range(2)]
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id and sent[1].caption == "#1"
    with pytest.raises(BadRequest, match=r"(?i)2-10"):
        await bot.send_media_group(ann.chat_id, [InputMediaPhoto(encode(picture(32, 32)))] * 1)


async def test_callback_query_and_its_answer(client, bot):
    ann = client.user(106, "Ann")
    await ann.send_text("hi")
    await bot.send_message(ann.chat_id, "Ready", reply_markup=KEYBOARD)
    await ann.press("⚙ Settings")
    updates = await bot.get_updates()
    query = updates[-1].callback_query
    assert query.data == "settings" and query.message.text == "Ready" and query.from_user.id == 106
    assert await bot.answer_callback_query(query.id, text="Saved")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    answers = [e for e in await ann.sent() if e["kind"] == "callback_answer"]
    assert answers[0]["text"] == "Saved" and answers[0]["data"] == "settings"


async def test_injected_faults(client, bot):
    ann = client.user(107, "Ann")
    await ann.send_text("hi")
    await client.fault("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(ann.chat_id, "one")
    assert "retry after 3" in str(info.value).lower() or "3" in str(info.value)
    await client.fault("sendMessage", 500, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(ann.chat_id, "two")
    assert (await bot.send_message(ann.chat_id, "three")).text == "three"  # faults used up
    assert [e["message"]["text"] for e in await ann.sent()] == ["three"]  # nothing half-sent


async def test_ptb_rate_limiter_honours_retry_after(double, client):
    """PTB's AIORateLimiter waits retry_after and retries: the message arrives exactly once."""
    ann = client.user(108, "Ann")
    await ann.send_text("hi")
    await client.fault("sendMessage", 429, retry_after=1)
    app = (
        Application.builder()
        .token(double.token)
        .base_url(double.api_url)
        .base_file_url(double.file_url)
        .rate_limiter(AIORateLimiter(max_retries=2))
        .build()
    )
    async with app:
        started = time.monotonic()
        await app.bot.send_message(ann.chat_id, "after the wait")
        assert time.monotonic() - started >= 0.9
    assert [e["message"]["text"] for e in await ann.sent()] == ["after the wait"]


async def test_group_privacy_mode_and_switch(client, bot):
    bob = client.user(201, "Bob", chat_id=-1001, chat_type="supergroup", title="Art club")
    assert not (await bob.send_photo(picture(64, 64)))["_delivered"]  # plain photo: the bot does not see it
    assert not (await bob.send_text("nice weather"))["_delivered"]
    assert (await bob.send_photo(picture(64, 64), caption="/stylize starry"))["_delivered"]
    assert (await bob.send_text("/help@paint_test_bot"))["_delivered"]
    assert not (await bob.send_text("/help@other_bot"))["_delivered"]
    assert (await bob.send_text("hey @paint_test_bot"))["_delivered"]
    prompt = await bot.send_message(-1001, "Reply with a style image")
    assert (await bob.send_photo(picture(64, 64), reply_to=prompt.message_id))["_delivered"]
    updates = await bot.get_updates()
    assert len(updates) == 4 and updates[0].message.chat.title == "Art club"
    await client.settings(privacy_mode=False)
    assert (await bob.send_text("nice weather"))["_delivered"]


async def test_group_rate_limit_answers_429(client, bot):
    await client.settings(rate_limits=True)
    carl = client.user(301, "Carl", chat_id=-1002, chat_type="group", title="Busy")
    await carl.send_text("/start")
    for n in range(20):
        await bot.send_message(-1002, f"message {n}")
    with pytest.raises(RetryAfter):
        await bot.send_message(-1002, "one too many")
    await client.user(301, "Carl").send_text("hi")
    assert (await bot.send_message(301, "a private chat is not limited by the group")).text


async def test_members_admins_chat_and_chat_actions(double, client, bot):
    dana = client.user(401, "Dana", chat_id=-1003, chat_type="supergroup", title="Gallery")
    await dana.send_text("/settings")
    await client.set_member(-1003, 401, "creator")
    await client.set_member(-1003, 402, "administrator")
    await client.set_member(-1003, 403, "member")
    assert (await bot.get_chat_member(-1003, 401)).status == "creator"
    assert (await bot.get_chat_member(-1003, 402)).status == "administrator"
    assert (await bot.get_chat_member(-1003, 403)).status == "member"
    assert {m.user.id for m in await bot.get_chat_administrators(-1003)} == {401, 402}
    chat = await bot.get_chat(-1003)
    assert chat.title == "Gallery" and chat.type == "supergroup"
    assert await bot.send_chat_action(-1003, "upload_photo")
    with pytest.raises(BadRequest, match=r"(?i)chat action"):
        await bot.send_chat_action(-1003, "dancing")
    assert [e["action"] for e in await dana.sent() if e["kind"] == "chat_action"] == ["upload_photo"]


async def test_a_small_application_end_to_end(double, client):
    """An unmodified PTB Application polling the double: command, photo reply and button."""

    async def start(update: Update, context) -> None:
        await update.message.reply_text("Send me a photo", reply_markup=KEYBOARD)

    async def photo(update: Update, context) -> None:
        file = await update.message.photo[-1].get_file()
        data = await file.download_as_bytearray()
        await update.message.reply_photo(bytes(data), caption=f"got {len(data)} bytes")

    async def button(update: Update, context) -> None:
        await update.callback_query.answer("ok")
        await update.callback_query.edit_message_text(f"pressed {update.callback_query.data}")

    app = Application.builder().token(double.token).base_url(double.api_url).base_file_url(double.file_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    app.add_handler(CallbackQueryHandler(button))
    ann = client.user(501, "Ann")
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            await ann.send_text("/start")
            await ann.wait_for(lambda e: e["kind"] == "message" and e["message"].get("text") == "Send me a photo")
            await ann.send_photo(picture(300, 200))
            reply = await ann.wait_for(lambda e: e["kind"] == "message" and "photo" in e["message"])
            assert reply["message"]["caption"].startswith("got ")
            await ann.press("go")
            edit = await ann.wait_for(lambda e: e["kind"] == "edit")
            assert edit["after"]["text"] == "pressed go"
            await ann.wait_for(lambda e: e["kind"] == "callback_answer" and e["text"] == "ok")
        finally:
            await app.updater.stop()
            await app.stop()


def test_runs_standalone():
    port = 18000 + os.getpid() % 1000
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.telegram_double", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Bot API double on" in process.stdout.readline()

        async def get_me():
            async with Bot("123456:TEST-token_for-the-double", base_url=f"http://127.0.0.1:{port}/bot") as b:
                return b.username

        assert asyncio.run(get_me()) == "paint_test_bot"
    finally:
        process.terminate()
        process.wait(timeout=10)
