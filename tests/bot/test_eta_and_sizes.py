"""What the bot promises about sizes and times: every quality paints at least the sketch's 1024 px on
either host, the size row offers nothing smaller, rates are learnt per mode and size, a running
job's time left hands over from this host's rate to the engine's own, and a card's countdown holds
steady."""

from __future__ import annotations

import pytest

from bot import modes
from bot.domain import quality
from bot.domain.chat_settings import KEYS, host_defaults
from bot.domain.policy import Host, Policy
from bot.jobs.eta import GPU_GUESS, Countdown, EtaModel, kind
from bot.modes.instant import as_painting
from bot.modes.style import plan
from bot.telegram import keyboards
from worker.protocol import JobSpec, non_defaults

POLICY = Policy(quality="balanced", strength="normal")


def spec_of(settings) -> JobSpec:
    return JobSpec("style", {"content": "c.jpg", "styles": ["s.jpg"]}, "o.png", non_defaults(settings))


@pytest.mark.parametrize("device", ["cpu", "cuda:0"])
@pytest.mark.parametrize("name", ["fast", "balanced", "best"])
def test_every_quality_paints_at_least_its_sketch_on_either_host(name, device):
    host = Host(device)
    planned = plan(POLICY.replace(quality=name, host=host), 0.5)
    assert planned.size == 1024
    assert (planned.detail_from is None) == device.startswith("cuda")  # a CPU adds detail above its painting
    sketch = modes.get("style").sketch(spec_of(planned), "s.jpg").mode_settings()
    assert sketch.size == planned.size  # the painting never replaces a larger picture
    instant = plan(POLICY.replace(quality="instant", host=host), 0.5)
    assert instant.size == 1024


def test_limits_and_operators_presets_still_rule():
    limited = plan(POLICY.replace(max_size=512), 0.5)
    assert limited.size == 512 and limited.detail_from == 362  # still painted, then detailed, to the limit
    tiny = plan(POLICY.replace(host=Host(presets={**quality.DEFAULT_PRESETS, "balanced": (64, 6)})), 0.5)
    assert (tiny.size, tiny.steps, tiny.detail_from) == (64, 6, None)
    chosen = plan(POLICY.replace(size=2048, max_size=2048), 0.5)
    assert chosen.size == 2048 and chosen.schedule[-1] == (2048, 0)
    fallback = as_painting(JobSpec("instant", {"content": "c.jpg", "styles": ["s.jpg"]}, "o.png", {"size": 1024}),
                           Host(instant=False))  # fmt: skip
    assert fallback.mode == "style" and fallback.mode_settings().size == 1024


def test_the_policy_is_resolved_once_from_the_chat_the_person_and_the_host():
    values = {"quality": "instant", "strength": "normal", "keep_colors": False, "size": 0, "steps": 0,
              "max_size": 1536, "jobs_per_user_per_day": 5, "queue_per_user": 2, "group_enabled": True,
              "max_video_seconds": 20, "video_seconds_per_day": 90}  # fmt: skip
    here = Policy.resolve(values, {}, Host(instant=True))
    assert (here.quality, here.size, here.limits["max_size"]) == ("instant", None, 1536)
    assert Policy.resolve(values, {}, Host(instant=False)).quality == "fast"  # no instant networks: decided now
    # a clip's size and seconds: the quality's on this device, within the chat's limits; a video note ≤ 640 px
    from bot.modes import video

    assert here.limits["video_seconds_per_day"] == 90 and video.limits(here, "video") == (384, 20.0)
    best = Policy.resolve(values | {"max_video_seconds": 60}, {"quality": "best"}, Host())
    assert video.limits(best, "video") == (1024, 15.0) and video.limits(best, "video_note") == (640, 15.0)
    assert video.limits(Policy.resolve(values, {"quality": "best"}, Host(device="cuda")), "video") == (1024, 20.0)
    picked = Policy.resolve(values, {"quality": "best", "size": 1536, "keep_colors": True, "album": True}, Host())
    assert (picked.quality, picked.size, picked.keep_colors) == ("best", 1536, True)
    assert Policy.resolve(values | {"quality": "nonsense"}, {}, Host()).quality == "balanced"
    slow_host = Host(presets={**quality.DEFAULT_PRESETS, "fast": (64, 4)})  # an operator's tiny quickest preset
    assert Policy.resolve(values, {}, slow_host).size_cap == 64 and here.size_cap == 1536  # every mode shrinks alike
    instant = JobSpec(
        "instant", {"content": "c.jpg", "styles": ["s.jpg"]}, "o.png", modes.get("instant").settings(here)
    )
    assert instant.mode_settings().size == 1024  # one pass, at the sketch's size


def test_defaults_per_host():
    assert KEYS["quality"].default == "balanced"  # a CPU's private chats: a 1024-px painting in about a minute
    assert host_defaults(5, instant=True, device="cpu") == {}
    assert host_defaults(-5, instant=True, device="cpu") == {"quality": "instant"}  # many wait in a group
    assert host_defaults(-5, instant=False, device="cpu") == {}
    assert host_defaults(5, instant=True, device="cuda:0") == {"quality": "best"}  # seconds on a GPU
    assert host_defaults(-5, instant=True, device="cuda:0") == {"quality": "best"}


def size_row(max_size: int) -> list[str] | None:
    rows = keyboards.settings(POLICY.replace(max_size=max_size)).inline_keyboard
    found = [[b.callback_data for b in row] for row in rows if any("px" in b.text for b in row)]
    return found[0] if found else None


def test_the_size_row_offers_nothing_below_1024_and_nothing_above_the_limit():
    assert min(quality.SIZES) >= 1024
    assert size_row(1024) is None  # nothing to choose: every picture is 1024 px
    assert len(size_row(1536)) == 3 and len(size_row(2048)) == 4  # Auto, then 1024 … the limit


def test_rates_are_learnt_per_mode_and_size():
    eta = EtaModel(seconds_per_unit=1.0, overhead=0.0)
    assert eta.seconds(10, ("style", 1024)) == 10.0  # the first guess
    eta.learn(10, 5.0, ("style", 1024))  # the first of its kind is taken as it is
    assert eta.seconds(10, ("style", 1024)) == 5.0
    assert eta.rate(("style", 512)) == 0.5  # the nearest size of its mode
    eta.learn(10, 20.0, ("style", 256))
    assert eta.rate(("style", 300)) == 2.0 and eta.rate(("style", 900)) == 0.5
    assert eta.rate(("texture", 512)) == 2.0  # nothing of its mode yet: the rate learnt last
    eta.learn(10, 10.0, ("style", 1024))
    assert eta.rate(("style", 1024)) == pytest.approx(0.7 * 0.5 + 0.3 * 1.0)
    eta.use_device("cuda:0")  # another device: what was measured no longer applies
    assert eta.rate(("style", 1024)) == GPU_GUESS
    eta.use_device("cpu", 2.5)  # an engine that timed itself as it started: its own speed, not a guess
    assert eta.seconds(10, ("style", 1024)) == 25.0
    eta.learn(10, 20.0, ("style", 1024))  # and then what its jobs take
    eta.use_device("cpu", 2.5)
    assert eta.seconds(10, ("style", 1024)) == 20.0
    assert kind(spec_of(plan(POLICY, 0.5))) == ("style", 1024)


def test_a_running_jobs_time_left_hands_over_from_the_hosts_rate_to_the_engines():
    eta = EtaModel(seconds_per_unit=1.0, overhead=0.0)
    assert eta.left(100, None, 0.0, 900.0) == 100  # at the start the engine has timed only 128-px steps
    assert eta.left(100, None, 0.5, 80.0) == pytest.approx(0.5 * 50 + 0.5 * 80)
    assert eta.left(100, None, 1.0, 0.0) == 0
    assert eta.left(100, None, 0.25, None) == 75


def test_a_countdown_counts_down_and_holds_steady():
    now = [0.0]
    countdown = Countdown(clock=lambda: now[0])
    assert countdown.update(None) is None
    assert countdown.update(120.0) == 120.0
    now[0] = 30.0
    assert countdown.update(100.0) == 90.0  # within a quarter of what it says: it goes on counting down
    assert countdown.update(None) == 90.0
    now[0] = 40.0
    assert countdown.update(200.0) == 200.0  # a real change shows
    now[0] = 500.0
    assert countdown.now() == 1.0  # never "nothing left" while it still paints
