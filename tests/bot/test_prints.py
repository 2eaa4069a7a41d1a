"""🖨 the print size (bot.features.prints, bot.modes.style): under a painting's file, the painting grown
to the host's print size as a job of its own, sent back as a file — once, and only for its painter."""

from __future__ import annotations

import io

from PIL import Image

from bot.domain.policy import Host
from bot.modes import MODES
from worker.protocol import JobSpec

from ..bot_harness import RunningBot, photo_with, prepare


def document(entry: dict) -> bool:
    return entry["kind"] == "message" and "document" in entry["message"]


def buttons(entry: dict) -> list[str]:
    markup = entry["message"].get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def paint_and_take_the_file(user) -> dict:
    """``user`` paints a picture and presses 📄 under it: the file's message."""
    await prepare(user)
    await user.press("▶ Stylize")
    painted = await user.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    mark = await user.mark()
    await user.press("📄 Full-size PNG", message_id=painted["message"]["message_id"])
    return await user.wait_for(document, since=mark)


async def test_a_painting_grows_to_the_print_size_once_as_a_file(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, print_size=160).start()
    try:
        ann = client.user(9701, "Ann")
        png = await paint_and_take_the_file(ann)
        assert buttons(png) == ["🖨 Print size · 160 px"]  # offered under the painting's file

        mark = await ann.mark()
        await ann.press("🖨 Print size · 160 px", message_id=png["message"]["message_id"])
        printed = await ann.wait_for(lambda e: document(e) and e["message"]["document"]["file_name"] == "print.png",
                                     since=mark, timeout=20)  # fmt: skip
        caption = printed["message"]["caption"]
        assert caption.startswith("🖨 Print size · 160×120 px · Done in"), caption
        data = await client.file_bytes(printed["message"]["document"]["file_id"])
        assert Image.open(io.BytesIO(data)).size == (160, 120)
        assert buttons(printed) == []
        painting, grown = [JobSpec.from_dict(job.spec) for job in await running.settled_jobs(at_least=2)]
        assert grown.mode == painting.mode and grown.output.media == "document"
        assert (grown.settings["grown_from"], grown.settings["size"], grown.settings["init"]) == (64, 160, "image")
        assert grown.paths("init") == [painting.output.path] and grown.paths("content") == painting.paths("content")

        # pressed again: the same file, not a second print
        mark = await ann.mark()
        await ann.press("🖨 Print size · 160 px", message_id=png["message"]["message_id"])
        again = await ann.wait_for(document, since=mark)
        assert again["message"]["document"]["file_id"] == printed["message"]["document"]["file_id"]
        assert len(await running.settled_jobs(at_least=2)) == 2

        # someone else pressing it (forged data in their own chat) gets nothing made
        bob = client.user(9702, "Bob")
        await bob.send_text("/start")
        await bob.wait_for(lambda e: e["kind"] == "message")
        mark = await bob.mark()
        (job, _) = await running.settled_jobs(at_least=2)
        await bob.press_data(f"print:{job.id}")
        answer = await bob.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
        assert answer["text"] and len(await running.settled_jobs(at_least=2)) == 2
    finally:
        await running.stop()


async def test_no_print_where_it_would_not_grow_an_instant_picture_or_a_print(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, print_size=64).start()  # no larger than the painting
    try:
        png = await paint_and_take_the_file(client.user(9703, "Cy"))
        assert buttons(png) == []  # the painting is as large as a print here already
    finally:
        await running.stop()
    # an instant picture is not grown (its networks paint at one size), nor is a print
    host = Host(print_size=2048)
    instant = JobSpec("instant", {"content": "c.jpg", "styles": ["s.jpg"]}, "o.png")
    assert MODES["instant"].prints(instant, 1024, host) is None
    painting = JobSpec("style", {"content": "c.jpg", "styles": ["s.jpg"]}, "o.png", {"size": 1024})
    assert MODES["style"].prints(painting, 1024, host) == 2048 and MODES["style"].prints(painting, 1024, Host()) == 2048
    assert MODES["style"].prints(painting, 1024, Host(device="cuda:0")) == 4096
    grown = painting.replace(settings={"size": 2048, "init": "image", "grown_from": 1024})
    assert MODES["style"].prints(grown, 2048, Host(device="cuda:0")) is None


def test_only_a_picture_result_is_measured_for_a_print(tmp_path):
    """📄 under a clip or a sticker offers no print and opens nothing as a picture (a clip's MP4 is
    not one); a file that is not a picture after all is no print either."""
    from bot.features.prints import longest_side

    clip = JobSpec("video", {"content": "c.mp4", "styles": ["s.jpg"]}, {"path": "o.mp4", "media": "video"})
    not_a_picture = tmp_path / "o.png"
    not_a_picture.write_bytes(b"\x00\x00\x00\x18ftypmp42")
    assert longest_side(clip, not_a_picture) is None
    painting = JobSpec("style", {"content": "c.jpg", "styles": ["s.jpg"]}, str(not_a_picture))
    assert longest_side(painting, not_a_picture) is None
    Image.new("RGB", (64, 48)).save(not_a_picture)
    assert longest_side(painting, not_a_picture) == 64
