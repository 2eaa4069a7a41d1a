"""A job queued by the previous release (settings stored as ``asdict(StyleSettings)`` in ``jobs.params``)
is still painted after the upgrade: migration 0004 keeps it as a version-0 spec, the protocol upgrades it."""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3

from alembic import command

from bot.storage import JobStatus
from bot.storage.db import alembic_config
from engine import StyleSettings
from engine.presets import preset
from worker.protocol import Input, JobSpec, Media, Output

from ..bot_harness import RunningBot, photo_with
from ..conftest import picture, stripes


def _old_release_queues_a_job(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    command.upgrade(alembic_config(url), "0003")  # the schema the previous release left behind
    inputs = tmp_path / "files" / "inputs"
    inputs.mkdir(parents=True)
    picture(160, 120).save(inputs / "photo.jpg")
    stripes(96, 96).save(inputs / "style.png")
    # exactly what the previous release wrote: every StyleSettings field, verbatim
    params = dataclasses.asdict(preset("fast", size=48, steps=4, strength=0.65, keep_colors=True, preview_every=1))
    with sqlite3.connect(tmp_path / "bot.sqlite3") as raw:
        raw.execute("insert into users (id, first_name, banned, created_at) values (9001, 'Old', 0, '2026-11-20')")
        raw.execute("insert into chats (id, type, created_at) values (9001, 'private', '2026-11-20')")
        raw.execute(
            "insert into jobs (chat_id, user_id, status, params, content_path, style_paths, created_at, progress,"
            " attempts, restarted) values (9001, 9001, 'queued', ?, ?, ?, '2026-11-20', 0, 0, 0)",
            (json.dumps(params), str(inputs / "photo.jpg"), json.dumps([str(inputs / "style.png")])),
        )


async def test_a_job_queued_before_the_upgrade_is_painted_after_it(double, client, tmp_path):
    _old_release_queues_a_job(tmp_path)
    double.ensure_chat({"id": 9001, "type": "private"}, {"id": 9001, "first_name": "Old"})
    running = await RunningBot(double, tmp_path).start()  # migrates to head, restores the queue
    try:
        old = client.user(9001, "Old")
        result = await old.wait_for(lambda e: photo_with(e, "Done in"), timeout=30)
        assert "48×36 px · 4 steps" in result["message"]["caption"] and "your colours" in result["message"]["caption"]
        (job,) = await running.settled_jobs()
        assert job.status == JobStatus.DONE and job.spec["version"] == 0  # stored as it was, read upgraded
        ((_, spec),) = running.engine.submitted
        assert spec.version == 2 and spec.paths("styles") == [str(tmp_path / "files" / "inputs" / "style.png")]
        settings = StyleSettings(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.settings.items()})
        assert (settings.size, settings.steps, settings.strength, settings.keep_colors) == (48, 4, 0.65, True)
    finally:
        await running.stop()


async def test_a_version_1_spec_queued_before_media_were_data_is_painted_after(double, client, tmp_path):
    """The release before media were data stored bare paths (version 1): a job it queued still paints."""
    from bot.storage.db import upgrade

    upgrade(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    inputs = tmp_path / "files" / "inputs"
    inputs.mkdir(parents=True)
    picture(160, 120).save(inputs / "photo.jpg")
    stripes(96, 96).save(inputs / "style.png")
    stored = {  # verbatim what that release wrote
        "version": 1, "mode": "style",
        "inputs": {"content": str(inputs / "photo.jpg"), "styles": [str(inputs / "style.png")]},
        "output": str(tmp_path / "files" / "results" / "1.png"),
        "settings": {"size": 48, "steps": 4, "start_size": 32, "preview_every": 1}, "preview_dir": None,
    }  # fmt: skip
    with sqlite3.connect(tmp_path / "bot.sqlite3") as raw:
        raw.execute("insert into users (id, first_name, banned, created_at) values (9002, 'Old', 0, '2026-11-30')")
        raw.execute("insert into chats (id, type, created_at) values (9002, 'private', '2026-11-30')")
        raw.execute("insert into jobs (chat_id, user_id, status, spec, created_at, attempts) "
                    "values (9002, 9002, 'queued', ?, '2026-11-30', 0)", (json.dumps(stored),))  # fmt: skip
    double.ensure_chat({"id": 9002, "type": "private"}, {"id": 9002, "first_name": "Old"})
    running = await RunningBot(double, tmp_path).start()
    try:
        result = await client.user(9002, "Old").wait_for(lambda e: photo_with(e, "Done in"), timeout=30)
        assert "48×36 px" in result["message"]["caption"]
        (job,) = await running.settled_jobs()
        assert job.status == JobStatus.DONE and job.spec["version"] == 1  # stored as it was, read upgraded
        ((_, spec),) = running.engine.submitted
        assert spec.version == 2 and spec.inputs["content"] == (Input(str(inputs / "photo.jpg"), Media.PICTURE),)
        assert spec.output == Output(stored["output"], Media.PICTURE)
    finally:
        await running.stop()


def test_version_0_upgrades_and_unknown_versions_are_refused():
    old = {
        "version": 0,
        "params": {**dataclasses.asdict(StyleSettings(size=96, gamma=0.25)), "a_knob_since_removed": 3},
        "content": "c.jpg",
        "styles": ["a.jpg", "b.jpg"],
        "output": "o.png",
        "preview_dir": None,
    }
    spec = JobSpec.from_dict(old)
    assert spec.mode == "style" and spec.settings == {"size": 96, "gamma": 0.25}
    assert spec.pictures == ["c.jpg", "a.jpg", "b.jpg"]
    assert JobSpec.from_dict(spec.to_dict()) == spec
    assert spec.to_dict()["inputs"]["styles"] == [
        {"path": "a.jpg", "media": "picture"},
        {"path": "b.jpg", "media": "picture"},
    ]
    assert (
        JobSpec.from_dict(spec.to_dict() | {"output": {"path": "o.mp4", "media": "video"}}).output.media == Media.VIDEO
    )
    for bad in ({"version": 99}, {"version": "1"}, {"version": 1, "mode": "style"}):
        try:
            JobSpec.from_dict(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


def test_the_starter_paintings_go_only_into_an_empty_gallery(tmp_path):
    from bot.gallery import resolve
    from bot.storage.db import upgrade

    filled, empty, kept = tmp_path / "filled.sqlite3", tmp_path / "empty.sqlite3", tmp_path / "kept.sqlite3"
    for path in (filled, empty):
        upgrade(f"sqlite:///{path}", "0005")
    upgrade(f"sqlite:///{kept}", "0010")  # an install from before Seated Nude, a starter painting removed
    with sqlite3.connect(kept) as db:
        db.execute("DELETE FROM presets WHERE name = 'scream'")
    with sqlite3.connect(filled) as db:
        db.execute("INSERT INTO presets (name, file_id, path, added_by, created_at) "
                   "VALUES ('mine', 'F1', '/x/mine.jpg', 7, CURRENT_TIMESTAMP)")  # fmt: skip
    for path in (filled, empty, kept):
        upgrade(f"sqlite:///{path}")
    with sqlite3.connect(filled) as db:  # an owner's own gallery gets no starter painting, then or later
        assert db.execute("SELECT name, title FROM presets").fetchall() == [("mine", None)]
    with sqlite3.connect(empty) as db:
        rows = db.execute("SELECT name, painter, year, path FROM presets ORDER BY name").fetchall()
    assert [r[:3] for r in rows] == [
        ("nude", "Amedeo Modigliani", 1917), ("scream", "Edvard Munch", 1893), ("shipwreck", "J. M. W. Turner", 1805),
        ("starry", "Vincent van Gogh", 1889),
    ]  # fmt: skip
    assert all(os.path.isfile(resolve(path)) for *_, path in rows)  # shipped in the package
    with sqlite3.connect(kept) as db:  # Seated Nude joins the starters still there
        assert [n for (n,) in db.execute("SELECT name FROM presets ORDER BY name")] == ["nude", "shipwreck", "starry"]


def test_drafts_keep_their_pictures_and_mix_when_they_move_to_inputs_by_role(tmp_path):
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from bot.storage.db import upgrade
    from bot.storage.models import Draft

    path = tmp_path / "bot.sqlite3"
    upgrade(f"sqlite:///{path}", "0009")
    with sqlite3.connect(path) as raw:
        for user in (1, 2):
            raw.execute("insert into users (id, first_name, banned, created_at) values (?, 'A', 0, '2026-11-30')",
                        (user,))  # fmt: skip
        raw.execute("insert into chats (id, type, created_at) values (1, 'private', '2026-11-30')")
        insert = ("insert into drafts (chat_id, user_id, content_path, style_paths, gamma, options, updated_at) "
                  "values (1, ?, ?, ?, ?, '{}', '2026-11-30')")  # fmt: skip
        raw.execute(insert, (1, "c.jpg", json.dumps(["a.jpg", "b.jpg"]), 0.25))
        raw.execute(insert, (2, None, json.dumps(["s.jpg"]), 0.5))
    upgrade(f"sqlite:///{path}")
    with Session(create_engine(f"sqlite:///{path}")) as session:
        two, one = session.execute(select(Draft).order_by(Draft.user_id)).scalars()
        assert (two.content_path, two.style_paths, two.gamma) == ("c.jpg", ["a.jpg", "b.jpg"], 0.25)
        assert two.inputs["styles"][1] == {"path": "b.jpg", "media": "picture", "weight": 0.75}
        assert (one.content_path, one.style_paths) == (None, ["s.jpg"]) and one.inputs["content"] == []
        two.style_paths = list(reversed(two.style_paths))  # 🔀: the mix stays with the first place
        assert two.style_paths == ["b.jpg", "a.jpg"] and two.gamma == 0.25
