"""The database gone for a moment (a restart, a failover, the network), told from a wrong statement
and waited out — by the bot's hand-over of jobs and by a worker's report of a job's end — and
procrastinate's own log lines about it kept to one warning."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

#: How long handing a job over, cancelling it or reporting its end waits out a database that went
#: away (a restart, a failover): nothing is failed or lost for the seconds PostgreSQL takes to return.
DATABASE_PATIENCE = 60.0


def database_gone(exc: BaseException) -> bool:
    """Whether procrastinate's ``exc`` says the database could not be reached (not a wrong statement)."""
    import psycopg

    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return isinstance(cause, (psycopg.OperationalError, OSError))


#: What procrastinate's finish_job raises for a job no longer "doing": the leader handed it to another
#: worker (this one was silent past WORKER_STALE_AFTER, as in a network partition) and that one ended it.
ENDED_ELSEWHERE = 'not in "doing" or "todo" status'


class QuietOutages(logging.Filter):
    """procrastinate logs its listener's lost connection as an ERROR with a traceback at every
    database restart (and asyncio, a job task of its that met it); it reconnects by itself and the
    job is handed out again, so that is one WARNING line, not a bug's report. So is a job's end that
    another worker recorded first (the bot takes the first end it is told)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if not record.name.startswith(("procrastinate", "asyncio")) or exc is None:
            return True
        if database_gone(exc):
            why = f"the database is unavailable: {type(exc.__cause__ or exc).__name__}"
        elif ENDED_ELSEWHERE in str(exc.__cause__ or exc):
            why = "the job was ended elsewhere meanwhile: handed to another worker while this one was silent"
        else:
            return True
        as_warning(record, why)
        return True


def as_warning(record: logging.LogRecord, why: str) -> None:
    """Make ``record`` one WARNING line (its first line, and why), without its traceback."""
    record.msg, record.args = f"{record.getMessage().strip().splitlines()[0]} ({why})", None
    record.levelno, record.levelname = logging.WARNING, "WARNING"
    record.exc_info = record.exc_text = None


async def patiently(what: str, call, patience: float = DATABASE_PATIENCE):
    """``call()`` again, backing off, while the database cannot be reached — up to ``patience`` s."""
    from procrastinate.exceptions import ConnectorException

    delay, deadline = 0.25, asyncio.get_running_loop().time() + patience
    while True:
        try:
            return await call()
        except ConnectorException as exc:
            if not database_gone(exc) or asyncio.get_running_loop().time() + delay > deadline:
                raise
            log.warning("%s: the database is unavailable (%s); again in %.1f s", what, exc.__cause__ or exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 4.0)
