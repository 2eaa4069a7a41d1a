"""The bot in a private chat, end to end: real PTB ↔ the Bot API double ↔ the real engine process (tiny sizes)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.domain import chat_settings
from bot.storage import JobStatus

from ..bot_harness import buttons, photo_with, text_message
from ..conftest import encode, picture, stripes
from .test_video import read_clip


@pytest.mark.slow
@pytest.mark.real_engine
async def test_one_style_from_photo_to_painting(running, client):
    ann = client.user(1001, "Ann")
    await ann.send_text("/start")
    help_entry = await ann.wait_for(lambda e: text_message(e, "repaint your photo"))
    how, more, sharing = help_entry["message"]["text"].split("\n\n")
    assert how.count("\n") == 2  # three lines on painting, then one line per other command
    assert [line.split()[0] for line in more.splitlines()[1:]] == ["/texture", "/dream", "/xray"]
    assert "@paint_test_bot in any chat" in sharing and "🏷" in sharing  # what's newer: regions, stickers, inline

    content = await ann.send_photo(picture(300, 200))
    await ann.wait_for(lambda e: text_message(e, "Got your photo"))
    mark = await ann.mark()
    await ann.send_photo(stripes(120, 120))
    ready = await ann.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
    assert buttons(ready) == ["▶ Stylize", "⚙ Settings"]

    mark = await ann.mark()
    await ann.press("▶ Stylize")  # answered at once with the place and an ETA (timed in benchmarks/bot_latency)
    queued = await ann.wait_for(lambda e: photo_with(e, "Queued"), since=mark)
    first_caption = (queued["history"] or [queued["message"]])[0]["caption"]
    assert "you're next" in first_caption and "Ready in about" in first_caption
    result = await ann.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    assert result["message"]["reply_to_message"]["message_id"] == content["message_id"]
    painted = Image.open(io.BytesIO(await client.file_bytes(result["message"]["photo"][-1]["file_id"])))
    assert painted.size == (64, 43)  # the default quality (balanced) at the tiny presets
    assert "64×43 px" in result["message"]["caption"]  # the picture's real size
    assert buttons(result) == ["🔁 Again", "📄 Full-size PNG", "🎞 How it was painted", "🏷 Sticker",
                               "🧍 Keep me", "🎨 Paint only me"]  # fmt: skip

    log = await ann.sent()
    progress = next(
        e for e in log if e["kind"] == "message" and e["message"]["message_id"] == queued["message"]["message_id"]
    )
    await ann.wait_for(lambda e: e["kind"] == "delete" and e["message_id"] == progress["message"]["message_id"])
    assert any(e["kind"] == "chat_action" and e["action"] == "upload_photo" for e in log)
    (job,) = await running.jobs()
    assert job.status == JobStatus.DONE and job.result_file_id and job.attempts == 1

    mark = await ann.mark()
    await ann.press("📄 Full-size PNG")
    document = await ann.wait_for(lambda e: e["kind"] == "message" and "document" in e["message"], since=mark)
    png = Image.open(io.BytesIO(await client.file_bytes(document["message"]["document"]["file_id"])))
    assert png.format == "PNG" and png.size == painted.size  # the whole painting, lossless

    # 🎞 the painting as it formed: an animation in reply to it; only for its painter
    mark = await ann.mark()
    await ann.press("🎞 How it was painted")
    lapse = await ann.wait_for(lambda e: e["kind"] == "message" and "animation" in e["message"], since=mark)
    assert lapse["message"]["reply_to_message"]["message_id"] == result["message"]["message_id"]
    frames, _, sound, size = read_clip(await client.file_bytes(lapse["message"]["animation"]["file_id"]))
    assert frames > 5 and not sound and size == (64, 42)
    eve = client.user(1999, "Eve")
    await eve.send_text("/help")
    await eve.wait_for(lambda e: text_message(e, "repaint your photo"))
    mark = await eve.mark()
    await eve.press_data(f"lapse:{job.id}")  # a forged press from another chat: nothing of Ann's goes there
    answer = await eve.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
    assert "older message" in (answer.get("text") or "")
    assert not [e for e in await eve.sent() if e["kind"] == "message" and "animation" in e["message"]]


@pytest.mark.slow
@pytest.mark.real_engine
async def test_album_two_styles_mix_and_document_photo(running, client):
    bea = client.user(1002, "Bea")
    await bea.send_album(
        [picture(200, 150), stripes(100, 100), stripes(100, 100, period=4, colors=((200, 10, 10), (250, 250, 250)))]
    )
    roles = await bea.wait_for(lambda e: text_message(e, "Photo: picture 1"), timeout=15)
    assert "• 50/50" in buttons(roles) and "🔄 Photo ⇄ style" in buttons(roles)
    assert len([e for e in await bea.sent() if e["kind"] == "message"]) == 1  # one answer for the album

    await bea.press("75% style 1")
    mark = await bea.mark()
    await bea.press("▶ Stylize")
    result = await bea.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    assert "mix 75% style 1" in result["message"]["caption"]
    assert "🔀 Swap styles" in buttons(result)

    # a picture sent "as file" replaces the photo; a text file is refused politely
    mark = await bea.mark()
    await bea.send_document(encode(picture(90, 60)), "new.png", "image/png", caption="content")
    await bea.wait_for(lambda e: text_message(e, "New photo saved"), since=mark)
    await bea.send_document(b"just some notes", "notes.txt", "text/plain")
    await bea.wait_for(lambda e: text_message(e, "not a picture"), since=mark)
    await bea.send_document(b"\x89PNG\r\n\x1a\n broken", "broken.png", "image/png")
    await bea.wait_for(lambda e: text_message(e, "not a picture I can read"), since=mark)


async def test_commands_roles_and_result_buttons(running, client):
    cal = client.user(1003, "Cal")
    mark = await cal.mark()
    await cal.send_text("/paint")
    await cal.wait_for(lambda e: text_message(e, "don't know that command"), since=mark)
    mark = await cal.mark()
    await cal.send_text("/stylize")  # the group command, in the menu for everyone: explained here
    await cal.wait_for(lambda e: text_message(e, "repaint your photo"), since=mark)
    await cal.send_raw(
        sticker={
            "file_id": "CAACAgQ",
            "file_unique_id": "AgAD",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    )
    await cal.wait_for(lambda e: text_message(e, "only paint photos"), since=mark)

    # a caption forces the role: a style first, then the photo
    await cal.send_photo(stripes(80, 80), caption="style")
    await cal.wait_for(lambda e: text_message(e, "Now send the photo"), since=mark)
    mark = await cal.mark()
    await cal.send_photo(picture(120, 90))
    ready = await cal.wait_for(lambda e: text_message(e, "ready"), since=mark)
    assert buttons(ready)[:2] == ["▶ Stylize", "⚙ Settings"]

    # a second style, the swap button, and the size row of ⚙ Settings (where the owner allows more
    # than the 1024 px every quality paints)
    svc = running.app.bot_data["services"]
    await chat_settings.change(svc.db, chat_settings.GLOBAL, chat_settings.KEYS["max_size"], 2048, by=1)
    await cal.send_photo(stripes(80, 80, period=3, colors=((10, 200, 10), (0, 0, 0))))
    await cal.wait_for(lambda e: text_message(e, "Second style saved"), since=mark)
    await cal.press("🔀 Swap styles")
    await cal.press("⚙ Settings")
    await cal.wait_for(lambda e: e["kind"] == "edit" and "1536 px" in str(e["after"].get("reply_markup")))
    await cal.press("1536 px")
    await cal.wait_for(lambda e: e["kind"] == "edit" and "• 1536 px" in str(e["after"].get("reply_markup")))
    mark = await cal.mark()
    await cal.press("px:1536")  # pressed again (now "• 1536 px"): back to the preset's size
    await cal.wait_for(
        lambda e: (
            e["kind"] == "edit"
            and "• 1536 px" not in str(e["after"].get("reply_markup"))
            and "Balanced" in str(e["after"].get("reply_markup"))
        ),
        since=await cal.mark() - 1,
    )

    mark = await cal.mark()
    await cal.press("▶ Stylize")
    await cal.press("▶ Stylize")  # one active job per user
    await cal.wait_for(
        lambda e: e["kind"] == "callback_answer" and "already have a picture" in (e["text"] or ""), since=mark
    )
    first = await cal.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    assert "48 px" in first["message"]["caption"]

    mark = await cal.mark()
    await cal.press("🔀 Swap styles")  # on the result: the same job with the styles the other way round
    await cal.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    jobs = await running.jobs()
    assert len(jobs) == 2 and jobs[1].style_paths == list(reversed(jobs[0].style_paths))

    mark = await cal.mark()
    await cal.press("🔁 Again", message_id=first["message"]["message_id"])
    again = await cal.wait_for(lambda e: text_message(e, "Settings for your next picture"), since=mark)
    assert "▶ Stylize" in buttons(again)

    mark = await cal.mark()
    await cal.send_text("/new")
    await cal.wait_for(lambda e: text_message(e, "Fresh start"), since=mark)
    await cal.send_text("/status")
    await cal.wait_for(lambda e: text_message(e, "Nothing here yet"), since=mark + 1)
    await cal.press("▶ Stylize", message_id=ready["message"]["message_id"])  # an old message's button
    answer = await cal.wait_for(lambda e: e["kind"] == "callback_answer", since=mark + 2)
    assert "photo first" in answer["text"]
