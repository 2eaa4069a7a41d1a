"""Everything a public bot receives, end to end through the double: each gets a clear answer, the
session survives, and the bot keeps serving everyone else."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pillow_heif  # noqa: F401  (registers HEIF saving with Pillow)
import pytest
from PIL import Image
from sqlalchemy import select

from bot.storage import Draft

from ..bot_harness import photo_with, text_message
from ..conftest import encode, picture, stripes


def _animated(fmt: str) -> bytes:
    frames = [picture(100, 80, seed=i) for i in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def _sixteen_bit() -> bytes:
    gray = np.asarray(picture(120, 90).convert("L"), dtype=np.uint16) * 257
    image = Image.fromarray(gray)
    assert image.mode == "I;16"
    return encode(image)


def _rotated_by_exif() -> bytes:
    """Stored 160×80 with EXIF orientation 6: shown upright it is 80×160 (portrait)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    return encode(picture(160, 80), "JPEG", exif=exif.tobytes())


def _truncated_jpeg() -> bytes:
    data = encode(picture(200, 150), "JPEG")
    return data[: len(data) // 2]


def _alpha() -> bytes:
    rgba = picture(120, 90).convert("RGBA")
    rgba.putalpha(128)
    return encode(rgba)


# (what, file name, MIME type, bytes, what the bot must say)
REFUSED = [
    ("a text file", "notes.txt", "text/plain", lambda: b"just notes", "not a picture"),
    ("a 0-byte file", "empty.jpg", "image/jpeg", lambda: b"", "empty file"),
    ("a truncated JPEG", "cut.jpg", "image/jpeg", _truncated_jpeg, "cut short"),
    ("a 20000×20000 PNG bomb", "bomb.png", "image/png", lambda: encode(Image.new("1", (20000, 20000))), "megapixels"),
    ("a file over 20 MB", "huge.jpg", "image/jpeg", lambda: os.urandom(21 * 1024 * 1024), "up to 20 MB"),
    ("a 1×1 picture", "dot.png", "image/png", lambda: encode(Image.new("RGB", (1, 1))), "at least 16 pixels"),
]
#: ... and what is taken as the photo, or (a GIF or WebP that moves) as a clip
ACCEPTED = [
    ("an animated GIF", "anim.gif", "image/gif", lambda: _animated("GIF")),
    ("an animated WebP", "anim.webp", "image/webp", lambda: _animated("WEBP")),
    ("a HEIC photo", "iphone.heic", "image/heic", lambda: encode(picture(120, 90), "HEIF")),
    ("a CMYK JPEG", "print.jpg", "image/jpeg", lambda: encode(picture(120, 90).convert("CMYK"), "JPEG")),
    ("a 16-bit PNG", "deep.png", "image/png", _sixteen_bit),
    ("a PNG with alpha", "alpha.png", "image/png", _alpha),
    ("a grayscale JPEG", "gray.jpg", "image/jpeg", lambda: encode(picture(120, 90).convert("L"), "JPEG")),
    ("a 10:1 panorama", "wide.jpg", "image/jpeg", lambda: encode(picture(1000, 100), "JPEG")),
]


@pytest.mark.slow
@pytest.mark.real_engine
async def test_every_bad_input_gets_a_clear_answer_and_loses_nothing(running, client, double):
    ivy, jon = client.user(7001, "Ivy"), client.user(7002, "Jon")
    tried = 0
    for what, name, mime, make, expected in REFUSED:
        mark = await ivy.mark()
        downloads = double.calls.count("getFile")
        await ivy.send_document(make(), name, mime)
        answer = await ivy.wait_for(lambda e: text_message(e, ""), since=mark)
        assert expected in answer["message"]["text"], (what, answer["message"]["text"])
        assert "Traceback" not in answer["message"]["text"]
        if "20 MB" in expected:  # refused from the size in the message, before any download
            assert double.calls.count("getFile") == downloads
        tried += 1
    for what, name, mime, make in ACCEPTED:
        mark = await ivy.mark()
        await ivy.send_document(make(), name, mime, caption="content")
        answer = await ivy.wait_for(lambda e: text_message(e, ""), since=mark)
        taken = "🎞 Got your clip" if "animated" in what else "📷"  # (the clips' engine runs here)
        assert taken in answer["message"]["text"], (what, answer)
        tried += 1
    # a clip whose file Telegram no longer has, not a picture at all, commands nobody knows, and a
    # button from a message long gone
    mark = await ivy.mark()
    await ivy.send_raw(video={"file_id": "BAAD", "file_unique_id": "v1", "width": 64, "height": 64, "duration": 3})
    await ivy.wait_for(lambda e: text_message(e, "gone from Telegram's servers"), since=mark)
    mark = await ivy.mark()
    await ivy.send_raw(voice={"file_id": "VOICE", "file_unique_id": "o1", "duration": 3})
    await ivy.wait_for(lambda e: text_message(e, "only paint photos"), since=mark)
    mark = await ivy.mark()
    await ivy.send_text("/paint_me_like_one_of_your_french_girls")
    await ivy.wait_for(lambda e: text_message(e, "don't know that command"), since=mark)
    mark = await ivy.mark()
    await client._call(
        "POST", "callback", {"chat_id": ivy.chat_id, "from": ivy.sender, "message_id": 1, "data": "mix:0.33"}
    )
    await ivy.wait_for(lambda e: e["kind"] == "callback_answer" and "older message" in (e["text"] or ""), since=mark)
    tried += 4

    # a big file whose size the message did not say: Telegram's own "file is too big" answer
    await client.fault("getFile", 400, description="Bad Request: file is too big")
    mark = await ivy.mark()
    await ivy.send_document(encode(picture(64, 48, seed=5), "JPEG"), "big.jpg", "image/jpeg", caption="content")
    await ivy.wait_for(lambda e: text_message(e, "up to 20 MB"), since=mark)
    tried += 1

    # a hostile file name never becomes a path: cached files are named by Telegram's unique ids
    mark = await ivy.mark()
    await ivy.send_document(encode(picture(80, 60)), "../../../etc/passwd.png", "image/png", caption="content")
    await ivy.wait_for(lambda e: text_message(e, "📷"), since=mark)
    async with running.services.db.session() as session:
        stored = (await session.execute(select(Draft).where(Draft.user_id == 7001))).scalar_one().content_path
    assert Path(stored).resolve().parent == running.services.cache.inputs.resolve() and "passwd" not in stored
    tried += 1

    # meanwhile another user is served as usual
    mark = await jon.mark()
    await jon.send_photo(picture(120, 90, seed=4))
    await jon.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)

    # Ivy's session survived all of it: an EXIF-rotated photo paints upright
    mark = await ivy.mark()
    await ivy.send_document(_rotated_by_exif(), "rotated.jpg", "image/jpeg", caption="content")
    await ivy.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    await ivy.send_photo(stripes(96, 96), caption="style")
    await ivy.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
    await ivy.press("▶ Stylize")
    result = await ivy.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    painted = Image.open(io.BytesIO(await client.file_bytes(result["message"]["photo"][-1]["file_id"])))
    assert painted.height > painted.width, painted.size  # portrait, as the phone showed it
    assert tried == len(REFUSED) + len(ACCEPTED) + 6 == 20
