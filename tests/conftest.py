"""Shared fixtures: a real engine on the CPU, small synthetic pictures, and the shared paintings."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from devtools.telegram_double import DoubleClient, TelegramDouble
from engine import Engine

# Opt in to PTB's coming timedelta durations (retry_after etc.), as the bot code does.
os.environ.setdefault("PTB_TIMEDELTA", "1")

SHARED_IMAGES = Path(os.environ.get("SHARED_IMAGES") or Path(__file__).resolve().parents[2] / "shared" / "images")


def picture(width: int = 96, height: int = 64, seed: int = 0) -> Image.Image:
    """A small picture with structure at several scales (gradients, blocks, noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    r = 255 * x / max(1, width - 1)
    g = 255 * y / max(1, height - 1)
    b = 127 + 120 * np.sin(x / 5.0 + seed) * np.cos(y / 7.0)
    rgb = np.stack([r, g, b], axis=-1) + rng.normal(0, 12, (height, width, 3))
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def stripes(width: int = 96, height: int = 64, period: int = 8, colors=((230, 200, 40), (20, 40, 160))) -> Image.Image:
    """A striped 'painting': a strong, simple style."""
    array = np.zeros((height, width, 3), np.uint8)
    for i in range(width):
        array[:, i] = colors[(i // period) % 2]
    return Image.fromarray(array, "RGB")


def encode(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(device="cpu")


@pytest.fixture(scope="session")
def shared_images() -> Path:
    if not (SHARED_IMAGES / "tubingen.jpg").is_file():
        pytest.skip(f"the shared test images are not at {SHARED_IMAGES}")
    return SHARED_IMAGES


@pytest.fixture()
async def double():
    server = TelegramDouble()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture()
async def client(double):
    async with DoubleClient(double.base_url) as control:
        yield control


@pytest.fixture()
async def running(double, tmp_path, request):
    """The bot with tiny presets, polling the double; stopped after the test. It paints with a fake
    engine, or with the real engine process in tests marked ``real_engine`` (the slow smoke set)."""
    from .bot_harness import RunningBot

    real = request.node.get_closest_marker("real_engine") is not None
    bot = await RunningBot(double, tmp_path, real_engine=real).start()
    yield bot
    await bot.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Each phase's report on the test item (``item.rep_call``), for fixtures that act on failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster for the session (tests.postgres); skipped where none is installed."""
    from .postgres import Cluster, binaries

    if binaries() is None:
        pytest.skip("needs PostgreSQL's server binaries (Debian: apt install postgresql)")
    cluster = Cluster()
    url = cluster.start()
    yield url
    cluster.stop()


@pytest.fixture()
async def postgres_url(postgres_server):
    """A fresh database on the session's cluster."""
    from .postgres import new_database

    return await new_database(postgres_server)


@pytest.fixture(autouse=True)
def _tasks_on_sigusr1():
    """``kill -USR1 <pytest>`` prints every asyncio task's stack: what a hung test waits on."""
    import asyncio
    import signal
    import sys

    def dump(*_):
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for task in asyncio.all_tasks(loop) if loop else ():
            print(f"--- {task.get_name()}", file=sys.stderr)
            task.print_stack(file=sys.stderr)
        sys.stderr.flush()

    previous = signal.signal(signal.SIGUSR1, dump)
    yield
    signal.signal(signal.SIGUSR1, previous)
