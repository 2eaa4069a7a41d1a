"""Logging set-up: one line per event, and the bot token redacted from everything, tracebacks included.

``LOG_FORMAT=json`` writes each event as one JSON object (time, level, logger, message and the
ids an event carries: job_id, user_id, chat_id) for log collectors; the default is plain text.
No personal data beyond ids is logged.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from worker.outages import as_warning

from ..storage.db import unavailable

#: Fields an event may carry (``log.info(..., extra={"job_id": 7})``) that JSON lines include.
FIELDS = ("job_id", "user_id", "chat_id", "status", "seconds", "error_code")


class RedactingFormatter(logging.Formatter):
    def __init__(self, secrets: list[str], fmt: str | None = None):
        super().__init__(fmt)
        self.secrets = [s for s in secrets if s]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "<token>")
        return text

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))


class JsonFormatter(RedactingFormatter):
    def format(self, record: logging.LogRecord) -> str:
        event = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        event.update({name: getattr(record, name) for name in FIELDS if hasattr(record, name)})
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(event, ensure_ascii=False, default=str))


class QuietConnectionLoss(logging.Filter):
    """asyncio reports a future that failed with nobody awaiting it as an ERROR with a traceback.
    asyncpg leaves one behind when a connection attempt is abandoned while PostgreSQL restarts
    ("unexpected connection_lost() call"): the bot has already waited the restart out, so that is one
    WARNING line. Any other such exception stays an ERROR."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and unavailable(exc):
            as_warning(record, f"the database connection was lost: {exc}")
        return True


def setup_logging(token: str = "", level: int = logging.INFO, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter([token]))
    else:
        handler.setFormatter(RedactingFormatter([token], "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request is noise
    logging.getLogger("procrastinate").setLevel(logging.WARNING)  # one line per deferred job, likewise
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, QuietConnectionLoss) for f in asyncio_log.filters):
        asyncio_log.addFilter(QuietConnectionLoss())
