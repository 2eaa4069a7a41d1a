"""The instant lane in the bot: a sketch on the card right after ▶, the instant quality, 🎨 paint it
properly, and a host without the instant networks (fake engines; the real ones in test_worker)."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.chat_settings import host_defaults
from bot.storage import JobStatus
from worker.protocol import JobSpec

from ..bot_harness import RunningBot, buttons, photo_with, prepare
from ..fake_engine import FakeEngine

SLOW = {"fast": (64, 60), "balanced": (64, 60), "best": (64, 60)}  # seconds per painting with the fake


def sketch_edit(entry) -> bool:
    return (
        entry["kind"] == "edit"
        and entry["method"] == "editMessageMedia"
        and "quick sketch" in entry["after"].get("caption", "")
    )


def painting_preview(entry) -> bool:
    return (
        entry["kind"] == "edit"
        and entry["method"] == "editMessageMedia"
        and "quick sketch" not in entry["after"].get("caption", "")
    )


def keys(entry) -> list[str]:
    """Buttons on a message the bot sent or edited."""
    message = entry.get("message") or entry.get("after") or {}
    return [b["text"] for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def instant_lane() -> FakeEngine:
    return FakeEngine(step_seconds=0.05, modes=("instant",))


async def test_a_sketch_comes_first_even_while_someone_elses_painting_runs(double, client, tmp_path):
    paint, instant = FakeEngine(step_seconds=0.05), instant_lane()
    running = await RunningBot(double, tmp_path, presets=SLOW, engine=paint, instant=instant).start()
    try:
        ann, bob = client.user(3101, "Ann"), client.user(3102, "Bob")
        await prepare(ann, 0)
        await prepare(bob, 1)
        await ann.press("▶ Stylize")
        await ann.wait_for(lambda e: photo_with(e, "Painting"), timeout=10)
        loop = asyncio.get_running_loop()
        pressed = loop.time()
        mark = await bob.mark()
        await bob.press("▶ Stylize")
        sketch = await bob.wait_for(sketch_edit, since=mark, timeout=5)
        waited = loop.time() - pressed
        assert "Queued" in sketch["after"]["caption"] and "photo" in sketch["after"]
        assert running.services.dispatcher.queue.running == min(j.id for j in await running.jobs())  # Ann's
        print(f"▶ → sketch on the card while another painting runs: {waited:.2f} s")

        # the painting's own previews then replace the sketch, and the result comes as always
        await bob.wait_for(lambda e: photo_with(e, "Done in"), timeout=30)
        log = await bob.sent()
        first_sketch = next(i for i, e in enumerate(log) if sketch_edit(e))
        previews = [i for i, e in enumerate(log) if painting_preview(e)]
        assert previews and previews[0] > first_sketch
        jobs = await running.settled_jobs()
        assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.DONE]
        sketched = [spec for _, spec in instant.submitted]
        assert len(sketched) == 2 and all(s.mode == "instant" for s in sketched)
        assert sketched[1].inputs == JobSpec.from_dict(jobs[1].spec).inputs  # the same pictures as the job
        assert all(spec.mode == "style" for _, spec in paint.submitted)
    finally:
        await running.stop()


async def test_instant_quality_finishes_without_the_painting_engine(double, client, tmp_path):
    paint, instant = FakeEngine(step_seconds=0.05), instant_lane()
    running = await RunningBot(double, tmp_path, presets=SLOW, engine=paint, instant=instant).start()
    try:
        cyd = client.user(3201, "Cyd")
        await prepare(cyd)
        await cyd.press("⚙ Settings")
        await cyd.wait_for(lambda e: "⚡ Instant" in keys(e))
        await cyd.press("⚡ Instant")
        await cyd.press("▶ Stylize")
        result = await cyd.wait_for(lambda e: photo_with(e, "⚡ Done in"), timeout=10)
        assert "instant" in result["message"]["caption"] and "🎨 Paint it properly" in buttons(result)
        assert paint.submitted == []  # the painting engine was never asked
        assert [spec.mode for _, spec in instant.submitted] == ["instant"]
        assert not [e for e in await cyd.sent() if sketch_edit(e)]  # no sketch of a sketch

        await cyd.press("🎨 Paint it properly")
        await cyd.wait_for(lambda e: photo_with(e, "🎨 Done in"), timeout=30)
        jobs = await running.settled_jobs(at_least=2)
        assert [JobSpec.from_dict(j.spec).mode for j in jobs] == ["instant", "style"]
        assert jobs[1].content_path == jobs[0].content_path and jobs[1].style_paths == jobs[0].style_paths
        assert [spec.mode for _, spec in paint.submitted] == ["style"]
    finally:
        await running.stop()


class BrokenInstant(FakeEngine):
    """An instant engine whose networks cannot load (the package is missing, a file is broken)."""

    async def start(self):
        raise RuntimeError("the engine process did not start: The instant networks are not installed")


async def test_without_instant_networks_the_bot_paints_as_before_and_says_nothing(double, client, tmp_path):
    paint = FakeEngine(step_seconds=0.01)
    running = await RunningBot(double, tmp_path, engine=paint, instant=BrokenInstant(), owners=(3301,)).start()
    try:
        dee = client.user(3301, "Dee")
        await prepare(dee)
        await dee.press("⚙ Settings")
        keyboard = await dee.wait_for(lambda e: "◀ Back" in keys(e))
        assert "⚡ Instant" not in keys(keyboard)
        await dee.send_text("/set quality instant")  # set before, or by an owner: painted the quickest way
        await dee.wait_for(lambda e: e["kind"] == "message" and "quality" in e["message"].get("text", ""))
        await dee.press("▶ Stylize")
        await dee.wait_for(lambda e: photo_with(e, "Done in"), timeout=10)
        [job] = await running.settled_jobs()
        assert job.status == JobStatus.DONE and JobSpec.from_dict(job.spec).mode == "style"
        assert not [e for e in await dee.sent() if sketch_edit(e)]
        assert not [e for e in await dee.sent() if "instant" in str(e.get("message", {}).get("text", "")).lower()
                    and "quality" not in str(e.get("message", {}).get("text", ""))]  # fmt: skip
    finally:
        await running.stop()


@pytest.mark.parametrize(
    ("chat_id", "instant", "device", "expected"),
    [(-100, True, "cpu", {"quality": "instant"}), (-100, True, "cuda", {"quality": "best"}), (-100, False, "cpu", {}),
     (42, True, "cpu", {}), (None, True, "cpu", {})],
)  # fmt: skip
def test_groups_on_a_cpu_host_default_to_instant(chat_id, instant, device, expected):
    assert host_defaults(chat_id, instant, device) == expected


async def test_an_instant_engine_that_dies_costs_only_the_sketch(double, client, tmp_path):
    paint, instant = FakeEngine(step_seconds=0.05), instant_lane()
    instant.crash_next = 1  # the first sketch's process dies under it
    running = await RunningBot(double, tmp_path, presets=SLOW, engine=paint, instant=instant).start()
    try:
        eve, fay = client.user(3401, "Eve"), client.user(3402, "Fay")
        await prepare(eve, 0)
        await eve.press("▶ Stylize")
        await eve.wait_for(lambda e: photo_with(e, "Done in"), timeout=30)  # painted and delivered as always
        assert not [e for e in await eve.sent() if sketch_edit(e)]
        await prepare(fay, 1)
        await fay.press("▶ Stylize")
        await fay.wait_for(sketch_edit, timeout=10)  # the instant engine was restarted for the next one
        await fay.wait_for(lambda e: photo_with(e, "Done in"), timeout=30)
        assert instant.starts == 2
        assert [j.status for j in await running.settled_jobs()] == [JobStatus.DONE, JobStatus.DONE]
    finally:
        await running.stop()


async def test_a_card_restored_after_a_restart_gets_its_sketch_again(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, presets=SLOW, engine=FakeEngine(step_seconds=0.2)).start()
    gus = client.user(3501, "Gus")
    try:
        await prepare(gus)
        await gus.press("▶ Stylize")
        await gus.wait_for(lambda e: photo_with(e, "Painting"), timeout=10)
    finally:
        await running.stop()  # mid-painting, on a host without the instant lane
    mark = await gus.mark()
    running = await RunningBot(double, tmp_path, presets=SLOW, engine=FakeEngine(step_seconds=0.05),
                               instant=instant_lane()).start()  # fmt: skip
    try:
        await gus.wait_for(sketch_edit, since=mark, timeout=10)
        await gus.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=30)
    finally:
        await running.stop()
