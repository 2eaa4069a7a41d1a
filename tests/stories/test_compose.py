"""The Compose files, read by a real Compose parser (Debian's docker-compose): each deployment shape
starts exactly its own services, and needs only its own settings."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = shutil.which("docker-compose")
pytestmark = pytest.mark.skipif(COMPOSE is None, reason="needs a Compose parser (Debian: apt install docker-compose)")
SHAPES = {
    "compose.yaml": {"bot"},
    "deploy/compose.gpu.yaml": {"bot-gpu"},
    "deploy/compose.scale.yaml": {"postgres", "bot-a", "bot-b", "proxy", "worker"},
}


def services(path: str, env_file: Path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")}
    command = [COMPOSE, "--env-file", str(env_file), "-f", str(ROOT / path), "config", "--services"]
    return subprocess.run(command, env=clean, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("path", ["compose.yaml", "deploy/compose.gpu.yaml"])
def test_a_bot_starts_with_only_the_token_and_alone(path, tmp_path):
    env = tmp_path / ".env"
    env.write_text("TELEGRAM_BOT_TOKEN=123:abc\n")
    done = services(path, env)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == SHAPES[path]


def test_the_scaled_shape_asks_for_its_own_settings_and_starts_its_services(tmp_path):
    env = tmp_path / ".env"
    env.write_text("TELEGRAM_BOT_TOKEN=123:abc\n")
    done = services("deploy/compose.scale.yaml", env)
    assert done.returncode != 0 and "POSTGRES_PASSWORD" in done.stderr
    env.write_text("TELEGRAM_BOT_TOKEN=123:abc\nPOSTGRES_PASSWORD=pw\nWEBHOOK_URL=https://x.example/t\n"
                   "WEBHOOK_SECRET=s3cret_s3cret_s3cret\n")  # fmt: skip
    done = services("deploy/compose.scale.yaml", env)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == SHAPES["deploy/compose.scale.yaml"]
