"""Moving pictures through the bot: a video, a GIF or a video note as the content, styles and ▶ as
for a photo, the clip painted in its own lane (frames counted on the card, ✖ at once) and sent back
as the kind it came as, with its sound — on clips the tests make, through the Bot API double."""

from __future__ import annotations

import io

import av
import pytest

from bot.storage import JobStatus
from worker.protocol import JobSpec

from ..bot_harness import RunningBot, buttons, photo_with, text_message
from ..clips import make_clip
from ..conftest import picture, stripes
from ..fake_engine import FakeEngine


def clip_bytes(tmp_path, name: str = "in.mp4", **shape) -> bytes:
    return make_clip(tmp_path / name, **shape).read_bytes()


def sound_only(path) -> bytes:
    """An MP4 with a tone and no video in it."""
    import numpy as np

    from ..clips import mux

    with av.open(str(path), "w") as out:
        audio = out.add_stream("aac", rate=22050)
        tone = av.AudioFrame.from_ndarray(np.zeros((1, 22050), np.float32), format="fltp", layout="mono")
        tone.rate = 22050
        mux(out, [*audio.encode(tone), *audio.encode()])
    return path.read_bytes()


def read_clip(data: bytes) -> tuple[int, float, bool, tuple[int, int]]:
    """(frames, frame rate, has sound, size) of a clip's bytes."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        size = (frames[0].width, frames[0].height)
        return len(frames), float(stream.average_rate), bool(container.streams.audio), size


def sent_clip(entry, kind: str) -> bool:
    return entry["kind"] == "message" and kind in entry["message"]


def clip_bot(double, tmp_path, step_seconds: float = 0.01, **extra) -> RunningBot:
    return RunningBot(double, tmp_path, video=FakeEngine(step_seconds, modes=("video",)), **extra)


async def send_style(user, *, since: int) -> None:
    await user.send_photo(stripes(96, 96, period=6))
    await user.wait_for(lambda e: text_message(e, "Style saved"), since=since)


async def test_a_video_comes_back_painted_as_a_video_with_its_sound(double, client, tmp_path):
    running = await clip_bot(double, tmp_path, step_seconds=0.05, progress_interval=0.2).start()
    try:
        ann = client.user(4101, "Ann")
        await ann.send_clip("video", clip_bytes(tmp_path, frames=24, fps=12, size=(96, 64)))
        asked = await ann.wait_for(lambda e: text_message(e, "Got your clip"))
        assert "Starry" in " ".join(buttons(asked)) or buttons(asked)  # the gallery's paintings as styles
        mark = await ann.mark()
        await send_style(ann, since=mark)
        mark = await ann.mark()
        await ann.press("⚙ Settings")  # what a clip is painted at, and how long it takes here
        card = await ann.wait_for(lambda e: e["kind"] == "edit" and "Size" in e["after"].get("text", ""), since=mark)
        assert "Size: 64 px" in card["after"]["text"] and "about" in card["after"]["text"]
        await ann.press("◀ Back")
        await ann.press("▶ Stylize")
        card = await ann.wait_for(lambda e: photo_with(e, "Queued"))  # its first frame on the card
        await ann.wait_for(lambda e: photo_with(e, "Painting frame"), timeout=15)
        done = await ann.wait_for(lambda e: sent_clip(e, "video"), timeout=30)
        caption = done["message"]["caption"]
        # (the harness's presets paint at 64 px: a slow host's presets shrink clips too)
        assert "🎞" in caption and "64×42 px" in caption and "24 frames · 2.0 s" in caption
        assert buttons(done) == ["🔁 Again", "📄 MP4 file", "🏷 Sticker"]
        frames, fps, sound, size = read_clip(await client.file_bytes(done["message"]["video"]["file_id"]))
        assert (frames, fps, sound, size) == (24, 12.0, True, (64, 42))
        [job] = await running.settled_jobs()
        assert job.status == JobStatus.DONE and job.result_path.endswith(".mp4")
        assert (await ann.wait_for(lambda e: e["kind"] == "delete")) and card  # the card goes

        mark = await ann.mark()
        await ann.press("📄 MP4 file")
        document = await ann.wait_for(lambda e: e["kind"] == "message" and "document" in e["message"], since=mark)
        assert document["message"]["document"]["file_name"] == f"painting_{job.id}.mp4"
    finally:
        await running.stop()


@pytest.mark.parametrize("kind", ["animation", "video_note"])
async def test_a_gif_and_a_video_note_come_back_as_what_they_were(double, client, tmp_path, kind):
    running = await clip_bot(double, tmp_path).start()
    try:
        bea = client.user(4102, "Bea")
        square = kind == "video_note"
        data = clip_bytes(tmp_path, frames=12, fps=12, size=(64, 64) if square else (96, 64), sound=square)
        await bea.send_clip(kind, data)
        await bea.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(bea, since=await bea.mark())
        await bea.press("▶ Stylize")
        done = await bea.wait_for(lambda e: sent_clip(e, kind), timeout=30)
        frames, _, sound, size = read_clip(await client.file_bytes(done["message"][kind]["file_id"]))
        assert frames == 12 and sound == square and (size[0] == size[1]) == square
        if square:  # a round video note takes no caption: it follows as a reply to it
            words = await bea.wait_for(lambda e: text_message(e, "12 frames"))
            assert words["message"]["reply_to_message"]["message_id"] == done["message"]["message_id"]
        else:
            assert "12 frames" in done["message"]["caption"]
    finally:
        await running.stop()


async def test_a_clip_that_is_no_video_or_too_big_gets_one_clear_line(double, client, tmp_path):
    running = await clip_bot(double, tmp_path).start()
    try:
        cal = client.user(4103, "Cal")
        for data, name in ((b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 200, "broken.mp4"),
                           (clip_bytes(tmp_path)[:400], "cut.mp4"),
                           (sound_only(tmp_path / "voice.mp4"), "voice.mp4")):  # fmt: skip
            mark = await cal.mark()
            await cal.send_document(data, name, "video/mp4")
            answer = await cal.wait_for(lambda e: e["kind"] == "message", since=mark)
            assert "can't read a video" in answer["message"]["text"]
        mark = await cal.mark()
        await cal.send_document(b"\x00" * (21 * 1024 * 1024), "huge.mp4", "video/mp4")
        answer = await cal.wait_for(lambda e: e["kind"] == "message", since=mark)
        assert "20 MB" in answer["message"]["text"]
        # nothing was taken: a style now is a style waiting for its photo
        mark = await cal.mark()
        await cal.send_photo(stripes(96, 96))
        await cal.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
        assert not await running.jobs()
    finally:
        await running.stop()


async def test_a_long_clip_is_painted_from_its_start_as_the_chat_allows_and_its_seconds_are_counted(
    double, client, tmp_path
):
    running = await clip_bot(double, tmp_path, owners=(4104,)).start()
    try:
        dee = client.user(4104, "Dee")
        for command in ("/set global max_video_seconds 1", "/set global video_seconds_per_day 2"):
            mark = await dee.mark()
            await dee.send_text(command)
            await dee.wait_for(lambda e: e["kind"] == "message", since=mark)
        await dee.send_clip("video", clip_bytes(tmp_path, frames=36, fps=12))  # 3 s
        await dee.wait_for(lambda e: text_message(e, "Got your clip"))
        mark = await dee.mark()
        await dee.send_photo(stripes(96, 96))
        ready = await dee.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        assert "first 1 s" in ready["message"]["text"]
        await dee.press("▶ Stylize")
        done = await dee.wait_for(lambda e: sent_clip(e, "video"), timeout=30)
        assert "12 frames · 1.0 s" in done["message"]["caption"] and "first 1 s" in done["message"]["caption"]
        assert read_clip(await client.file_bytes(done["message"]["video"]["file_id"]))[0] == 12
        await running.settled_jobs()
        await dee.press("▶ Stylize")  # 1 s more is within the 2 a day
        await dee.wait_for(lambda e: sent_clip(e, "video") and e is not done, timeout=30)
        await running.settled_jobs(at_least=2)
        await dee.press("▶ Stylize")  # a third is not
        refused = await dee.wait_for(lambda e: e["kind"] == "callback_answer" and "video left today" in
                                     (e.get("text") or ""))  # fmt: skip
        assert "0 s of video left today (of 2)" in refused["text"]
        assert len(await running.jobs()) == 2
    finally:
        await running.stop()


async def test_a_painting_clip_stops_at_once_and_never_holds_up_a_picture(double, client, tmp_path):
    running = await clip_bot(double, tmp_path, step_seconds=0.5, engine=FakeEngine(0.01)).start()
    try:
        eve, fay = client.user(4105, "Eve"), client.user(4106, "Fay")
        await eve.send_clip("video", clip_bytes(tmp_path, frames=48, fps=12))  # 24 s to "paint"
        await eve.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(eve, since=await eve.mark())
        await eve.press("▶ Stylize")
        await eve.wait_for(lambda e: photo_with(e, "Painting frame"), timeout=15)
        # Fay's picture is painted meanwhile: the clip has a lane of its own
        await fay.send_photo(picture(120, 90))
        await fay.wait_for(lambda e: text_message(e, "Got your photo"))
        mark = await fay.mark()
        await fay.send_photo(stripes(96, 96))
        await fay.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        await fay.press("▶ Stylize")
        await fay.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
        clip_job = min(job.id for job in await running.jobs())
        assert clip_job in running.services.dispatcher.queue.running_jobs  # still painting
        await eve.press("✖ Cancel")
        await eve.wait_for(lambda e: e["kind"] == "edit" and "Cancelled" in e["after"].get("caption", ""), timeout=3)
        statuses = {job.user_id: job.status for job in await running.settled_jobs()}
        assert statuses == {4105: JobStatus.CANCELLED, 4106: JobStatus.DONE}
        assert not [e for e in await eve.sent() if sent_clip(e, "video")]
    finally:
        await running.stop()


async def test_a_group_member_stylizes_a_clip_and_gets_it_back_in_the_group(double, client, tmp_path):
    from ..bot_harness import member

    running = await clip_bot(double, tmp_path).start()
    try:
        gil = member(client, 4107, "Gil")
        await gil.send_clip("video", clip_bytes(tmp_path, frames=12), caption="/stylize")
        prompt = await gil.wait_for(lambda e: e["kind"] == "message" and "style" in (e["message"].get("text") or ""))
        mark = await gil.mark()
        await gil.send_clip("video", clip_bytes(tmp_path, "other.mp4"), reply_to=prompt["message"]["message_id"])
        await gil.wait_for(lambda e: text_message(e, "must be a picture"), since=mark)
        await gil.send_photo(stripes(96, 96), reply_to=prompt["message"]["message_id"])
        await gil.wait_for(lambda e: text_message(e, "Style saved"))
        await gil.press("▶ Stylize")
        done = await gil.wait_for(lambda e: sent_clip(e, "video"), timeout=30)
        assert "here is your painted clip" in done["message"]["caption"]
    finally:
        await running.stop()


async def test_without_a_clip_engine_a_clip_is_answered_not_lost(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()  # no engine for clips on this host
    try:
        hal = client.user(4108, "Hal")
        await hal.send_clip("video", clip_bytes(tmp_path))
        await hal.wait_for(lambda e: text_message(e, "cannot paint videos"))
    finally:
        await running.stop()


async def test_the_real_clip_engine_paints_a_clip_through_the_bot(double, client, tmp_path):
    """The instant networks in their own process (worker.local), as ``make run`` starts them."""
    from worker.local import LocalEngine

    video = LocalEngine(device="cpu", start_timeout=60.0, modes=("video",))
    running = await RunningBot(double, tmp_path, video=video).start()
    try:
        ivy = client.user(4109, "Ivy")
        await ivy.send_clip("video", clip_bytes(tmp_path, frames=12, fps=12, size=(96, 64)))
        await ivy.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(ivy, since=await ivy.mark())
        await ivy.press("▶ Stylize")
        done = await ivy.wait_for(lambda e: sent_clip(e, "video"), timeout=60)
        frames, fps, sound, size = read_clip(await client.file_bytes(done["message"]["video"]["file_id"]))
        assert (frames, fps, sound, size) == (12, 12.0, True, (64, 42))
    finally:
        await running.stop()


async def test_a_clip_cut_short_by_a_restart_is_painted_again_once(double, client, tmp_path):
    running = await clip_bot(double, tmp_path, step_seconds=0.3).start()
    jay = client.user(4110, "Jay")
    try:
        await jay.send_clip("video", clip_bytes(tmp_path, frames=24))
        await jay.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(jay, since=await jay.mark())
        await jay.press("▶ Stylize")
        await jay.wait_for(lambda e: photo_with(e, "Painting frame"), timeout=15)
    finally:
        await running.stop()  # mid-clip: its row stays "running"
    running = await clip_bot(double, tmp_path).start()
    try:
        await jay.wait_for(lambda e: e["kind"] == "edit" and "restarted" in e["after"].get("caption", ""), timeout=15)
        await jay.wait_for(lambda e: sent_clip(e, "video"), timeout=30)
        [job] = await running.settled_jobs()
        assert job.status == JobStatus.DONE
        assert len([e for e in await jay.sent() if sent_clip(e, "video")]) == 1
    finally:
        await running.stop()


def animated(fmt: str, frames: int = 8) -> bytes:
    """A disc crossing a transparent picture (a GIF's or a WebP's frames), each shown 100 ms."""
    from PIL import Image, ImageDraw

    pictures = []
    for i in range(frames):
        frame = Image.new("RGBA", (90, 60), (0, 0, 0, 0))
        ImageDraw.Draw(frame).ellipse((i * 8, 15, i * 8 + 24, 39), fill=(200, 40, 30, 255))
        pictures.append(frame)
    buffer = io.BytesIO()
    pictures[0].save(buffer, fmt, save_all=True, append_images=pictures[1:], duration=100, loop=0, disposal=2)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
async def test_a_moving_gif_or_webp_sent_as_a_file_is_painted_as_an_animation(double, client, tmp_path, fmt):
    running = await clip_bot(double, tmp_path).start()
    try:
        kim = client.user(4111, "Kim")
        mime = f"image/{fmt.lower()}"
        await kim.send_document(animated(fmt), f"moving.{fmt.lower()}", mime)
        await kim.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(kim, since=await kim.mark())
        await kim.press("▶ Stylize")
        done = await kim.wait_for(lambda e: sent_clip(e, "animation"), timeout=30)
        frames, fps, sound, _ = read_clip(await client.file_bytes(done["message"]["animation"]["file_id"]))
        assert (frames, fps, sound) == (8, 10.0, False)
        # a still one is a picture, as before
        mark = await kim.mark()
        buffer = io.BytesIO()
        picture(90, 60).save(buffer, fmt)
        await kim.send_document(buffer.getvalue(), f"still.{fmt.lower()}", mime, caption="content")
        await kim.wait_for(lambda e: text_message(e, "📷"), since=mark)
    finally:
        await running.stop()


async def test_on_a_gpu_host_a_clip_is_also_painted_by_the_optimisation(double, client, tmp_path):
    painter = FakeEngine(0.01, modes=("style", "paintclip"), device="cuda")  # the painting engine, on a GPU
    running = await clip_bot(double, tmp_path, engine=painter).start()
    try:
        lee = client.user(4112, "Lee")
        await lee.send_clip("video", clip_bytes(tmp_path, frames=24, fps=12))
        await lee.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(lee, since=await lee.mark())
        await lee.press("⚙ Settings")
        await lee.wait_for(lambda e: e["kind"] == "edit" and "Brush:" in e["after"].get("text", ""))
        await lee.press("🖌 Bold")  # a clip follows the brush chosen, whichever painter paints it
        await lee.wait_for(lambda e: e["kind"] == "edit" and "• 🖌 Bold" in str(e["after"].get("reply_markup")))
        await lee.press("▶ Stylize")
        quick = await lee.wait_for(lambda e: sent_clip(e, "video"), timeout=30)
        assert buttons(quick) == ["🎨 Paint it properly", "🔁 Again", "📄 MP4 file", "🏷 Sticker"]
        assert "bold strokes" in quick["message"]["caption"]
        mark = await lee.mark()
        await lee.press("🎨 Paint it properly", message_id=quick["message"]["message_id"])
        proper = await lee.wait_for(lambda e: sent_clip(e, "video"), since=mark, timeout=30)
        assert (
            proper["message"]["caption"].startswith("🎨 Done in")
            and "24 frames · 2.0 s" in proper["message"]["caption"]
        )
        assert "🎨 Paint it properly" not in buttons(proper)
        first, second = [JobSpec.from_dict(job.spec) for job in await running.settled_jobs(at_least=2)]
        assert (first.mode, second.mode) == ("video", "paintclip") and second.output.media == "video"
        assert second.paths("content") == first.paths("content") and second.inputs["content"][0].media == "video"
        assert (second.settings["max_seconds"], second.settings["max_fps"]) == (2.0, 12.0)
        assert first.settings["brush"] == second.settings["brush"] == "bold"
        assert [s for _, s in painter.submitted] == [second]  # the painting engine paints it, not the clips' one
    finally:
        await running.stop()
