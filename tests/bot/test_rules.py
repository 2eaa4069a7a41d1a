"""The bot's pure rules, in milliseconds: fair queue, ETA, callback grammar, drafts, quotas, chat settings,
and the job protocol's events."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import drafts, quotas
from bot.domain.chat_settings import KEYS
from bot.jobs.eta import EtaModel, units
from bot.jobs.fair_queue import FairQueue
from bot.storage import Draft
from bot.telegram.callbacks import Action, data, parse, pattern
from engine import StyleSettings
from engine.presets import preset
from worker.protocol import (
    Artifact,
    Cancelled,
    Done,
    Failed,
    JobSpec,
    Media,
    Progress,
    event_from_dict,
    event_to_dict,
    non_defaults,
)


def test_fair_queue_is_round_robin_by_user():
    queue = FairQueue()
    for job, user in [(1, "hal"), (2, "hal"), (3, "hal"), (4, "ida"), (5, "jo"), (6, "ida")]:
        queue.push(job, user)
    assert queue.waiting == (1, 4, 5, 2, 6, 3)  # each user's k-th job after everyone's k-th
    assert queue.pop() == 1 and queue.running == 1
    assert queue.slot_for("hal") == 5  # hal's running job counts too: a new one of his goes last
    assert queue.remove(5) == 1 and queue.remove(5) is None and queue.position(2) == 2
    queue.finish(1)
    queue.push_front(7, "kim")  # a retry goes first
    assert queue.waiting[0] == 7 and queue.position(7) == 1 and queue.position(99) == 0
    assert [queue.pop() for _ in range(len(queue))] == [7, 4, 2, 6, 3] and queue.pop() is None


def test_eta_uses_the_engines_cost_model_and_learns():
    def job(settings: dict) -> JobSpec:
        return JobSpec("style", {"content": "c.jpg", "styles": ["s.jpg"]}, "o.png", settings)

    fast = StyleSettings(**{**preset("fast").__dict__})
    assert units(job(non_defaults(fast))) == pytest.approx(fast.work)  # one cost model for engine and bot
    assert units(job({"size": 512, "steps": 10})) == pytest.approx(4 * units(job({"size": 256, "steps": 10})))
    eta = EtaModel(seconds_per_unit=1.0, overhead=3.0)
    assert eta.seconds(10) == 13.0
    for _ in range(30):
        eta.learn(10, 3.0 + 10 * 0.2)  # the machine turns out 5× faster
    assert eta.seconds_per_unit == pytest.approx(0.2, rel=0.01)
    eta.use_device("cuda")
    assert eta.seconds_per_unit < 0.1


def test_callback_grammar_round_trips_and_refuses_junk():
    for action, argument in [(Action.GO, None), (Action.MIX, 0.25), (Action.CANCEL, 12), (Action.PICK, 3)]:
        parsed = parse(data(action, argument))
        assert parsed.action == action and parsed.argument == (None if argument is None else str(argument))
    # what buttons on messages from the previous release carry still decodes
    assert (
        parse("cancel:7").number == 7
        and parse("q:best").argument == "best"
        and parse("kc").action == Action.KEEP_COLORS
    )
    for junk in ("", "nope", "go:1", "cancel", "cancel:x", "cancel:²", "png:" + "9" * 40, None):
        assert parse(junk) is None, junk
    with pytest.raises(ValueError):
        data(Action.QUALITY, "x" * 70)
    assert pattern(Action.PICK).match("preset:4") and not pattern(Action.PICK).match("presets")


def _draft(**fields) -> Draft:
    return Draft(**{"content_path": None, "style_paths": [], "gamma": 0.5, "options": {}, **fields})


def test_draft_rules_for_pictures():
    draft = _draft()
    assert "Got your photo" in drafts.add_pictures(draft, ["p.jpg"], 10, "")
    assert draft.content_path == "p.jpg" and draft.options["content_message_id"] == 10
    assert "Style saved" in drafts.add_pictures(draft, ["s1.jpg"], 11, "")
    assert "Second style" in drafts.add_pictures(draft, ["s2.jpg"], 12, "")
    assert drafts.add_pictures(draft, ["s3.jpg"], 13, "") == drafts.texts.TOO_MANY_STYLES()
    assert "New photo" in drafts.add_pictures(draft, ["p2.jpg"], 14, "Content")
    assert draft.style_paths == ["s1.jpg", "s2.jpg"] and drafts.ready(draft)
    drafts.swap_roles(draft)
    assert (draft.content_path, draft.style_paths) == ("s1.jpg", ["p2.jpg", "s2.jpg"])

    album = _draft()
    assert "picture 1" in drafts.add_pictures(album, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"], 20, "")
    assert album.content_path == "a.jpg" and album.style_paths == ["b.jpg", "c.jpg"]
    assert "2 styles saved" in drafts.add_pictures(album, ["e.jpg", "f.jpg"], 21, "")  # photo kept
    styled_first = _draft()
    assert "send the photo" in drafts.add_pictures(styled_first, ["s.jpg"], 30, "style")
    assert drafts.missing(styled_first) == drafts.texts.NEED_CONTENT()


def test_quotas_say_why_and_when():
    limits = {"queue_per_user": 1, "jobs_per_user_per_day": 3}
    assert quotas.refusal(0, 2, limits) is None
    assert "already have a picture" in quotas.refusal(1, 0, limits)
    assert "limit here is 2" in quotas.refusal(2, 0, {**limits, "queue_per_user": 2})
    noon = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert "(in 12 hr)" in quotas.refusal(0, 3, limits, now=noon)


def test_chat_setting_values_are_parsed_strictly():
    assert KEYS["size"].parse("512") == 512 and KEYS["keep_colors"].parse("ON") is True
    assert KEYS["brush"].parse("Bold") == "bold" and KEYS["faces"].parse("off") is False
    bad = [("size", "4096"), ("size", "²"), ("quality", "ultra"), ("keep_colors", "maybe"), ("brush", "huge")]
    for key, text in bad:
        with pytest.raises(ValueError, match="not a valid"):
            KEYS[key].parse(text)


def test_events_cross_a_boundary_as_plain_dicts():
    spec = JobSpec.style("c.jpg", ["s.jpg"], "o.png", preset("fast", strength=0.7))
    assert spec.settings == {
        "size": 1024, "steps": 6, "start_size": 128, "coarse_steps": 20, "paint_size": 256, "detail_steps": 4,
        "strength": 0.7,
    }  # fmt: skip
    for event in (
        Progress("1", "optimize", 3, 10, 1.5, 2.0, "p.jpg", 0.1),
        Done("1", (Artifact("o.png", Media.PICTURE, (64, 43)),), 1.0, 6, "cpu", ("smaller",), (2.0,)),
        Failed("1", "not_image", "The content image is not a picture."),
        Cancelled("1"),
    ):
        assert event_from_dict(event_to_dict(event)) == event


def test_one_picture_modes_their_commands_settings_and_buttons():
    from bot import modes
    from bot.domain.policy import Policy
    from bot.modes.dream import depth_of, intensity_of

    found = [modes.by_command(t) for t in ("/texture", "/dream@paintbot x", "/XRAY", "/stylize", "", None)]
    assert [m.name if m else None for m in found] == ["texture", "dream", "reconstruct", None, None, None]
    texture, dream, xray = modes.MODES["texture"], modes.MODES["dream"], modes.MODES["reconstruct"]
    assert (texture.roles, dream.roles, xray.roles) == (("source",), ("content", "guide"), ("content",))  # the engine's
    small = texture.settings(Policy(quality="instant", max_size=100))  # instant: the mode's quickest preset
    assert small["size"] == 100 and small["start_size"] == 50  # capped, and still coarse to fine
    assert "seed" in small and small["preview_every"] >= 1
    assert xray.settings(Policy(quality="best"))["strip"] is True
    dreamt = dream.settings(Policy(quality="balanced", max_size=2048))
    assert dreamt["size"] == 384  # the preset's own size, under the cap
    tiled = texture.variant(small, "tile")
    assert tiled["tileable"] is True and tiled["seed"] != small["seed"] and tiled["size"] == 100
    assert texture.variant(tiled, "tile")["tileable"] is False
    assert dream.variant(dreamt, "things")["layer"] == "relu5_1"
    assert dream.variant(dreamt, "strong")["strength"] == 0.8
    assert dream.variant(dreamt, "another") is None  # a texture's button under a dream
    assert xray.variant({}, "things") is None
    assert depth_of({}) == "patterns" and intensity_of({"strength": 0.75}) == "strong"
    assert dream.chosen_already(dreamt, "patterns") and not dream.chosen_already(dreamt, "things")
    redo = parse(data(Action.REDO, "42.things"))
    assert redo.number == 42 and redo.choice == "things"
    for junk in ("redo:42", "redo:.things", "redo:42.Things", "redo:4x.things", "redo:42.things.more"):
        assert parse(junk) is None, junk


def test_a_groups_language_moves_with_it_when_it_becomes_a_supergroup():
    from bot.domain.languages import Languages

    book = Languages()
    book.set_chat("-5", "ru")
    book.set_chat("-7", "es")
    book.remember(1, "uk")
    assert book.for_person_in(-5, 1) == "ru" and book.for_person_in(-9, 1) == "uk" and book.shared(-9) == "en"
    book.move_chat(-5, -1005)
    assert book.group(-1005) == "ru" and book.group(-5) is None
    book.move_chat(-1005, -7)  # the new chat has its own: it keeps it
    assert book.group(-7) == "es"
    book.choose(1, "zh_Hans")
    assert book.person(1) == "zh_Hans" and book.for_person_in(1, 1) == "zh_Hans"
