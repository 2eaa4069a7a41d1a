"""Operations: /healthz and /metrics, an engine that dies while idle, and the per-job time limit."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp

from bot.ops.logs import JsonFormatter
from bot.storage import JobStatus

from ..bot_harness import RunningBot, photo_with, prepare, text_message
from ..fake_engine import FakeEngine


async def get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def test_health_metrics_and_an_engine_that_died_while_idle(double, client, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    running = await RunningBot(double, tmp_path, health_port=0).start()
    try:
        port = running.app.bot_data["health"].port
        status, body = await get(port, "/healthz")
        assert status == 200 and '"engine_alive": true' in body and '"queue": 0' in body

        kim = client.user(8001, "Kim")
        await prepare(kim)
        mark = await kim.mark()
        await kim.press("▶ Stylize")
        await kim.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
        for _ in range(50):  # the job is marked done just after its picture is sent
            status, metrics = await get(port, "/metrics")
            lines = dict(line.rsplit(" ", 1) for line in metrics.splitlines() if line and not line.startswith("#"))
            if float(lines['paintbot_jobs{status="done"}']) == 1:
                break
            await asyncio.sleep(0.1)
        assert status == 200 and float(lines['paintbot_jobs{status="done"}']) == 1
        assert float(lines["paintbot_engine_alive"]) == 1 and float(lines["paintbot_queue_length"]) == 0
        assert float(lines["paintbot_last_job_seconds"]) > 0
        # one log line per job event, carrying the job's and the user's ids
        events = [(r.getMessage(), r.user_id) for r in caplog.records if getattr(r, "job_id", None) == 1]
        words = [next(w for w in ("queued", "started", "done") if w in m) for m, _ in events[:3]]
        assert words == ["queued", "started", "done"] and {u for _, u in events} == {8001}

        # the engine process dies while nobody is painting: the probe says so …
        running.engine.kill()  # as if the engine process were killed
        for _ in range(50):
            status, body = await get(port, "/healthz")
            if status == 503:
                break
            await asyncio.sleep(0.1)
        assert status == 503 and "engine down" in body
        # … and the next picture still comes: a fresh engine is started for it
        mark = await kim.mark()
        await kim.press("🔁 Again")
        await kim.wait_for(lambda e: text_message(e, "Settings for your next picture"), since=mark)
        await kim.press("▶ Stylize")
        await kim.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=90)
        assert (await get(port, "/healthz"))[0] == 200
    finally:
        await running.stop()


async def test_a_job_over_the_time_limit_is_stopped_with_a_message(double, client, tmp_path):
    presets = {"fast": (48, 4), "balanced": (64, 6), "best": (96, 2000)}
    # 2000 steps of 10 ms: 20 s, well over the limit
    running = await RunningBot(
        double, tmp_path, presets=presets, job_time_limit=4.0, engine=FakeEngine(step_seconds=0.01)
    ).start()
    try:
        lea, max_ = client.user(8101, "Lea"), client.user(8102, "Max")
        await prepare(lea)
        await prepare(max_, seed=1)
        await lea.press("⚙ Settings")
        await lea.wait_for(lambda e: e["kind"] == "edit" and "Best" in str(e["after"].get("reply_markup")))
        await lea.press("Best")
        await lea.wait_for(lambda e: e["kind"] == "edit" and "• Best" in str(e["after"].get("reply_markup")))
        mark = await lea.mark()
        await lea.press("▶ Stylize")
        await max_.press("▶ Stylize")
        failed = await lea.wait_for(lambda e: photo_with(e, "took longer than"), since=mark, timeout=60)
        assert "Try the fast quality" in failed["message"]["caption"]
        await max_.wait_for(lambda e: photo_with(e, "Done in"), timeout=60)  # the next user is served
        jobs = {job.user_id: job for job in await running.settled_jobs()}
        assert jobs[8101].status == JobStatus.FAILED and jobs[8101].error_code == "time_limit"
        assert jobs[8102].status == JobStatus.DONE
    finally:
        await running.stop()


def test_json_log_lines_carry_ids_and_never_the_token():
    token = "123456:SECRET-token_that_must_not_leak"
    formatter = JsonFormatter([token])
    record = logging.LogRecord("bot.jobs", logging.INFO, __file__, 1, "job %s done via %s", (7, token), None)
    record.job_id, record.user_id, record.seconds = 7, 42, 1.5
    line = formatter.format(record)
    event = json.loads(line)
    assert "\n" not in line and token not in line
    assert event["message"] == "job 7 done via <token>" and event["level"] == "info"
    assert (event["job_id"], event["user_id"], event["seconds"]) == (7, 42, 1.5)


async def _painting(user, since: int) -> None:
    await user.wait_for(
        lambda e: e["kind"] == "edit" and "%" in e["after"].get("caption", "") and "… 0%" not in e["after"]["caption"],
        since=since,
        timeout=30,
    )


async def test_engine_crashes_mid_job_retry_once_then_fail_with_a_message(double, client, tmp_path):
    slow = {"fast": (64, 120), "balanced": (64, 120), "best": (64, 120)}
    running = await RunningBot(
        double, tmp_path, presets=slow, progress_interval=0.2, engine=FakeEngine(step_seconds=0.02)
    ).start()
    try:
        pia, quinn = client.user(8201, "Pia"), client.user(8202, "Quinn")
        await prepare(pia)
        await prepare(quinn, seed=1)

        # one crash: the engine is restarted and the job painted again, delivered once
        mark = await pia.mark()
        await pia.press("▶ Stylize")
        await _painting(pia, mark)
        first_engine = running.engine.starts
        running.engine.kill()
        await pia.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=120)
        assert running.engine.starts == first_engine + 1
        (job,) = await running.settled_jobs()
        assert job.status == JobStatus.DONE and job.attempts == 2

        # two crashes of the same job: it fails with a plain message, and the next user is served
        mark = await quinn.mark()
        await quinn.press("▶ Stylize")
        for _ in range(2):
            edits = await quinn.mark()
            await _painting(quinn, edits)
            running.engine.kill()
        failed = await quinn.wait_for(
            lambda e: e["kind"] == "edit" and "could not paint" in e["after"].get("caption", ""), since=mark, timeout=60
        )
        assert "engine stopped unexpectedly" in failed["after"]["caption"]
        jobs = {job.user_id: job for job in await running.settled_jobs()}
        assert jobs[8202].status == JobStatus.FAILED and jobs[8202].error_code == "engine_crashed"
        assert await engine_comes_back(running)  # a fresh engine waits for the next job
    finally:
        await running.stop()


async def engine_comes_back(running) -> bool:
    for _ in range(100):
        if running.engine.alive:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_lost_connection_nobody_awaited_is_one_warning_and_a_bug_stays_an_error(caplog):
    """asyncpg leaves a future failed with "unexpected connection_lost() call" when a connection
    attempt is abandoned during a PostgreSQL restart: one WARNING line, not an ERROR's traceback."""
    import gc

    from bot.ops.logs import setup_logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    setup_logging()  # (it installs the filter on asyncio's logger; the test's handlers are put back)
    root.handlers[:], root.level = handlers, level
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.WARNING, logger="asyncio"):
        for exc in (ConnectionError("unexpected connection_lost() call"), ValueError("a bug")):
            future = loop.create_future()
            future.set_exception(exc)
            del future
            gc.collect()  # asyncio reports the unretrieved exception as the future is collected
    (lost,) = [r for r in caplog.records if "connection_lost" in r.getMessage()]
    (bug,) = [r for r in caplog.records if r.exc_info and isinstance(r.exc_info[1], ValueError)]
    assert lost.levelname == "WARNING" and lost.exc_info is None and "never retrieved" in lost.getMessage()
    assert bug.levelname == "ERROR"
