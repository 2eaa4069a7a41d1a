"""Moving pictures in the engine (engine.video): clips in and out with their frame rate and sound
(PyAV), and a painted clip kept steady along the source's motion — on clips these tests make."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from engine.errors import ImageError
from engine.results import CUT
from engine.settings import InstantSettings
from engine.video import clips
from engine.video.paint import paint_clip
from engine.video.steady import warping_error

from ..clips import make_clip, make_uneven_clip, mux, turn_quarter_clockwise
from ..conftest import picture, stripes


def streams(path) -> list[tuple[str, str]]:
    import av

    with av.open(str(path)) as container:
        return [(s.type, s.codec_context.name) for s in container.streams]


def test_a_clip_goes_in_and_out_with_its_frames_rate_and_sound(tmp_path):
    source = make_clip(tmp_path / "in.mp4", size=(97, 63))  # odd sizes: yuv420p wants even ones
    info = clips.probe(source)
    assert (info.fps, info.frames, info.has_audio) == (Fraction(12), 24, True) and info.seconds == pytest.approx(2.0)
    size = clips.even_size(info.size, 96)
    assert size[0] % 2 == 0 and size[1] % 2 == 0 and max(size) <= 96
    frames = list(clips.frames(source, size))
    assert len(frames) == 24 and frames[0].shape == (size[1], size[0], 3)
    out = tmp_path / "out.mp4"
    assert clips.write(out, (255 - f for f in frames), info.fps, sound_from=source) == 24
    again = clips.probe(out)
    assert (again.fps, again.frames, again.has_audio, again.size) == (Fraction(12), 24, True, size)
    assert streams(out) == [("video", "h264"), ("audio", "aac")]
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")  # the index first: phones play it while it loads
    silent = tmp_path / "silent.mp4"
    clips.write(silent, frames, info.fps, sound_from=make_clip(tmp_path / "quiet.mp4", sound=False))
    assert streams(silent) == [("video", "h264")]


def test_what_is_not_a_clip_says_so(tmp_path):
    (tmp_path / "notes.txt").write_text("not a video")
    for path, code in ((tmp_path / "notes.txt", "not_video"), (tmp_path / "missing.mp4", "not_found")):
        with pytest.raises(ImageError) as info:
            clips.probe(path)
        assert info.value.code == code
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(make_clip(tmp_path / "whole.mp4").read_bytes()[:300])  # truncated before any frame
    with pytest.raises(ImageError):
        clips.probe(cut)


def test_fast_uneven_and_long_clips_are_read_at_a_steady_rate_and_cut_to_length(tmp_path):
    fast = make_clip(tmp_path / "fast.mp4", frames=60, fps=60, sound=False)  # 1 s at 60 fps
    assert clips.rate(clips.probe(fast), 30) == 30
    assert len(list(clips.frames(fast, fps=30))) == 30  # every other frame
    assert len(list(clips.frames(fast, fps=30, seconds=0.5))) == 15
    assert len(list(clips.frames(fast))) == 60  # as it is, unless asked
    # a frame held 280 ms becomes 7 frames at 25 fps; the others one each: the length is kept
    uneven = make_uneven_clip(tmp_path / "uneven.mp4", [0, 40, 80, 120, 400, 440, 480, 520, 560, 600])
    levels = [round(float(f[0, 0, 0]) / 25) for f in clips.frames(uneven, fps=25)]
    assert levels[:11] == [0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 4] and levels[-1] == 9


def test_a_phone_video_held_upright_is_read_and_painted_upright(tmp_path):
    import av

    source = tmp_path / "landscape.mp4"
    out = av.open(str(source), "w")
    video = out.add_stream("libx264", rate=12)
    video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
    for _ in range(6):
        frame = np.zeros((48, 64, 3), np.uint8)
        frame[:, :10] = 255  # a white band down its left edge, as stored
        mux(out, video.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
    mux(out, video.encode())
    out.close()
    phone = turn_quarter_clockwise(source, tmp_path / "phone.mp4")
    info = clips.probe(phone)
    assert (info.size, info.rotation) == ((48, 64), 270)  # shown portrait
    upright = next(clips.frames(phone))
    assert upright.shape == (64, 48, 3) and upright[:8].mean() > 200 and upright[-8:].mean() < 30  # left → top
    written = tmp_path / "again.mp4"
    clips.write(written, clips.frames(phone), info.fps)
    again = clips.probe(written)
    assert (again.size, again.rotation) == ((48, 64), 0)  # written upright: no player has to turn it


@pytest.fixture(scope="module")
def painter():
    from engine.instant import InstantPainter

    return InstantPainter()


def test_a_painted_clip_keeps_its_frames_and_sound_and_flickers_less_when_steadied(painter, tmp_path):
    source = make_clip(tmp_path / "in.mp4", frames=16, size=(128, 96), step=3)
    style = stripes(96, 96, period=8)
    settings = InstantSettings(size=128)
    steady = paint_clip(painter, source, [style], tmp_path / "steady.mp4", settings)
    alone = paint_clip(painter, source, [style], tmp_path / "alone.mp4", settings, carry=0.0)
    assert (steady.frames, steady.fps, steady.has_audio, steady.size) == (16, 12.0, True, (128, 96))
    assert streams(steady.path) == [("video", "h264"), ("audio", "aac")]

    def flicker(path) -> float:
        src, out = list(clips.frames(source, (128, 96))), list(clips.frames(path))
        return float(np.mean([warping_error(src[i - 1], src[i], out[i - 1], out[i]) for i in range(1, len(out))]))

    assert flicker(steady.path) < 0.8 * flicker(alone.path)  # the motion is carried, not repainted
    seen = []
    paint_clip(painter, source, [style], tmp_path / "counted.mp4", settings, callback=lambda i, n, s, _: seen.append(i))
    assert seen == list(range(1, 17))


def test_a_long_fast_clip_is_painted_from_its_start_at_a_steady_rate(painter, tmp_path):
    from engine.modes.video import VideoSettings, run

    source = make_clip(tmp_path / "long.mp4", frames=72, fps=24, size=(64, 48), step=1)  # 3 s
    settings = VideoSettings(size=64, max_seconds=1.0, max_fps=12)
    result = run(painter, {"content": str(source), "styles": [stripes(64, 64)]}, settings)
    info = clips.probe(result.file)
    assert (info.fps, info.frames, info.has_audio) == (12, 12, True) and info.seconds == pytest.approx(1.0, abs=0.1)
    assert result.codes == (CUT,) and "first 1 s of the 3 s" in result.warnings[0].text


def test_the_command_line_paints_a_clip_and_says_what_is_wrong(tmp_path):
    import subprocess
    import sys

    from ..bot_harness import ROOT

    source = make_clip(tmp_path / "in.mp4", frames=8, size=(64, 48))
    stripes(64, 64).save(tmp_path / "style.png")

    def cli(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "engine", "video", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)

    done = cli(str(source), str(tmp_path / "style.png"), "-o", str(tmp_path / "out.mp4"), "--size", "64", "-q")
    assert done.returncode == 0, done.stderr
    assert "8 frames at 12 fps, with its sound" in done.stdout and clips.probe(tmp_path / "out.mp4").frames == 8
    gatys = cli(str(source), str(tmp_path / "style.png"), "-o", str(tmp_path / "g.mp4"), "--size", "64", "--gatys",
                "--steps", "2", "--device", "cpu", "-q")  # fmt: skip
    assert gatys.returncode == 0, gatys.stderr
    assert "8 frames" in gatys.stdout and clips.probe(tmp_path / "g.mp4").has_audio
    (tmp_path / "notes.txt").write_text("not a video")
    wrong = cli(str(tmp_path / "notes.txt"), str(tmp_path / "style.png"), "-o", str(tmp_path / "x.mp4"))
    assert wrong.returncode == 2 and wrong.stderr.startswith("error: The video") and "Traceback" not in wrong.stderr


async def test_an_engine_process_without_torch_paints_a_video_job_with_progress_and_a_painted_frame(tmp_path):
    """The video mode is a mode like any other: a JobSpec in (a clip by role, a video out), events
    out, the clip as the job's artifact — painted by the instant engine process, which has no torch."""
    from worker.local import LocalEngine
    from worker.protocol import FINAL, EventKind, JobSpec, Media, Output

    source = make_clip(tmp_path / "in.mp4", frames=8, size=(64, 48))
    stripes(64, 64).save(tmp_path / "style.png")
    engine = LocalEngine(device="cpu", start_timeout=60.0, modes=("video",))
    capabilities = await engine.start()
    try:
        assert capabilities.families == ("video",) and engine.slots("video") == 1 and engine.slots("picture") == 0
        inputs = {"content": {"path": str(source), "media": "video"}, "styles": [str(tmp_path / "style.png")]}
        spec = JobSpec("video", inputs, Output(str(tmp_path / "out.mp4"), Media.VIDEO), {"size": 64},
                       preview_dir=str(tmp_path))  # fmt: skip
        await engine.submit("clip", spec)
        seen = [await engine.next_event("clip", 60)]
        while seen[-1].kind not in FINAL:
            seen.append(await engine.next_event("clip", 60))
        done = seen[-1]
        assert done.kind == EventKind.DONE, done
        assert done.result.media == Media.VIDEO and done.size == (64, 48) and done.steps == 8
        assert clips.probe(done.output).frames == 8 and streams(done.output) == [("video", "h264"), ("audio", "aac")]
        progress = [e for e in seen if e.kind == EventKind.PROGRESS]
        assert [e.step for e in progress] == list(range(1, 9)) and progress[-1].fraction == 1.0
        assert any(e.preview for e in progress)  # a painted frame for the card
        as_picture = JobSpec("video", inputs, str(tmp_path / "still.png"), {"size": 64})
        await engine.submit("still", as_picture)
        last = await engine.next_event("still", 60)
        while last.kind not in FINAL:
            last = await engine.next_event("still", 60)
        assert last.kind == EventKind.FAILED and last.code == "bad_settings"
    finally:
        await engine.stop()


@pytest.mark.parametrize(("kind", "size"), [("video", (64, 48)), ("animation", (64, 48)), ("video_note", (64, 64))])
async def test_a_clip_comes_in_and_goes_back_as_the_kind_it_came_as(running, client, tmp_path, kind, size):
    """The double keeps a person's clip like Telegram (a Video, an Animation, a VideoNote with its
    bytes), and the notifier sends a result by its media kind (a video note's caption follows it)."""
    from bot.storage import Job
    from worker.protocol import Artifact, Media

    from ..bot_harness import buttons

    clip = make_clip(tmp_path / "clip.mp4", frames=12, size=size)
    ann = client.user(7401, "Ann")
    sent = await ann.send_clip(kind, clip)
    described = sent[kind]
    assert described["duration"] == 1 and described["file_size"] == clip.stat().st_size
    shape = (described["length"],) * 2 if kind == "video_note" else (described["width"], described["height"])
    assert shape == size
    with pytest.raises(Exception, match="not a playable clip"):
        await ann.send_clip(kind, b"not a clip at all")
    from telegram import InlineKeyboardMarkup

    from bot.modes.base import png_button

    job = Job(id=41, chat_id=7401, user_id=7401, request_message_id=sent["message_id"], spec={})
    notifier = running.services.dispatcher.notifier
    result = Artifact(str(clip), Media(kind), size)
    delivered = await notifier.deliver(job, result, "🎞 Done in 1 s", None, InlineKeyboardMarkup([[png_button(41)]]))
    log = [e for e in await ann.sent() if e["kind"] == "message"]
    answer = next(e for e in log if kind in e["message"])
    assert answer["method"] == {"video": "sendVideo", "animation": "sendAnimation", "video_note": "sendVideoNote"}[kind]
    assert answer["message"][kind]["file_id"] == delivered and buttons(answer) == ["📄 Full-size PNG"]
    if kind == "video_note":  # no caption on a round note: it follows, in reply to it
        caption = next(e["message"] for e in log if "Done in 1 s" in (e["message"].get("text") or ""))
        assert caption["reply_to_message"]["message_id"] == answer["message"]["message_id"]
    else:
        assert answer["message"]["caption"] == "🎞 Done in 1 s"


def test_a_clip_that_comes_back_to_its_start_loops_without_a_jump(painter, tmp_path):
    source = make_clip(tmp_path / "loop.mp4", frames=20, size=(128, 96), step=3, back=True, sound=False)
    style = stripes(96, 96, period=8)
    settings = InstantSettings(size=128)
    src = list(clips.frames(source, (128, 96)))

    def seam(**options) -> float:
        out = list(clips.frames(paint_clip(painter, source, [style], tmp_path / "o.mp4", settings, **options).path))
        return warping_error(src[-1], src[0], out[-1], out[0])  # the jump from the last frame to the first

    closed, open_ = seam(), seam(close_loops=False)
    assert closed < 0.7 * open_, (closed, open_)


def test_a_painting_comes_with_an_animation_of_how_it_was_painted(tmp_path):
    """The style mode's time-lapse, through the engine process's job loop: the painting as it forms,
    then held, as a second artifact beside the PNG; the card gets only the previews it asked for."""
    import queue

    from engine.painter import Engine
    from engine.settings import StyleSettings
    from worker.protocol import Done, JobSpec, Media, Progress
    from worker.serve import run_job

    picture(96, 64).save(tmp_path / "photo.jpg")
    stripes(64, 64).save(tmp_path / "style.jpg")
    settings = StyleSettings(size=64, steps=20, timelapse=10, preview_every=10)
    spec = JobSpec.style(str(tmp_path / "photo.jpg"), [str(tmp_path / "style.jpg")], str(tmp_path / "job_1.png"),
                         settings, preview_dir=str(tmp_path))  # fmt: skip
    events = queue.Queue()
    run_job(Engine(device="cpu"), "1", spec.to_dict(), events, queue.Queue(), set())
    seen = []
    while not events.empty():
        seen.append(events.get())
    done = seen[-1]
    assert isinstance(done, Done), done
    painting, lapse = done.artifacts
    assert painting.media == Media.PICTURE and painting.path.endswith("job_1.png")
    assert lapse.media == Media.ANIMATION and lapse.path == str(tmp_path / "job_1.timelapse.mp4")
    info = clips.probe(lapse.path)
    frames = list(clips.frames(lapse.path))
    assert info.frames == len(frames) >= 10 + 10 and not info.has_audio
    assert lapse.size == clips.even_size(painting.size, 640)  # its shape, at even sides
    first, last = frames[0].astype(float), frames[-1].astype(float)
    assert np.abs(first - last).mean() > 5  # it changes: the painting forms
    assert np.abs(frames[-2].astype(float) - last).mean() < 2  # and is held at the end
    previews = [e for e in seen if isinstance(e, Progress) and e.preview]
    assert 1 <= len(previews) <= 2  # the card's own pace (every 10 steps), not the time-lapse's


def test_a_busy_clip_is_written_within_the_upload_limit(tmp_path):
    rng = np.random.default_rng(0)
    noise = [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(24)]  # the hardest to compress
    free, capped = tmp_path / "free.mp4", tmp_path / "capped.mp4"
    clips.write(free, noise, Fraction(12))
    clips.write(capped, noise, Fraction(12), seconds=2.0, max_bytes=100_000)
    assert free.stat().st_size > 200_000 and capped.stat().st_size < 1.25 * 100_000
    assert clips.probe(capped).frames == 24


def test_a_clip_painted_by_the_optimisation_flickers_far_less_than_its_frames_painted_alone(tmp_path, monkeypatch):
    """engine.modes.paintclip: each frame from the previous carried along the motion, held to it where
    the flow is consistent — against every frame painted on its own (a scene cut before each)."""
    from engine.modes.paintclip import PaintClipSettings
    from engine.painter import Engine
    from engine.video import steady

    source = make_clip(tmp_path / "in.mp4", frames=4, size=(96, 64), step=3)
    style = stripes(64, 64, period=6)
    engine = Engine(device="cpu")
    settings = PaintClipSettings(size=96, first_steps=10, steps=3)
    seen = []
    steadied = engine.run("paintclip", {"content": str(source), "styles": [style]}, settings,
                          callback=lambda p: seen.append(p.step))  # fmt: skip
    monkeypatch.setattr(steady, "CUT", -1.0)  # every frame a new scene: painted alone, from its instant picture
    alone = engine.run("paintclip", {"content": str(source), "styles": [style]}, settings)
    assert seen == [1, 2, 3, 4] and clips.probe(steadied.file).has_audio

    def flicker(path) -> float:
        src, out = list(clips.frames(source, (96, 64))), list(clips.frames(path))
        return float(np.mean([warping_error(src[i - 1], src[i], out[i - 1], out[i]) for i in range(1, len(out))]))

    assert flicker(steadied.file) < 0.6 * flicker(alone.file)


def write_frames(path, pictures, fps: int = 12):
    """A silent H.264 clip of these pictures."""
    import av

    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = pictures[0].width, pictures[0].height, "yuv420p"
        for frame in pictures:
            mux(out, video.encode(av.VideoFrame.from_image(frame)))
        mux(out, video.encode())
    return path


def test_a_clip_by_region_keeps_the_moving_person_and_paints_the_rest(painter, tmp_path):
    from PIL import Image

    from engine.modes.video import VideoSettings, run
    from engine.results import NO_SUBJECT

    from ..portraits import portrait

    photo, truth = portrait((144, 96))
    shots = [(photo.crop((2 * i, 0, 2 * i + 128, 96)), truth.crop((2 * i, 0, 2 * i + 128, 96))) for i in range(6)]
    source = write_frames(tmp_path / "walk.mp4", [shot for shot, _ in shots])
    settings = VideoSettings(size=128, region="keep_subject")
    done = run(painter, {"content": str(source), "styles": [stripes()]}, settings)
    assert done.warnings == ()
    whole = run(painter, {"content": str(source), "styles": [stripes()]}, settings.replace(region="whole"))
    originals = list(clips.frames(source))

    def differences(path) -> tuple[float, float]:
        """How far the painted frames are from the clip's, on the person (edges aside) and around them."""
        import cv2

        inside, outside = [], []
        for frame, original, (_, mask) in zip(clips.frames(path), originals, shots):
            person = cv2.erode((np.asarray(mask) > 127).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
            differs = np.abs(frame.astype(np.float32) - original.astype(np.float32)).mean(-1)
            inside.append(differs[person].mean())
            outside.append(differs[~person].mean())
        return float(np.mean(inside)), float(np.mean(outside))

    kept, painted = differences(done.file), differences(whole.file)
    assert kept[0] < 0.4 * painted[0]  # the person stays the clip's own …
    assert abs(kept[1] - painted[1]) < 0.15 * painted[1]  # … and around them it is painted as a whole clip is
    assert settings.work > VideoSettings(size=128).work  # finding the subject in every frame costs time

    flat = Image.linear_gradient("L").resize((128, 96)).convert("RGB")
    blank = write_frames(tmp_path / "flat.mp4", [flat] * 4)
    assert NO_SUBJECT in run(painter, {"content": str(blank), "styles": [stripes()]}, settings).codes


async def test_a_clip_job_leaves_no_files_behind_however_it_ends(tmp_path, monkeypatch):
    """Whatever a job writes lives in its own folder, removed when it ends — done, failed or ✖ —
    and a new engine process removes the folder of one that was killed mid-job."""
    from worker.local import LocalEngine
    from worker.protocol import FINAL, EventKind, JobSpec, Media, Output

    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))  # (the engine processes' own temporary folder)
    (tmp_path / "tmp").mkdir()
    root = tmp_path / "tmp" / "paintbot-jobs"
    source = make_clip(tmp_path / "in.mp4", frames=8, size=(64, 48))
    long = make_clip(tmp_path / "long.mp4", frames=240, fps=24, size=(160, 96))
    stripes(64, 64).save(tmp_path / "style.png")

    def spec(clip, style="style.png", out="out.mp4"):
        inputs = {"content": {"path": str(clip), "media": "video"}, "styles": [str(tmp_path / style)]}
        return JobSpec("video", inputs, Output(str(tmp_path / out), Media.VIDEO), {"size": 160, "carry": 0.0})

    async def last_event(engine, job_id, until=FINAL):
        event = await engine.next_event(job_id, 60)
        while event.kind not in until:
            event = await engine.next_event(job_id, 60)
        return event

    def left() -> list[str]:
        """What engines left in their temporary folder (the job folders' root itself aside)."""
        return sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "tmp").rglob("*") if p != root)

    engine = LocalEngine(device="cpu", start_timeout=60.0, modes=("video",))
    await engine.start()
    try:
        await engine.submit("done", spec(source))
        assert (await last_event(engine, "done")).kind == EventKind.DONE and not left()
        (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
        await engine.submit("failed", spec(source, style="broken.png", out="failed.mp4"))
        assert (await last_event(engine, "failed")).kind == EventKind.FAILED and not left()
        await engine.submit("stopped", spec(long, out="stopped.mp4"))
        await last_event(engine, "stopped", until=(EventKind.PROGRESS, *FINAL))
        assert left()  # painting: its folder (the clip so far) is there
        await engine.cancel("stopped")
        assert (await last_event(engine, "stopped")).kind == EventKind.CANCELLED and not left()
        await engine.submit("killed", spec(long, out="killed.mp4"))
        await last_event(engine, "killed", until=(EventKind.PROGRESS, *FINAL))
        engine.kill()
        assert left()  # an engine killed -9 removes nothing…
    finally:
        await engine.stop()
    again = LocalEngine(device="cpu", start_timeout=60.0, modes=("video",))
    await again.start()  # …the next one does, as it starts
    try:
        assert not left()
    finally:
        await again.stop()
