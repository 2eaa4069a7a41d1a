"""🧍 Painting by region in the bot: the ⚙ pick, the buttons under a result, forged presses, and a
photo with no clear subject (the fake engine composites on the real subject mask)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from bot.domain import subjects
from worker.protocol import JobSpec

from ..bot_harness import RunningBot, buttons, photo_with, text_message
from ..conftest import stripes
from ..portraits import iou, portrait

PALETTES = (((230, 80, 30), (250, 200, 60)), ((20, 40, 160), (40, 160, 180)))


def keys(entry) -> list[str]:
    message = entry.get("message") or entry.get("after") or {}
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


async def ready(user, photo: Image.Image, styles: int = 1) -> None:
    mark = await user.mark()
    await user.send_photo(photo)
    await user.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    for k in range(styles):
        mark = await user.mark()
        await user.send_photo(stripes(96, 96, period=6 + k, colors=PALETTES[k]))
        await user.wait_for(lambda e: text_message(e, "tyle saved"), since=mark)


async def test_keep_me_in_settings_paints_around_the_person_and_the_buttons_offer_the_rest(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()
    try:
        ann = client.user(4101, "Ann")
        photo, truth = portrait((320, 240))
        await ready(ann, photo)
        await ann.press("⚙ Settings")
        card = await ann.wait_for(lambda e: "🧍 Keep me" in keys(e))
        assert "🧍🎨 Me · the rest" not in keys(card)  # a style each needs two styles
        await ann.press("🧍 Keep me")
        chosen = await ann.wait_for(lambda e: e["kind"] == "edit" and "• 🧍 Keep me" in keys(e))
        assert "Where: around you" in chosen["after"]["text"]
        await ann.press("▶ Stylize")
        result = await ann.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
        assert "🧍 keep me" in result["message"]["caption"]
        assert "🎨 Paint only me" in buttons(result) and "🖼 All of it" in buttons(result)
        assert "🧍 Keep me" not in buttons(result)  # it already is that
        painted = Image.open(io.BytesIO(await client.file_bytes(result["message"]["photo"][-1]["file_id"])))
        inside = np.asarray(truth.resize(painted.size)) > 200
        sent = np.asarray(photo.resize(painted.size), np.float32)
        differs = np.abs(np.asarray(painted.convert("RGB"), np.float32) - sent).mean(-1)
        assert differs[inside].mean() < 12 < differs[~inside].mean()  # the person is the photo, the rest painted

        await ann.press("🎨 Paint only me", message_id=result["message"]["message_id"])
        await ann.wait_for(lambda e: photo_with(e, "🧍 only me"), timeout=20)
        jobs = await running.settled_jobs(at_least=2)
        specs = [JobSpec.from_dict(j.spec) for j in jobs]
        assert [spec.settings.get("region") for spec in specs] == ["keep_subject", "keep_background"]
        assert jobs[1].content_path == jobs[0].content_path
        # the first found the subject and handed it back; it is kept beside the photo, and the
        # second was given it (whichever host paints it need not find it again)
        kept = subjects.place(jobs[0].content_path)
        assert "mask" not in specs[0].inputs and specs[1].paths("mask") == [str(kept)]
        assert iou(Image.open(kept), truth) > 0.97
        delivery = running.services.dispatcher.delivery
        delivery.cache.max_bytes = 0  # over budget: every file no draft or job needs goes
        assert await delivery.prune_files() > 0
        assert kept.is_file() and Path(jobs[0].content_path).is_file()  # the mask lasts as long as its photo
    finally:
        await running.stop()


async def test_two_styles_split_between_the_person_and_the_rest_and_forged_presses_do_nothing(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()
    try:
        bob, eve = client.user(4201, "Bob"), client.user(4202, "Eve")
        await ready(bob, portrait((320, 240))[0], styles=2)
        await bob.press("⚙ Settings")
        await bob.wait_for(lambda e: "🧍🎨 Me · the rest" in keys(e))
        await bob.press("🧍🎨 Me · the rest")
        await bob.wait_for(lambda e: e["kind"] == "edit" and "you in the first style" in e["after"].get("text", ""))
        await bob.press("▶ Stylize")
        result = await bob.wait_for(lambda e: photo_with(e, "me · the rest"), timeout=20)
        job = (await running.settled_jobs(at_least=1))[0]
        assert JobSpec.from_dict(job.spec).settings["region"] == "split"

        await ready(eve, portrait((320, 240), seed=1)[0])  # one style: no split, whatever a client sends
        mark = await eve.mark()
        await eve.press_data("rg:split")
        await eve.press_data("rg:everywhere")
        await eve.press_data(f"redo:{job.id}.split")  # Bob's job, from Eve's chat
        await eve.wait_for(lambda e: e["kind"] == "callback_answer" and "redo" in e["data"], since=mark)
        since = (await eve.sent())[mark:]
        answers = [e for e in since if e["kind"] == "callback_answer"]
        assert len(answers) == 3 and all("older message" in (a.get("text") or "") for a in answers[:2])
        assert not [e for e in since if e["kind"] == "message"]
        assert len(await running.settled_jobs(at_least=1)) == 1
        assert result  # Bob's painting stays his
    finally:
        await running.stop()


async def test_a_photo_without_a_subject_is_painted_whole_and_says_why(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()
    try:
        cyd = client.user(4301, "Cyd")
        flat = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
        await ready(cyd, flat)
        await cyd.press("⚙ Settings")
        await cyd.wait_for(lambda e: "🎨 Paint only me" in keys(e))
        await cyd.press("🎨 Paint only me")
        await cyd.wait_for(lambda e: e["kind"] == "edit" and "• 🎨 Paint only me" in keys(e))
        await cyd.press("▶ Stylize")
        result = await cyd.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
        assert "I can't find a person or subject here" in result["message"]["caption"]
    finally:
        await running.stop()
